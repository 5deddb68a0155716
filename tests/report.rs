//! `hps report` and `hps best --importance` on a real small study: replayed digits curves (the
//! `lookup` trainer, so it runs in a second) under Hyperband with ν-SVR early stopping, and a
//! dropout value that has no recorded curve, so some trials fail.

use std::path::Path;

use hps::report::svg::{esc, number};
use hps::storage::{TrialRecord, TrialState};

use crate::support::{chromium, console_messages, headless, hps, run_study, stored_trials};

fn source() -> String {
    let curves = Path::new(env!("CARGO_MANIFEST_DIR")).join("benches/data/digits_curves.csv");
    format!(
        r#"import "std/nets.hps"
study r {{
  trial     = lookup("{}")
  model     = mlp(width = choice(16, 64, 256), depth = choice(1, 2, 3), drop = choice(0.0, 0.3, 0.5))
  train     = {{ optimizer = choice(sgd, adam), lr = choice(0.0003, 0.001, 0.003, 0.01, 0.03, 0.1), epochs = 27 }}
  objective = maximize val.accuracy
  budget    {{ trials = 40 }}
  scheduler = hyperband(min = 1, max = 27, eta = 3)
  stopping  = svr(min_curves = 4, threshold = 0.9)
  seed      = 4
}}
"#,
        curves.display()
    )
}

/// The text of `<section id="{id}">`.
fn section<'a>(html: &'a str, id: &str) -> &'a str {
    let open = format!("<section id=\"{id}\">");
    let start = html
        .find(&open)
        .unwrap_or_else(|| panic!("no section `{id}`"));
    let end = html[start..].find("</section>").unwrap() + start;
    &html[start..end]
}

/// Checks that every element is closed in order (void elements and `/>` aside), the way a
/// browser's parser would need no repair.
fn assert_balanced(html: &str) {
    const VOID: [&str; 4] = ["meta", "br", "hr", "img"];
    let mut stack: Vec<String> = Vec::new();
    let mut rest = html;
    while let Some(at) = rest.find('<') {
        rest = &rest[at + 1..];
        let end = rest.find('>').expect("a tag is closed");
        let tag = &rest[..end];
        rest = &rest[end + 1..];
        if tag.starts_with('!') {
            continue;
        }
        if let Some(name) = tag.strip_prefix('/') {
            let open = stack
                .pop()
                .unwrap_or_else(|| panic!("</{name}> closes nothing"));
            assert_eq!(open, name, "<{open}> closed by </{name}>");
            continue;
        }
        let name: String = tag
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '-')
            .collect();
        assert!(!name.is_empty(), "a tag without a name: <{tag}>");
        if !tag.ends_with('/') && !VOID.contains(&name.as_str()) {
            stack.push(name);
        }
        // The text of <style> holds no tags.
        if tag == "style" {
            let close = rest.find("</style>").unwrap();
            rest = &rest[close..];
        }
    }
    assert!(stack.is_empty(), "left open: {stack:?}");
}

/// The report's sections that draw a plot.
const PLOT_SECTIONS: [&str; 7] = [
    "history",
    "curves",
    "rungs",
    "parallel",
    "slices",
    "importance",
    "timeline",
];

fn stopped_with_prediction(trials: &[TrialRecord]) -> Vec<&TrialRecord> {
    trials.iter().filter(|t| t.predicted.is_some()).collect()
}

#[test]
fn a_report_draws_every_section_of_a_hyperband_svr_study() {
    let dir = tempfile::tempdir().unwrap();
    run_study(dir.path(), &source());
    let trials = stored_trials(dir.path(), "r");
    let failed: Vec<&TrialRecord> = trials
        .iter()
        .filter(|t| t.state == TrialState::Failed)
        .collect();
    let predicted = stopped_with_prediction(&trials);
    // The study has what every plot needs: failures, early stops, several brackets.
    assert!(!failed.is_empty(), "{trials:?}");
    assert!(!predicted.is_empty(), "{trials:?}");
    assert!(trials.iter().any(|t| t.bracket == Some(1)), "{trials:?}");

    std::fs::create_dir(dir.path().join("out")).unwrap();
    let out = hps(dir.path(), &["report", "r", "-o", "out/page.html"]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let html = std::fs::read_to_string(dir.path().join("out/page.html")).unwrap();
    assert!(html.starts_with("<!DOCTYPE html>"));
    assert_balanced(&html);
    // Self-contained: nothing is fetched, nothing runs.
    for outside in ["http:", "https:", "src=", "<script", "@import", "<link"] {
        assert!(!html.contains(outside), "the page contains `{outside}`");
    }
    // Every plot section has a titled plot with labelled axes and marks in it.
    for id in PLOT_SECTIONS {
        let s = section(&html, id);
        let svg_start = s
            .find("<svg class=\"plot\"")
            .unwrap_or_else(|| panic!("section `{id}` has no plot"));
        let svg = &s[svg_start..s.rfind("</svg>").unwrap()];
        assert!(svg.contains("class=\"title\""), "{id}: no title");
        assert!(svg.contains("class=\"label\""), "{id}: no axis label");
        assert!(
            ["<circle", "<polyline", "<rect"]
                .iter()
                .any(|m| svg.contains(m)),
            "{id}: an empty plot"
        );
    }
    // The history plots every trial with a value.
    let history = section(&html, "history");
    for t in trials
        .iter()
        .filter(|t| t.state.has_ended_stage() && t.value.is_some_and(f64::is_finite))
    {
        assert!(history.contains(&format!("<title>trial {}: ", t.number)));
    }
    // Each stopped trial's prediction is drawn where its stage would have ended.
    let curves = section(&html, "curves");
    for t in &predicted {
        let end = t.target_epochs.unwrap();
        let mark = format!(
            "trial {}: the stopping rule predicted {} at epoch {end}",
            t.number,
            number(t.predicted.unwrap())
        );
        assert!(curves.contains(&mark), "no `{mark}`");
        // Its ±σ band and the value it had to beat.
        let (sigma, reference) = (t.predicted_sigma.unwrap(), t.predicted_reference.unwrap());
        let band = format!(
            "trial {}: predicted {} ± {} (σ) at epoch {end}",
            t.number,
            number(t.predicted.unwrap()),
            number(sigma)
        );
        assert!(curves.contains(&band), "no `{band}`");
        let reference = format!(
            "trial {}: the value it had to beat, {}",
            t.number,
            number(reference)
        );
        assert!(curves.contains(&reference), "no `{reference}`");
    }
    assert_eq!(
        curves.matches("<path class=\"prediction\"").count(),
        predicted.len() + 1,
        "a diamond per prediction and one in the legend"
    );
    // The rungs count trials as the store placed them.
    let rungs = section(&html, "rungs");
    let first = trials.iter().filter(|t| t.bracket == Some(0)).count();
    assert!(
        rungs.contains(&format!("bracket 0, rung 0: {first} entered")),
        "{rungs}"
    );
    // Parameter axes and importances name every parameter; categories are categories.
    let parallel = section(&html, "parallel");
    let importance = section(&html, "importance");
    for name in [
        "model.width",
        "model.depth",
        "model.drop",
        "train.optimizer",
        "train.lr",
    ] {
        assert!(parallel.contains(&format!(">{name}</text>")), "{name}");
        assert!(importance.contains(&format!(">{name}</text>")), "{name}");
    }
    assert!(parallel.contains(">adam</text>") && parallel.contains(">sgd</text>"));
    // Failed trials are listed with their errors.
    let failures = section(&html, "failures");
    for t in &failed {
        assert!(failures.contains(&format!("<td class=\"num\">{}</td>", t.number)));
        assert!(failures.contains(&esc(t.error.as_deref().unwrap())));
    }
}

/// The report of the same study in a real browser: headless Chromium loads the page without a
/// console message, every plot is an SVG with marks in it once the page is laid out, and the page
/// is photographed to `target/tmp/report.png`.
#[test]
fn the_report_renders_in_headless_chromium() {
    let Some(browser) = chromium() else { return };
    let dir = tempfile::tempdir().unwrap();
    run_study(dir.path(), &source());
    let out = hps(dir.path(), &["report", "r", "-o", "page.html"]);
    assert_eq!(out.status.code(), Some(0));
    let url = format!("file://{}", dir.path().join("page.html").display());
    let profile = dir.path().join("profile");
    let dom = headless(&browser, &profile, &url, &["--dump-dom"]);
    assert!(
        dom.status.success(),
        "{}",
        String::from_utf8_lossy(&dom.stderr)
    );
    assert_eq!(console_messages(&dom.stderr), Vec::<String>::new());
    let html = String::from_utf8(dom.stdout).unwrap();
    for id in PLOT_SECTIONS {
        let s = section(&html, id);
        let plots = s.matches("<svg class=\"plot\"").count();
        assert!(plots > 0, "section `{id}` has no plot in the browser's DOM");
        assert!(
            s.contains("<polyline") || s.contains("<circle") || s.contains("<rect"),
            "section `{id}`: empty plots"
        );
    }
    let shot = Path::new(env!("CARGO_TARGET_TMPDIR")).join("report.png");
    let _ = std::fs::remove_file(&shot);
    let taken = headless(
        &browser,
        &profile,
        &url,
        &[
            "--window-size=1280,2400",
            &format!("--screenshot={}", shot.display()),
        ],
    );
    assert!(
        taken.status.success(),
        "{}",
        String::from_utf8_lossy(&taken.stderr)
    );
    let png = std::fs::read(&shot).unwrap();
    assert!(png.starts_with(b"\x89PNG\r\n\x1a\n"), "not a PNG");
    // The IHDR chunk's width and height: the window's size.
    let size = |at: usize| u32::from_be_bytes(png[at..at + 4].try_into().unwrap());
    assert_eq!((size(16), size(20)), (1280, 2400));
    // A page of plots compresses far worse than a blank one (a few kilobytes).
    assert!(png.len() > 50_000, "{} bytes: a blank page?", png.len());
}

#[test]
fn hps_best_prints_importances_that_sum_to_one() {
    let dir = tempfile::tempdir().unwrap();
    run_study(dir.path(), &source());
    let out = hps(dir.path(), &["best", "r", "--importance"]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout).unwrap();
    let header = text
        .lines()
        .position(|l| l.starts_with("importance ("))
        .unwrap();
    let shares: Vec<(String, f64)> = text
        .lines()
        .skip(header + 1)
        .map(|l| {
            let (name, share) = l.trim().rsplit_once(' ').unwrap();
            (name.trim().to_owned(), share.parse().unwrap())
        })
        .collect();
    assert_eq!(shares.len(), 5, "{text}");
    let total: f64 = shares.iter().map(|s| s.1).sum();
    assert!((total - 1.0).abs() < 0.01, "{text}");
    assert!(shares.windows(2).all(|w| w[0].1 >= w[1].1), "{text}");
    // The same store gives the same importances.
    let again = hps(dir.path(), &["best", "r", "--importance"]);
    assert_eq!(String::from_utf8(again.stdout).unwrap(), text);
}

#[test]
fn hps_report_names_what_it_cannot_read_or_write() {
    let dir = tempfile::tempdir().unwrap();
    // No store yet.
    let out = hps(dir.path(), &["report", "r"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("hps run` creates a store"));
    run_study(dir.path(), &source());
    // An unknown study is named, with the studies there are.
    let out = hps(dir.path(), &["report", "nope"]);
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("no study `nope` in the store; studies: r"),
        "{stderr}"
    );
    assert!(!dir.path().join("nope.html").exists());
    // A folder that does not exist cannot take the page.
    let out = hps(dir.path(), &["report", "r", "-o", "missing/page.html"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("cannot write missing/page.html"));
    // Without -o the page is the study's name; with `-o -` it goes to standard output.
    let out = hps(dir.path(), &["report", "r"]);
    assert_eq!(out.status.code(), Some(0));
    let written = std::fs::read_to_string(dir.path().join("r.html")).unwrap();
    let out = hps(dir.path(), &["report", "r", "-o", "-"]);
    assert_eq!(out.status.code(), Some(0));
    let printed = String::from_utf8(out.stdout).unwrap();
    // The pages differ only in the minute they were written.
    let body = |page: &str| page[..page.find("<footer>").unwrap()].to_owned();
    assert_eq!(body(&printed), body(&written));
}

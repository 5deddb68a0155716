//! Every example and standard-library file checks clean, the standard library on disk is the one
//! compiled in, and every example's plan (text and JSON) is snapshot, with no snapshot left over.

use std::collections::BTreeSet;
use std::path::PathBuf;

use hps::semantic::check_paths;

/// The `.hps` files of `dir`, sorted; there must be some.
fn hps_files(dir: &str) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "hps"))
        .collect();
    files.sort();
    assert!(!files.is_empty(), "no .hps file in {dir}");
    files
}

/// A file's name without its extension.
fn stem(path: &std::path::Path) -> String {
    path.file_stem().unwrap().to_str().unwrap().to_owned()
}

#[test]
fn examples_and_stdlib_check_clean() {
    // The standard library checked here is the one compiled into the binary: same files, same text.
    let stdlib = hps_files("stdlib/std");
    let on_disk: Vec<(String, String)> = stdlib
        .iter()
        .map(|p| {
            let name = format!("std/{}", p.file_name().unwrap().to_str().unwrap());
            (name, std::fs::read_to_string(p).unwrap())
        })
        .collect();
    let embedded: Vec<(String, String)> = hps::stdlib::FILES
        .iter()
        .map(|(name, text)| ((*name).to_owned(), (*text).to_owned()))
        .collect();
    assert_eq!(
        on_disk, embedded,
        "stdlib/std and hps::stdlib::FILES differ"
    );
    let mut files = hps_files("examples");
    files.extend(stdlib);
    for file in files {
        let checked = check_paths(std::slice::from_ref(&file)).unwrap();
        assert!(
            checked.diagnostics.is_empty(),
            "{}:\n{}",
            file.display(),
            checked.render_plain(80)
        );
    }
}

#[test]
fn every_example_declares_what_it_shows() {
    for file in hps_files("examples") {
        let text = std::fs::read_to_string(&file).unwrap();
        assert!(
            text.starts_with("// examples/"),
            "{} must open with a comment saying what it shows",
            file.display()
        );
    }
}

#[test]
fn example_plans_are_stable() {
    for file in hps_files("examples") {
        let checked = check_paths(std::slice::from_ref(&file)).unwrap();
        let study = &checked.program.studies[0];
        let plan = hps::lower::plan(study, &checked.program);
        let stem = stem(&file);
        let json = serde_json::to_string_pretty(&plan).unwrap();
        insta::with_settings!({ snapshot_path => "snapshots/plans", prepend_module_to_snapshot => false }, {
            insta::assert_snapshot!(format!("{stem}.text"), plan.render_text());
            insta::assert_snapshot!(format!("{stem}.json"), json);
        });
    }
}

#[test]
fn every_plan_snapshot_has_its_example() {
    let examples: BTreeSet<String> = hps_files("examples").iter().map(|p| stem(p)).collect();
    let orphans: Vec<String> = std::fs::read_dir("tests/snapshots/plans")
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .filter(|name| {
            let example = name
                .strip_suffix(".text.snap")
                .or_else(|| name.strip_suffix(".json.snap"));
            !example.is_some_and(|e| examples.contains(e))
        })
        .collect();
    assert!(
        orphans.is_empty(),
        "snapshots without an example in examples/: {orphans:?}"
    );
}

/// `examples/external_command.hps` runs as shipped: its `train.py` trains every trial, ASHA promotes
/// trials that resume from their checkpoints, and the study finds a good configuration.
#[test]
fn the_external_command_example_runs_its_script() {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("hps.db").display().to_string();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_hps"))
        .args([
            "run",
            "examples/external_command.hps",
            "-q",
            "--storage",
            &store,
        ])
        .env("NO_COLOR", "1")
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let store = hps::storage::open(&store).unwrap();
    let study = store.study("external").unwrap().unwrap();
    let trials = store.trials(study.id).unwrap();
    assert_eq!(trials.len(), 50);
    assert!(
        trials
            .iter()
            .all(|t| t.state != hps::storage::TrialState::Failed),
        "{:?}",
        trials
            .iter()
            .find(|t| t.state == hps::storage::TrialState::Failed)
    );
    // Promoted trials trained on from their checkpoints: some reached the top rung.
    assert!(trials.iter().any(|t| t.epochs == 27), "{trials:?}");
    let best = trials
        .iter()
        .filter_map(|t| t.value)
        .fold(f64::INFINITY, f64::min);
    assert!(best < 0.3, "best val_loss {best}");
}

/// Examples that `every_example_runs` does not run, and why: each is run elsewhere or needs what
/// CI does not have.
const NOT_RUN_HERE: &[(&str, &str)] = &[
    (
        "external_command",
        "runs as shipped in the_external_command_example_runs_its_script",
    ),
    (
        "fashion_cnn",
        "60,000 images: minutes a run; run by hand (`hps run examples/fashion_cnn.hps`)",
    ),
    (
        "fashion_autohas",
        "60,000 images: minutes a run; run by hand (`hps run examples/fashion_autohas.hps`)",
    ),
];

/// Every other example runs as shipped (`task_aware` with the model in `meta/`), but for its budget (three trials and six epochs; an AutoHAS
/// study keeps its own, a few seconds): it exits 0 and its best trial has a value.
#[test]
fn every_example_runs() {
    let budget = regex::Regex::new(r"budget\s*\{[^}]*\}").unwrap();
    let study_name = regex::Regex::new(r"(?m)^study (\w+)").unwrap();
    let mut ran = Vec::new();
    for path in hps_files("examples") {
        let name = stem(&path);
        if NOT_RUN_HERE.iter().any(|(n, _)| *n == name) {
            continue;
        }
        let text = std::fs::read_to_string(&path).unwrap();
        let text = if text.contains("autohas(") {
            text
        } else {
            assert!(budget.is_match(&text), "{name} has no budget");
            budget
                .replace(&text, "budget { trials = 3, epochs = 6 }")
                .into_owned()
        };
        // The copy sits where the example does relative to `meta/`, whose models it may name.
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("examples")).unwrap();
        std::fs::create_dir_all(dir.path().join("meta")).unwrap();
        for model in std::fs::read_dir("meta")
            .unwrap()
            .map(|e| e.unwrap().path())
        {
            if model.extension().is_some_and(|e| e == "hpsmeta") {
                std::fs::copy(&model, dir.path().join(&model)).unwrap();
            }
        }
        let study = study_name.captures(&text).map(|c| c[1].to_owned()).unwrap();
        let file = dir.path().join("examples").join(format!("{name}.hps"));
        std::fs::write(&file, text).unwrap();
        let run = |args: &[&str]| {
            std::process::Command::new(env!("CARGO_BIN_EXE_hps"))
                .args(args)
                .current_dir(dir.path())
                .env("NO_COLOR", "1")
                .output()
                .unwrap()
        };
        let out = run(&["run", "-q", file.to_str().unwrap()]);
        assert_eq!(
            out.status.code(),
            Some(0),
            "{name}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let best = run(&["best", &study]);
        assert_eq!(
            best.status.code(),
            Some(0),
            "{name}: {}",
            String::from_utf8_lossy(&best.stderr)
        );
        ran.push(name);
    }
    assert!(ran.len() >= 5, "{ran:?}");
}

/// A code block in the docs that says it is an example (its first line `// examples/NAME.hps …`) is
/// that example, word for word.
#[test]
fn examples_quoted_in_the_docs_are_the_files() {
    let mut quoted = 0;
    for doc in [
        "README.md",
        "docs/language.md",
        "docs/architecture.md",
        "docs/methods.md",
    ] {
        let text = std::fs::read_to_string(doc).unwrap();
        for block in text.split("```hps\n").skip(1) {
            let block = &block[..block.find("```").unwrap()];
            let Some(name) = block
                .strip_prefix("// examples/")
                .and_then(|rest| rest.split_whitespace().next())
            else {
                continue;
            };
            let file = std::fs::read_to_string(format!("examples/{name}")).unwrap();
            assert_eq!(block, file, "{doc} quotes examples/{name} differently");
            quoted += 1;
        }
    }
    assert!(quoted >= 1, "no example is quoted in the docs");
}

//! Fixture tests: every file under `tests/fixtures/err` must produce diagnostics, every file under
//! `tests/fixtures/ok` none; each file's source and rendered diagnostics (no colour, width 80) are
//! snapshot side by side in `tests/snapshots/`. `INSTA_UPDATE=always cargo test` rewrites them.

use std::path::Path;

use hps::semantic::check_paths;

fn render(path: &Path) -> (String, hps::semantic::Checked) {
    let text = std::fs::read_to_string(path).unwrap();
    let name = format!(
        "tests/fixtures/{}/{}",
        path.parent()
            .unwrap()
            .file_name()
            .unwrap()
            .to_str()
            .unwrap(),
        path.file_name().unwrap().to_str().unwrap()
    );
    // Relative paths, so snapshots do not depend on where the repository is.
    let checked = check_paths(&[Path::new(&name).to_path_buf()]).unwrap();
    let rendered = checked.render_plain(80);
    (
        format!("--- source ---\n{text}\n--- diagnostics ---\n{rendered}"),
        checked,
    )
}

#[test]
fn error_fixtures_report_located_errors() {
    let mut settings = insta::Settings::clone_current();
    settings.set_snapshot_path("snapshots/err");
    settings.set_prepend_module_to_snapshot(false);
    settings.bind(|| {
        insta::glob!("fixtures/err/*.hps", |path| {
            let (snapshot, checked) = render(path);
            assert!(checked.has_errors(), "{} has no error", path.display());
            insta::assert_snapshot!(snapshot);
        });
    });
}

#[test]
fn ok_fixtures_are_clean() {
    let mut settings = insta::Settings::clone_current();
    settings.set_snapshot_path("snapshots/ok");
    settings.set_prepend_module_to_snapshot(false);
    settings.bind(|| {
        insta::glob!("fixtures/ok/*.hps", |path| {
            let (snapshot, checked) = render(path);
            assert!(
                !checked.has_errors(),
                "{} has errors:\n{}",
                path.display(),
                checked.render_plain(80)
            );
            insta::assert_snapshot!(snapshot);
        });
    });
}

#[test]
fn every_code_is_covered_by_an_error_fixture() {
    let mut seen = std::collections::BTreeSet::new();
    for entry in std::fs::read_dir("tests/fixtures/err").unwrap() {
        let path = entry.unwrap().path();
        let (_, checked) = render(&path);
        seen.extend(checked.diagnostics.iter().map(|d| d.code));
    }
    let missing: Vec<&str> = hps::diagnostic::Code::ALL
        .iter()
        .filter(|c| !seen.contains(c) && !hps::diagnostic::Code::RUNTIME.contains(c))
        .map(|c| c.as_str())
        .collect();
    assert!(missing.is_empty(), "no error fixture produces {missing:?}");
}

#[test]
fn five_mistakes_are_reported_together_in_source_order() {
    // The second file puts one mistake inside an architecture, beside a reversed range passed to it.
    for file in ["five_mistakes.hps", "five_mistakes_one_in_arch.hps"] {
        let (_, checked) = render(&Path::new("tests/fixtures/err").join(file));
        let errors: Vec<_> = checked
            .diagnostics
            .iter()
            .filter(|d| d.is_error())
            .collect();
        assert_eq!(errors.len(), 5, "{file}:\n{}", checked.render_plain(80));
        let starts: Vec<usize> = errors.iter().map(|d| d.span.start()).collect();
        let mut sorted = starts.clone();
        sorted.sort_unstable();
        assert_eq!(starts, sorted, "{file}");
        assert!(
            errors.iter().all(|d| d.help.is_some()),
            "{file}: every error carries help"
        );
    }
}

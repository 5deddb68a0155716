//! Every example and standard-library file checks clean, and every example's plan (text and JSON)
//! is snapshot.

use std::path::{Path, PathBuf};

use hps::semantic::check_paths;

fn hps_files(dir: &str) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "hps"))
        .collect();
    files.sort();
    files
}

#[test]
fn examples_and_stdlib_check_clean() {
    let mut files = hps_files("examples");
    files.extend(hps_files("stdlib/std"));
    assert!(
        files.len() >= 8,
        "expected the examples and stdlib files, found {files:?}"
    );
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
        let stem = file.file_stem().unwrap().to_str().unwrap().to_owned();
        let json = serde_json::to_string_pretty(&plan).unwrap();
        insta::with_settings!({ snapshot_path => "snapshots/plans", prepend_module_to_snapshot => false }, {
            insta::assert_snapshot!(format!("{stem}.text"), plan.render_text());
            insta::assert_snapshot!(format!("{stem}.json"), json);
        });
        assert!(Path::new(&file).exists());
    }
}

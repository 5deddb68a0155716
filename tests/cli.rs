//! The `hps` binary: exit codes, output streams, formats.

use std::path::Path;
use std::process::Output;

/// The binary run from the repository's root, so paths like `examples/…` resolve.
fn hps(args: &[&str]) -> Output {
    crate::support::hps(Path::new(env!("CARGO_MANIFEST_DIR")), args)
}

#[test]
fn check_exits_zero_on_clean_files() {
    let out = hps(&["check", "examples/digits_mlp.hps", "stdlib/std/nets.hps"]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stderr).contains("no errors"));
}

#[test]
fn check_exits_one_and_reports_every_error() {
    let out = hps(&["check", "tests/fixtures/err/five_mistakes.hps"]);
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("5 errors"), "{stderr}");
    assert!(stderr.contains("hps::"), "{stderr}");
    assert!(
        stderr.contains("five_mistakes.hps:"),
        "diagnostics name the file and line: {stderr}"
    );
}

#[test]
fn usage_errors_and_unreadable_files_exit_two() {
    assert_eq!(hps(&["check"]).status.code(), Some(2));
    assert_eq!(hps(&["frobnicate"]).status.code(), Some(2));
    let out = hps(&["check", "no/such/file.hps"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("cannot read"));
}

#[test]
fn version_and_help() {
    let out = hps(&["--version"]);
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        format!("hps {}\n", env!("CARGO_PKG_VERSION"))
    );
    for args in [&["--help"][..], &["help"]] {
        let out = hps(args);
        assert_eq!(out.status.code(), Some(0), "{args:?}: {out:?}");
        assert!(out.stderr.is_empty(), "{args:?}: {out:?}");
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(text.contains("Usage: hps <COMMAND>"), "{args:?}: {text}");
        for command in [
            "check", "fmt", "lsp", "plan", "run", "status", "best", "trials", "export",
        ] {
            assert!(
                text.lines()
                    .any(|l| l.trim_start().starts_with(&format!("{command} "))),
                "{args:?} does not list `{command}`: {text}"
            );
        }
    }
}

#[test]
fn plan_prints_json_and_yaml() {
    let out = hps(&["plan", "examples/digits_mlp.hps", "--format", "json"]);
    assert_eq!(out.status.code(), Some(0));
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(json["study"], "digits_mlp");
    let out = hps(&["plan", "examples/digits_mlp.hps", "--format", "yaml"]);
    assert_eq!(out.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&out.stdout).contains("study: digits_mlp"));
}

#[test]
fn plan_refuses_an_unknown_study_and_a_broken_file() {
    let out = hps(&["plan", "examples/digits_mlp.hps", "--study", "nope"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("digits_mlp"));
    let out = hps(&["plan", "tests/fixtures/err/five_mistakes.hps"]);
    assert_eq!(out.status.code(), Some(1));
}

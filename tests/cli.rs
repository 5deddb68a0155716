//! The `hps` binary: exit codes, output streams, formats.

use std::path::Path;
use std::process::Output;

/// The subcommands `hps --help` lists, each with its own `--help`.
const SUBCOMMANDS: [&str; 11] = [
    "check",
    "fmt",
    "lsp",
    "plan",
    "run",
    "status",
    "best",
    "trials",
    "export",
    "report",
    "dashboard",
];

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
        for command in SUBCOMMANDS {
            assert!(
                text.lines()
                    .any(|l| l.trim_start().starts_with(&format!("{command} "))),
                "{args:?} does not list `{command}`: {text}"
            );
        }
    }
}

#[test]
fn issue_17_no_help_shows_rustdoc_syntax() {
    for command in SUBCOMMANDS {
        let out = hps(&[command, "--help"]);
        assert_eq!(out.status.code(), Some(0), "{command}: {out:?}");
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(!text.contains("[`"), "`hps {command} --help`: {text}");
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

/// A store with one finished digits study `s`, in `dir/store/hps.db`.
fn store_with_a_study(dir: &Path) -> std::path::PathBuf {
    let folder = dir.join("store");
    std::fs::create_dir_all(&folder).unwrap();
    std::fs::write(
        folder.join("s.hps"),
        "import \"std/nets.hps\"\ndataset d = builtin(\"digits\")\nstudy s {\n  data = d\n  model = mlp(width = 8)\n  train = { epochs = 1 }\n  budget { trials = 1 }\n}\n",
    )
    .unwrap();
    let out = crate::support::hps(&folder, &["run", "s.hps", "-q"]);
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    folder.join("hps.db")
}

/// The reading commands, each with the store `store`.
fn reading_commands(store: &str) -> [Vec<&str>; 4] {
    [
        vec!["status", "--storage", store],
        vec!["best", "s", "--storage", store],
        vec!["trials", "s", "--storage", store],
        vec!["export", "s", "--storage", store],
    ]
}

#[test]
fn issue_18_reading_commands_never_create_a_store() {
    let dir = tempfile::tempdir().unwrap();
    for args in reading_commands("typo.db") {
        let out = crate::support::hps(dir.path(), &args);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{args:?}: {stderr}");
        assert!(
            stderr.starts_with("error: the store typo.db does not exist;"),
            "{args:?}: {stderr}"
        );
        assert_eq!(stderr.lines().count(), 1, "{stderr}");
        assert!(!dir.path().join("typo.db").exists(), "{args:?} created it");
    }
}

#[test]
fn issue_18_an_empty_store_path_is_a_usage_error() {
    let dir = tempfile::tempdir().unwrap();
    let mut commands = reading_commands("").to_vec();
    commands.push(vec!["run", "s.hps", "--storage", ""]);
    for args in commands {
        let out = crate::support::hps(dir.path(), &args);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {stderr}");
        assert!(stderr.contains("the path is empty"), "{args:?}: {stderr}");
    }
}

#[test]
fn issue_18_reading_commands_read_a_store_they_cannot_write() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let store = store_with_a_study(dir.path());
    let folder = store.parent().unwrap();
    let set = |path: &Path, mode: u32| {
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap();
    };
    // Root may write anything: read as `nobody` then.
    let root = std::process::Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|out| out.stdout.starts_with(b"0\n"));
    if root && !Path::new("/usr/bin/setpriv").exists() {
        eprintln!("skipped: running as root without setpriv to drop privileges");
        return;
    }
    set(dir.path(), 0o755);
    set(folder, 0o555);
    set(&store, 0o444);
    for args in reading_commands("hps.db") {
        let out = if root {
            std::process::Command::new("/usr/bin/setpriv")
                .args(["--reuid=65534", "--regid=65534", "--clear-groups"])
                .arg(env!("CARGO_BIN_EXE_hps"))
                .args(&args)
                .current_dir(folder)
                .env("NO_COLOR", "1")
                .env_remove("HPS_STORAGE")
                .output()
                .unwrap()
        } else {
            crate::support::hps(folder, &args)
        };
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(0), "{args:?}: {stderr}");
        assert!(!out.stdout.is_empty(), "{args:?}");
    }
    set(folder, 0o755);
}

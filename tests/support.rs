//! Helpers shared by the test modules.

use std::path::Path;
use std::process::{Command, Output};

use hps::storage::{self, TrialRecord};

/// The trials of `study` in the store `hps.db` of `dir`, by number.
pub fn stored_trials(dir: &Path, study: &str) -> Vec<TrialRecord> {
    let store = storage::open(dir.join("hps.db").to_str().unwrap()).unwrap();
    let record = store.study(study).unwrap().unwrap();
    store.trials(record.id).unwrap()
}

/// Runs the `hps` binary with `args` in `dir`, without colours or a store from the environment.
pub fn hps(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_hps"))
        .args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .env_remove("HPS_STORAGE")
        .output()
        .unwrap()
}

/// Runs `hps run s.hps -q` in `dir`; the run must succeed.
pub fn run_ok(dir: &Path) {
    let out = hps(dir, &["run", "s.hps", "-q"]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Writes `source` as `s.hps` in `dir` and runs it (see [`run_ok`]).
pub fn run_study(dir: &Path, source: &str) {
    std::fs::write(dir.join("s.hps"), source).unwrap();
    run_ok(dir);
}

/// Headless Chromium for browser tests: `HPS_CHROMIUM`, else `chromium` or `chromium-browser` on
/// the path. `None` when there is none — unless `HPS_REQUIRE_BROWSER` is set (as `.ci/run` does
/// after installing Debian's `chromium`), where a missing browser fails the test instead.
pub fn chromium() -> Option<std::path::PathBuf> {
    let named = std::env::var_os("HPS_CHROMIUM").map(std::path::PathBuf::from);
    let found = named.or_else(|| {
        let path = std::env::var_os("PATH")?;
        std::env::split_paths(&path)
            .flat_map(|dir| ["chromium", "chromium-browser"].map(|name| dir.join(name)))
            .find(|candidate| candidate.is_file())
    });
    assert!(
        found.is_some() || std::env::var_os("HPS_REQUIRE_BROWSER").is_none(),
        "HPS_REQUIRE_BROWSER is set but no Chromium was found (set HPS_CHROMIUM)"
    );
    if found.is_none() {
        eprintln!("no Chromium on this machine: the browser test is skipped");
    }
    found
}

/// Runs headless Chromium on `url` with `args` (`--dump-dom`, `--screenshot=…`), logging the
/// page's console to stderr, with a profile of its own in `profile` and the flags a machine
/// without a network or a display needs.
pub fn headless(browser: &Path, profile: &Path, url: &str, args: &[&str]) -> Output {
    Command::new(browser)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--enable-logging=stderr",
            "--v=0",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .args(args)
        .arg(url)
        .output()
        .unwrap()
}

/// The lines of a headless Chromium's stderr that are the page's console messages (errors and
/// uncaught exceptions among them).
pub fn console_messages(stderr: &[u8]) -> Vec<String> {
    String::from_utf8_lossy(stderr)
        .lines()
        .filter(|l| l.contains(":CONSOLE"))
        .map(str::to_owned)
        .collect()
}

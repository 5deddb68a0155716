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

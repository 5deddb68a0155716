//! What `hps run` tells its user when something is off (issue 17): an objective no trial reports,
//! trials that all fail, a program that does not resume, the best value across runs.

use std::path::Path;
use std::process::Output;

use hps::storage::TrialState;

use crate::support::{hps, stored_trials};

/// A study of `trials` trials of `sh script.sh {x} {epochs}` with `objective`.
fn study(objective: &str, trials: u32) -> String {
    format!(
        "study s {{\n  trial     = command(\"sh script.sh {{x}} {{epochs}}\")\n  params    = {{ x = uniform(0, 1) }}\n  train     = {{ epochs = 2 }}\n  objective = {objective}\n  budget    {{ trials = {trials} }}\n}}\n"
    )
}

/// Writes `script.sh` and `s.hps` into `dir` and runs `hps run s.hps` with `args`.
fn run(dir: &Path, script: &str, source: &str, args: &[&str]) -> Output {
    std::fs::write(dir.join("script.sh"), script).unwrap();
    std::fs::write(dir.join("s.hps"), source).unwrap();
    let mut all = vec!["run", "s.hps"];
    all.extend_from_slice(args);
    hps(dir, &all)
}

/// Prints `val_loss` and `train_loss` for each epoch up to `$2`.
const PRINTS_VAL_LOSS: &str = r#"
i=1
while [ $i -le $2 ]; do
  echo "{\"epoch\": $i, \"val_loss\": $1, \"train_loss\": 0.5}"
  i=$((i+1))
done
"#;

#[test]
fn issue_17_a_trial_that_never_reports_its_objective_fails_and_says_what_it_reported() {
    let dir = tempfile::tempdir().unwrap();
    let out = run(
        dir.path(),
        PRINTS_VAL_LOSS,
        &study("minimize val.loss", 3),
        &[],
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    let trials = stored_trials(dir.path(), "s");
    assert!(!trials.is_empty(), "{stderr}");
    for trial in &trials {
        assert_eq!(trial.state, TrialState::Failed, "{trials:#?}");
        assert_eq!(
            trial.error.as_deref(),
            Some(
                "never reported its objective `val.loss`; it reported `train_loss`, `val_loss`; did you mean `val_loss`?"
            )
        );
    }
    // The first such trial says so on the terminal, once.
    assert_eq!(
        stderr
            .matches("warning: trial 0 never reported its objective `val.loss`")
            .count(),
        1,
        "{stderr}"
    );
    assert_eq!(stderr.matches("warning:").count(), 1, "{stderr}");
    // Named right, the same program completes.
    let dir = tempfile::tempdir().unwrap();
    let out = run(dir.path(), PRINTS_VAL_LOSS, &study("minimize val_loss", 2), &["-q"]);
    assert_eq!(out.status.code(), Some(0));
    assert!(
        stored_trials(dir.path(), "s")
            .iter()
            .all(|t| t.state == TrialState::Complete)
    );
}

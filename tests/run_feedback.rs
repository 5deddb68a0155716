//! What `hps run` tells its user when something is off (issue 17): an objective no trial reports,
//! trials that all fail, a program that does not resume, the best value across runs.

use std::path::Path;
use std::process::Output;

use hps::storage::TrialState;

use crate::support::{hps, stored_trials};

/// A study of `trials` trials of `sh script.sh {x} {epochs} {trial}` with `objective`.
fn study(objective: &str, trials: u32) -> String {
    format!(
        "study s {{\n  trial     = command(\"sh script.sh {{x}} {{epochs}} {{trial}}\")\n  params    = {{ x = uniform(0, 1) }}\n  train     = {{ epochs = 2 }}\n  objective = {objective}\n  budget    {{ trials = {trials} }}\n}}\n"
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
    // Every trial failed, so the run did (item 3).
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    let trials = stored_trials(dir.path(), "s");
    assert_eq!(trials.len(), 3, "{stderr}");
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
    let out = run(
        dir.path(),
        PRINTS_VAL_LOSS,
        &study("minimize val_loss", 2),
        &["-q"],
    );
    assert_eq!(out.status.code(), Some(0));
    assert!(
        stored_trials(dir.path(), "s")
            .iter()
            .all(|t| t.state == TrialState::Complete)
    );
}

/// Refuses its arguments as argparse does: a usage line and an error on stderr, status 2.
const WRONG_FLAG: &str = r#"
echo "usage: train.py [-h] [--lr LR]" >&2
echo "train.py: error: unrecognized arguments: --lrr $1" >&2
exit 2
"#;

#[test]
fn issue_17_a_run_whose_trials_fail_the_same_way_gives_up_and_exits_1() {
    let dir = tempfile::tempdir().unwrap();
    let out = run(
        dir.path(),
        WRONG_FLAG,
        &study("maximize score", 25),
        &["--max-failures", "3"],
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    // Three trials, not 25.
    let trials = stored_trials(dir.path(), "s");
    assert_eq!(trials.len(), 3, "{trials:#?}");
    assert!(trials.iter().all(|t| t.state == TrialState::Failed));
    // The live line of a failed trial shows the end of its stderr.
    let line = stderr
        .lines()
        .position(|l| l.starts_with("trial    0 failed (exited with status 2)"))
        .unwrap_or_else(|| panic!("{stderr}"));
    let next: Vec<&str> = stderr.lines().skip(line + 1).take(2).collect();
    assert!(
        next[0].ends_with("│ usage: train.py [-h] [--lr LR]"),
        "{stderr}"
    );
    assert!(
        next[1].contains("│ train.py: error: unrecognized arguments: --lrr"),
        "{stderr}"
    );
    // The reason, with what to change.
    assert!(
        stderr.contains(
            "error: gave up: 3 trials of this run failed the same way, and none succeeded: exited with status 2"
        ),
        "{stderr}"
    );
    assert!(stderr.contains("--max-failures"), "{stderr}");
    // `hps trials` has an error column.
    let table = hps(dir.path(), &["trials", "s"]);
    let table = String::from_utf8_lossy(&table.stdout);
    assert!(
        table.lines().next().unwrap().ends_with("  error"),
        "{table}"
    );
    assert!(
        table
            .lines()
            .nth(1)
            .unwrap()
            .contains("  exited with status 2: train.py: error: unrecognized arguments: --lrr 0."),
        "{table}"
    );
}

#[test]
fn issue_17_a_run_in_which_every_trial_failed_exits_1_and_0_never_gives_up() {
    let dir = tempfile::tempdir().unwrap();
    let out = run(
        dir.path(),
        WRONG_FLAG,
        &study("maximize score", 4),
        &["-q", "--max-failures", "0"],
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert_eq!(stored_trials(dir.path(), "s").len(), 4);
    assert!(
        stderr.contains(
            "error: every trial of this run failed (4 of 4); the last: exited with status 2"
        ),
        "{stderr}"
    );
    // The default gives up after five.
    let dir = tempfile::tempdir().unwrap();
    let out = run(
        dir.path(),
        WRONG_FLAG,
        &study("maximize score", 25),
        &["-q"],
    );
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(stored_trials(dir.path(), "s").len(), 5);
}

/// Trial 0 reports a score; every other trial fails.
const ONLY_THE_FIRST_SUCCEEDS: &str = r#"
if [ "$3" != 0 ]; then echo "out of memory" >&2; exit 3; fi
echo "{\"epoch\": 1, \"score\": $1}"
echo "{\"epoch\": 2, \"score\": $1}"
"#;

#[test]
fn issue_17_a_run_with_one_success_goes_on_and_exits_0() {
    let dir = tempfile::tempdir().unwrap();
    let out = run(
        dir.path(),
        ONLY_THE_FIRST_SUCCEEDS,
        &study("maximize score", 6),
        &["-q", "--max-failures", "1"],
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    let states: Vec<TrialState> = stored_trials(dir.path(), "s")
        .iter()
        .map(|t| t.state)
        .collect();
    assert_eq!(states.len(), 6, "{states:?}");
    assert_eq!(states[0], TrialState::Complete);
    assert!(
        states[1..].iter().all(|s| *s == TrialState::Failed),
        "{states:?}"
    );
}

/// Ignores `HPS_START_EPOCH`: trains epochs 1 to `$2` whatever it is asked to resume from, and
/// logs the epochs it was asked to start after.
const DOES_NOT_RESUME: &str = r#"
echo "asked to start after $HPS_START_EPOCH" >&2
i=1
while [ $i -le $2 ]; do
  echo "{\"epoch\": $i, \"score\": $1}"
  i=$((i+1))
done
"#;

#[test]
fn issue_17_a_program_that_starts_over_at_a_promotion_is_counted_and_told_once() {
    let dir = tempfile::tempdir().unwrap();
    let source = study("maximize score", 3)
        .replace(
            "epochs = 2 }",
            "epochs = 3 }\n  scheduler = sha(min = 1, max = 3, eta = 3)",
        )
        .replace("trials = 3", "trials = 3, epochs = 100");
    let out = run(dir.path(), DOES_NOT_RESUME, &source, &[]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    let trials = stored_trials(dir.path(), "s");
    let promoted = trials.iter().find(|t| t.epochs == 3).unwrap();
    assert_eq!(promoted.state, TrialState::Complete, "{trials:#?}");
    // The plan counts 3·1 + 1·2 epochs; the promoted trial trained epoch 1 again: 6.
    let store = hps::storage::open(dir.path().join("hps.db").to_str().unwrap()).unwrap();
    let record = store.study("s").unwrap().unwrap();
    assert_eq!(store.epochs_spent(record.id).unwrap(), 6);
    // Said once, with what to do; the trial's line says what it cost.
    let warning = format!(
        "warning: trial {} was asked to go on after epoch 1 (HPS_START_EPOCH=1) but reported epoch 1 again",
        promoted.number
    );
    assert_eq!(stderr.matches(&warning).count(), 1, "{stderr}");
    assert_eq!(stderr.matches("warning:").count(), 1, "{stderr}");
    assert!(
        stderr.contains("when HPS_START_EPOCH is above 0, load it"),
        "{stderr}"
    );
    assert!(
        stderr.contains("│ its trainer started over: 1 epoch trained again"),
        "{stderr}"
    );
}

/// Trial 0 scores 0.9, every later trial 0.5.
const FIRST_IS_BEST: &str = r#"
score=0.5
if [ "$3" = 0 ]; then score=0.9; fi
echo "{\"epoch\": 1, \"score\": $score}"
echo "{\"epoch\": 2, \"score\": $score}"
"#;

#[test]
fn issue_17_a_resumed_run_shows_the_best_of_the_study_not_of_the_run() {
    let dir = tempfile::tempdir().unwrap();
    let out = run(dir.path(), FIRST_IS_BEST, &study("maximize score", 1), &[]);
    assert_eq!(out.status.code(), Some(0));
    // A second run, with a bigger budget: its trial is worse than the first run's.
    let out = run(dir.path(), FIRST_IS_BEST, &study("maximize score", 2), &[]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    let line = stderr
        .lines()
        .find(|l| l.starts_with("trial    1 complete"))
        .unwrap_or_else(|| panic!("{stderr}"));
    assert!(line.ends_with("best 0.9000 #0"), "{line}");
}

/// `--keep-best 2` leaves the trained networks of the two best complete trials only, and
/// `hps best` names the best one's file.
#[test]
fn issue_17_keep_best_keeps_the_best_networks_and_hps_best_names_its_file() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("s.hps"),
        r#"
import "std/nets.hps"
dataset digits = builtin("digits") | split(val = 0.2)
study s {
  data   = digits
  model  = mlp(width = choice(8, 16, 32), depth = 1)
  train  = { optimizer = adam, lr = loguniform(1e-3, 1e-1), epochs = 2 }
  budget { trials = 5 }
  seed   = 4
}
"#,
    )
    .unwrap();
    let out = hps(dir.path(), &["run", "s.hps", "--keep-best", "2"]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains("removed the checkpoints of 3 complete trial(s)"),
        "{stdout}"
    );
    let mut trials = stored_trials(dir.path(), "s");
    assert_eq!(trials.len(), 5);
    trials.sort_by(|a, b| b.value.unwrap().total_cmp(&a.value.unwrap()));
    let kept: Vec<u64> = trials
        .iter()
        .filter(|t| {
            let folder = format!("{:04}", t.number);
            walk(dir.path()).iter().any(|f| {
                f.ends_with("checkpoint.safetensors")
                    && f.parent().is_some_and(|p| p.ends_with(&folder))
            })
        })
        .map(|t| t.number)
        .collect();
    let best_two: Vec<u64> = trials[..2].iter().map(|t| t.number).collect();
    let mut kept_sorted = kept.clone();
    kept_sorted.sort_unstable();
    let mut best_sorted = best_two.clone();
    best_sorted.sort_unstable();
    assert_eq!(kept_sorted, best_sorted);

    let out = hps(dir.path(), &["best", "s"]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    let line = stdout
        .lines()
        .find(|l| l.trim_start().starts_with("network: "))
        .unwrap_or_else(|| panic!("{stdout}"));
    let path = line.trim_start().trim_start_matches("network: ");
    let path = path.split(" (after epoch").next().unwrap();
    assert!(Path::new(path).is_file(), "{path}");
    assert!(path.contains(&format!("{:04}", best_two[0])), "{path}");
}

/// Every file below `dir`.
fn walk(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap().flatten() {
        let path = entry.path();
        if path.is_dir() {
            out.extend(walk(&path));
        } else {
            out.push(path);
        }
    }
    out
}

/// Issue 17 item 9: under Hyperband each finished stage is one line of at most 100 columns with the
/// trial's own parameters, its rung and bracket, its epochs and value, and the best so far.
#[test]
fn issue_17_progress_lines_show_the_trials_own_place_and_parameters_in_100_columns() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("t.hps"),
        r#"
study s {
  trial     = command("sh e.sh")
  params    = { alpha = uniform(0, 1), beta = choice(first, second) }
  train     = { epochs = 3 }
  objective = maximize score
  budget    { trials = 4 }
  scheduler = sha(min = 1, max = 3, eta = 3)
}
"#,
    )
    .unwrap();
    std::fs::write(
        dir.path().join("e.sh"),
        "i=$((HPS_START_EPOCH + 1)); while [ $i -le $HPS_EPOCHS ]; do echo \"{\\\"epoch\\\": $i, \\\"score\\\": 0.$i}\"; i=$((i + 1)); done\n",
    )
    .unwrap();
    let out = hps(dir.path(), &["run", "t.hps"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    let lines: Vec<&str> = stderr.lines().filter(|l| l.starts_with("trial ")).collect();
    assert!(!lines.is_empty(), "{stderr}");
    for line in &lines {
        assert!(
            line.chars().count() <= 100,
            "{} columns: {line}",
            line.chars().count()
        );
    }
    let first = lines
        .iter()
        .find(|l| l.contains("reached rung 0, bracket 0 · 1 ep · score 0.1000"))
        .unwrap_or_else(|| panic!("{stderr}"));
    assert!(first.contains("alpha="), "{first}");
    assert!(
        lines
            .iter()
            .any(|l| l.contains("complete at rung 1, bracket 0 · 3 ep · score 0.3000")),
        "{stderr}"
    );
    assert!(
        lines.iter().any(|l| l.contains("best 0.3000 #")),
        "{stderr}"
    );
}

//! Running studies: reproducibility, resume, crashes (a real `kill -9`), failures, budgets, the
//! store's contents, export, and the library API.

use std::path::Path;
use std::process::{Command, Stdio};

use crate::support::hps;
use std::time::{Duration, Instant};

use hps::Study;
use hps::storage::{self, TrialState};

const QUADRATIC: &str = r#"
study quadratic {
  trial     = custom
  params    = {
    x    = uniform(-3, 3)
    kind = choice(a, b)
    when kind == a { y = int(-2, 2) }
  }
  objective = minimize loss
  budget    { trials = 10 }
  seed      = 7
}
"#;

fn optimize(study: &Study, store: &Path) -> hps::runtime::RunSummary {
    study
        .optimize(store.to_str().unwrap(), |trial| {
            let x = trial.number("x")?;
            let y = trial.number("y").unwrap_or(0.0);
            for epoch in 1..=3 {
                trial.report(epoch, (x - 1.0).powi(2) + y * y + 1.0 / f64::from(epoch));
            }
            Ok(())
        })
        .unwrap()
}

#[test]
fn same_file_and_seed_give_the_same_trials() {
    let dir = tempfile::tempdir().unwrap();
    let study = Study::from_source("q.hps", QUADRATIC).unwrap();
    let a = optimize(&study, &dir.path().join("a.db"));
    let b = optimize(&study, &dir.path().join("b.db"));
    assert_eq!(a.trials.len(), 10);
    let configs = |s: &hps::runtime::RunSummary| {
        s.trials
            .iter()
            .map(|t| (t.params.clone(), t.seed))
            .collect::<Vec<_>>()
    };
    assert_eq!(configs(&a), configs(&b));
    // Conditions are honoured: `y` exists exactly when kind == a.
    for t in &a.trials {
        let kind = t.params["params.kind"].as_str().unwrap();
        assert_eq!(
            t.params.contains_key("params.y"),
            kind == "a",
            "{:?}",
            t.params
        );
        let x = t.params["params.x"].as_f64().unwrap();
        assert!((-3.0..=3.0).contains(&x));
    }
    // A different seed gives different trials.
    let other = Study::from_source(
        "q.hps",
        &QUADRATIC.replace("seed      = 7", "seed      = 8"),
    )
    .unwrap();
    let c = optimize(&other, &dir.path().join("c.db"));
    assert_ne!(configs(&a), configs(&c));
}

#[test]
fn a_second_run_continues_the_study_without_recomputing() {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("hps.db");
    let first = optimize(&Study::from_source("q.hps", QUADRATIC).unwrap(), &store);
    assert_eq!(first.finished_now, 10);
    // Same space, bigger budget: trials 10..15 are added, 0..10 are kept as they were.
    let more =
        Study::from_source("q.hps", &QUADRATIC.replace("trials = 10", "trials = 15")).unwrap();
    let second = optimize(&more, &store);
    assert_eq!(second.finished_now, 5);
    assert_eq!(second.trials.len(), 15);
    assert_eq!(&second.trials[..10], &first.trials[..]);
    // An uninterrupted 15-trial study proposes the same configurations.
    let straight = optimize(&more, &dir.path().join("straight.db"));
    let params = |s: &hps::runtime::RunSummary| {
        s.trials
            .iter()
            .map(|t| t.params.clone())
            .collect::<Vec<_>>()
    };
    assert_eq!(params(&second), params(&straight));
}

#[test]
fn every_epoch_is_stored_and_the_best_is_found() {
    let dir = tempfile::tempdir().unwrap();
    let store_path = dir.path().join("hps.db");
    let summary = optimize(
        &Study::from_source("q.hps", QUADRATIC).unwrap(),
        &store_path,
    );
    let store = storage::open(store_path.to_str().unwrap()).unwrap();
    let study = store.study("quadratic").unwrap().unwrap();
    let curves = store.curves(study.id).unwrap();
    assert_eq!(curves.len(), 10 * 3);
    let best = summary.best.unwrap();
    let min = summary
        .trials
        .iter()
        .filter_map(|t| t.value)
        .fold(f64::INFINITY, f64::min);
    assert_eq!(best.value, Some(min));
    assert!(
        summary
            .trials
            .iter()
            .all(|t| t.state == TrialState::Complete && t.epochs == 3)
    );
}

#[test]
fn a_failing_objective_is_recorded_and_the_study_goes_on() {
    let dir = tempfile::tempdir().unwrap();
    let study = Study::from_source("q.hps", QUADRATIC).unwrap();
    let summary = study
        .optimize(dir.path().join("hps.db").to_str().unwrap(), |trial| {
            if trial.trial() % 3 == 0 {
                return Err(String::from("out of memory"));
            }
            trial.report(1, trial.number("x")?);
            Ok(())
        })
        .unwrap();
    let failed: Vec<_> = summary
        .trials
        .iter()
        .filter(|t| t.state == TrialState::Failed)
        .collect();
    assert_eq!(failed.len(), 4);
    assert!(
        failed
            .iter()
            .all(|t| t.error.as_deref() == Some("out of memory"))
    );
    assert_eq!(summary.trials.len(), 10);
}

#[test]
fn a_changed_space_is_refused_with_a_located_diagnostic() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("epochs.sh"), EPOCHS_SCRIPT).unwrap();
    let file = dir.path().join("s.hps");
    std::fs::write(&file, command_study(0.0, 3)).unwrap();
    crate::support::run_ok(dir.path());
    std::fs::write(
        &file,
        command_study(0.0, 3).replace("uniform(0, 1)", "uniform(0, 2)"),
    )
    .unwrap();
    let out = hps(dir.path(), &["run", "s.hps", "-q"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("hps::study_changed") && stderr.contains("--fresh"),
        "{stderr}"
    );
    // It says what changed (issue 17, item 11).
    assert!(
        stderr.contains("changed since its trials ran: parameter `params.x`"),
        "{stderr}"
    );
    let out = hps(dir.path(), &["run", "s.hps", "-q", "--fresh"]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

const EPOCHS_SCRIPT: &str = r#"
# Prints one JSON line per epoch, sleeping between them; the value depends on x.
i=1
while [ $i -le $2 ]; do
  sleep $3
  echo "{\"epoch\": $i, \"score\": $1}"
  i=$((i+1))
done
"#;

fn command_study(sleep: f64, trials: u32) -> String {
    format!(
        r#"
study s {{
  trial     = command("sh epochs.sh {{x}} {{epochs}} {sleep}")
  params    = {{ x = uniform(0, 1) }}
  train     = {{ epochs = 3 }}
  objective = maximize score
  budget    {{ trials = {trials} }}
}}
"#
    )
}

#[test]
fn kill_9_during_a_run_loses_no_finished_trial() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("epochs.sh"), EPOCHS_SCRIPT).unwrap();
    std::fs::write(dir.path().join("s.hps"), command_study(0.15, 8)).unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_hps"))
        .args(["run", "s.hps", "-q"])
        .current_dir(dir.path())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    // Wait until some trials have finished, then kill the process without warning.
    let store_path = dir.path().join("hps.db");
    let deadline = Instant::now() + Duration::from_secs(60);
    let finished_before_kill = loop {
        std::thread::sleep(Duration::from_millis(100));
        let done = storage::open(store_path.to_str().unwrap())
            .ok()
            .and_then(|s| {
                let study = s.study("s").ok()??;
                Some(
                    s.trials(study.id)
                        .ok()?
                        .into_iter()
                        .filter(|t| t.state == TrialState::Complete)
                        .collect::<Vec<_>>(),
                )
            })
            .unwrap_or_default();
        if done.len() >= 2 || Instant::now() > deadline {
            break done;
        }
    };
    child.kill().unwrap(); // SIGKILL
    child.wait().unwrap();
    assert!(
        finished_before_kill.len() >= 2,
        "no trial finished within a minute"
    );
    crate::support::run_ok(dir.path());
    let store = storage::open(store_path.to_str().unwrap()).unwrap();
    let study = store.study("s").unwrap().unwrap();
    let trials = store.trials(study.id).unwrap();
    assert_eq!(trials.len(), 8);
    assert!(
        trials
            .iter()
            .all(|t| t.state == TrialState::Complete && t.epochs == 3),
        "{trials:?}"
    );
    // Trials finished before the kill were neither lost nor trained again.
    for before in &finished_before_kill {
        let after = trials.iter().find(|t| t.number == before.number).unwrap();
        assert_eq!(after.finished_at, before.finished_at);
        assert_eq!(after.value, before.value);
    }
    // Every trial has exactly its three epochs of curve.
    let curves = store.curves(study.id).unwrap();
    assert_eq!(curves.len(), 8 * 3);
}

#[test]
fn export_round_trips_through_json() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("epochs.sh"), EPOCHS_SCRIPT).unwrap();
    std::fs::write(dir.path().join("s.hps"), command_study(0.0, 4)).unwrap();
    crate::support::run_ok(dir.path());
    let out = hps(dir.path(), &["export", "s", "--format", "json"]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let export: hps::cli::export::Export = serde_json::from_slice(&out.stdout).unwrap();
    // The objective comes with its direction (issue 17, item 11).
    assert_eq!(
        (export.objective.as_str(), export.direction.as_str()),
        ("score", "maximize")
    );
    let store = storage::open(dir.path().join("hps.db").to_str().unwrap()).unwrap();
    let study = store.study("s").unwrap().unwrap();
    assert_eq!(export.trials, store.trials(study.id).unwrap());
    let out = hps(dir.path(), &["export", "s", "--format", "csv", "--curves"]);
    let csv = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        csv.lines().next(),
        Some("trial,epoch,params.x,train.epochs,score")
    );
    assert_eq!(csv.lines().count(), 1 + 4 * 3);
    // The exported curves replay through `lookup`: the same seed gives the same values.
    std::fs::write(dir.path().join("curves.csv"), csv.as_bytes()).unwrap();
    let replay = command_study(0.0, 4)
        .replace("study s", "study replay")
        .replace(
            r#"command("sh epochs.sh {x} {epochs} 0")"#,
            r#"lookup("curves.csv")"#,
        );
    assert!(replay.contains("lookup"), "{replay}");
    std::fs::write(dir.path().join("s.hps"), replay).unwrap();
    crate::support::run_ok(dir.path());
    let values = |study: &str| -> Vec<Option<f64>> {
        crate::support::stored_trials(dir.path(), study)
            .iter()
            .map(|t| t.value)
            .collect()
    };
    assert_eq!(values("replay"), values("s"));
    let out = hps(dir.path(), &["trials", "s"]);
    assert_eq!(String::from_utf8_lossy(&out.stdout).lines().count(), 1 + 4);
    let out = hps(dir.path(), &["status"]);
    assert!(String::from_utf8_lossy(&out.stdout).contains("maximize score"));
    let out = hps(dir.path(), &["best", "s"]);
    assert!(String::from_utf8_lossy(&out.stdout).starts_with("best: trial"));
}

#[test]
fn a_hyperstar_model_that_cannot_be_read_is_a_located_error() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("epochs.sh"), EPOCHS_SCRIPT).unwrap();
    let source = format!(
        "dataset d = builtin(\"digits\")\n{}",
        command_study(0.0, 2).replace(
            "budget",
            "data      = d\n  sampler   = hyperstar(model = \"m.hpsmeta\")\n  budget"
        )
    );
    std::fs::write(dir.path().join("s.hps"), source).unwrap();
    std::fs::write(dir.path().join("m.hpsmeta"), "not a model").unwrap();
    let out = hps(dir.path(), &["run", "s.hps"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr.contains("hps::meta_mismatch")
            && stderr.contains("is not an hps model")
            && stderr.contains("sampler   = hyperstar"),
        "{stderr}"
    );
}

#[test]
fn parallel_trials_overlap_and_propose_what_a_sequential_run_does() {
    let run_with = |parallel: u32| {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("epochs.sh"), EPOCHS_SCRIPT).unwrap();
        let source = command_study(0.2, 6).replace(
            "trials = 6 }",
            &format!("trials = 6, parallel = {parallel} }}"),
        );
        std::fs::write(dir.path().join("s.hps"), source).unwrap();
        crate::support::run_ok(dir.path());
        crate::support::stored_trials(dir.path(), "s")
    };
    let parallel = run_with(3);
    assert!(parallel.iter().all(|t| t.state == TrialState::Complete));
    // Some trial started before another had finished.
    let overlapping = parallel.iter().any(|a| {
        parallel.iter().any(|b| {
            a.number != b.number && a.started_at < b.finished_at && b.started_at < a.finished_at
        })
    });
    assert!(overlapping, "no two trials ran at once: {parallel:?}");
    let sequential = run_with(1);
    let params = |trials: &[hps::storage::TrialRecord]| {
        trials
            .iter()
            .map(|t| (t.number, t.params.clone(), t.seed))
            .collect::<Vec<_>>()
    };
    assert_eq!(params(&parallel), params(&sequential));
}

const HALVING: &str = r#"
study halving {
  trial     = custom
  params    = { x = uniform(0, 10) }
  train     = { epochs = 9 }
  objective = minimize loss
  scheduler = sha(min = 1, max = 9, eta = 3)
  budget    { trials = 9 }
  seed      = 3
}
"#;

/// Runs a study of `x` whose loss after epoch `e` is `x + 1/e`, each epoch taking `delay_ms`;
/// returns the summary and each training call's `(trial, start epoch, max epochs)`.
fn halving_run(
    source: &str,
    dir: &Path,
    delay_ms: u64,
) -> (hps::runtime::RunSummary, Vec<(u64, u32, u32)>) {
    let study = Study::from_source("h.hps", source).unwrap();
    let calls = std::sync::Mutex::new(Vec::new());
    let summary = study
        .optimize(dir.join("hps.db").to_str().unwrap(), |trial| {
            calls
                .lock()
                .unwrap()
                .push((trial.trial(), trial.start_epoch(), trial.max_epochs()));
            let x = trial.number("x")?;
            for epoch in trial.start_epoch() + 1..=trial.max_epochs() {
                std::thread::sleep(std::time::Duration::from_millis(delay_ms));
                trial.report(epoch, x + 1.0 / f64::from(epoch));
            }
            Ok(())
        })
        .unwrap();
    (summary, calls.into_inner().unwrap())
}

#[test]
fn successive_halving_promotes_the_best_and_continues_them_from_where_they_stopped() {
    let dir = tempfile::tempdir().unwrap();
    let (summary, calls) = halving_run(HALVING, dir.path(), 0);
    let trials = &summary.trials;
    assert_eq!(trials.len(), 9);
    // Rung sizes 9 × 1 epoch → 3 × 3 → 1 × 9.
    let reached = |epochs: u32| trials.iter().filter(|t| t.epochs >= epochs).count();
    assert_eq!((reached(1), reached(3), reached(9)), (9, 3, 1));
    // The three promoted after rung 0 are the three smallest x; the winner is the smallest.
    let mut by_x: Vec<_> = trials
        .iter()
        .map(|t| (t.params["params.x"].as_f64().unwrap(), t))
        .collect();
    by_x.sort_by(|a, b| a.0.total_cmp(&b.0));
    assert!(by_x[..3].iter().all(|(_, t)| t.epochs >= 3), "{by_x:?}");
    assert_eq!(by_x[0].1.state, TrialState::Complete);
    assert_eq!(summary.best.as_ref().unwrap().number, by_x[0].1.number);
    assert!(
        trials
            .iter()
            .filter(|t| t.state == TrialState::Stopped)
            .all(|t| t.error.as_deref().unwrap_or("").starts_with("not promoted"))
    );
    // Promotions continue from the last epoch: 9·1 + 3·2 + 1·6 epochs are trained, none twice.
    let trained: u32 = calls.iter().map(|(_, start, max)| max - start).sum();
    assert_eq!(trained, 9 + 3 * 2 + 6);
    assert!(
        calls
            .iter()
            .filter(|(_, start, _)| *start > 0)
            .all(|(_, start, max)| (*start, *max) == (1, 3) || (*start, *max) == (3, 9))
    );
    let store = storage::open(dir.path().join("hps.db").to_str().unwrap()).unwrap();
    let record = store.study("halving").unwrap().unwrap();
    let curves = store.curves(record.id).unwrap();
    assert_eq!(
        curves.len(),
        21,
        "{:?}",
        curves
            .iter()
            .map(|c| (c.trial, c.epoch, &c.name))
            .collect::<Vec<_>>()
    );
}

#[test]
fn hyperband_runs_every_bracket_and_a_resumed_run_finishes_it() {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("hps.db");
    let source = HALVING.replace(
        "sha(min = 1, max = 9, eta = 3)",
        "hyperband(min = 1, max = 9, eta = 3)",
    );
    let objective = |trial: &mut hps::TrialContext<'_>| -> Result<(), String> {
        let x = trial.number("x")?;
        for epoch in trial.start_epoch() + 1..=trial.max_epochs() {
            trial.report(epoch, x + 1.0 / f64::from(epoch));
        }
        Ok(())
    };
    // A first run with room for bracket 0 only (9 trials), then a second with the whole iteration
    // (9 + 5 + 3 = 17 trials): the brackets go on where the first run left them.
    let first = Study::from_source("h.hps", &source)
        .unwrap()
        .optimize(store.to_str().unwrap(), objective)
        .unwrap();
    assert_eq!(first.trials.len(), 9);
    assert!(
        first
            .trials
            .iter()
            .all(|t| t.bracket == Some(0) && t.state.is_finished())
    );
    let all = Study::from_source("h.hps", &source.replace("trials = 9", "trials = 17"))
        .unwrap()
        .optimize(store.to_str().unwrap(), objective)
        .unwrap();
    let in_bracket = |b: u32| all.trials.iter().filter(|t| t.bracket == Some(b)).count();
    assert_eq!((in_bracket(0), in_bracket(1), in_bracket(2)), (9, 5, 3));
    // Bracket 2 (s = 0) trains all three to 9 epochs; bracket 1 starts at 3 epochs.
    assert!(
        all.trials
            .iter()
            .filter(|t| t.bracket == Some(2))
            .all(|t| t.epochs == 9 && t.state == TrialState::Complete)
    );
    assert!(
        all.trials
            .iter()
            .filter(|t| t.bracket == Some(1))
            .all(|t| t.epochs >= 3)
    );
    assert_eq!(&all.trials[..9], &first.trials[..]);
}

#[test]
fn successive_halving_with_parallel_workers_waits_for_each_rung() {
    let dir = tempfile::tempdir().unwrap();
    let study = Study::from_source(
        "h.hps",
        &HALVING.replace("trials = 9 }", "trials = 9, parallel = 3 }"),
    )
    .unwrap();
    let summary = study
        .optimize(dir.path().join("hps.db").to_str().unwrap(), |trial| {
            let x = trial.number("x")?;
            for epoch in trial.start_epoch() + 1..=trial.max_epochs() {
                std::thread::sleep(std::time::Duration::from_millis(5));
                trial.report(epoch, x + 1.0 / f64::from(epoch));
            }
            Ok(())
        })
        .unwrap();
    let reached = |epochs: u32| summary.trials.iter().filter(|t| t.epochs >= epochs).count();
    assert_eq!((reached(1), reached(3), reached(9)), (9, 3, 1));
    let mut xs: Vec<(f64, u32)> = summary
        .trials
        .iter()
        .map(|t| (t.params["params.x"].as_f64().unwrap(), t.epochs))
        .collect();
    xs.sort_by(|a, b| a.0.total_cmp(&b.0));
    assert_eq!(xs[0].1, 9);
    assert!(xs[..3].iter().all(|(_, e)| *e >= 3));
}

#[test]
fn asha_promotes_without_waiting_for_full_rungs_with_two_workers() {
    let dir = tempfile::tempdir().unwrap();
    let source = HALVING
        .replace("sha(min = 1", "asha(min = 1")
        .replace("trials = 9", "trials = 18, parallel = 2");
    let (summary, calls) = halving_run(&source, dir.path(), 2);
    let trials = &summary.trials;
    assert_eq!(trials.len(), 18);
    assert!(trials.iter().all(|t| t.state.is_finished()), "{trials:?}");
    // Each trial trains to a rung's end (1, 3 or 9 epochs), and at least one reached the top.
    assert!(
        trials.iter().all(|t| [1, 3, 9].contains(&t.epochs)),
        "{trials:?}"
    );
    assert!(trials.iter().any(|t| t.epochs == 9));
    // Promotion is asynchronous: some trial was promoted before the last new trial started.
    let first_promotion = calls.iter().position(|(_, start, _)| *start > 0).unwrap();
    let last_start = calls.iter().rposition(|(_, start, _)| *start == 0).unwrap();
    assert!(first_promotion < last_start, "{calls:?}");
    // A promoted trial continues from the epoch it reached.
    for (number, start, max) in &calls {
        assert!(start < max, "trial {number} asked to train {start}..{max}");
        assert!(
            [0, 1, 3].contains(start),
            "trial {number} resumed at {start}"
        );
    }
    // ASHA's rule: at most ⌊n/3⌋ of the 18 trials that finished rung 0 went on.
    assert!(trials.iter().filter(|t| t.epochs >= 3).count() <= 6);
}

/// A trial that finished its rung and waits for the rung's decision is `awaiting` — in the store,
/// `hps trials`, `hps status` and exports — and the next run decides its rung.
#[test]
fn trials_waiting_for_their_rung_are_awaiting_and_a_later_run_decides_them() {
    let dir = tempfile::tempdir().unwrap();
    let curves = Path::new(env!("CARGO_MANIFEST_DIR")).join("benches/data/digits_curves.csv");
    let source = format!(
        r#"import "std/nets.hps"
study s {{
  trial     = lookup("{}")
  model     = mlp(width = choice(16, 64, 256), depth = choice(1, 2, 3), drop = choice(0.0, 0.3))
  train     = {{ optimizer = choice(sgd, adam), lr = choice(0.0003, 0.001, 0.003, 0.01, 0.03, 0.1), epochs = 27 }}
  budget    {{ trials = 9, epochs = 15 }}
  scheduler = sha(min = 3, max = 27, eta = 3)
  seed      = 2
}}
"#,
        curves.display()
    );
    std::fs::write(dir.path().join("s.hps"), &source).unwrap();
    crate::support::run_ok(dir.path());
    // Five trials trained their first rung (3 epochs each) before the epoch budget ended: they
    // wait for the other four of their rung.
    let trials = crate::support::stored_trials(dir.path(), "s");
    let awaiting = trials
        .iter()
        .filter(|t| t.state == TrialState::Awaiting)
        .count();
    assert_eq!((trials.len(), awaiting), (5, 5), "{trials:?}");
    assert!(trials.iter().all(|t| t.error.is_none()), "{trials:?}");
    let table = String::from_utf8_lossy(&hps(dir.path(), &["trials", "s"]).stdout).to_string();
    assert!(table.contains("awaiting"), "{table}");
    let status = String::from_utf8_lossy(&hps(dir.path(), &["status"]).stdout).to_string();
    assert!(
        status.lines().next().unwrap().contains("awaiting"),
        "{status}"
    );
    let export = hps(dir.path(), &["export", "s", "--format", "json"]);
    let json: serde_json::Value = serde_json::from_slice(&export.stdout).unwrap();
    let exported = json["trials"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|t| t["state"] == "awaiting")
        .count();
    assert_eq!(exported, awaiting);
    // With more epochs, the rungs are decided: nothing waits any more.
    std::fs::write(
        dir.path().join("s.hps"),
        source.replace("epochs = 15 }", "epochs = 1000 }"),
    )
    .unwrap();
    crate::support::run_ok(dir.path());
    let trials = crate::support::stored_trials(dir.path(), "s");
    assert!(trials.iter().all(|t| t.state.is_finished()), "{trials:?}");
    // The CSV export splits the store's note: a stopped trial has a `reason` and no `error`;
    // times are RFC 3339 UTC (issue 17, item 11).
    let csv = hps(dir.path(), &["export", "s"]);
    let csv = String::from_utf8_lossy(&csv.stdout).to_string();
    let mut rows = csv.lines();
    let header: Vec<&str> = rows.next().unwrap().split(',').collect();
    let column = |name: &str| header.iter().position(|c| *c == name).unwrap();
    let (state, started, error, reason) = (
        column("state"),
        column("started_at"),
        column("error"),
        column("reason"),
    );
    let rows: Vec<Vec<&str>> = rows.map(|r| r.split(',').collect()).collect();
    let stopped: Vec<&Vec<&str>> = rows.iter().filter(|r| r[state] == "stopped").collect();
    assert!(!stopped.is_empty(), "{csv}");
    assert!(
        stopped
            .iter()
            .all(|r| r[error].is_empty() && !r[reason].is_empty()),
        "{csv}"
    );
    let time = rows[0][started];
    assert!(
        time.len() == 24 && time.as_bytes()[10] == b'T' && time.ends_with('Z'),
        "{time}"
    );
}

/// Three digits trials under `sha(min = 1, max = 3)`: the first run trains rung 0 (one epoch each)
/// and spends its epoch budget, leaving the trials awaiting their rung with checkpoints at epoch 1.
const PROMOTED_LATER: &str = r#"
import "std/nets.hps"
dataset digits = builtin("digits") | split(val = 0.2, seed = 3) | standardize()
study s {
  data      = digits
  model     = mlp(width = choice(16, 32, 64), depth = 1)
  train     = { optimizer = adam, lr = 0.01, batch_size = 64, epochs = 3 }
  scheduler = sha(min = 1, max = 3, eta = 3)
  budget    { trials = 3, epochs = 3 }
}
"#;

/// Runs `hps run a.hps --storage a.db` in `dir` with the epoch budget `epochs`; must succeed.
fn run_a(dir: &Path, epochs: u32) {
    std::fs::write(
        dir.join("a.hps"),
        PROMOTED_LATER.replace("epochs = 3 }\n}", &format!("epochs = {epochs} }}\n}}")),
    )
    .unwrap();
    let out = hps(dir, &["run", "a.hps", "--storage", "a.db", "-q"]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Every trial of study `s` in `store` trained to the end of its stage: none failed.
fn none_failed(dir: &Path, store: &str) -> Vec<hps::storage::TrialRecord> {
    let store = storage::open(dir.join(store).to_str().unwrap()).unwrap();
    let study = store.study("s").unwrap().unwrap();
    let trials = store.trials(study.id).unwrap();
    assert!(
        trials.iter().all(|t| t.state != TrialState::Failed),
        "{trials:#?}"
    );
    assert_eq!(
        trials.iter().map(|t| t.epochs).max(),
        Some(3),
        "{trials:#?}"
    );
    trials
}

#[test]
fn issue_18_stores_of_one_folder_never_touch_each_others_checkpoints() {
    let dir = tempfile::tempdir().unwrap();
    run_a(dir.path(), 3);
    // Another store in the same folder runs a study of the same name, fresh, with other epochs.
    std::fs::write(
        dir.path().join("b.hps"),
        PROMOTED_LATER
            .replace("epochs = 3 }\n  scheduler", "epochs = 2 }\n  scheduler")
            .replace("sha(min = 1, max = 3, eta = 3)", "fifo")
            .replace("epochs = 3 }\n}", "epochs = 100 }\n}"),
    )
    .unwrap();
    let out = hps(
        dir.path(),
        &["run", "b.hps", "--storage", "b.db", "--fresh", "-q"],
    );
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // A's promoted trial resumes from its own checkpoint at epoch 1.
    run_a(dir.path(), 100);
    none_failed(dir.path(), "a.db");
    assert!(dir.path().join("hps-trials/a.db/s/0000").is_dir());
    assert!(dir.path().join("hps-trials/b.db/s/0000").is_dir());
}

#[test]
fn issue_18_a_checkpoint_in_the_old_shared_folder_still_resumes() {
    let dir = tempfile::tempdir().unwrap();
    run_a(dir.path(), 3);
    // As an earlier hps left it: trial folders in `hps-trials/<study>/`, recorded there.
    let old = dir.path().join("hps-trials").join("s");
    std::fs::rename(dir.path().join("hps-trials/a.db/s"), &old).unwrap();
    let mut store = storage::open(dir.path().join("a.db").to_str().unwrap()).unwrap();
    let study = store.study("s").unwrap().unwrap();
    for trial in store.trials(study.id).unwrap() {
        let path = old
            .join(format!("{:04}", trial.number))
            .join("checkpoint.safetensors");
        assert!(path.exists());
        store
            .set_checkpoint(trial.id, 1, path.to_str().unwrap())
            .unwrap();
    }
    drop(store);
    run_a(dir.path(), 100);
    let trials = none_failed(dir.path(), "a.db");
    let promoted = trials.iter().find(|t| t.epochs == 3).unwrap();
    let checkpoint = old
        .join(format!("{:04}", promoted.number))
        .join("checkpoint.safetensors");
    let tensors = candle_core::safetensors::load(&checkpoint, &candle_core::Device::Cpu).unwrap();
    assert_eq!(
        tensors["epoch"].to_vec1::<f64>().unwrap(),
        [3.0],
        "the promoted trial went on in its old folder"
    );
}

#[test]
fn issue_18_a_failed_trial_is_shown_with_the_epochs_the_store_holds() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("fails.sh"),
        "echo '{\"epoch\": 1, \"score\": 0.5}'\necho 'broken' >&2\nexit 3\n",
    )
    .unwrap();
    std::fs::write(
        dir.path().join("s.hps"),
        "study s {\n  trial = command(\"sh fails.sh\")\n  params = { x = uniform(0, 1) }\n  train = { epochs = 3 }\n  objective = maximize score\n  budget { trials = 1 }\n}\n",
    )
    .unwrap();
    let out = hps(dir.path(), &["run", "s.hps"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    // Its only trial failed, so the run did (issue 17, item 3).
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    let line = stderr
        .lines()
        .find(|l| l.contains("failed (exited with status 3)"))
        .unwrap_or_else(|| panic!("no progress line: {stderr}"));
    assert!(line.contains(" · 1 ep"), "{line}");
    let [trial] = crate::support::stored_trials(dir.path(), "s")
        .try_into()
        .unwrap();
    assert_eq!((trial.state, trial.epochs), (TrialState::Failed, 1));
}

/// Issue 18: a run whose stderr is closed early (`hps run … 2>&1 | head -1`) goes on quietly to
/// the end instead of panicking on its next progress line.
#[test]
fn issue_18_a_run_with_its_stderr_closed_finishes() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("epochs.sh"), EPOCHS_SCRIPT).unwrap();
    std::fs::write(dir.path().join("s.hps"), command_study(0.05, 4)).unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_hps"))
        .args(["run", "s.hps"])
        .current_dir(dir.path())
        .env("NO_COLOR", "1")
        .env_remove("HPS_STORAGE")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stderr.take());
    let status = child.wait().unwrap();
    assert_eq!(status.code(), Some(0));
    let trials = crate::support::stored_trials(dir.path(), "s");
    assert_eq!(trials.len(), 4);
}

/// Reports `10` when the `hps run` that started it (its parent) has `CANDLE_NUM_THREADS=1`, `100`
/// more when it has `MALLOC_ARENA_MAX=1`, plus the values of both variables in its own environment
/// (0 when unset).
#[cfg(target_os = "linux")]
const TRAINING_VARIABLES_PROBE: &str = r#"parent=0
environ=$(tr '\0' '\n' < /proc/$PPID/environ)
if echo "$environ" | grep -qx 'CANDLE_NUM_THREADS=1'; then parent=10; fi
if echo "$environ" | grep -qx 'MALLOC_ARENA_MAX=1'; then parent=$((parent + 100)); fi
echo "{\"epoch\": 1, \"score\": $((parent + ${CANDLE_NUM_THREADS:-0} + ${MALLOC_ARENA_MAX:-0}))}"
"#;

/// `hps run` restarts itself (same pid) with Candle's element-wise pool off (`CANDLE_NUM_THREADS=1`)
/// and glibc's allocator in one arena (`MALLOC_ARENA_MAX=1`, among others), and gives trial
/// commands the environment back without them; a value the user set is kept and passed on.
#[cfg(target_os = "linux")]
#[test]
fn run_sets_the_training_variables_unless_the_user_set_them() {
    let source = r#"study s {
  trial     = command("sh probe.sh")
  train     = { epochs = 1 }
  objective = maximize score
  budget    { trials = 1 }
}
"#;
    let cases = [
        (None, None, 110.0),
        (Some("3"), None, 103.0),
        (None, Some("4"), 14.0),
        (Some("3"), Some("4"), 7.0),
    ];
    for (candle, arenas, expected) in cases {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("probe.sh"), TRAINING_VARIABLES_PROBE).unwrap();
        std::fs::write(dir.path().join("s.hps"), source).unwrap();
        let mut command = Command::new(env!("CARGO_BIN_EXE_hps"));
        command
            .args(["run", "s.hps", "-q"])
            .current_dir(dir.path())
            .env("NO_COLOR", "1")
            .env_remove("HPS_STORAGE")
            .env_remove("CANDLE_NUM_THREADS")
            .env_remove("MALLOC_ARENA_MAX")
            .env_remove("HPS_SET_TRAINING_VARIABLES");
        for (name, value) in [("CANDLE_NUM_THREADS", candle), ("MALLOC_ARENA_MAX", arenas)] {
            if let Some(value) = value {
                command.env(name, value);
            }
        }
        let out = command.output().unwrap();
        assert_eq!(
            out.status.code(),
            Some(0),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let out = hps(dir.path(), &["export", "s", "--format", "json"]);
        let export: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!(
            export["trials"][0]["value"].as_f64(),
            Some(expected),
            "user's CANDLE_NUM_THREADS {candle:?}, MALLOC_ARENA_MAX {arenas:?}"
        );
    }
}

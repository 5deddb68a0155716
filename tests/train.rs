//! hps's own trainer on the bundled digits: learning, reproducibility, checkpoint resume, divergence,
//! and data errors reported at the dataset.

use std::collections::BTreeMap;
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::AtomicBool;
use std::time::{Duration, Instant};

use hps::plan::Plan;
use hps::space::{Config, Value};
use hps::storage::{self, TrialState};
use hps::train::trainer::CandleTrainer;
use hps::trial::{Control, EpochMetrics, EpochSink, Trainer, TrialEnd, TrialRun};

fn plan(source: &str) -> Plan {
    let checked = hps::semantic::check_text("t.hps", source, Some(Path::new(".")));
    assert!(!checked.has_errors(), "{}", checked.render_plain(80));
    hps::lower::plan(&checked.program.studies[0], &checked.program)
}

const DIGITS: &str = r#"
import "std/nets.hps"
dataset digits = builtin("digits") | split(val = 0.2, seed = 3) | standardize()
study s {
  data  = digits
  model = mlp(width = 32, depth = 1, drop = 0.1)
  train = { optimizer = adam, lr = 0.01, batch_size = 64, epochs = 4 }
}
"#;

struct Collect(Vec<EpochMetrics>, Option<u32>);

impl EpochSink for Collect {
    fn epoch(&mut self, metrics: &EpochMetrics) -> Control {
        self.0.push(metrics.clone());
        if self.1 == Some(metrics.epoch) {
            Control::Pause
        } else {
            Control::Continue
        }
    }
}

fn trainer(plan: &Plan) -> CandleTrainer {
    let data = hps::train::data::load(plan.data.as_ref().unwrap()).unwrap();
    CandleTrainer::new(plan, &data, candle_core::Device::Cpu).unwrap()
}

fn run(plan: &Plan, dir: &Path, seed: u64, start: u32, max: u32, config: Config) -> TrialRun {
    let _ = plan;
    TrialRun {
        number: 0,
        config,
        seed,
        max_epochs: max,
        start_epoch: start,
        dir: dir.to_path_buf(),
        stop: Arc::new(AtomicBool::new(false)),
    }
}

fn config(plan: &Plan) -> Config {
    plan.search_space().complete(&BTreeMap::new())
}

#[test]
fn learns_digits_and_reports_every_metric() {
    let plan = plan(DIGITS);
    let dir = tempfile::tempdir().unwrap();
    let mut sink = Collect(Vec::new(), None);
    let end = trainer(&plan)
        .train(&run(&plan, dir.path(), 1, 0, 4, config(&plan)), &mut sink)
        .unwrap();
    assert_eq!(end, TrialEnd::Completed { epochs: 4 });
    assert_eq!(sink.0.len(), 4);
    let last = &sink.0[3].values;
    for key in ["train.loss", "train.accuracy", "val.loss", "val.accuracy"] {
        assert!(last.contains_key(key), "{key} missing: {last:?}");
    }
    assert!(last["val.accuracy"] > 0.9, "{last:?}");
    assert!(sink.0[3].values["train.loss"] < sink.0[0].values["train.loss"]);
    assert!(dir.path().join("checkpoint.safetensors").exists());
}

#[test]
fn the_same_seed_trains_the_same_network() {
    let plan = plan(DIGITS);
    let t = trainer(&plan);
    let curve = |seed| {
        let dir = tempfile::tempdir().unwrap();
        let mut sink = Collect(Vec::new(), None);
        t.train(
            &run(&plan, dir.path(), seed, 0, 2, config(&plan)),
            &mut sink,
        )
        .unwrap();
        sink.0
            .iter()
            .map(|m| m.values["val.loss"])
            .collect::<Vec<_>>()
    };
    assert_eq!(curve(5), curve(5));
    assert_ne!(curve(5), curve(6));
}

#[test]
fn resuming_from_a_checkpoint_equals_training_straight_through() {
    let plan = plan(DIGITS);
    let t = trainer(&plan);
    let straight = tempfile::tempdir().unwrap();
    let mut all = Collect(Vec::new(), None);
    t.train(
        &run(&plan, straight.path(), 9, 0, 4, config(&plan)),
        &mut all,
    )
    .unwrap();

    let split = tempfile::tempdir().unwrap();
    let mut first = Collect(Vec::new(), Some(2));
    let end = t
        .train(
            &run(&plan, split.path(), 9, 0, 4, config(&plan)),
            &mut first,
        )
        .unwrap();
    assert_eq!(end, TrialEnd::Paused { epochs: 2 });
    let mut rest = Collect(Vec::new(), None);
    t.train(&run(&plan, split.path(), 9, 2, 4, config(&plan)), &mut rest)
        .unwrap();
    let joined: Vec<f64> = first
        .0
        .iter()
        .chain(&rest.0)
        .map(|m| m.values["val.loss"])
        .collect();
    let expected: Vec<f64> = all.0.iter().map(|m| m.values["val.loss"]).collect();
    assert_eq!(joined.len(), 4);
    for (a, b) in joined.iter().zip(&expected) {
        assert!(
            (a - b).abs() < 1e-6,
            "resumed {joined:?} vs straight {expected:?}"
        );
    }
}

#[test]
fn a_diverging_trial_fails_with_the_reason() {
    let plan = plan(&DIGITS.replace("optimizer = adam, lr = 0.01", "optimizer = sgd, lr = 1e6"));
    let dir = tempfile::tempdir().unwrap();
    let mut sink = Collect(Vec::new(), None);
    let err = trainer(&plan)
        .train(&run(&plan, dir.path(), 1, 0, 4, config(&plan)), &mut sink)
        .unwrap_err();
    assert!(err.reason.contains("diverged"), "{err:?}");
}

#[test]
fn a_cnn_trains_on_images() {
    let plan = plan(
        r#"
        import "std/nets.hps"
        dataset digits = builtin("digits") | take(600) | split(val = 0.25) | standardize()
        study s {
          data  = digits
          model = small_cnn(channels = 16, blocks = 2)
          train = { epochs = 4, lr = 0.01, batch_size = 32 }
        }
        "#,
    );
    let dir = tempfile::tempdir().unwrap();
    let mut sink = Collect(Vec::new(), None);
    let mut c = config(&plan);
    c.insert(String::from("model.conv_1.kernel"), Value::Int(3));
    c.insert(String::from("model.blocks"), Value::Int(2));
    let end = trainer(&plan)
        .train(&run(&plan, dir.path(), 1, 0, 4, c), &mut sink)
        .unwrap();
    assert_eq!(end, TrialEnd::Completed { epochs: 4 });
    let (first, last) = (&sink.0[0].values, &sink.0[3].values);
    assert!(
        last["train.loss"] < first["train.loss"],
        "{first:?} {last:?}"
    );
    assert!(
        last["val.accuracy"] > 0.3,
        "well above chance (0.1): {last:?}"
    );
}

fn hps_in(dir: &Path, args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_hps"))
        .args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .output()
        .unwrap()
}

#[test]
fn a_study_with_a_diverging_trial_completes_and_records_it_failed() {
    let dir = tempfile::tempdir().unwrap();
    crate::support::run_study(
        dir.path(),
        &DIGITS
            .replace("lr = 0.01", "lr = choice(0.01, 1e7)")
            .replace("optimizer = adam", "optimizer = sgd")
            .replace("epochs = 4 }", "epochs = 2 }\n  sampler = grid"),
    );
    let trials = crate::support::stored_trials(dir.path(), "s");
    assert_eq!(trials.len(), 2);
    assert_eq!(trials[0].state, TrialState::Complete);
    assert_eq!(trials[1].state, TrialState::Failed);
    assert!(
        trials[1]
            .error
            .as_deref()
            .unwrap_or("")
            .contains("diverged"),
        "{trials:?}"
    );
}

/// Runs `hps run s.hps` on a study of `dataset` whose files are `files`; the run must fail with a
/// located `hps::data` whose text holds each of `expected`.
fn refused_at_the_dataset(dataset: &str, files: &[(&str, Vec<u8>)], expected: &[&str]) {
    let dir = tempfile::tempdir().unwrap();
    for (name, bytes) in files {
        std::fs::write(dir.path().join(name), bytes).unwrap();
    }
    std::fs::write(
        dir.path().join("s.hps"),
        format!("import \"std/nets.hps\"\ndataset rows = {dataset}\nstudy s {{\n  data = rows\n  model = mlp()\n}}\n"),
    )
    .unwrap();
    let out = hps_in(dir.path(), &["run", "s.hps"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("hps::data"), "{stderr}");
    assert!(
        stderr.contains("s.hps:2:"),
        "the dataset is located: {stderr}"
    );
    for text in expected {
        assert!(stderr.contains(text), "`{text}` is said: {stderr}");
    }
}

fn csv_file(header: &str, rows: impl Iterator<Item = String>) -> Vec<u8> {
    let mut text = format!("{header}\n");
    for row in rows {
        text.push_str(&row);
        text.push('\n');
    }
    text.into_bytes()
}

#[test]
fn a_bad_data_file_is_a_located_diagnostic() {
    refused_at_the_dataset(
        "csv(\"rows.csv\", target = \"label\")",
        &[("rows.csv", b"a,b,label\n1,2,x\n3,4\n5,6,y\n".to_vec())],
        &["rows.csv, row 3"],
    );
}

#[test]
fn issue_18_float_labels_are_refused_as_a_regression_target() {
    let rows = (0..40).map(|i| format!("{i},{}.{}", i % 9, 10 + i));
    refused_at_the_dataset(
        "csv(\"float.csv\", target = \"label\")",
        &[("float.csv", csv_file("x,label", rows))],
        &["40 classes out of 40 rows", "task = regression"],
    );
}

#[test]
fn issue_18_an_empty_label_is_a_missing_value() {
    let rows = (0..40).map(|i| format!("{i},{}", if i == 7 { "" } else { ["a", "b"][i % 2] }));
    refused_at_the_dataset(
        "csv(\"gap.csv\", target = \"label\")",
        &[("gap.csv", csv_file("x,label", rows))],
        &["gap.csv, row 9, column `label`: missing value"],
    );
}

#[test]
fn issue_18_a_repeated_column_name_is_refused() {
    let rows = (0..40).map(|i| format!("{i},{i},{i},{},{}", i % 2, (i + 1) % 2));
    refused_at_the_dataset(
        "csv(\"dup.csv\", target = \"label\")",
        &[("dup.csv", csv_file("a,a,c,label,label", rows))],
        &["dup.csv: the header names `a` (columns 1, 2) and `label` (columns 4, 5)"],
    );
}

#[test]
fn issue_18_images_without_pixels_are_refused_at_load() {
    let idx = |magic: u32, dims: &[u32], data: &[u8]| {
        let mut bytes = magic.to_be_bytes().to_vec();
        for d in dims {
            bytes.extend(d.to_be_bytes());
        }
        bytes.extend(data);
        bytes
    };
    refused_at_the_dataset(
        "idx(images = \"images\", labels = \"labels\")",
        &[
            ("images", idx(0x803, &[4, 0, 0], &[])),
            ("labels", idx(0x801, &[4], &[0, 1, 0, 1])),
        ],
        &["images of 0×0 pixels"],
    );
}

#[test]
fn ctrl_c_finishes_the_epoch_and_the_next_run_resumes() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("s.hps"),
        DIGITS.replace("epochs = 4 }", "epochs = 400 }\n  budget { trials = 1 }"),
    )
    .unwrap();
    let child = Command::new(env!("CARGO_BIN_EXE_hps"))
        .args(["run", "s.hps", "-q"])
        .current_dir(dir.path())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let store_path = dir.path().join("hps.db");
    let epochs = || -> u32 {
        storage::open(store_path.to_str().unwrap())
            .ok()
            .and_then(|s| Some(s.trials(s.study("s").ok()??.id).ok()?.first()?.epochs))
            .unwrap_or(0)
    };
    let deadline = Instant::now() + Duration::from_secs(60);
    while epochs() < 2 && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(50));
    }
    assert!(
        Command::new("kill")
            .args(["-INT", &child.id().to_string()])
            .status()
            .unwrap()
            .success()
    );
    let out = child.wait_with_output().unwrap();
    assert_eq!(
        out.status.code(),
        Some(130),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let store = storage::open(store_path.to_str().unwrap()).unwrap();
    let study = store.study("s").unwrap().unwrap();
    let trial = store.trials(study.id).unwrap().remove(0);
    assert_eq!(
        trial.state,
        TrialState::Queued,
        "an interrupted trial waits to resume"
    );
    let (checkpoint_epoch, _) = store.checkpoint(trial.id).unwrap().unwrap();
    assert_eq!(checkpoint_epoch, trial.epochs);
    assert!(trial.epochs >= 2 && trial.epochs < 400);
}

#[test]
fn promoted_trials_resume_from_their_checkpoints() {
    // sha(min = 1, max = 4, eta = 2): rungs 4 × 1 → 2 × 2 → 1 × 4. Resuming from checkpoints trains
    // 4 + 2·1 + 1·2 = 8 epochs; retraining would need 4 + 2·2 + 4 = 12, past the budget.
    let dir = tempfile::tempdir().unwrap();
    crate::support::run_study(
        dir.path(),
        &DIGITS
            .replace("lr = 0.01,", "lr = loguniform(1e-3, 1e-1),")
            .replace("epochs = 4 }", "epochs = 4 }\n  scheduler = sha(min = 1, max = 4, eta = 2)\n  budget { trials = 4, epochs = 8 }"),
    );
    let trials = crate::support::stored_trials(dir.path(), "s");
    let epochs: Vec<u32> = trials.iter().map(|t| t.epochs).collect();
    assert_eq!(epochs.iter().sum::<u32>(), 1 + 1 + 2 + 4, "{trials:?}");
    let winner = trials
        .iter()
        .find(|t| t.epochs == 4)
        .expect("a trial reached the last rung");
    assert_eq!(winner.state, TrialState::Complete, "{trials:?}");
    assert_eq!(
        trials
            .iter()
            .filter(|t| t.state == TrialState::Stopped)
            .count(),
        3
    );
}

/// Rows held back by `split(test = …)` are evaluated once, after the last epoch of the trial's
/// schedule: a trial trained to a rung below it reports no `test.*`, the same trial continued to the
/// end reports them at its last epoch only.
#[test]
fn held_out_rows_are_evaluated_once_after_the_last_epoch() {
    let held = plan(&DIGITS.replace(
        "split(val = 0.2, seed = 3)",
        "split(val = 0.2, test = 0.2, seed = 3)",
    ));
    let t = trainer(&held);
    let dir = tempfile::tempdir().unwrap();
    let mut rung = Collect(Vec::new(), None);
    t.train(&run(&held, dir.path(), 9, 0, 2, config(&held)), &mut rung)
        .unwrap();
    assert_eq!(rung.0.len(), 2);
    assert!(
        rung.0
            .iter()
            .all(|m| m.values.keys().all(|k| !k.starts_with("test."))),
        "{:?}",
        rung.0
    );
    let mut rest = Collect(Vec::new(), None);
    t.train(&run(&held, dir.path(), 9, 2, 4, config(&held)), &mut rest)
        .unwrap();
    let tested: Vec<u32> = rest
        .0
        .iter()
        .filter(|m| m.values.contains_key("test.accuracy"))
        .map(|m| m.epoch)
        .collect();
    assert_eq!(tested, [4]);
    let last = &rest.0[1].values;
    assert!(
        last["test.accuracy"] > 0.5 && last["test.accuracy"] <= 1.0,
        "{last:?}"
    );
    assert!(last["test.loss"].is_finite());
    // Without held-out rows there is nothing to report.
    let plain = plan(DIGITS);
    let mut sink = Collect(Vec::new(), None);
    trainer(&plain)
        .train(
            &run(
                &plain,
                tempfile::tempdir().unwrap().path(),
                9,
                0,
                4,
                config(&plain),
            ),
            &mut sink,
        )
        .unwrap();
    assert!(
        sink.0
            .iter()
            .all(|m| !m.values.contains_key("test.accuracy"))
    );
}

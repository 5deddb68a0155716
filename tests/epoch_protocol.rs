//! The same interruptions against every trainer — hps's own Candle trainer, an external command,
//! recorded curves and a Rust closure — which must all end the same way, because they all go
//! through `hps::trial::protocol` (see its docs for the semantics): a pause ends the trial at that
//! epoch, the stop flag is read between epochs (set before the first, nothing trains), a trial
//! completes at its last epoch, and a resumed trial reports only the epochs after its start.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use hps::plan::{CommandTemplate, MetricsFormat};
use hps::space::{Config, Value};
use hps::train::trainer::CandleTrainer;
use hps::trial::closure::ClosureTrainer;
use hps::trial::command::CommandTrainer;
use hps::trial::lookup::LookupTrainer;
use hps::trial::{Control, EpochMetrics, EpochSink, Trainer, TrialEnd, TrialRun};

/// Epochs every case trains to.
const MAX: u32 = 4;

/// Records the epochs it is told of; pauses at `pause_at`; sets the stop flag at `stop_at`.
struct Sink {
    seen: Vec<u32>,
    pause_at: Option<u32>,
    stop_at: Option<u32>,
    stop: Arc<AtomicBool>,
}

impl EpochSink for Sink {
    fn epoch(&mut self, metrics: &EpochMetrics) -> Control {
        self.seen.push(metrics.epoch);
        assert!(
            metrics.values.contains_key("score") || metrics.values.contains_key("val.loss"),
            "epoch {} reported no metric",
            metrics.epoch
        );
        if self.stop_at == Some(metrics.epoch) {
            self.stop.store(true, Ordering::SeqCst);
        }
        if self.pause_at == Some(metrics.epoch) {
            Control::Pause
        } else {
            Control::Continue
        }
    }
}

/// One way of interrupting a trial, and how it must end.
struct Case {
    name: &'static str,
    start: u32,
    stop_before: bool,
    pause_at: Option<u32>,
    stop_at: Option<u32>,
    end: TrialEnd,
    seen: &'static [u32],
}

const CASES: &[Case] = &[
    Case {
        name: "trains to its last epoch",
        start: 0,
        stop_before: false,
        pause_at: None,
        stop_at: None,
        end: TrialEnd::Completed { epochs: MAX },
        seen: &[1, 2, 3, 4],
    },
    Case {
        name: "paused after epoch 2",
        start: 0,
        stop_before: false,
        pause_at: Some(2),
        stop_at: None,
        end: TrialEnd::Paused { epochs: 2 },
        seen: &[1, 2],
    },
    Case {
        name: "stopped before it starts",
        start: 0,
        stop_before: true,
        pause_at: None,
        stop_at: None,
        end: TrialEnd::Interrupted { epochs: 0 },
        seen: &[],
    },
    Case {
        name: "stopped during epoch 2",
        start: 0,
        stop_before: false,
        pause_at: None,
        stop_at: Some(2),
        end: TrialEnd::Interrupted { epochs: 2 },
        seen: &[1, 2],
    },
    Case {
        name: "resumed after epoch 2",
        start: 2,
        stop_before: false,
        pause_at: None,
        stop_at: None,
        end: TrialEnd::Completed { epochs: MAX },
        seen: &[3, 4],
    },
    Case {
        name: "stopped during its last epoch",
        start: 0,
        stop_before: false,
        pause_at: None,
        stop_at: Some(MAX),
        end: TrialEnd::Completed { epochs: MAX },
        seen: &[1, 2, 3, 4],
    },
];

/// Runs every case against `trainer`, in order, in `dir`: the resumed case finds the checkpoint
/// the case before it left there (epoch 2).
fn check(trainer_name: &str, trainer: &dyn Trainer, config: &Config, dir: &Path) {
    for case in CASES {
        let run = TrialRun {
            number: 0,
            config: config.clone(),
            seed: 7,
            max_epochs: MAX,
            start_epoch: case.start,
            dir: dir.to_path_buf(),
            stop: Arc::new(AtomicBool::new(case.stop_before)),
        };
        let mut sink = Sink {
            seen: Vec::new(),
            pause_at: case.pause_at,
            stop_at: case.stop_at,
            stop: Arc::clone(&run.stop),
        };
        let end = trainer
            .train(&run, &mut sink)
            .unwrap_or_else(|f| panic!("{trainer_name}, {}: failed: {f:?}", case.name));
        assert_eq!(end, case.end, "{trainer_name}, {}", case.name);
        assert_eq!(sink.seen, case.seen, "{trainer_name}, {}", case.name);
    }
}

fn config(pairs: &[(&str, Value)]) -> Config {
    pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), v.clone()))
        .collect()
}

#[test]
fn the_candle_trainer_follows_the_protocol() {
    let source = r#"
import "std/nets.hps"
dataset digits = builtin("digits") | take(300) | split(val = 0.2, seed = 3) | standardize()
study s {
  data  = digits
  model = mlp(width = 8, depth = 1)
  train = { epochs = 4 }
}
"#;
    let checked = hps::semantic::check_text("t.hps", source, Some(Path::new(".")));
    assert!(!checked.has_errors(), "{}", checked.render_plain(80));
    let plan = hps::lower::plan(&checked.program.studies[0], &checked.program);
    let data = hps::train::data::load(plan.data.as_ref().unwrap()).unwrap();
    let trainer = CandleTrainer::new(&plan, &data, candle_core::Device::Cpu).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let config = plan.search_space().complete(&BTreeMap::new());
    check("candle", &trainer, &config, dir.path());
}

#[test]
fn the_command_trainer_follows_the_protocol() {
    let dir = tempfile::tempdir().unwrap();
    // Trains from HPS_START_EPOCH to HPS_EPOCHS, one JSON line per epoch.
    std::fs::write(
        dir.path().join("train.sh"),
        "e=$HPS_START_EPOCH\nwhile [ \"$e\" -lt \"$HPS_EPOCHS\" ]; do\n  e=$((e + 1))\n  echo \"{\\\"epoch\\\": $e, \\\"score\\\": 0.$e}\"\ndone\n",
    )
    .unwrap();
    let trainer = CommandTrainer::new(
        &CommandTemplate::parse("sh train.sh").unwrap(),
        &MetricsFormat::Jsonl,
        None,
        dir.path().to_path_buf(),
    )
    .unwrap();
    check(
        "command",
        &trainer,
        &Config::new(),
        &dir.path().join("trial"),
    );
}

#[test]
fn the_lookup_trainer_follows_the_protocol() {
    let dir = tempfile::tempdir().unwrap();
    let curves: PathBuf = dir.path().join("curves.csv");
    std::fs::write(
        &curves,
        "lr,epoch,score\n0.1,1,0.5\n0.1,2,0.6\n0.1,3,0.7\n0.1,4,0.8\n0.1,5,0.9\n",
    )
    .unwrap();
    let trainer = LookupTrainer::open(&curves, "epoch").unwrap();
    let config = config(&[("params.lr", Value::Float(0.1))]);
    check("lookup", &trainer, &config, dir.path());
}

#[test]
fn the_closure_trainer_follows_the_protocol() {
    let trainer = ClosureTrainer::new(
        |trial: &mut hps::TrialContext<'_>| {
            for epoch in trial.start_epoch() + 1..=trial.max_epochs() {
                if !trial.report(epoch, f64::from(epoch) / 10.0) {
                    break;
                }
            }
            Ok(())
        },
        "score",
    );
    let dir = tempfile::tempdir().unwrap();
    check("closure", &trainer, &Config::new(), dir.path());
}

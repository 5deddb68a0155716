//! f-Hyperband vs Hyperband (Baker et al. 2018, Appendix C) on recorded learning curves, replayed
//! with `trial = lookup(…)`: for each curve set and seed, the same Hyperband run with and without
//! `stopping = svr(…)`; printed side by side: epochs trained, the final best value (best of the
//! trials trained to the last rung) and the epochs spent when it was first reached, with medians and
//! ratios. Target (Baker): the same final value within noise with at most half the epochs.
//!
//! `cargo bench --bench f_hyperband` (about a minute); `-- SEEDS` to change the seed count (10).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use hps::runtime::RunOptions;
use hps::trial::lookup::LookupTrainer;
use hps::trial::{Control, EpochMetrics, EpochSink, Trainer, TrialEnd, TrialFailure, TrialRun};

/// One set of recorded curves and the study that replays it.
struct CurveSet {
    name: &'static str,
    file: &'static str,
    metric: &'static str,
    maximize: bool,
    /// The study's body without `trial`, `scheduler`, `stopping` and `seed`.
    body: &'static str,
    max: u32,
}

const SETS: &[CurveSet] = &[
    CurveSet {
        name: "digits MLP (hps, 216 configs × 27 epochs; 20 Hyperband iterations)",
        file: "benches/data/digits_curves.csv",
        metric: "val.accuracy",
        maximize: true,
        body: "model = mlp(width = choice(16, 64, 256), depth = choice(1, 2, 3), drop = choice(0.0, 0.3))
  train     = { optimizer = choice(sgd, adam), lr = choice(0.0003, 0.001, 0.003, 0.01, 0.03, 0.1), epochs = 27 }
  objective = maximize val.accuracy
  budget    { trials = 980 }",
        max: 27,
    },
    CurveSet {
        name: "OpenCLIP (ScAn-Bench, 134 configs × 10 epochs; 20 Hyperband iterations)",
        file: "benches/data/scan_vlm_curves.csv",
        metric: "val_loss",
        maximize: false,
        body: "params    = { config = int(0, 133) }
  train     = { epochs = 9 }
  objective = minimize val_loss
  budget    { trials = 340 }",
        max: 9,
    },
];

/// Counts every epoch trained and notes, whenever a trial reaches the last rung, the epochs spent so
/// far and its value.
struct Counting {
    inner: LookupTrainer,
    max: u32,
    metric: String,
    epochs: AtomicU64,
    finals: Mutex<Vec<(u64, f64)>>,
}

struct CountingSink<'a> {
    outer: &'a Counting,
    inner: &'a mut dyn EpochSink,
}

impl EpochSink for CountingSink<'_> {
    fn epoch(&mut self, metrics: &EpochMetrics) -> Control {
        let spent = self.outer.epochs.fetch_add(1, Ordering::SeqCst) + 1;
        if metrics.epoch == self.outer.max {
            if let Some(v) = metrics.values.get(&self.outer.metric) {
                self.outer
                    .finals
                    .lock()
                    .expect("not poisoned")
                    .push((spent, *v));
            }
        }
        self.inner.epoch(metrics)
    }
}

impl Trainer for Counting {
    fn train(&self, run: &TrialRun, sink: &mut dyn EpochSink) -> Result<TrialEnd, TrialFailure> {
        let mut counting = CountingSink {
            outer: self,
            inner: sink,
        };
        self.inner.train(run, &mut counting)
    }
}

/// What one run did.
struct Outcome {
    epochs: u64,
    best: f64,
    epochs_to_best: u64,
    stopped_early: usize,
}

fn run_once(set: &CurveSet, seed: u64, stopping: &str, scratch: &Path) -> Outcome {
    let eta = 3;
    let source = format!(
        "import \"std/nets.hps\"\nstudy replay {{\n  trial     = lookup(\"{file}\")\n  {body}\n  scheduler = hyperband(min = 1, max = {max}, eta = {eta})\n  stopping  = {stopping}\n  seed      = {seed}\n}}\n",
        file = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join(set.file)
            .display(),
        body = set.body,
        max = set.max,
    );
    let study = hps::Study::from_source("replay.hps", &source).expect("the replay study checks");
    let plan = study.plan().clone();
    let trainer = Counting {
        inner: LookupTrainer::open(
            &Path::new(env!("CARGO_MANIFEST_DIR")).join(set.file),
            "epoch",
        )
        .expect("the curves load"),
        max: set.max,
        metric: set.metric.to_owned(),
        epochs: AtomicU64::new(0),
        finals: Mutex::new(Vec::new()),
    };
    let dir: PathBuf = scratch.join(format!("{seed}-{}", stopping.len()));
    let options = RunOptions {
        store: dir.join("hps.db").display().to_string(),
        fresh: true,
        parallel: 1,
        trials_dir: dir.join("trials"),
        quiet: true,
    };
    let sampler = hps::sampler::for_plan(&plan).expect("the sampler exists");
    let summary = hps::runtime::run(
        &plan,
        sampler,
        &trainer,
        &options,
        Arc::new(AtomicBool::new(false)),
    )
    .expect("the replay runs");
    let finals = trainer.finals.lock().expect("not poisoned").clone();
    let better = |a: f64, b: f64| if set.maximize { a > b } else { a < b };
    let best = finals.iter().map(|(_, v)| *v).fold(
        if set.maximize {
            f64::NEG_INFINITY
        } else {
            f64::INFINITY
        },
        |b, v| if better(v, b) { v } else { b },
    );
    let epochs_to_best = finals
        .iter()
        .find(|(_, v)| *v == best)
        .map_or(0, |(e, _)| *e);
    Outcome {
        epochs: trainer.epochs.load(Ordering::SeqCst),
        best,
        epochs_to_best,
        stopped_early: summary
            .trials
            .iter()
            .filter(|t| {
                t.predicted.is_some()
                    || t.error
                        .as_deref()
                        .is_some_and(|e| e.starts_with("stopped early"))
            })
            .count(),
    }
}

fn median(mut xs: Vec<f64>) -> f64 {
    xs.sort_by(f64::total_cmp);
    let n = xs.len();
    if n % 2 == 1 {
        xs[n / 2]
    } else {
        f64::midpoint(xs[n / 2 - 1], xs[n / 2])
    }
}

fn main() {
    let seeds: u64 = std::env::args()
        .skip(1)
        .find_map(|a| a.parse().ok())
        .unwrap_or(10);
    let scratch = tempfile::tempdir().expect("a scratch folder");
    let svr = "svr(threshold = 0.95, offset = 0.0, keep = 0.25, min_curves = 20)";
    println!("f-Hyperband (hyperband + {svr}) vs Hyperband, η = 3, {seeds} seeds, one worker\n");
    for set in SETS {
        println!(
            "== {}: {} ({})",
            set.name,
            set.metric,
            if set.maximize { "maximize" } else { "minimize" }
        );
        println!(
            "{:>5} {:>10} {:>10} {:>7}   {:>9} {:>9} {:>8}   {:>10} {:>10} {:>7}  {:>8}",
            "seed",
            "epochs HB",
            "epochs fHB",
            "ratio",
            "best HB",
            "best fHB",
            "Δbest",
            "to-best HB",
            "to-best f",
            "ratio",
            "stopped"
        );
        let mut rows: BTreeMap<&str, Vec<f64>> = BTreeMap::new();
        for seed in 1..=seeds {
            let hb = run_once(set, seed, "none", scratch.path());
            let fhb = run_once(set, seed, svr, scratch.path());
            #[allow(clippy::cast_precision_loss)]
            let (ratio, to_best_ratio) = (
                fhb.epochs as f64 / hb.epochs as f64,
                fhb.epochs_to_best as f64 / hb.epochs_to_best.max(1) as f64,
            );
            println!(
                "{seed:>5} {:>10} {:>10} {ratio:>7.3}   {:>9.4} {:>9.4} {:>+8.4}   {:>10} {:>10} {to_best_ratio:>7.3}  {:>8}",
                hb.epochs,
                fhb.epochs,
                hb.best,
                fhb.best,
                fhb.best - hb.best,
                hb.epochs_to_best,
                fhb.epochs_to_best,
                fhb.stopped_early
            );
            rows.entry("ratio").or_default().push(ratio);
            rows.entry("to_best").or_default().push(to_best_ratio);
            rows.entry("hb").or_default().push(hb.best);
            rows.entry("fhb").or_default().push(fhb.best);
            rows.entry("delta").or_default().push(fhb.best - hb.best);
        }
        let m = |k: &str| median(rows[k].clone());
        println!(
            "median: epochs ratio {:.3} (target ≤ 0.5), epochs-to-best ratio {:.3}, best HB {:.4} vs fHB {:.4} (Δ {:+.4})\n",
            m("ratio"),
            m("to_best"),
            m("hb"),
            m("fhb"),
            m("delta")
        );
    }
}

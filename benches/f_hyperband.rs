//! f-Hyperband vs Hyperband (Baker et al. 2018, Appendix C) on recorded learning curves, replayed
//! with `trial = lookup(…)`: for each curve set and seed, the same Hyperband run with
//! `stopping = none`, with `stopping = svr(…)`, and with an oracle — Baker's stop rule told the true
//! value at the rung's end (it stops a trial at its rung's first epoch once ⌈κ·n⌉ rivals have
//! finished): the most a predictor that is never wrong can save under that rule. Also the floor of
//! any rule that looks at one epoch per rung (every trial but each bracket's winner trains one epoch
//! of every rung it reaches) and what Hyperband trains if every promotion retrains from scratch, as
//! Li et al. and Baker et al. ran it. Printed side by side: epochs trained, the final best value (best
//! of the trials trained to the last rung) and the epochs spent when it was first reached, with
//! medians and ratios. Target (Baker): the same final value within noise with at most half the epochs.
//!
//! `cargo bench --bench f_hyperband` (about 8 minutes on 2 cores); `-- SEEDS` to change the seed
//! count (10), `-- 'svr(…)'` the rule, `-- --rungs` to print where the epochs went for seed 1.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use hps::plan::Direction;
use hps::runtime::{Composed, RunOptions, SearchStrategy, Session};
use hps::stopping::{Case, Prediction, StoppingRule, Verdict};
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

/// Baker et al.'s stop rule with a perfect predictor: after each epoch short of the stage's end, the
/// trial stops when its true value at the end is worse than the same reference the `svr` rule uses
/// (`stopping::reference`, with the benchmarked rule's κ). Its ranking value is the true one, so
/// Hyperband promotes exactly the trials it promotes without stopping; what it saves is the most a
/// predictor that is never wrong can.
struct Oracle {
    keep: f64,
    /// Each trial's true curve, replayed once.
    truths: Mutex<BTreeMap<u64, Arc<Vec<f64>>>>,
    table: LookupTrainer,
    metric: String,
    direction: Direction,
    max: u32,
    scratch: PathBuf,
}

/// Collects one metric's curve.
struct Collect<'a>(&'a str, Vec<f64>);

impl EpochSink for Collect<'_> {
    fn epoch(&mut self, metrics: &EpochMetrics) -> Control {
        self.1
            .push(metrics.values.get(self.0).copied().unwrap_or(f64::NAN));
        Control::Continue
    }
}

impl Oracle {
    /// The trial's whole recorded curve (`None` when the table has none).
    fn truth(&self, case: &Case<'_>) -> Option<Arc<Vec<f64>>> {
        let mut truths = self.truths.lock().expect("not poisoned");
        if let Some(curve) = truths.get(&case.trial.number) {
            return Some(Arc::clone(curve));
        }
        let run = TrialRun {
            number: case.trial.number,
            config: case.trial.params.clone(),
            seed: case.trial.seed,
            max_epochs: self.max,
            start_epoch: 0,
            dir: self.scratch.clone(),
            stop: Arc::new(AtomicBool::new(false)),
        };
        let mut curve = Collect(&self.metric, Vec::new());
        self.table.train(&run, &mut curve).ok()?;
        let curve = Arc::new(curve.1);
        truths.insert(case.trial.number, Arc::clone(&curve));
        Some(curve)
    }
}

impl StoppingRule for Oracle {
    fn judge(&self, case: &Case<'_>) -> Verdict {
        let (prefix, target) = (case.curve.len(), case.target as usize);
        if prefix == 0 || prefix >= target {
            return Verdict::Continue;
        }
        let Some(reference) = hps::stopping::reference(case.competition, self.keep, self.direction)
        else {
            return Verdict::Continue;
        };
        let Some(curve) = self.truth(case) else {
            return Verdict::Continue;
        };
        let Some(&value) = curve.get(target - 1) else {
            return Verdict::Continue;
        };
        let worse = match self.direction {
            Direction::Maximize => value < reference,
            Direction::Minimize => value > reference,
        };
        if worse {
            Verdict::Stop(Prediction {
                value,
                sigma: 0.0,
                reference,
                probability: 1.0,
            })
        } else {
            Verdict::Continue
        }
    }
}

/// Which stopping rule a run uses.
#[derive(Clone, Copy)]
enum Rule<'a> {
    None,
    Svr(&'a str),
    /// The oracle, with the `svr(…)` rule whose κ it shares.
    Oracle(&'a str),
}

/// Counts the stops of the rule it wraps by (bracket shape, rung).
struct Counted {
    inner: Box<dyn StoppingRule>,
    shapes: usize,
    /// Shared with the bench, which reads it after the runtime has dropped the rule.
    stops: Arc<Mutex<BTreeMap<(usize, usize), u64>>>,
}

impl StoppingRule for Counted {
    fn judge(&self, case: &Case<'_>) -> Verdict {
        let verdict = self.inner.judge(case);
        if let (Verdict::Stop(_), Some(b)) = (verdict, case.trial.bracket) {
            *self
                .stops
                .lock()
                .expect("not poisoned")
                .entry((b as usize % self.shapes, case.trial.rung as usize))
                .or_default() += 1;
        }
        verdict
    }
}

/// Per (bracket shape, rung): epochs trained in the rung, trials that reached it, stops in it.
type ByRung = BTreeMap<(usize, usize), (u64, u64, u64)>;

/// Where a run's epochs went, with the stops counted by [`Counted`].
fn epochs_by_rung(
    trials: &[hps::storage::TrialRecord],
    brackets: &[hps::plan::brackets::Bracket],
    stops: &BTreeMap<(usize, usize), u64>,
) -> ByRung {
    let mut by_rung = ByRung::new();
    for t in trials {
        let Some(b) = t.bracket else { continue };
        let shape = b as usize % brackets.len();
        let rungs = &brackets[shape].rungs;
        let mut before = 0;
        for (j, rung) in rungs.iter().enumerate().take(t.rung as usize + 1) {
            let entry = by_rung.entry((shape, j)).or_default();
            entry.0 += u64::from(t.epochs).min(rung.epochs).saturating_sub(before);
            entry.1 += 1;
            before = rung.epochs;
        }
    }
    for (key, count) in stops {
        by_rung.entry(*key).or_default().2 = *count;
    }
    by_rung
}

/// What one run did.
struct Outcome {
    /// Where the epochs went.
    by_rung: ByRung,
    epochs: u64,
    /// The epochs had every promotion retrained from epoch 0.
    epochs_from_scratch: u64,
    /// The fewest epochs a stopping rule that sees one epoch of each rung could train in the same
    /// brackets: see [`floor`].
    epochs_floor: u64,
    best: f64,
    epochs_to_best: u64,
    stopped_early: u64,
}

fn run_once(set: &CurveSet, seed: u64, rule: Rule<'_>, scratch: &Path) -> Outcome {
    let eta = 3;
    let (stopping, label) = match rule {
        Rule::None => ("none", "none"),
        Rule::Svr(svr) => (svr, "svr"),
        Rule::Oracle(svr) => (svr, "oracle"),
    };
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
    let dir: PathBuf = scratch.join(format!("{seed}-{label}"));
    let options = RunOptions {
        store: dir.join("hps.db").display().to_string(),
        fresh: true,
        parallel: 1,
        trials_dir: Some(dir.join("trials")),
        lease: RunOptions::DEFAULT_LEASE,
        keep_checkpoints: false,
        keep_best: None,
        max_failures: hps::runtime::DEFAULT_MAX_FAILURES,
        quiet: true,
    };
    let sampler = hps::sampler::build(&hps::sampler::SamplerContext::detached(&plan))
        .expect("the sampler exists");
    let direction = plan.objective.direction;
    let inner: Option<Box<dyn StoppingRule>> = match rule {
        Rule::None => None,
        Rule::Svr(_) => hps::stopping::build(&plan),
        Rule::Oracle(_) => Some(Box::new(Oracle {
            keep: match plan.stopping {
                hps::plan::StoppingPlan::Svr(options) => options.keep,
                hps::plan::StoppingPlan::None => unreachable!("the oracle replays an svr rule"),
            },
            truths: Mutex::new(BTreeMap::new()),
            table: trainer.inner.clone(),
            metric: set.metric.to_owned(),
            direction,
            max: set.max,
            scratch: dir.join("oracle"),
        })),
    };
    let stops = Arc::new(Mutex::new(BTreeMap::new()));
    let counted = inner.map(|inner| {
        Box::new(Counted {
            inner,
            shapes: plan.scheduler.brackets.len(),
            stops: Arc::clone(&stops),
        }) as Box<dyn StoppingRule>
    });
    // The runtime's own search with this stopping rule, not the plan's.
    let strategy = SearchStrategy::new(&plan, sampler, hps::scheduler::build(&plan), counted);
    let session = Session::open(&plan, &options).expect("the store opens");
    let composed = Composed {
        trainer: Box::new(&trainer),
        strategy: Box::new(strategy),
    };
    let summary = session
        .execute(composed, Arc::new(AtomicBool::new(false)))
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
    let brackets = &plan.scheduler.brackets;
    let epochs_from_scratch = summary
        .trials
        .iter()
        .filter_map(|t| {
            let bracket = &brackets[t.bracket? as usize % brackets.len()];
            Some(
                bracket.rungs[..=t.rung as usize]
                    .iter()
                    .map(|r| r.epochs)
                    .sum::<u64>(),
            )
        })
        .sum();
    let stops = stops.lock().expect("not poisoned").clone();
    Outcome {
        by_rung: epochs_by_rung(&summary.trials, brackets, &stops),
        epochs: trainer.epochs.load(Ordering::SeqCst),
        epochs_from_scratch,
        epochs_floor: floor(&summary.trials, set.maximize),
        best,
        epochs_to_best,
        stopped_early: summary.stopped_early,
    }
}

/// The fewest epochs the brackets of `trials` (a Hyperband run) could train under a stopping rule
/// that sees at least one epoch of each rung and knows the future: each bracket's winner (the
/// lowest-numbered best trial of its last rung) trains to the end; every other trial trains one
/// epoch of each rung it reaches — stopped there, and promoted on a perfect prediction when it goes
/// on. With full brackets it depends only on their shapes.
fn floor(trials: &[hps::storage::TrialRecord], maximize: bool) -> u64 {
    let mut winners: BTreeMap<u32, (u32, f64, u64)> = BTreeMap::new();
    for t in trials {
        let (Some(b), Some(v)) = (t.bracket, t.value) else {
            continue;
        };
        let entry = winners.entry(b).or_insert((t.rung, v, t.number));
        let better = if maximize { v > entry.1 } else { v < entry.1 };
        if t.rung > entry.0 || (t.rung == entry.0 && better) {
            *entry = (t.rung, v, t.number);
        }
    }
    trials
        .iter()
        .filter_map(|t| {
            let b = t.bracket?;
            let winner = winners.get(&b).is_some_and(|w| w.2 == t.number);
            Some(if winner {
                u64::from(t.epochs)
            } else {
                u64::from(t.rung) + 1
            })
        })
        .sum()
}

/// Seed 1's epochs per bracket and rung, side by side.
fn print_by_rung(hb: &ByRung, fhb: &ByRung, oracle: &ByRung) {
    println!(
        "      {:>7} {:>4} {:>7} {:>6} {:>7} {:>10} {:>7} {:>10}",
        "bracket", "rung", "trials", "HB", "fHB", "stopped f", "oracle", "stopped o"
    );
    for (key, (epochs, trials, _)) in hb {
        let (f, o) = (fhb.get(key).copied(), oracle.get(key).copied());
        let (f, o) = (f.unwrap_or_default(), o.unwrap_or_default());
        println!(
            "      {:>7} {:>4} {trials:>7} {epochs:>6} {:>7} {:>10} {:>7} {:>10}",
            key.0, key.1, f.0, f.2, o.0, o.2
        );
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
    let args: Vec<String> = std::env::args().skip(1).collect();
    let seeds: u64 = args.iter().find_map(|a| a.parse().ok()).unwrap_or(10);
    let default_svr =
        String::from("svr(threshold = 0.95, offset = 0.0, keep = 0.25, min_curves = 20)");
    let svr = args
        .iter()
        .find(|a| a.starts_with("svr("))
        .cloned()
        .unwrap_or(default_svr);
    let scratch = tempfile::tempdir().expect("a scratch folder");
    println!(
        "f-Hyperband (hyperband + {svr}) vs Hyperband, η = 3, {seeds} seeds, one worker; \
         HB: promotions continue from checkpoints; HB₀: what HB trains if promotions retrain from \
         scratch; oracle: the same rule told the true final values; floor: the fewest epochs a rule \
         that sees one epoch per rung could train\n"
    );
    for set in SETS {
        println!(
            "== {}: {} ({})",
            set.name,
            set.metric,
            if set.maximize { "maximize" } else { "minimize" }
        );
        println!(
            "{:>4} {:>6} {:>6} {:>6} {:>6} {:>6}  {:>6} {:>6} {:>6} {:>6}  {:>7} {:>7} {:>8}  {:>7} {:>7} {:>6} {:>7}",
            "seed",
            "HB",
            "HB₀",
            "fHB",
            "oracle",
            "floor",
            "fHB/HB",
            "f/HB₀",
            "or/HB",
            "fl/HB",
            "best HB",
            "best f",
            "Δbest",
            "→best H",
            "→best f",
            "ratio",
            "stopped"
        );
        let mut rows: BTreeMap<&str, Vec<f64>> = BTreeMap::new();
        for seed in 1..=seeds {
            let hb = run_once(set, seed, Rule::None, scratch.path());
            let fhb = run_once(set, seed, Rule::Svr(&svr), scratch.path());
            let oracle = run_once(set, seed, Rule::Oracle(&svr), scratch.path());
            assert!(
                oracle.best == hb.best,
                "the oracle promotes what Hyperband promotes"
            );
            #[allow(clippy::cast_precision_loss)]
            let ratio = |a: u64, b: u64| a as f64 / b.max(1) as f64;
            let row = [
                ("ratio", ratio(fhb.epochs, hb.epochs)),
                ("ratio0", ratio(fhb.epochs, hb.epochs_from_scratch)),
                ("oracle", ratio(oracle.epochs, hb.epochs)),
                ("floor", ratio(hb.epochs_floor, hb.epochs)),
                ("to_best", ratio(fhb.epochs_to_best, hb.epochs_to_best)),
                ("oracle0", ratio(oracle.epochs, hb.epochs_from_scratch)),
                ("floor0", ratio(hb.epochs_floor, hb.epochs_from_scratch)),
                ("hb", hb.best),
                ("fhb", fhb.best),
                ("delta", fhb.best - hb.best),
            ];
            println!(
                "{seed:>4} {:>6} {:>6} {:>6} {:>6} {:>6}  {:>6.3} {:>6.3} {:>6.3} {:>6.3}  {:>7.4} {:>7.4} {:>+8.4}  {:>7} {:>7} {:>6.3} {:>7}",
                hb.epochs,
                hb.epochs_from_scratch,
                fhb.epochs,
                oracle.epochs,
                hb.epochs_floor,
                row[0].1,
                row[1].1,
                row[2].1,
                row[3].1,
                hb.best,
                fhb.best,
                fhb.best - hb.best,
                hb.epochs_to_best,
                fhb.epochs_to_best,
                row[4].1,
                fhb.stopped_early
            );
            for (key, value) in row {
                rows.entry(key).or_default().push(value);
            }
            if seed == 1 && args.iter().any(|a| a == "--rungs") {
                print_by_rung(&hb.by_rung, &fhb.by_rung, &oracle.by_rung);
            }
        }
        let m = |k: &str| median(rows[k].clone());
        println!(
            "median: fHB/HB {:.3} (target ≤ 0.5; oracle {:.3}, floor {:.3}), against HB₀: fHB {:.3}, oracle {:.3}, floor {:.3}; epochs-to-best ratio {:.3}, best HB {:.4} vs fHB {:.4} (Δ {:+.4})\n",
            m("ratio"),
            m("oracle"),
            m("floor"),
            m("ratio0"),
            m("oracle0"),
            m("floor0"),
            m("to_best"),
            m("hb"),
            m("fhb"),
            m("delta")
        );
    }
}

//! One contract for every sampler and every scheduler (and the `svr` stopping rule): the same seed
//! gives the same trials; every value lies in its parameter's domain and scale; conditional
//! parameters exist exactly when their condition holds; no trial is forbidden; the budget is never
//! exceeded; and a run interrupted mid-study then resumed ends exactly like an uninterrupted one.
//! Trials train a synthetic curve through the runtime itself (no network), so each case is fast.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use hps::plan::Plan;
use hps::runtime::{Environment, RunError, RunOptions, RunSummary};
use hps::sampler::Sampler as _;
use hps::space::{Config, Distribution, Value};
use hps::storage::TrialState;
use hps::trial::{Control, EpochMetrics, EpochSink, Trainer, TrialEnd, TrialFailure, TrialRun};

/// Every kind of distribution, a condition and a `forbid` rule.
const MIXED_SPACE: &str = r"
    x        = uniform(-3, 3)
    lr       = loguniform(1e-4, 1)
    units    = int(2, 64, log = true)
    k        = int(0, 10, step = 2)
    q        = uniform(0, 1, step = 0.25)
    opt      = choice(sgd, adam)
    size     = ordinal(8, 16, 32)
    when opt == sgd { momentum = uniform(0, 0.9) }
    forbid opt == adam and size == 32
";

/// A finite space for `grid`, with a condition and a `forbid` rule.
const FINITE_SPACE: &str = r"
    k        = int(0, 4)
    opt      = choice(sgd, adam)
    size     = ordinal(8, 16, 32)
    when opt == sgd { momentum = choice(0.0, 0.9) }
    forbid opt == adam and size == 32
";

/// The arguments a sampler runs the contract with; one not listed here runs with the catalogue's
/// defaults. The samplers themselves come from the catalogue, so a new one cannot escape the
/// contract.
const SAMPLER_ARGUMENTS: &[(&str, &str)] = &[
    ("tpe", "tpe(init = 4)"),
    ("bo", "bo(init = 4)"),
    ("hyperstar", "hyperstar(model = \"contract.hpsmeta\")"),
];

/// Samplers that read the study's data: the contract's study gets a dataset for them.
const READS_DATA: &[&str] = &["hyperstar"];

/// Every sampler of the catalogue, called as the contract calls it.
fn samplers() -> Vec<String> {
    hps::catalogue::names(hps::catalogue::Family::Sampler)
        .map(|name| {
            SAMPLER_ARGUMENTS
                .iter()
                .find(|(n, _)| *n == name)
                .map_or_else(|| name.to_owned(), |(_, call)| (*call).to_owned())
        })
        .collect()
}

/// Every scheduler of the catalogue, successive-halving ones over 1 → 9 epochs.
fn schedulers() -> Vec<String> {
    hps::catalogue::names(hps::catalogue::Family::Scheduler)
        .map(|name| match name {
            "fifo" => name.to_owned(),
            _ => format!("{name}(min = 1, max = 9, eta = 3)"),
        })
        .collect()
}

fn source(sampler: &str, scheduler: &str, stopping: &str) -> String {
    let space = if sampler.starts_with("grid") {
        FINITE_SPACE
    } else {
        MIXED_SPACE
    };
    let data = if READS_DATA.iter().any(|n| sampler.starts_with(n)) {
        "data      = digits\n  "
    } else {
        ""
    };
    format!(
        "dataset digits = builtin(\"digits\") | subsample(0.2, seed = 1)
study contract {{
  {data}trial     = custom
  params    = {{ {space} }}
  train     = {{ epochs = 9 }}
  objective = maximize score
  budget    {{ trials = 16, epochs = 100 }}
  sampler   = {sampler}
  scheduler = {scheduler}
  stopping  = {stopping}
  seed      = 11
}}"
    )
}

/// Every (sampler, scheduler, stopping) case.
fn cases() -> Vec<(String, Plan)> {
    let mut cases = Vec::new();
    for sampler in samplers() {
        for scheduler in schedulers() {
            cases.push((sampler.clone(), scheduler, "none"));
        }
    }
    let svr = "svr(min_curves = 4, threshold = 0.5)";
    cases.push(("random".to_owned(), "fifo".to_owned(), svr));
    cases.push((
        "random".to_owned(),
        "hyperband(min = 1, max = 9, eta = 3)".to_owned(),
        svr,
    ));
    cases
        .into_iter()
        .map(|(sampler, scheduler, stopping)| {
            let text = source(&sampler, &scheduler, stopping);
            let study = hps::Study::from_source("contract.hps", &text)
                .unwrap_or_else(|e| panic!("{sampler} × {scheduler}: {e}"));
            (
                format!("{sampler} × {scheduler} × {stopping}"),
                study.plan().clone(),
            )
        })
        .collect()
}

/// A deterministic learning curve rising towards a value that depends on every parameter.
fn score(config: &Config, epoch: u32) -> f64 {
    let number = |name: &str| config.get(name).and_then(Value::as_f64).unwrap_or(0.0);
    let text = |name: &str| config.get(name).and_then(Value::as_str).unwrap_or("");
    let final_value = 1.0
        - 0.05 * (number("params.x") - 1.0).powi(2)
        - 0.02 * (number("params.lr").max(1e-9).ln() + 4.0).powi(2)
        - 0.001 * (number("params.units") - 20.0).abs()
        - 0.01 * number("params.k")
        + 0.05 * number("params.q")
        + if text("params.opt") == "adam" {
            0.05
        } else {
            0.1 * number("params.momentum")
        };
    final_value - 0.5 / f64::from(epoch)
}

/// Trains the synthetic curve; sets the stop flag (like Ctrl-C) once `interrupt_after` epochs have
/// been trained in this process.
struct Synthetic {
    interrupt_after: Option<u64>,
    trained: AtomicU64,
    /// Every call: (trial, epoch it starts from, its score there).
    starts: Mutex<Vec<(u64, u32, f64)>>,
}

impl Trainer for Synthetic {
    fn train(&self, run: &TrialRun, sink: &mut dyn EpochSink) -> Result<TrialEnd, TrialFailure> {
        self.starts.lock().unwrap().push((
            run.number,
            run.start_epoch,
            score(&run.config, run.start_epoch.max(1)),
        ));
        for epoch in run.start_epoch + 1..=run.max_epochs {
            let mut values = BTreeMap::new();
            values.insert(String::from("score"), score(&run.config, epoch));
            let control = sink.epoch(&EpochMetrics { epoch, values });
            let trained = self.trained.fetch_add(1, Ordering::SeqCst) + 1;
            if self.interrupt_after.is_some_and(|n| trained >= n) {
                run.stop.store(true, Ordering::SeqCst);
            }
            if control == Control::Pause {
                return Ok(TrialEnd::Paused { epochs: epoch });
            }
            if run.stop.load(Ordering::SeqCst) && epoch < run.max_epochs {
                return Ok(TrialEnd::Interrupted { epochs: epoch });
            }
        }
        Ok(TrialEnd::Completed {
            epochs: run.max_epochs,
        })
    }
}

fn run(plan: &Plan, dir: &Path, interrupt_after: Option<u64>) -> RunSummary {
    run_recording(plan, dir, interrupt_after).0
}

/// [`run`], and the order trials were trained in: (trial, start epoch, score at the start).
fn run_recording(
    plan: &Plan,
    dir: &Path,
    interrupt_after: Option<u64>,
) -> (RunSummary, Vec<(u64, u32, f64)>) {
    let store = dir.join("hps.db");
    if let hps::plan::SamplerPlan::Hyperstar(options) = &plan.sampler {
        hyperstar_model(plan, &dir.join(&options.model));
    }
    let options = RunOptions {
        store: store.display().to_string(),
        fresh: false,
        parallel: 1,
        trials_dir: Some(dir.join("trials")),
        lease: RunOptions::DEFAULT_LEASE,
        keep_checkpoints: false,
        keep_best: None,
        max_failures: hps::runtime::DEFAULT_MAX_FAILURES,
        quiet: true,
    };
    let trainer = Synthetic {
        interrupt_after,
        trained: AtomicU64::new(0),
        starts: Mutex::new(Vec::new()),
    };
    let environment = Environment {
        custom: Some(&trainer),
        ..Environment::new(dir)
    };
    let summary = hps::runtime::run(
        plan,
        environment,
        &options,
        Arc::new(AtomicBool::new(false)),
    )
    .unwrap();
    (summary, trainer.starts.into_inner().unwrap())
}

/// A HyperSTAR model of `plan`'s space at `path`, trained briefly (the contract checks what the
/// sampler proposes, not how well it ranks) on two tasks drawn from the digits.
fn hyperstar_model(plan: &Plan, path: &Path) {
    use hps::meta::training::{MetaTask, TrainOptions, train};
    let space = plan.search_space();
    let encoder = hps::space::encoding::Encoder::new(&space);
    let data = hps::train::data::load(plan.data.as_ref().unwrap()).unwrap();
    let rows = hps::meta::TaskRows::from_examples(&data.train).unwrap();
    let mut random = hps::sampler::random::RandomSampler::new(space.clone(), 0);
    let configs: Vec<Vec<f32>> = (0..20)
        .map(|n| {
            let config = random.ask(n, &[]).unwrap().unwrap();
            #[allow(clippy::cast_possible_truncation)]
            encoder
                .encode(&space, &config)
                .into_iter()
                .map(|v| v as f32)
                .collect()
        })
        .collect();
    let tasks: Vec<MetaTask> = (0..2)
        .map(|t| MetaTask {
            name: format!("t{t}"),
            rows: rows.clone(),
            scores: (0..configs.len())
                .map(|i| ((i * (t + 3)) % 7) as f64)
                .collect(),
            configs: configs.clone(),
        })
        .collect();
    let options = TrainOptions {
        steps: 3,
        ..TrainOptions::default()
    };
    let settings = hps::meta::Settings::default();
    let predictor = train(
        &tasks,
        encoder.dims(),
        settings,
        &options,
        &candle_core::Device::Cpu,
        &mut |_, _| {},
    )
    .unwrap();
    let header = hps::meta::ModelFile::header(&space, &predictor, options, Vec::new());
    hps::meta::ModelFile { header, predictor }
        .save(path)
        .unwrap();
}

/// What must agree between two runs: each trial's number, parameters, state, epochs and value.
fn outcome(summary: &RunSummary) -> Vec<(u64, Config, String, u32, Option<f64>)> {
    summary
        .trials
        .iter()
        .map(|t| {
            (
                t.number,
                t.params.clone(),
                t.state.to_string(),
                t.epochs,
                t.value,
            )
        })
        .collect()
}

#[test]
fn the_same_seed_gives_the_same_trials() {
    for (name, plan) in cases() {
        let (a, b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
        let first = run(&plan, a.path(), None);
        assert!(!first.trials.is_empty(), "{name}: no trials");
        assert_eq!(
            outcome(&first),
            outcome(&run(&plan, b.path(), None)),
            "{name}"
        );
    }
}

fn in_domain(distribution: &Distribution, value: &Value) -> bool {
    let on_step = |x: f64, low: f64, step: f64| {
        let k = (x - low) / step;
        (k - k.round()).abs() < 1e-9
    };
    match distribution {
        Distribution::Uniform { low, high, step } => value.as_f64().is_some_and(|x| {
            (*low..=*high).contains(&x) && step.is_none_or(|s| on_step(x, *low, s))
        }),
        Distribution::LogUniform { low, high } => value
            .as_f64()
            .is_some_and(|x| x > 0.0 && (*low..=*high).contains(&x)),
        Distribution::Int {
            low, high, step, ..
        } => {
            matches!(value, Value::Int(i) if (*low..=*high).contains(i) && (i - low) % step.max(&1) == 0)
        }
        Distribution::Choice { values } | Distribution::Ordinal { values } => {
            values.contains(value)
        }
        Distribution::Bases { values, .. } => value.as_f64().is_some_and(|x| values.contains(&x)),
    }
}

#[test]
fn values_respect_domains_conditions_forbid_and_the_budget() {
    for (name, plan) in cases() {
        let dir = tempfile::tempdir().unwrap();
        let summary = run(&plan, dir.path(), None);
        let space = plan.search_space();
        for t in &summary.trials {
            for p in &space.params {
                let active = p
                    .condition
                    .as_ref()
                    .is_none_or(|c| c.holds(&|n| t.params.get(n).cloned()));
                match t.params.get(&p.name) {
                    Some(v) => {
                        assert!(active, "{name}: trial {} has inactive {}", t.number, p.name);
                        assert!(
                            in_domain(&p.distribution, v),
                            "{name}: trial {} has {} = {v} outside {:?}",
                            t.number,
                            p.name,
                            p.distribution
                        );
                    }
                    None => assert!(!active, "{name}: trial {} lacks {}", t.number, p.name),
                }
            }
            assert!(
                !space.is_forbidden(&t.params),
                "{name}: trial {} is forbidden",
                t.number
            );
            // A run that ends with the epoch budget mid-rung leaves trials awaiting that rung.
            assert!(
                t.state.is_finished() || t.state == TrialState::Awaiting,
                "{name}: trial {} is {}",
                t.number,
                t.state
            );
        }
        if name.contains("svr") {
            assert!(
                summary.trials.iter().any(|t| t.predicted.is_some()),
                "{name}: the stopping rule stopped nothing, so its contract is not exercised"
            );
        }
        let trials = summary.trials.len() as u64;
        let epochs: u64 = summary.trials.iter().map(|t| u64::from(t.epochs)).sum();
        assert!(
            trials <= plan.budget.trials.unwrap(),
            "{name}: {trials} trials"
        );
        assert!(
            epochs <= plan.budget.epochs.unwrap(),
            "{name}: {epochs} epochs"
        );
    }
}

#[test]
fn a_resumed_study_ends_like_an_uninterrupted_one() {
    for (name, plan) in cases() {
        let (whole, parts) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
        let expected = outcome(&run(&plan, whole.path(), None));
        // Interrupted after 13 and then 29 epochs: mid-trial, mid-rung.
        let first = run(&plan, parts.path(), Some(13));
        assert_eq!(
            first.reason,
            hps::runtime::StopReason::Interrupted,
            "{name}"
        );
        let second = run(&plan, parts.path(), Some(16));
        assert_eq!(
            second.reason,
            hps::runtime::StopReason::Interrupted,
            "{name}"
        );
        let resumed = run(&plan, parts.path(), None);
        assert_eq!(outcome(&resumed), expected, "{name}");
    }
}

/// Under `sha` and `hyperband` a rung's promoted trials train best first (Baker et al.'s `top_k`
/// order), so a stopping rule meets the strongest rivals first.
#[test]
fn promoted_trials_train_best_first() {
    for (name, plan) in cases() {
        if !(name.contains("× sha") || name.contains("× hyperband")) || !name.ends_with("none") {
            continue;
        }
        let dir = tempfile::tempdir().unwrap();
        let (summary, starts) = run_recording(&plan, dir.path(), None);
        let bracket: BTreeMap<u64, Option<u32>> = summary
            .trials
            .iter()
            .map(|t| (t.number, t.bracket))
            .collect();
        let promoted: Vec<&(u64, u32, f64)> = starts.iter().filter(|s| s.1 > 0).collect();
        let mut compared = 0;
        // Consecutive promotions in one bracket from the same epoch are one rung's batch.
        for pair in promoted.windows(2) {
            if pair[0].1 == pair[1].1 && bracket[&pair[0].0] == bracket[&pair[1].0] {
                compared += 1;
                assert!(
                    pair[0].2 >= pair[1].2,
                    "{name}: trial {} ({}) trained before trial {} ({})",
                    pair[0].0,
                    pair[0].2,
                    pair[1].0,
                    pair[1].2
                );
            }
        }
        assert!(compared >= 2, "{name}: no rung promoted two trials");
    }
}

/// A `hyperstar` model that is missing, or scores another search space, is refused at the
/// `sampler` field as `hps::meta_mismatch` before anything trains.
#[test]
fn a_hyperstar_model_that_does_not_fit_is_refused_at_the_sampler() {
    let sampler = samplers()
        .into_iter()
        .find(|s| s.starts_with("hyperstar"))
        .unwrap();
    let plan = hps::Study::from_source("contract.hps", &source(&sampler, "fifo", "none"))
        .unwrap()
        .plan()
        .clone();
    let refused = |dir: &Path| {
        let options = RunOptions::new(&dir.join("hps.db").display().to_string());
        let trainer = Synthetic {
            interrupt_after: None,
            trained: AtomicU64::new(0),
            starts: Mutex::new(Vec::new()),
        };
        let environment = Environment {
            custom: Some(&trainer),
            ..Environment::new(dir)
        };
        let error = match hps::runtime::run(&plan, environment, &options, Arc::default()) {
            Err(RunError::Wiring(e)) => e,
            other => panic!("{other:?}"),
        };
        assert_eq!(trainer.trained.load(Ordering::SeqCst), 0);
        assert_eq!(error.field, "sampler");
        assert_eq!(error.code, hps::diagnostic::Code::MetaMismatch);
        error.message
    };
    let dir = tempfile::tempdir().unwrap();
    let missing = refused(dir.path());
    assert!(missing.contains("cannot read the model"), "{missing}");
    // A model of the finite space, where the study searches the mixed one.
    let other = hps::Study::from_source(
        "other.hps",
        &source("grid", "fifo", "none")
            .replace("study contract {", "study contract {\n  data = digits"),
    )
    .unwrap()
    .plan()
    .clone();
    hyperstar_model(&other, &dir.path().join("contract.hpsmeta"));
    let mismatch = refused(dir.path());
    assert!(mismatch.contains("another search space"), "{mismatch}");
}

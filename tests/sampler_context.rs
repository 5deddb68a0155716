//! What a sampler is built with, through the runtime's one wiring point: read access to the store —
//! its own study and other studies — with state of its own that survives a restart, the study's
//! data when the run loads it, and the device. A sampler of the embedding program's own
//! (`Environment::sampler`) is built with the same context as the plan's would be.

use std::sync::Arc;
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

use hps::runtime::{Environment, RunOptions, RunSummary};
use hps::sampler::random::RandomSampler;
use hps::sampler::{Observation, Sampler, SamplerContext};
use hps::space::Config;

/// What the expensive fit finds.
const FIT: u64 = 0x05EE_DF17;

const QUADRATIC: &str = r#"
study quadratic {
  trial     = custom
  params    = { x = uniform(-3, 3) }
  objective = minimize loss
  budget    { trials = 4 }
  seed      = 3
}
"#;

/// A sampler whose "model" is expensive to fit: it fits once, keeps the fit in the store, and on a
/// restart reads it back instead of fitting again. The fit's value goes into every configuration
/// it proposes, so a lost fit would show.
struct Fitted {
    random: RandomSampler,
    fit: u64,
}

impl Fitted {
    fn new(context: &SamplerContext<'_>, fits: &AtomicUsize) -> Result<Self, String> {
        let fit = match context.store.state().map_err(|e| e.to_string())? {
            Some(bytes) => u64::from_le_bytes(bytes.try_into().map_err(|_| "bad state")?),
            None => {
                fits.fetch_add(1, Ordering::SeqCst);
                let fit = FIT;
                context
                    .store
                    .save_state(&u64::to_le_bytes(fit))
                    .map_err(|e| e.to_string())?;
                fit
            }
        };
        Ok(Self {
            random: RandomSampler::new(context.space.clone(), context.plan.seed),
            fit,
        })
    }
}

impl Sampler for Fitted {
    fn ask(&mut self, number: u64, history: &[Observation]) -> Result<Option<Config>, String> {
        assert_eq!(self.fit, FIT, "the fit was lost");
        self.random.ask(number, history)
    }
}

fn options(store: &std::path::Path) -> RunOptions {
    RunOptions {
        store: store.display().to_string(),
        fresh: false,
        parallel: 1,
        trials_dir: None,
        lease: RunOptions::DEFAULT_LEASE,
        keep_checkpoints: false,
        keep_best: None,
        max_failures: hps::runtime::DEFAULT_MAX_FAILURES,
        quiet: true,
    }
}

fn quadratic(trial: &mut hps::TrialContext<'_>) -> Result<(), String> {
    let x = trial.number("x")?;
    trial.report(1, (x - 1.0).powi(2));
    Ok(())
}

fn run_with(
    source: &str,
    store: &std::path::Path,
    factory: hps::runtime::SamplerFactory<'_>,
) -> RunSummary {
    let study = hps::Study::from_source("s.hps", source).unwrap();
    let trainer = hps::trial::closure::ClosureTrainer::new(quadratic, "loss");
    let environment = Environment {
        custom: Some(&trainer),
        sampler: Some(factory),
        ..Environment::new(".")
    };
    hps::runtime::run(study.plan(), environment, &options(store), Arc::default()).unwrap()
}

#[test]
fn a_samplers_state_survives_a_restart_so_it_fits_once() {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("hps.db");
    let fits = AtomicUsize::new(0);
    let factory = |context: &SamplerContext<'_>| -> Result<Box<dyn Sampler>, String> {
        assert!(context.store.is_attached());
        Ok(Box::new(Fitted::new(context, &fits)?))
    };
    let first = run_with(QUADRATIC, &store, &factory);
    assert_eq!(first.trials.len(), 4);
    assert_eq!(fits.load(Ordering::SeqCst), 1);
    // The same study, run again with a larger budget: the state is read back, not refitted.
    let more = QUADRATIC.replace("trials = 4", "trials = 7");
    let second = run_with(&more, &store, &factory);
    assert_eq!(second.trials.len(), 7);
    assert_eq!(fits.load(Ordering::SeqCst), 1, "the sampler fitted again");
    // A fresh study of another name has no state yet.
    let other = QUADRATIC.replace("study quadratic", "study other");
    run_with(&other, &store, &factory);
    assert_eq!(fits.load(Ordering::SeqCst), 2);
}

#[test]
fn a_sampler_reads_earlier_studies_in_its_store() {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("hps.db");
    let plain = |context: &SamplerContext<'_>| -> Result<Box<dyn Sampler>, String> {
        Ok(Box::new(RandomSampler::new(
            context.space.clone(),
            context.plan.seed,
        )))
    };
    let earlier = run_with(QUADRATIC, &store, &plain);
    let seen = Mutex::new(Vec::new());
    let reading = |context: &SamplerContext<'_>| -> Result<Box<dyn Sampler>, String> {
        let studies = context.store.studies().map_err(|e| e.to_string())?;
        for summary in studies
            .iter()
            .filter(|s| s.study.id != context.store.study_id())
        {
            let trials = context
                .store
                .trials(summary.study.id)
                .map_err(|e| e.to_string())?;
            seen.lock()
                .unwrap()
                .push((summary.study.name.clone(), trials.len()));
        }
        plain(context)
    };
    let next = QUADRATIC.replace("study quadratic", "study next");
    run_with(&next, &store, &reading);
    assert_eq!(
        *seen.lock().unwrap(),
        [(String::from("quadratic"), earlier.trials.len())]
    );
}

#[test]
fn a_sampler_of_a_study_trained_by_hps_sees_its_data_and_device() {
    let dir = tempfile::tempdir().unwrap();
    let source = r#"
import "std/nets.hps"
dataset digits = builtin("digits") | take(200) | split(val = 0.25, seed = 1) | standardize()
study small {
  data   = digits
  model  = mlp(width = choice(4, 8), depth = 1)
  train  = { epochs = 1 }
  budget { trials = 2 }
}
"#;
    let study = hps::Study::from_source("s.hps", source).unwrap();
    let seen = Mutex::new(None);
    let factory = |context: &SamplerContext<'_>| -> Result<Box<dyn Sampler>, String> {
        let data = context.data.ok_or("no data")?;
        *seen.lock().unwrap() = Some((data.train.len() + data.val.len(), context.device.is_cpu()));
        Ok(Box::new(RandomSampler::new(
            context.space.clone(),
            context.plan.seed,
        )))
    };
    let environment = Environment {
        sampler: Some(&factory),
        ..Environment::new(dir.path())
    };
    let summary = hps::runtime::run(
        study.plan(),
        environment,
        &options(&dir.path().join("hps.db")),
        Arc::default(),
    )
    .unwrap();
    assert_eq!(summary.trials.len(), 2);
    assert_eq!(*seen.lock().unwrap(), Some((200, true)));
}

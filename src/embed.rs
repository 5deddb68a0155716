//! hps as a library: load a study from a `.hps` file or string and optimise a Rust closure, which
//! reads its trial's parameters and reports a value per epoch, so budgets, schedulers and the store
//! work as they do for `hps run`.
//!
//! ```
//! let source = r#"
//!     study quadratic {
//!       trial     = custom
//!       params    = { x = uniform(-3, 3), y = int(-2, 2) }
//!       objective = minimize loss
//!       budget    { trials = 12 }
//!       seed      = 1
//!     }
//! "#;
//! let dir = tempfile::tempdir().unwrap();
//! let store = dir.path().join("hps.db");
//! let study = hps::Study::from_source("quadratic.hps", source).unwrap();
//! let summary = study
//!     .optimize(store.to_str().unwrap(), |trial| {
//!         let (x, y) = (trial.number("x")?, trial.number("y")?);
//!         trial.report(1, (x - 1.0).powi(2) + y * y);
//!         Ok(())
//!     })
//!     .unwrap();
//! assert_eq!(summary.trials.len(), 12);
//! assert!(summary.best.unwrap().value.unwrap() < 2.0);
//! ```

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::AtomicBool;

use crate::plan::Plan;
use crate::runtime::{RunError, RunOptions, RunSummary};
use crate::semantic::{Checked, check_paths, check_text};
use crate::space::{Config, Value};
use crate::trial::{Control, EpochMetrics, EpochSink, Trainer, TrialEnd, TrialFailure, TrialRun};

/// A study that can be optimised from Rust.
#[derive(Debug, Clone)]
pub struct Study {
    plan: Plan,
}

/// Why a study could not be loaded or run.
#[derive(Debug)]
pub enum StudyError {
    /// The source has errors: every diagnostic, rendered.
    Invalid(String),
    /// The file names no such study, or several and none was chosen.
    NoStudy(String),
    /// The run failed.
    Run(RunError),
}

impl std::fmt::Display for StudyError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            StudyError::Invalid(d) => write!(f, "the study has errors:\n{d}"),
            StudyError::NoStudy(m) => f.write_str(m),
            StudyError::Run(e) => write!(f, "{e}"),
        }
    }
}

impl std::error::Error for StudyError {}

impl Study {
    /// Loads the only study of a `.hps` file.
    ///
    /// # Errors
    /// Unreadable file, diagnostics, or not exactly one study.
    pub fn from_file(path: impl AsRef<Path>) -> Result<Self, StudyError> {
        let path = path.as_ref();
        let checked = check_paths(&[path.to_path_buf()]).map_err(|e| {
            StudyError::Invalid(format!("cannot read {}: {}", e.path.display(), e.error))
        })?;
        Self::from_checked(&checked, None)
    }

    /// Loads the only study of `.hps` source text.
    ///
    /// # Errors
    /// Diagnostics, or not exactly one study.
    pub fn from_source(name: &str, text: &str) -> Result<Self, StudyError> {
        let checked = check_text(name, text, Some(Path::new(".")));
        Self::from_checked(&checked, None)
    }

    /// Loads the study `study` of a `.hps` file.
    ///
    /// # Errors
    /// Unreadable file, diagnostics, or no such study.
    pub fn from_file_named(path: impl AsRef<Path>, study: &str) -> Result<Self, StudyError> {
        let path = path.as_ref();
        let checked = check_paths(&[path.to_path_buf()]).map_err(|e| {
            StudyError::Invalid(format!("cannot read {}: {}", e.path.display(), e.error))
        })?;
        Self::from_checked(&checked, Some(study))
    }

    fn from_checked(checked: &Checked, name: Option<&str>) -> Result<Self, StudyError> {
        if checked.has_errors() {
            return Err(StudyError::Invalid(checked.render_plain(100)));
        }
        let studies = &checked.program.studies;
        let study = match name {
            Some(n) => studies.iter().find(|s| s.name == n),
            None if studies.len() == 1 => studies.first(),
            None => None,
        }
        .ok_or_else(|| {
            StudyError::NoStudy(format!("expected one study, found {}", studies.len()))
        })?;
        Ok(Self {
            plan: crate::lower::plan(study, &checked.program),
        })
    }

    /// The execution plan.
    #[must_use]
    pub fn plan(&self) -> &Plan {
        &self.plan
    }

    /// Runs the study with `objective` as the trainer, recording trials in the store at `store`.
    /// Running it again continues the study, as `hps run` does.
    ///
    /// # Errors
    /// When the store fails or refuses the study, or the sampler cannot be used.
    pub fn optimize<F>(&self, store: &str, objective: F) -> Result<RunSummary, StudyError>
    where
        F: Fn(&mut TrialContext<'_>) -> Result<(), String> + Send + Sync,
    {
        let sampler = crate::sampler::for_plan(&self.plan)
            .map_err(|e| StudyError::Run(RunError::Sampler(e)))?;
        let options = RunOptions {
            store: store.to_owned(),
            fresh: false,
            parallel: usize::try_from(self.plan.budget.parallel)
                .unwrap_or(1)
                .max(1),
            trials_dir: crate::runtime::trials_dir(store),
            quiet: true,
        };
        let trainer = ClosureTrainer {
            objective,
            metric: self.plan.objective.metric.clone(),
        };
        crate::runtime::run(
            &self.plan,
            sampler,
            &trainer,
            &options,
            Arc::new(AtomicBool::new(false)),
        )
        .map_err(StudyError::Run)
    }
}

/// One trial as the closure sees it.
pub struct TrialContext<'a> {
    run: &'a TrialRun,
    sink: &'a mut dyn EpochSink,
    metric: &'a str,
    epochs: u32,
    paused: bool,
}

impl TrialContext<'_> {
    /// The trial's number.
    #[must_use]
    pub fn trial(&self) -> u64 {
        self.run.number
    }

    /// The trial's seed.
    #[must_use]
    pub fn seed(&self) -> u64 {
        self.run.seed
    }

    /// Epochs already trained (a trial promoted by `sha`/`hyperband` goes on from here): report
    /// epochs `start_epoch() + 1 ..= max_epochs()`.
    #[must_use]
    pub fn start_epoch(&self) -> u32 {
        self.run.start_epoch
    }

    /// The epoch to train until.
    #[must_use]
    pub fn max_epochs(&self) -> u32 {
        self.run.max_epochs
    }

    /// Every value of the configuration, by full path.
    #[must_use]
    pub fn config(&self) -> &Config {
        &self.run.config
    }

    /// A value by full path or shortest unambiguous suffix (`lr` for `params.lr`).
    ///
    /// # Errors
    /// No such parameter, or an ambiguous name.
    pub fn get(&self, name: &str) -> Result<&Value, String> {
        if let Some(v) = self.run.config.get(name) {
            return Ok(v);
        }
        let suffix = format!(".{name}");
        let matches: Vec<(&String, &Value)> = self
            .run
            .config
            .iter()
            .filter(|(k, _)| k.ends_with(&suffix))
            .collect();
        match matches.as_slice() {
            [(_, v)] => Ok(v),
            [] => Err(format!("the trial has no parameter `{name}`")),
            many => Err(format!(
                "`{name}` could be {}",
                many.iter()
                    .map(|(k, _)| k.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            )),
        }
    }

    /// A numeric value (see [`TrialContext::get`]).
    ///
    /// # Errors
    /// No such parameter, or not a number.
    pub fn number(&self, name: &str) -> Result<f64, String> {
        self.get(name)?
            .as_f64()
            .ok_or_else(|| format!("`{name}` is not a number"))
    }

    /// A string or symbol value (see [`TrialContext::get`]).
    ///
    /// # Errors
    /// No such parameter, or not a string.
    pub fn text(&self, name: &str) -> Result<&str, String> {
        self.get(name)?
            .as_str()
            .ok_or_else(|| format!("`{name}` is not a string"))
    }

    /// Reports the objective's value after `epoch` (1-based). Returns `false` when the trial should
    /// stop (the budget ran out); keep reporting is harmless but wasted.
    pub fn report(&mut self, epoch: u32, value: f64) -> bool {
        let mut values = BTreeMap::new();
        values.insert(self.metric.to_owned(), value);
        self.report_metrics(epoch, values)
    }

    /// Reports several metrics after `epoch`; see [`TrialContext::report`].
    pub fn report_metrics(&mut self, epoch: u32, values: BTreeMap<String, f64>) -> bool {
        self.epochs = self.epochs.max(epoch);
        let control = self.sink.epoch(&EpochMetrics { epoch, values });
        self.paused |= control == Control::Pause;
        !self.paused
    }
}

struct ClosureTrainer<F> {
    objective: F,
    metric: String,
}

impl<F> Trainer for ClosureTrainer<F>
where
    F: Fn(&mut TrialContext<'_>) -> Result<(), String> + Send + Sync,
{
    fn train(&self, run: &TrialRun, sink: &mut dyn EpochSink) -> Result<TrialEnd, TrialFailure> {
        let mut context = TrialContext {
            run,
            sink,
            metric: &self.metric,
            epochs: 0,
            paused: false,
        };
        (self.objective)(&mut context).map_err(TrialFailure::new)?;
        if context.epochs == 0 {
            return Err(TrialFailure::new(
                "the objective reported no value; call `trial.report(epoch, value)`",
            ));
        }
        Ok(if context.paused {
            TrialEnd::Paused {
                epochs: context.epochs,
            }
        } else {
            TrialEnd::Completed {
                epochs: context.epochs,
            }
        })
    }
}

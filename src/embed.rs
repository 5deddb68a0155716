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

use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::AtomicBool;

use crate::plan::Plan;
use crate::runtime::{Environment, RunError, RunOptions, RunSummary};
use crate::semantic::{Checked, check_paths, check_text};
use crate::trial::closure::{ClosureTrainer, TrialContext};

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
        let options = RunOptions {
            store: store.to_owned(),
            fresh: false,
            parallel: usize::try_from(self.plan.budget.parallel)
                .unwrap_or(1)
                .max(1),
            trials_dir: None,
            lease: RunOptions::DEFAULT_LEASE,
            keep_checkpoints: false,
            keep_best: None,
            max_failures: crate::runtime::DEFAULT_MAX_FAILURES,
            quiet: true,
        };
        let trainer = ClosureTrainer::new(objective, &self.plan.objective.metric);
        let environment = Environment {
            custom: Some(&trainer),
            ..Environment::new(".")
        };
        crate::runtime::run(
            &self.plan,
            environment,
            &options,
            Arc::new(AtomicBool::new(false)),
        )
        .map_err(StudyError::Run)
    }
}

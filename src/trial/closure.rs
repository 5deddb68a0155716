//! A Rust closure as a trainer (`trial = custom`): hps's library API (`hps::Study::optimize`)
//! calls it once per trial with a [`TrialContext`], which reads the trial's values and reports each
//! epoch through the epoch protocol, so budgets, schedulers and stopping rules act on it as on any
//! trainer.

use std::collections::BTreeMap;

use super::protocol::EpochProtocol;
use super::{EpochMetrics, EpochSink, Trainer, TrialEnd, TrialFailure, TrialRun, keys_named};
use crate::space::{Config, Value};

/// One trial as the closure sees it.
pub struct TrialContext<'a> {
    run: &'a TrialRun,
    protocol: EpochProtocol<'a>,
    metric: &'a str,
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
        match keys_named(&self.run.config, name).as_slice() {
            [key] => self
                .run
                .config
                .get(*key)
                .ok_or_else(|| format!("the trial has no parameter `{name}`")),
            [] => Err(format!("the trial has no parameter `{name}`")),
            many => Err(format!("`{name}` could be {}", many.join(", "))),
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
    /// stop (its rung ended, a stopping rule or the budget ended it, or the run was interrupted);
    /// further reports are ignored.
    pub fn report(&mut self, epoch: u32, value: f64) -> bool {
        let mut values = BTreeMap::new();
        values.insert(self.metric.to_owned(), value);
        self.report_metrics(epoch, values)
    }

    /// Reports several metrics after `epoch`; see [`TrialContext::report`].
    pub fn report_metrics(&mut self, epoch: u32, values: BTreeMap<String, f64>) -> bool {
        self.protocol.report(EpochMetrics { epoch, values });
        self.protocol.before_epoch().is_none()
    }
}

/// A trainer that calls a Rust closure for each trial (`trial = custom`).
pub struct ClosureTrainer<F> {
    objective: F,
    metric: String,
}

impl<F> ClosureTrainer<F>
where
    F: Fn(&mut TrialContext<'_>) -> Result<(), String> + Send + Sync,
{
    /// A trainer calling `objective`, whose [`TrialContext::report`] reports `metric`.
    pub fn new(objective: F, metric: &str) -> Self {
        Self {
            objective,
            metric: metric.to_owned(),
        }
    }
}

impl<F> Trainer for ClosureTrainer<F>
where
    F: Fn(&mut TrialContext<'_>) -> Result<(), String> + Send + Sync,
{
    fn train(&self, run: &TrialRun, sink: &mut dyn EpochSink) -> Result<TrialEnd, TrialFailure> {
        let mut context = TrialContext {
            run,
            protocol: EpochProtocol::new(run, sink),
            metric: &self.metric,
        };
        if let Some(end) = context.protocol.before_epoch() {
            return Ok(end);
        }
        (self.objective)(&mut context).map_err(TrialFailure::new)?;
        if !context.protocol.reported_any() && context.protocol.before_epoch().is_none() {
            return Err(TrialFailure::new(
                "the objective reported no value; call `trial.report(epoch, value)`",
            ));
        }
        Ok(context.protocol.finish())
    }
}

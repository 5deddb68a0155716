//! Trials as the runtime sees them: the [`Trainer`] trait that every way of training implements
//! (hps's own Candle trainer in `crate::train`, an external [`command`], recorded curves in
//! [`lookup`], a Rust [`closure`]), what a trainer is given for one trial ([`TrialRun`]), and how it
//! reports each epoch ([`EpochSink`]) — always through the one [`protocol`], so that schedulers and
//! stopping rules act between epochs the same way whatever trains, and the process environment
//! training runs in ([`training_env`]: Candle's thread settings and the allocator, trial commands given the
//! user's environment back). The runtime drives trainers.

pub mod closure;
pub mod command;
pub mod lookup;
pub mod protocol;
pub mod training_env;

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::AtomicBool;

use crate::space::Config;

/// Everything a trainer needs for one trial.
#[derive(Debug, Clone)]
pub struct TrialRun {
    /// The trial's number in its study (0-based).
    pub number: u64,
    /// Every value the trial sees, by full path: active parameters, fixed and derived values.
    pub config: Config,
    /// The trial's seed (weights, shuffling, dropout).
    pub seed: u64,
    /// Train until this epoch (1-based count of epochs done at the end).
    pub max_epochs: u32,
    /// Epochs already trained (a resumed or promoted trial continues from its checkpoint).
    pub start_epoch: u32,
    /// Where the trial keeps its checkpoint and logs.
    pub dir: PathBuf,
    /// Set when the user asks the run to stop (Ctrl-C): finish the epoch, then return.
    pub stop: Arc<AtomicBool>,
}

/// One epoch's metrics: `val.accuracy`, `train.loss`, or what an external program reports.
#[derive(Debug, Clone, PartialEq)]
pub struct EpochMetrics {
    /// 1-based epoch number.
    pub epoch: u32,
    /// Metric name → value.
    pub values: BTreeMap<String, f64>,
}

/// What the runtime answers after an epoch.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Control {
    /// Train the next epoch.
    Continue,
    /// End the trial now (a scheduler's rung or a stopping rule); keep the checkpoint.
    Pause,
}

/// Receives each epoch as it ends, and is asked before each starts.
pub trait EpochSink {
    /// Whether epoch `epoch` (1-based) may be trained: [`Control::Pause`] ends the trial before it
    /// (the budget has no epoch left). Asked before each epoch, and perhaps again about an epoch
    /// it allowed: it answers the same (the store's sink pays for each epoch once).
    fn before_epoch(&mut self, epoch: u32) -> Control {
        let _ = epoch;
        Control::Continue
    }

    /// Records `metrics`; the answer decides whether training goes on.
    fn epoch(&mut self, metrics: &EpochMetrics) -> Control;

    /// The trainer, asked to go on after `start_epoch`, reported `epoch` (at most `start_epoch`)
    /// again: it started over and trained that epoch a second time. Not recorded (the store keeps
    /// the first), but paid for as any trained epoch; [`Control::Pause`] ends the trial. Told once
    /// per epoch.
    fn retrained(&mut self, epoch: u32, start_epoch: u32) -> Control {
        let _ = (epoch, start_epoch);
        Control::Continue
    }
}

/// How a trial's training ended, when it did not fail.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TrialEnd {
    /// Reached `max_epochs`.
    Completed {
        /// Epochs trained in total.
        epochs: u32,
    },
    /// The sink answered [`Control::Pause`].
    Paused {
        /// Epochs trained in total.
        epochs: u32,
    },
    /// The stop flag was set; the trial can be resumed.
    Interrupted {
        /// Epochs trained in total.
        epochs: u32,
    },
}

/// Why a trial failed: diverged (NaN), crashed, timed out, bad output.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrialFailure {
    /// One line for tables.
    pub reason: String,
    /// More detail (a log's tail), if any.
    pub detail: Option<String>,
}

impl TrialFailure {
    /// A failure with a reason and no detail.
    #[must_use]
    pub fn new(reason: impl Into<String>) -> Self {
        Self {
            reason: reason.into(),
            detail: None,
        }
    }
}

/// A way of training one trial.
pub trait Trainer: Send + Sync {
    /// Trains `run`, reporting every epoch to `sink`.
    ///
    /// # Errors
    /// When the trial fails; the study records it as `failed` and goes on.
    fn train(&self, run: &TrialRun, sink: &mut dyn EpochSink) -> Result<TrialEnd, TrialFailure>;

    /// Whether the trainer writes hps checkpoints. Then a trial goes on from its recorded
    /// checkpoint (or from scratch without one); otherwise it goes on from the epochs it has recorded,
    /// and the trainer (or the program, through `HPS_START_EPOCH`) restores its own state.
    fn writes_checkpoints(&self) -> bool {
        false
    }
}

/// A borrowed trainer trains as its owner does (a run may borrow the trainer a caller keeps).
impl<T: Trainer + ?Sized> Trainer for &T {
    fn train(&self, run: &TrialRun, sink: &mut dyn EpochSink) -> Result<TrialEnd, TrialFailure> {
        (**self).train(run, sink)
    }

    fn writes_checkpoints(&self) -> bool {
        (**self).writes_checkpoints()
    }
}

/// A shared trainer trains as the one it points to (a strategy may keep the trainer it also runs
/// trials with).
impl<T: Trainer + ?Sized> Trainer for std::sync::Arc<T> {
    fn train(&self, run: &TrialRun, sink: &mut dyn EpochSink) -> Result<TrialEnd, TrialFailure> {
        (**self).train(run, sink)
    }

    fn writes_checkpoints(&self) -> bool {
        (**self).writes_checkpoints()
    }
}

/// A configuration's `train.epochs`, when it has one: where learning-rate schedules end, and how
/// long a trial trains when no scheduler decides.
#[must_use]
pub fn recipe_epochs(config: &Config) -> Option<u32> {
    config
        .get("train.epochs")
        .and_then(crate::space::Value::as_i64)
        .and_then(|e| u32::try_from(e).ok())
}

/// The config keys `name` refers to: the key equal to it, else every key ending in `.name`.
///
/// How a short name (`lr`) finds a trial's value by full path (`params.lr`): a command template's
/// `{lr}` in [`command`], a CSV column in [`lookup`]. More than one key means the name is
/// ambiguous.
pub(crate) fn keys_named<'config>(config: &'config Config, name: &str) -> Vec<&'config str> {
    if let Some((key, _)) = config.get_key_value(name) {
        return vec![key.as_str()];
    }
    let suffix = format!(".{name}");
    config
        .keys()
        .filter(|key| key.ends_with(&suffix))
        .map(String::as_str)
        .collect()
}

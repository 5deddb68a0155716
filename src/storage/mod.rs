//! The study store: studies, trials (state, parameters, seed, timings, error), per-epoch metrics
//! (learning curves), the checkpoint index and samplers' persisted state. [`Storage`] is the
//! interface the runtime and the CLI reports use; [`open`] is the one place that maps a store URL to
//! a backend. A backend is its own file (the embedded SQLite one, [`sqlite`], is the default) and
//! one line in [`open`]; everything backend-specific, its error conversions included, stays in its
//! file. Every method is one transaction, and claiming a trial is one atomic step, so several
//! workers (threads or processes) can share a study. `tests/storage.rs` holds the contract every
//! backend must pass.

mod codec;
pub mod postgres;
pub mod sqlite;

pub use codec::{ALL_STATES, unix_now};
use std::collections::BTreeMap;
use std::fmt;
use std::path::PathBuf;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::space::Config;

/// Where a trial is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TrialState {
    /// Proposed, waiting for a worker.
    Queued,
    /// A worker is training it.
    Running,
    /// Trained to its last epoch.
    Complete,
    /// Finished its rung (or was stopped early inside it) and waits for the rung's decision:
    /// promoted, it trains on; otherwise it stops.
    Awaiting,
    /// Ended early by a scheduler or stopping rule.
    Stopped,
    /// Diverged, crashed or timed out.
    Failed,
}

impl TrialState {
    /// The state as stored and printed.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            TrialState::Queued => "queued",
            TrialState::Running => "running",
            TrialState::Complete => "complete",
            TrialState::Awaiting => "awaiting",
            TrialState::Stopped => "stopped",
            TrialState::Failed => "failed",
        }
    }

    /// Parses a stored state.
    #[must_use]
    pub fn parse(text: &str) -> Option<Self> {
        Some(match text {
            "queued" => TrialState::Queued,
            "running" => TrialState::Running,
            "complete" => TrialState::Complete,
            "awaiting" => TrialState::Awaiting,
            "stopped" => TrialState::Stopped,
            "failed" => TrialState::Failed,
            _ => return None,
        })
    }

    /// Whether the trial will not train again.
    #[must_use]
    pub fn is_finished(self) -> bool {
        matches!(
            self,
            TrialState::Complete | TrialState::Stopped | TrialState::Failed
        )
    }

    /// Whether the trial has stopped training, for now or for good: finished, or awaiting its
    /// rung's decision. Its last value is a measurement to rank and learn from.
    #[must_use]
    pub fn has_ended_stage(self) -> bool {
        matches!(
            self,
            TrialState::Complete | TrialState::Awaiting | TrialState::Stopped
        )
    }
}

impl fmt::Display for TrialState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A stored study.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StudyRecord {
    /// Store id.
    pub id: i64,
    /// The study's name (unique in a store).
    pub name: String,
    /// The `.hps` file it came from.
    pub file: String,
    /// Hash of the plan's search space; a run with another hash is refused.
    pub plan_hash: String,
    /// The plan as JSON.
    pub plan_json: String,
    /// Unix seconds.
    pub created_at: f64,
}

/// What a stopping rule predicted for a trial it ended early, as the store keeps it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct StoredPrediction {
    /// The predicted final value.
    pub value: f64,
    /// Its standard deviation.
    pub sigma: f64,
    /// The value it had to beat.
    pub reference: f64,
}

/// A stored trial.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TrialRecord {
    /// Store id.
    pub id: i64,
    /// The study's id.
    pub study_id: i64,
    /// 0-based number in the study.
    pub number: u64,
    /// Where it is.
    pub state: TrialState,
    /// Its configuration (parameters, fixed and derived values).
    pub params: Config,
    /// Its seed.
    pub seed: u64,
    /// Epochs trained.
    pub epochs: u32,
    /// The objective's last value (the value the study ranks by).
    pub value: Option<f64>,
    /// Why it failed, or how it was stopped.
    pub error: Option<String>,
    /// Unix seconds when a worker claimed it.
    pub started_at: Option<f64>,
    /// Unix seconds when it finished training: a trial its rung's decision stops keeps the time
    /// it finished the rung (it trained no more while it waited).
    pub finished_at: Option<f64>,
    /// Its successive-halving bracket (none under `fifo`).
    #[serde(default)]
    pub bracket: Option<u32>,
    /// Its rung in the bracket (0 until promoted).
    #[serde(default)]
    pub rung: u32,
    /// The epochs it trains to now (none: the recipe's `epochs`).
    #[serde(default)]
    pub target_epochs: Option<u32>,
    /// The final value a stopping rule predicted when it ended the trial early.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub predicted: Option<f64>,
    /// That prediction's standard deviation (stores before migration 11 have none).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub predicted_sigma: Option<f64>,
    /// The value that prediction was compared against: the trial had to be predicted to beat it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub predicted_reference: Option<f64>,
    /// The worker that claimed it last (its store id; see [`Storage::workers`]), none before a
    /// worker has claimed it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub worker: Option<i64>,
}

/// Where a new trial starts in a successive-halving bracket.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Placement {
    /// The bracket (0, 1, … in the order brackets run).
    pub bracket: u32,
    /// Epochs at the bracket's first rung.
    pub target_epochs: u32,
}

/// One point of a learning curve.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MetricRow {
    /// The trial's number.
    pub trial: u64,
    /// 1-based epoch.
    pub epoch: u32,
    /// Metric name.
    pub name: String,
    /// Value.
    pub value: f64,
}

/// A worker process of a study: where it runs, when it last said it is alive, and what it trains.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WorkerRecord {
    /// Store id.
    pub id: i64,
    /// The study it works on.
    pub study_id: i64,
    /// The machine's name.
    pub host: String,
    /// The process's id on that machine.
    pub pid: u32,
    /// Where that process id means something: the kernel's boot and the process namespace (so a
    /// worker can tell that another of the same origin is gone).
    pub origin: String,
    /// Unix seconds when it started.
    pub started_at: f64,
    /// Unix seconds of its last heartbeat.
    pub heartbeat_at: f64,
    /// Unix seconds when it stopped; none while it runs (or died without saying so).
    pub stopped_at: Option<f64>,
    /// The numbers of the trials it is running.
    pub trials: Vec<u64>,
}

/// Counts and best value of a study, for `hps status`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StudySummary {
    /// The study.
    pub study: StudyRecord,
    /// Trials per state.
    pub counts: BTreeMap<String, u64>,
}

/// A store failure.
#[derive(Debug)]
pub enum StoreError {
    /// The database said no.
    Database(String),
    /// The study exists with a different search space.
    PlanChanged {
        /// The study's name.
        study: String,
    },
    /// Something that should exist does not.
    NotFound(String),
    /// A store URL hps cannot open.
    Unsupported(String),
    /// A store opened for reading that does not exist (it is not created).
    Absent(String),
    /// The connection to a database server broke (it restarted, or the network failed) in the
    /// middle of an operation; the operation is retried on a new connection.
    Disconnected(String),
    /// The trial (by id) is no longer this worker's: its lease ran out (the worker was cut off from
    /// the store for longer than the lease) and it went back to the queue, perhaps to another worker.
    /// The worker must leave it alone.
    Lost(i64),
}

impl fmt::Display for StoreError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StoreError::Database(e) => write!(f, "study store: {e}"),
            StoreError::PlanChanged { study } => write!(
                f,
                "study `{study}` already exists in the store with a different search space"
            ),
            StoreError::NotFound(what) => write!(f, "{what} is not in the store"),
            StoreError::Unsupported(url) => write!(f, "cannot open the store {url}"),
            StoreError::Absent(url) => write!(f, "the store {url} does not exist"),
            StoreError::Disconnected(e) => write!(f, "study store: the connection broke: {e}"),
            StoreError::Lost(id) => write!(
                f,
                "trial (id {id}) is no longer this worker's: its lease ran out and it was re-queued"
            ),
        }
    }
}

impl std::error::Error for StoreError {}

/// The interface of a study store. Every method is atomic.
pub trait Storage: Send {
    /// Opens the study `name`, creating it when absent. With `fresh`, an existing study of that name
    /// is deleted first (trials, metrics, checkpoint index, samplers' state).
    ///
    /// # Errors
    /// [`StoreError::PlanChanged`] when the study exists with another `plan_hash` (and not `fresh`).
    fn open_study(
        &mut self,
        name: &str,
        file: &str,
        plan_hash: &str,
        plan_json: &str,
        fresh: bool,
    ) -> Result<StudyRecord, StoreError>;

    /// The study with this name.
    ///
    /// # Errors
    /// On database failure.
    fn study(&self, name: &str) -> Result<Option<StudyRecord>, StoreError>;

    /// Every study with its trial counts.
    ///
    /// # Errors
    /// On database failure.
    fn studies(&self) -> Result<Vec<StudySummary>, StoreError>;

    /// Puts back to `queued` the running trials whose worker is gone — their lease expired, or they
    /// have none (claimed by a connection acting for no worker) — dropping metrics of epochs after
    /// their last checkpoint, so that they resume from it. Returns how many.
    ///
    /// # Errors
    /// On database failure.
    fn requeue_expired(&mut self, study_id: i64) -> Result<u64, StoreError>;

    /// Registers a worker process of the study (its machine, process id, and where that id means
    /// something); returns its id.
    ///
    /// # Errors
    /// On database failure, or when the study does not exist.
    fn register_worker(
        &mut self,
        study_id: i64,
        host: &str,
        pid: u32,
        origin: &str,
    ) -> Result<i64, StoreError>;

    /// From now on this connection claims trials for `worker`, leasing each for `lease` and
    /// renewing the lease with every epoch it records. (Nothing is written.)
    fn act_for(&mut self, worker: i64, lease: Duration);

    /// `worker` is alive: its heartbeat and the leases of the trials it runs are renewed for `lease`.
    ///
    /// # Errors
    /// On database failure.
    fn heartbeat(&mut self, worker: i64, lease: Duration) -> Result<(), StoreError>;

    /// `worker` has stopped: the leases of any trials it still holds end now, so that the next
    /// [`Storage::requeue_expired`] puts them back in the queue.
    ///
    /// # Errors
    /// On database failure.
    fn retire_worker(&mut self, worker: i64) -> Result<(), StoreError>;

    /// The study's workers, the latest started first, each with the trials it runs.
    ///
    /// # Errors
    /// On database failure.
    fn workers(&self, study_id: i64) -> Result<Vec<WorkerRecord>, StoreError>;

    /// Takes the study's decision lock for `worker`, or renews it when `worker` holds it, for `hold`:
    /// `true` when `worker` holds it now. One worker at a time decides what the study does next
    /// (new trials, promotions); a lock its holder neither renews nor releases lapses after `hold`.
    ///
    /// # Errors
    /// On database failure.
    fn lock_decisions(
        &mut self,
        study_id: i64,
        worker: i64,
        hold: Duration,
    ) -> Result<bool, StoreError>;

    /// Releases the study's decision lock if `worker` holds it.
    ///
    /// # Errors
    /// On database failure.
    fn unlock_decisions(&mut self, study_id: i64, worker: i64) -> Result<(), StoreError>;

    /// Counts one more epoch against the study's epoch budget `cap`, unless `cap` epochs are counted
    /// already: `true` when it was counted (the epoch may be trained). Every worker draws on the
    /// same count, so together they never train more than `cap`.
    ///
    /// # Errors
    /// On database failure, or when the study does not exist.
    fn spend_epoch(&mut self, study_id: i64, cap: u64) -> Result<bool, StoreError>;

    /// The epochs counted against the study's budget, over every run and worker (when an older
    /// store is opened, the epochs its trials recorded).
    ///
    /// # Errors
    /// On database failure, or when the study does not exist.
    fn epochs_spent(&self, study_id: i64) -> Result<u64, StoreError>;

    /// Adds a queued trial with a number unique in its study.
    ///
    /// # Errors
    /// On database failure, or when the number exists.
    fn create_trial(
        &mut self,
        study_id: i64,
        number: u64,
        params: &Config,
        seed: u64,
        placement: Option<Placement>,
    ) -> Result<TrialRecord, StoreError>;

    /// Promotes a trial to `rung`, training on to `target_epochs` (from its checkpoint): back to
    /// `queued`, to be claimed at `position` among the queued trials (0 first).
    ///
    /// # Errors
    /// On database failure, or when the trial does not exist.
    fn promote(
        &mut self,
        trial_id: i64,
        rung: u32,
        target_epochs: u32,
        position: u32,
    ) -> Result<(), StoreError>;

    /// Atomically takes the queued trial with the lowest position (then number; new trials have
    /// position 0) and marks it running.
    ///
    /// # Errors
    /// On database failure.
    fn claim_trial(&mut self, study_id: i64) -> Result<Option<TrialRecord>, StoreError>;

    /// Records one epoch's metrics, sets the trial's epoch count and (when `objective` names one of
    /// the metrics) its value. A connection acting for a worker ([`Storage::act_for`]) records only
    /// a trial running under that worker, and renews its lease.
    ///
    /// # Errors
    /// [`StoreError::Lost`] when the trial is no longer the worker's; on database failure.
    fn record_epoch(
        &mut self,
        trial_id: i64,
        epoch: u32,
        metrics: &BTreeMap<String, f64>,
        objective: &str,
    ) -> Result<(), StoreError>;

    /// Ends a trial: `complete`, `stopped`, `failed` (with the reason), or back to `queued`.
    ///
    /// # Errors
    /// On database failure.
    fn finish_trial(
        &mut self,
        trial_id: i64,
        state: TrialState,
        error: Option<&str>,
    ) -> Result<(), StoreError>;

    /// The study's trials by number.
    ///
    /// # Errors
    /// On database failure.
    fn trials(&self, study_id: i64) -> Result<Vec<TrialRecord>, StoreError>;

    /// The study's learning curves, by trial then epoch then name.
    ///
    /// # Errors
    /// On database failure.
    fn curves(&self, study_id: i64) -> Result<Vec<MetricRow>, StoreError>;

    /// The objective's learning curve of every trial that recorded one, by trial number:
    /// `curve[e - 1]` is the value after epoch `e` (NaN where missing or not finite).
    ///
    /// # Errors
    /// On database failure.
    fn objective_curves(
        &self,
        study_id: i64,
        metric: &str,
    ) -> Result<BTreeMap<u64, Vec<f64>>, StoreError>;

    /// Records what a stopping rule predicted for a trial it ends early (cleared when the trial is
    /// queued again).
    ///
    /// # Errors
    /// On database failure, or when the trial does not exist.
    fn set_prediction(
        &mut self,
        trial_id: i64,
        prediction: StoredPrediction,
    ) -> Result<(), StoreError>;

    /// Records that a trial's checkpoint at `epoch` is at `path`.
    ///
    /// # Errors
    /// On database failure.
    fn set_checkpoint(&mut self, trial_id: i64, epoch: u32, path: &str) -> Result<(), StoreError>;

    /// The trial's latest checkpoint: `(epoch, path)`.
    ///
    /// # Errors
    /// On database failure.
    fn checkpoint(&self, trial_id: i64) -> Result<Option<(u32, String)>, StoreError>;

    /// Keeps a trial's checkpoint at `epoch` in the store itself (its bytes), so that a worker on
    /// any machine can resume the trial; it replaces the trial's checkpoint.
    ///
    /// # Errors
    /// On database failure, or when the trial does not exist.
    fn set_checkpoint_data(
        &mut self,
        trial_id: i64,
        epoch: u32,
        data: &[u8],
    ) -> Result<(), StoreError>;

    /// The bytes of the trial's checkpoint kept in the store, with its epoch.
    ///
    /// # Errors
    /// On database failure.
    fn checkpoint_data(&self, trial_id: i64) -> Result<Option<(u32, Vec<u8>)>, StoreError>;

    /// Forgets the trial's checkpoint (its path, or its bytes); the caller removes any file.
    ///
    /// # Errors
    /// On database failure.
    fn remove_checkpoint(&mut self, trial_id: i64) -> Result<(), StoreError>;

    /// The state a sampler keeps for the study under `key`: opaque bytes hps never reads, as last
    /// written by [`Storage::set_sampler_state`] (none when never written).
    ///
    /// # Errors
    /// On database failure.
    fn sampler_state(&self, study_id: i64, key: &str) -> Result<Option<Vec<u8>>, StoreError>;

    /// Writes (or replaces) the state a sampler keeps for the study under `key`. It lives as long
    /// as the study: a `fresh` [`Storage::open_study`] deletes it.
    ///
    /// # Errors
    /// On database failure, or when the study does not exist.
    fn set_sampler_state(
        &mut self,
        study_id: i64,
        key: &str,
        value: &[u8],
    ) -> Result<(), StoreError>;

    /// Whether workers on other machines may share this store (a database server, not a file):
    /// then checkpoints are kept in the store itself by default.
    fn spans_machines(&self) -> bool {
        false
    }

    /// The folder under which the trial folders (checkpoints, logs) of this store's studies live;
    /// the same for every connection to the store, and never another store's.
    fn trial_root(&self) -> PathBuf;
}

/// How a store is opened.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OpenMode {
    /// To read and write; an absent store is created (`hps run`, `hps::Study`).
    Create,
    /// To read only: an absent store is [`StoreError::Absent`], never created, and a store the user
    /// may read but not write can be read (`hps status`, `best`, `trials`, `export`).
    ReadOnly,
}

/// Opens a store to read and write: `PATH` or `sqlite://PATH` (created when absent), or
/// `postgres://USER[:PASSWORD]@HOST[:PORT]/DATABASE` (an existing database, migrated).
///
/// # Errors
/// An empty or unsupported URL, or a database that cannot be reached, opened or migrated.
pub fn open(url: &str) -> Result<Box<dyn Storage>, StoreError> {
    open_with(url, OpenMode::Create)
}

/// Opens a store as `mode` says: the one place a URL picks a backend.
///
/// # Errors
/// An empty or unsupported URL, a store that does not exist (read only), or a database that cannot
/// be reached, opened or migrated.
pub fn open_with(url: &str, mode: OpenMode) -> Result<Box<dyn Storage>, StoreError> {
    if is_postgres(url) {
        return Ok(Box::new(postgres::PostgresStore::open_with(url, mode)?));
    }
    let path = sqlite_path(url)?;
    Ok(Box::new(sqlite::SqliteStore::open_with(
        std::path::Path::new(path),
        mode,
    )?))
}

/// Checks a store URL without opening it: what the CLI's `--storage` accepts.
///
/// # Errors
/// An empty or unsupported URL.
pub fn check_url(url: &str) -> Result<(), StoreError> {
    if is_postgres(url) {
        return Ok(());
    }
    sqlite_path(url).map(|_| ())
}

fn is_postgres(url: &str) -> bool {
    url.starts_with("postgres://") || url.starts_with("postgresql://")
}

/// The SQLite file a URL names.
fn sqlite_path(url: &str) -> Result<&str, StoreError> {
    let path = url.strip_prefix("sqlite://").unwrap_or(url);
    if path.trim().is_empty() {
        return Err(StoreError::Unsupported(format!(
            "{url:?}: the path is empty; name a store file such as hps.db"
        )));
    }
    Ok(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_empty_url_is_a_usage_error() {
        for mode in [OpenMode::Create, OpenMode::ReadOnly] {
            for url in ["", "sqlite://", "  "] {
                let Err(error) = open_with(url, mode) else {
                    panic!("{url:?} opened");
                };
                assert!(matches!(error, StoreError::Unsupported(_)), "{error}");
                assert!(error.to_string().contains("the path is empty"), "{error}");
            }
        }
    }
}

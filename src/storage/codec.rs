//! How records are written into and read out of a relational store, the same for every backend:
//! seeds (unsigned) as the signed integer with the same bits, trial numbers and epochs checked on
//! the way back, a trial row's text (state, parameters) parsed with the trial named in any error,
//! non-finite metric values as SQL `NULL` (read back as NaN), and the clock. Used by `sqlite` and
//! `postgres`.

use std::collections::BTreeMap;
use std::time::{SystemTime, UNIX_EPOCH};

use super::{StoreError, StudyRecord, StudySummary, TrialRecord, TrialState};
use crate::space::Config;

/// The columns read into a [`TrialRecord`], in the order [`RawTrial`]'s fields are filled.
pub const TRIAL_COLUMNS: &str = "id, study_id, number, state, params_json, seed, epochs, value, error, \
     started_at, finished_at, bracket, rung, target_epochs, predicted, worker, predicted_sigma, \
     predicted_reference";

/// The columns read into a `StudyRecord`.
pub const STUDY_COLUMNS: &str = "id, name, file, plan_hash, plan_json, created_at";

/// Every state, so that a summary lists the empty ones too.
pub const ALL_STATES: [TrialState; 6] = [
    TrialState::Queued,
    TrialState::Running,
    TrialState::Complete,
    TrialState::Awaiting,
    TrialState::Stopped,
    TrialState::Failed,
];

/// A trial row as the database holds it, before its state and parameters are parsed.
pub struct RawTrial {
    /// `id`.
    pub id: i64,
    /// `study_id`.
    pub study_id: i64,
    /// `number`.
    pub number: i64,
    /// `state`.
    pub state: String,
    /// `params_json`.
    pub params_json: String,
    /// `seed`, as stored.
    pub seed: i64,
    /// `epochs`.
    pub epochs: i64,
    /// `value`.
    pub value: Option<f64>,
    /// `error`.
    pub error: Option<String>,
    /// `started_at`.
    pub started_at: Option<f64>,
    /// `finished_at`.
    pub finished_at: Option<f64>,
    /// `bracket`.
    pub bracket: Option<i64>,
    /// `rung`.
    pub rung: i64,
    /// `target_epochs`.
    pub target_epochs: Option<i64>,
    /// `predicted`.
    pub predicted: Option<f64>,
    /// `worker`.
    pub worker: Option<i64>,
    /// `predicted_sigma`.
    pub predicted_sigma: Option<f64>,
    /// `predicted_reference`.
    pub predicted_reference: Option<f64>,
}

impl RawTrial {
    /// Parses the stored text; a row hps did not write names its trial in the error.
    ///
    /// # Errors
    /// An unknown state, unreadable parameters, or a negative count.
    pub fn into_record(self) -> Result<TrialRecord, StoreError> {
        let id = self.id;
        let state = TrialState::parse(&self.state).ok_or_else(|| {
            StoreError::Database(format!("trial {id} has an unknown state `{}`", self.state))
        })?;
        let params: Config = serde_json::from_str(&self.params_json).map_err(|e| {
            StoreError::Database(format!("trial {id} has unreadable parameters: {e}"))
        })?;
        Ok(TrialRecord {
            id,
            study_id: self.study_id,
            number: unsigned(id, "number", self.number)?,
            state,
            params,
            seed: seed_from_sql(self.seed),
            epochs: unsigned(id, "epoch count", self.epochs)?,
            value: self.value,
            error: self.error,
            started_at: self.started_at,
            finished_at: self.finished_at,
            bracket: self
                .bracket
                .map(|b| unsigned(id, "bracket", b))
                .transpose()?,
            rung: unsigned(id, "rung", self.rung)?,
            target_epochs: self
                .target_epochs
                .map(|t| unsigned(id, "target epochs", t))
                .transpose()?,
            predicted: self.predicted,
            predicted_sigma: self.predicted_sigma,
            predicted_reference: self.predicted_reference,
            worker: self.worker,
        })
    }
}

/// A trial's parameters as stored.
///
/// # Errors
/// When they cannot be encoded.
pub fn params_to_sql(number: u64, params: &Config) -> Result<String, StoreError> {
    serde_json::to_string(params).map_err(|e| {
        StoreError::Database(format!("trial {number}: cannot encode its parameters: {e}"))
    })
}

/// SQL integers are signed: a seed is stored as the `i64` with the same bits.
#[must_use]
pub fn seed_to_sql(seed: u64) -> i64 {
    i64::from_ne_bytes(seed.to_ne_bytes())
}

/// The seed a stored integer holds.
#[must_use]
pub fn seed_from_sql(stored: i64) -> u64 {
    u64::from_ne_bytes(stored.to_ne_bytes())
}

/// A trial number as stored.
///
/// # Errors
/// A number too large for a signed 64-bit integer.
pub fn number_to_sql(number: u64) -> Result<i64, StoreError> {
    i64::try_from(number)
        .map_err(|_| StoreError::Database(format!("trial number {number} is too large to store")))
}

/// A stored integer that must fit an unsigned type; names the trial when it does not.
///
/// # Errors
/// A negative or too large value.
pub fn unsigned<T: TryFrom<i64>>(
    trial_id: i64,
    column: &str,
    stored: i64,
) -> Result<T, StoreError> {
    T::try_from(stored).map_err(|_| {
        StoreError::Database(format!("trial {trial_id} has an invalid {column} {stored}"))
    })
}

/// A metric value as stored: NaN as `NULL` (SQLite has no NaN; every backend stores the same).
#[must_use]
pub fn metric_to_sql(value: f64) -> Option<f64> {
    (!value.is_nan()).then_some(value)
}

/// Seconds since the Unix epoch.
#[must_use]
pub fn unix_now() -> f64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0.0, |elapsed| elapsed.as_secs_f64())
}

/// Appends `value` at `epoch` (1-based) of a curve, NaN where missing or not finite.
pub fn put_on_curve(curve: &mut Vec<f64>, epoch: u32, value: Option<f64>) {
    let index = epoch.saturating_sub(1) as usize;
    if curve.len() <= index {
        curve.resize(index + 1, f64::NAN);
    }
    curve[index] = value.filter(|v| v.is_finite()).unwrap_or(f64::NAN);
}

/// Each study with its trials counted per state (every state present, 0 when it has none), from
/// `(study id, state, count)` rows.
#[must_use]
pub fn summaries(
    studies: Vec<StudyRecord>,
    counts: impl IntoIterator<Item = (i64, String, i64)>,
) -> Vec<StudySummary> {
    let mut by_study: BTreeMap<i64, BTreeMap<String, u64>> = BTreeMap::new();
    for (study_id, state, count) in counts {
        by_study
            .entry(study_id)
            .or_default()
            .insert(state, u64::try_from(count).unwrap_or_default());
    }
    studies
        .into_iter()
        .map(|study| {
            let mut by_state: BTreeMap<String, u64> = ALL_STATES
                .iter()
                .map(|state| (state.as_str().to_owned(), 0))
                .collect();
            by_state.extend(by_study.remove(&study.id).unwrap_or_default());
            StudySummary {
                study,
                counts: by_state,
            }
        })
        .collect()
}

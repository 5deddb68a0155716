//! Helpers shared by the test modules.

use std::path::Path;

use hps::storage::{self, TrialRecord};

/// The trials of `study` in the store `hps.db` of `dir`, by number.
pub fn stored_trials(dir: &Path, study: &str) -> Vec<TrialRecord> {
    let store = storage::open(dir.join("hps.db").to_str().unwrap()).unwrap();
    let record = store.study(study).unwrap().unwrap();
    store.trials(record.id).unwrap()
}

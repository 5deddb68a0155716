//! What a sampler is built with ([`SamplerContext`]): the plan and its search space, read access to
//! the store — the study's own trials and other studies' (a task-aware sampler learns from earlier
//! studies) — with a place to keep state that survives a restart ([`SamplerStore`]), the study's
//! training data when it is loaded, and the device. The runtime's wiring builds it; unit tests and
//! benchmarks use [`SamplerContext::detached`].

use std::path::PathBuf;
use std::sync::{Arc, Mutex, PoisonError};

use candle_core::Device;

use crate::plan::Plan;
use crate::space::SearchSpace;
use crate::storage::{Storage, StoreError, StudySummary, TrialRecord};
use crate::train::data::Data;

/// Everything a sampler may read when it is built.
pub struct SamplerContext<'a> {
    /// The plan being run.
    pub plan: &'a Plan,
    /// Its search space.
    pub space: SearchSpace,
    /// The store, read-only but for the sampler's own state.
    pub store: SamplerStore,
    /// The study's data, when the run loaded it (the built-in trainer, or a sampler that needs it).
    pub data: Option<&'a Data>,
    /// Where training runs.
    pub device: Device,
    /// Where the study's relative paths resolve (its file's folder).
    pub dir: PathBuf,
}

impl<'a> SamplerContext<'a> {
    /// A context with no store, data or device but the CPU: for samplers that need none of them,
    /// outside a run (tests, benchmarks).
    #[must_use]
    pub fn detached(plan: &'a Plan) -> Self {
        Self {
            plan,
            space: plan.search_space(),
            store: SamplerStore::detached(),
            data: None,
            device: Device::Cpu,
            dir: PathBuf::from("."),
        }
    }
}

/// A sampler's view of the store: every study's trials to read, and the sampler's own state in its
/// study, kept across runs. Cheap to clone; a sampler may keep one to save state as it goes.
#[derive(Clone)]
pub struct SamplerStore {
    store: Option<Arc<Mutex<Box<dyn Storage>>>>,
    study_id: i64,
    key: String,
}

impl SamplerStore {
    /// The view of `store` from the study `study_id`, keeping state under `key` (the sampler's
    /// name).
    #[must_use]
    pub fn new(store: Box<dyn Storage>, study_id: i64, key: &str) -> Self {
        Self {
            store: Some(Arc::new(Mutex::new(store))),
            study_id,
            key: key.to_owned(),
        }
    }

    /// A view of no store: nothing to read, state not kept.
    #[must_use]
    pub fn detached() -> Self {
        Self {
            store: None,
            study_id: 0,
            key: String::new(),
        }
    }

    /// Whether there is a store behind the view.
    #[must_use]
    pub fn is_attached(&self) -> bool {
        self.store.is_some()
    }

    fn with<T>(
        &self,
        none: T,
        read: impl FnOnce(&mut dyn Storage) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        match &self.store {
            Some(store) => read(
                store
                    .lock()
                    .unwrap_or_else(PoisonError::into_inner)
                    .as_mut(),
            ),
            None => Ok(none),
        }
    }

    /// The study this run searches.
    #[must_use]
    pub fn study_id(&self) -> i64 {
        self.study_id
    }

    /// Every study in the store, with its trial counts.
    ///
    /// # Errors
    /// When the store fails.
    pub fn studies(&self) -> Result<Vec<StudySummary>, StoreError> {
        self.with(Vec::new(), |s| s.studies())
    }

    /// A study's trials.
    ///
    /// # Errors
    /// When the store fails.
    pub fn trials(&self, study_id: i64) -> Result<Vec<TrialRecord>, StoreError> {
        self.with(Vec::new(), |s| s.trials(study_id))
    }

    /// The sampler's state in this study, as it last saved it.
    ///
    /// # Errors
    /// When the store fails.
    pub fn state(&self) -> Result<Option<Vec<u8>>, StoreError> {
        let (study, key) = (self.study_id, self.key.clone());
        self.with(None, |s| s.sampler_state(study, &key))
    }

    /// Saves the sampler's state in this study (a detached view keeps nothing).
    ///
    /// # Errors
    /// When the store fails.
    pub fn save_state(&self, state: &[u8]) -> Result<(), StoreError> {
        let (study, key) = (self.study_id, self.key.clone());
        self.with((), |s| s.set_sampler_state(study, &key, state))
    }
}

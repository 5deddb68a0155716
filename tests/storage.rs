//! The storage contract: one suite of behaviour every study store backend must show, run against
//! each backend (as Optuna runs one storage suite over all its storages). [`storage_contract!`]
//! makes one `#[test]` per case and backend, named `storage::<backend>::<case>`, so a failure names
//! both. A backend plugs in with a function that makes a [`FreshStore`] of it and one line,
//! `storage_contract!(name, fresh_name);`.
//!
//! A case gets a [`FreshStore`], a new empty store known by its URL, and opens connections to it
//! through `hps::storage::open` (the runtime's own way in), as many as it needs: the concurrency
//! cases use one per worker. The suite lives in the integration binary, not in the library, because
//! it needs nothing but the public API (so it also checks that the API is enough to use a store),
//! it should not ship in the crate, and test-only dependencies (`tempfile`) are at hand here. What
//! only one backend has (SQLite's schema version, migrations, corrupt rows, its file and folder)
//! is tested in that backend's file.

use std::any::Any;
use std::collections::{BTreeMap, BTreeSet};
use std::thread;
use std::time::Duration;

use hps::space::{Config, Value};
use hps::storage::{self, OpenMode, Placement, Storage, StoreError, StoredPrediction, TrialState};

/// A new, empty store of one backend, alive until dropped.
struct FreshStore {
    /// What `hps::storage::open` opens it with.
    url: String,
    /// Whatever keeps the store alive (a temporary folder, a scratch database).
    _keep: Box<dyn Any + Send + Sync>,
}

impl FreshStore {
    /// A new connection to the store.
    fn connect(&self) -> Box<dyn Storage> {
        storage::open(&self.url).unwrap_or_else(|e| panic!("cannot open {}: {e}", self.url))
    }

    /// A new connection that only reads (as `hps status` opens a store).
    fn connect_to_read(&self) -> Box<dyn Storage> {
        storage::open_with(&self.url, OpenMode::ReadOnly)
            .unwrap_or_else(|e| panic!("cannot open {} to read: {e}", self.url))
    }
}

/// A SQLite store in a temporary folder.
fn fresh_sqlite() -> FreshStore {
    let folder = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", folder.path().join("hps.db").display());
    FreshStore {
        url,
        _keep: Box::new(folder),
    }
}

/// Runs every case against the backend `$backend`, whose fresh stores come from `$fresh`. A case
/// missing from this list is a function nothing calls, which the `dead_code` lint reports.
macro_rules! storage_contract {
    ($backend:ident, $fresh:ident) => {
        mod $backend {
            storage_contract!(@cases $fresh:
                a_trial_round_trips_through_create_claim_record_and_finish,
                claims_take_the_lowest_number_and_a_requeued_trial_loses_its_start,
                promoted_trials_are_claimed_in_the_order_of_their_positions,
                requeue_keeps_metrics_up_to_the_checkpoint_and_spares_finished_trials,
                curves_are_ordered_by_trial_then_epoch_then_name,
                objective_curves_hold_each_trials_values_by_epoch,
                concurrent_claims_take_every_trial_exactly_once,
                a_changed_plan_is_refused_and_fresh_replaces_the_study,
                the_same_plan_reopens_the_study_and_updates_its_json,
                studies_are_listed_by_name_with_a_count_per_state,
                a_prediction_is_kept_until_the_trial_is_promoted,
                the_latest_checkpoint_replaces_the_earlier,
                sampler_state_round_trips,
                sampler_state_is_overwritten,
                sampler_state_is_kept_per_study_and_key,
                sampler_state_is_gone_after_a_fresh_study,
                writes_are_seen_by_every_connection,
                workers_are_registered_renewed_and_retired,
                only_trials_whose_lease_expired_are_requeued,
                a_worker_cannot_record_a_trial_it_lost,
                one_worker_decides_at_a_time,
                the_epoch_budget_is_shared_by_every_connection,
                checkpoint_bytes_round_trip_and_are_removed,
                a_store_opened_to_read_reads_everything_and_writes_nothing,
            );
        }
    };
    (@cases $fresh:ident: $($case:ident),* $(,)?) => {
        $(
            #[test]
            fn $case() {
                super::$case(&super::$fresh());
            }
        )*
    };
}

/// A PostgreSQL store: a new database on the tests' server (`crate::postgres_server`).
fn fresh_postgres() -> FreshStore {
    FreshStore {
        url: crate::postgres_server::fresh_database(),
        _keep: Box::new(()),
    }
}

storage_contract!(sqlite, fresh_sqlite);
storage_contract!(postgres, fresh_postgres);

fn params_of_every_kind() -> Config {
    Config::from([
        ("model.width".to_owned(), Value::Int(-128)),
        ("train.lr".to_owned(), Value::Float(3.5e-4)),
        ("train.momentum".to_owned(), Value::Float(1.0)),
        ("model.activation".to_owned(), Value::Str("relu".to_owned())),
        ("model.batch_norm".to_owned(), Value::Bool(true)),
        (
            "model.layers".to_owned(),
            Value::List(vec![Value::Int(64), Value::Int(32)]),
        ),
    ])
}

fn metrics(pairs: &[(&str, f64)]) -> BTreeMap<String, f64> {
    pairs
        .iter()
        .map(|(name, value)| ((*name).to_owned(), *value))
        .collect()
}

/// Opens the study `mnist` with `count` queued trials numbered from 0; returns its id.
fn study_with_trials(store: &mut dyn Storage, count: u64) -> i64 {
    let study = store
        .open_study("mnist", "mnist.hps", "hash-1", "{}", false)
        .unwrap();
    for number in 0..count {
        store
            .create_trial(study.id, number, &Config::new(), number, None)
            .unwrap();
    }
    study.id
}

/// An id no study or trial of this suite has.
const ABSENT: i64 = 9999;

fn a_trial_round_trips_through_create_claim_record_and_finish(fresh: &FreshStore) {
    let mut store = fresh.connect();
    let study = store
        .open_study("mnist", "mnist.hps", "hash-1", "{}", false)
        .unwrap();
    let params = params_of_every_kind();
    let created = store
        .create_trial(study.id, 0, &params, u64::MAX, None)
        .unwrap();
    assert_eq!(created.state, TrialState::Queued);
    assert_eq!(created.params, params);
    assert_eq!(created.seed, u64::MAX);
    assert_eq!((created.bracket, created.target_epochs), (None, None));
    assert!(store.create_trial(study.id, 0, &params, 1, None).is_err());

    let claimed = store.claim_trial(study.id).unwrap().unwrap();
    assert_eq!(claimed.id, created.id);
    assert_eq!(claimed.state, TrialState::Running);
    assert!(claimed.started_at.is_some());
    assert_eq!(store.claim_trial(study.id).unwrap(), None);

    store
        .record_epoch(
            claimed.id,
            1,
            &metrics(&[("loss", 0.9), ("acc", 0.5)]),
            "acc",
        )
        .unwrap();
    store
        .record_epoch(
            claimed.id,
            2,
            &metrics(&[("loss", f64::NAN), ("acc", 0.75)]),
            "acc",
        )
        .unwrap();
    // An epoch without the objective keeps the last value.
    store
        .record_epoch(claimed.id, 3, &metrics(&[("loss", 0.1)]), "acc")
        .unwrap();
    store
        .finish_trial(claimed.id, TrialState::Complete, None)
        .unwrap();

    let [trial] = store.trials(study.id).unwrap().try_into().unwrap();
    assert_eq!(trial.state, TrialState::Complete);
    assert_eq!(trial.params, params);
    assert_eq!(trial.seed, u64::MAX);
    assert_eq!(trial.epochs, 3);
    assert_eq!(trial.value, Some(0.75));
    assert!(trial.finished_at.is_some());
    let curve = store.curves(study.id).unwrap();
    assert_eq!(curve.len(), 5);
    assert!(curve[3].name == "loss" && curve[3].value.is_nan());

    assert!(matches!(
        store.finish_trial(ABSENT, TrialState::Failed, Some("gone")),
        Err(StoreError::NotFound(_))
    ));
    assert!(matches!(
        store.record_epoch(ABSENT, 1, &metrics(&[("acc", 1.0)]), "acc"),
        Err(StoreError::NotFound(_))
    ));
}

fn claims_take_the_lowest_number_and_a_requeued_trial_loses_its_start(fresh: &FreshStore) {
    let mut store = fresh.connect();
    let study = store
        .open_study("mnist", "mnist.hps", "hash-1", "{}", false)
        .unwrap();
    for number in [2, 0, 1] {
        store
            .create_trial(study.id, number, &Config::new(), 7, None)
            .unwrap();
    }
    let first = store.claim_trial(study.id).unwrap().unwrap();
    assert_eq!(first.number, 0);
    store
        .finish_trial(first.id, TrialState::Queued, None)
        .unwrap();
    let paused = &store.trials(study.id).unwrap()[0];
    assert_eq!(paused.state, TrialState::Queued);
    assert_eq!(paused.started_at, None);
    assert_eq!(paused.finished_at, None);
    assert_eq!(store.claim_trial(study.id).unwrap().unwrap().number, 0);
    let second = store.claim_trial(study.id).unwrap().unwrap();
    assert_eq!(second.number, 1);
    store
        .finish_trial(second.id, TrialState::Failed, Some("diverged"))
        .unwrap();
    let failed = &store.trials(study.id).unwrap()[1];
    assert_eq!(failed.state, TrialState::Failed);
    assert_eq!(failed.error.as_deref(), Some("diverged"));
    assert_eq!(store.claim_trial(study.id).unwrap().unwrap().number, 2);
}

fn promoted_trials_are_claimed_in_the_order_of_their_positions(fresh: &FreshStore) {
    let mut store = fresh.connect();
    let study = store
        .open_study("mnist", "mnist.hps", "hash-1", "{}", false)
        .unwrap();
    let placement = Placement {
        bracket: 1,
        target_epochs: 3,
    };
    let ids: Vec<i64> = (0..3)
        .map(|number| {
            let created = store
                .create_trial(study.id, number, &Config::new(), 7, Some(placement))
                .unwrap();
            assert_eq!(
                (created.bracket, created.rung, created.target_epochs),
                (Some(1), 0, Some(3))
            );
            store.claim_trial(study.id).unwrap().unwrap();
            store
                .finish_trial(created.id, TrialState::Stopped, Some("waiting"))
                .unwrap();
            created.id
        })
        .collect();
    // Ranked 2, 0, 1 at the end of their rung.
    for (position, id) in [ids[2], ids[0], ids[1]].into_iter().enumerate() {
        store
            .promote(id, 1, 9, u32::try_from(position).unwrap())
            .unwrap();
    }
    assert!(matches!(
        store.promote(ABSENT, 1, 9, 0),
        Err(StoreError::NotFound(_))
    ));
    // The first is interrupted and goes back to the queue: it keeps its place.
    let first = store.claim_trial(study.id).unwrap().unwrap();
    assert_eq!(first.number, 2);
    assert_eq!((first.rung, first.target_epochs), (1, Some(9)));
    assert_eq!(first.bracket, Some(1));
    assert_eq!(first.error, None);
    store
        .finish_trial(first.id, TrialState::Queued, None)
        .unwrap();
    let order: Vec<u64> = (0..3)
        .map(|_| store.claim_trial(study.id).unwrap().unwrap().number)
        .collect();
    assert_eq!(order, [2, 0, 1]);
}

fn requeue_keeps_metrics_up_to_the_checkpoint_and_spares_finished_trials(fresh: &FreshStore) {
    let mut store = fresh.connect();
    let study_id = study_with_trials(&mut *store, 4);
    let with_checkpoint = store.claim_trial(study_id).unwrap().unwrap();
    let without_checkpoint = store.claim_trial(study_id).unwrap().unwrap();
    let finished = store.claim_trial(study_id).unwrap().unwrap();
    for epoch in 1..=4 {
        let loss = 1.0 / f64::from(epoch);
        for trial in [&with_checkpoint, &without_checkpoint, &finished] {
            store
                .record_epoch(trial.id, epoch, &metrics(&[("loss", loss)]), "loss")
                .unwrap();
        }
    }
    store
        .finish_trial(finished.id, TrialState::Complete, None)
        .unwrap();
    store
        .set_checkpoint(with_checkpoint.id, 2, "ckpt/0")
        .unwrap();
    store.set_checkpoint(finished.id, 1, "ckpt/2").unwrap();

    assert_eq!(store.requeue_expired(study_id).unwrap(), 2);
    assert_eq!(store.requeue_expired(study_id).unwrap(), 0);

    let trials = store.trials(study_id).unwrap();
    let states: Vec<TrialState> = trials.iter().map(|t| t.state).collect();
    assert_eq!(
        states,
        [
            TrialState::Queued,
            TrialState::Queued,
            TrialState::Complete,
            TrialState::Queued
        ]
    );
    assert!(trials[..2].iter().all(|t| t.started_at.is_none()));
    assert_eq!((trials[0].epochs, trials[0].value), (2, Some(0.5)));
    assert_eq!((trials[1].epochs, trials[1].value), (0, None));
    assert_eq!((trials[2].epochs, trials[2].value), (4, Some(0.25)));
    let kept: Vec<(u64, u32)> = store
        .curves(study_id)
        .unwrap()
        .iter()
        .map(|row| (row.trial, row.epoch))
        .collect();
    assert_eq!(kept, [(0, 1), (0, 2), (2, 1), (2, 2), (2, 3), (2, 4)]);
}

fn curves_are_ordered_by_trial_then_epoch_then_name(fresh: &FreshStore) {
    let mut store = fresh.connect();
    let study = store
        .open_study("mnist", "mnist.hps", "hash-1", "{}", false)
        .unwrap();
    // Created out of order, so ids and numbers disagree.
    let later = store
        .create_trial(study.id, 1, &Config::new(), 0, None)
        .unwrap();
    let earlier = store
        .create_trial(study.id, 0, &Config::new(), 0, None)
        .unwrap();
    let other = store
        .open_study("other", "o.hps", "hash-9", "{}", false)
        .unwrap();
    let unrelated = store
        .create_trial(other.id, 0, &Config::new(), 0, None)
        .unwrap();
    let both = metrics(&[("loss", 1.0), ("acc", 0.1)]);
    for (trial, epoch) in [(&later, 2), (&later, 1), (&earlier, 2), (&earlier, 1)] {
        store.record_epoch(trial.id, epoch, &both, "acc").unwrap();
    }
    store.record_epoch(unrelated.id, 1, &both, "acc").unwrap();

    let order: Vec<(u64, u32, String)> = store
        .curves(study.id)
        .unwrap()
        .into_iter()
        .map(|row| (row.trial, row.epoch, row.name))
        .collect();
    let expected: Vec<(u64, u32, String)> = [0, 1]
        .into_iter()
        .flat_map(|trial| {
            [1, 2]
                .into_iter()
                .flat_map(move |epoch| ["acc", "loss"].map(|name| (trial, epoch, name.to_owned())))
        })
        .collect();
    assert_eq!(order, expected);
}

fn objective_curves_hold_each_trials_values_by_epoch(fresh: &FreshStore) {
    let mut store = fresh.connect();
    let study_id = study_with_trials(&mut *store, 3);
    let trials = store.trials(study_id).unwrap();
    let record = |store: &mut dyn Storage, index: usize, epoch: u32, pairs: &[(&str, f64)]| {
        store
            .record_epoch(trials[index].id, epoch, &metrics(pairs), "acc")
            .unwrap();
    };
    // Trial 1 skips epoch 2 and diverges at 3; trial 2 never reports the objective.
    record(&mut *store, 1, 1, &[("acc", 0.5), ("loss", 2.0)]);
    record(&mut *store, 1, 3, &[("acc", f64::INFINITY)]);
    record(&mut *store, 1, 4, &[("acc", 0.7)]);
    record(&mut *store, 0, 1, &[("acc", 0.25)]);
    record(&mut *store, 2, 1, &[("loss", 1.0)]);
    let other = store
        .open_study("other", "o.hps", "hash-9", "{}", false)
        .unwrap();
    let unrelated = store
        .create_trial(other.id, 0, &Config::new(), 0, None)
        .unwrap();
    store
        .record_epoch(unrelated.id, 1, &metrics(&[("acc", 0.9)]), "acc")
        .unwrap();

    let curves = store.objective_curves(study_id, "acc").unwrap();
    assert_eq!(curves.keys().copied().collect::<Vec<u64>>(), [0, 1]);
    assert_eq!(curves[&0], [0.25]);
    let one = &curves[&1];
    assert_eq!(one.len(), 4);
    assert_eq!((one[0], one[3]), (0.5, 0.7));
    assert!(one[1].is_nan() && one[2].is_nan());
    assert_eq!(
        store.objective_curves(study_id, "f1").unwrap(),
        BTreeMap::new()
    );
}

fn concurrent_claims_take_every_trial_exactly_once(fresh: &FreshStore) {
    const TRIALS: u64 = 200;
    let mut store = fresh.connect();
    let study_id = study_with_trials(&mut *store, TRIALS);

    let claims: Vec<u64> = thread::scope(|scope| {
        let workers: Vec<_> = (0..4)
            .map(|_| {
                scope.spawn(|| {
                    let mut worker = fresh.connect();
                    let mut claimed = Vec::new();
                    while let Some(trial) = worker.claim_trial(study_id).unwrap() {
                        claimed.push(trial.number);
                    }
                    claimed
                })
            })
            .collect();
        workers
            .into_iter()
            .flat_map(|worker| worker.join().unwrap())
            .collect()
    });

    let distinct: BTreeSet<u64> = claims.iter().copied().collect();
    assert_eq!(claims.len() as u64, TRIALS);
    assert_eq!(distinct, (0..TRIALS).collect());
    assert!(
        store
            .trials(study_id)
            .unwrap()
            .iter()
            .all(|t| t.state == TrialState::Running)
    );
}

fn a_changed_plan_is_refused_and_fresh_replaces_the_study(fresh: &FreshStore) {
    let mut store = fresh.connect();
    let old_id = study_with_trials(&mut *store, 3);
    let trial = store.claim_trial(old_id).unwrap().unwrap();
    store
        .record_epoch(trial.id, 1, &metrics(&[("loss", 0.5)]), "loss")
        .unwrap();
    store.set_checkpoint(trial.id, 1, "ckpt/0").unwrap();

    let refused = store.open_study("mnist", "mnist.hps", "hash-2", "{}", false);
    assert!(matches!(refused, Err(StoreError::PlanChanged { study }) if study == "mnist"));
    assert_eq!(store.trials(old_id).unwrap().len(), 3);

    let replaced = store
        .open_study("mnist", "mnist.hps", "hash-2", "{\"v\":2}", true)
        .unwrap();
    assert_eq!(replaced.plan_hash, "hash-2");
    assert_eq!(store.study("mnist").unwrap().unwrap(), replaced);
    assert!(store.trials(old_id).unwrap().is_empty());
    assert!(store.trials(replaced.id).unwrap().is_empty());
    assert!(store.curves(old_id).unwrap().is_empty());
    assert_eq!(store.checkpoint(trial.id).unwrap(), None);
    assert_eq!(store.studies().unwrap().len(), 1);
}

fn the_same_plan_reopens_the_study_and_updates_its_json(fresh: &FreshStore) {
    let mut store = fresh.connect();
    let first = store
        .open_study("mnist", "a.hps", "hash-1", "{\"v\":1}", false)
        .unwrap();
    let again = store
        .open_study("mnist", "b.hps", "hash-1", "{\"v\":2}", false)
        .unwrap();
    assert_eq!(again.id, first.id);
    assert_eq!(again.created_at, first.created_at);
    assert_eq!(
        (again.file.as_str(), again.plan_json.as_str()),
        ("b.hps", "{\"v\":2}")
    );
    assert_eq!(store.study("mnist").unwrap().unwrap(), again);
    assert_eq!(store.study("absent").unwrap(), None);
}

fn studies_are_listed_by_name_with_a_count_per_state(fresh: &FreshStore) {
    let mut store = fresh.connect();
    let empty = store
        .open_study("zeta", "z.hps", "hash-z", "{}", false)
        .unwrap();
    let study_id = study_with_trials(&mut *store, 5);
    for (state, error) in [
        (TrialState::Complete, None),
        (TrialState::Failed, Some("diverged")),
        (TrialState::Awaiting, None),
    ] {
        let trial = store.claim_trial(study_id).unwrap().unwrap();
        store.finish_trial(trial.id, state, error).unwrap();
    }
    let awaiting = &store.trials(study_id).unwrap()[2];
    assert_eq!(awaiting.state, TrialState::Awaiting);
    assert!(awaiting.finished_at.is_some() && awaiting.error.is_none());
    store.claim_trial(study_id).unwrap().unwrap();

    let summaries = store.studies().unwrap();
    let names: Vec<&str> = summaries.iter().map(|s| s.study.name.as_str()).collect();
    assert_eq!(names, ["mnist", "zeta"]);
    let counts = |index: usize| -> Vec<(&str, u64)> {
        summaries[index]
            .counts
            .iter()
            .map(|(state, count)| (state.as_str(), *count))
            .collect()
    };
    assert_eq!(
        counts(0),
        [
            ("awaiting", 1),
            ("complete", 1),
            ("failed", 1),
            ("queued", 1),
            ("running", 1),
            ("stopped", 0)
        ]
    );
    assert_eq!(summaries[1].study, empty);
    assert!(counts(1).iter().all(|(_, count)| *count == 0));
    // Stopped by its rung's decision, an awaiting trial keeps the time it finished training.
    let awaited = awaiting.finished_at;
    thread::sleep(Duration::from_millis(20));
    store
        .finish_trial(
            awaiting.id,
            TrialState::Stopped,
            Some("not promoted after rung 0"),
        )
        .unwrap();
    let stopped = &store.trials(study_id).unwrap()[2];
    assert_eq!(
        (stopped.state, stopped.finished_at),
        (TrialState::Stopped, awaited)
    );
    assert_eq!(counts(1).len(), 6);
}

fn a_prediction_is_kept_until_the_trial_is_promoted(fresh: &FreshStore) {
    let mut store = fresh.connect();
    let study_id = study_with_trials(&mut *store, 1);
    let trial = store.claim_trial(study_id).unwrap().unwrap();
    assert_eq!(trial.predicted, None);
    store
        .finish_trial(trial.id, TrialState::Stopped, Some("predicted worse"))
        .unwrap();
    let prediction = StoredPrediction {
        value: 0.375,
        sigma: 0.0625,
        reference: 0.5,
    };
    store.set_prediction(trial.id, prediction).unwrap();
    let stored = &store.trials(study_id).unwrap()[0];
    assert_eq!(
        (
            stored.predicted,
            stored.predicted_sigma,
            stored.predicted_reference
        ),
        (Some(0.375), Some(0.0625), Some(0.5))
    );
    assert!(matches!(
        store.set_prediction(ABSENT, prediction),
        Err(StoreError::NotFound(_))
    ));

    store.promote(trial.id, 1, 4, 0).unwrap();
    let promoted = &store.trials(study_id).unwrap()[0];
    assert_eq!(
        (
            promoted.predicted,
            promoted.predicted_sigma,
            promoted.predicted_reference
        ),
        (None, None, None)
    );
    assert_eq!(promoted.state, TrialState::Queued);
}

fn the_latest_checkpoint_replaces_the_earlier(fresh: &FreshStore) {
    let mut store = fresh.connect();
    let study_id = study_with_trials(&mut *store, 2);
    let trials = store.trials(study_id).unwrap();
    assert_eq!(store.checkpoint(trials[0].id).unwrap(), None);
    store.set_checkpoint(trials[0].id, 1, "ckpt/a").unwrap();
    store.set_checkpoint(trials[0].id, 2, "ckpt/b").unwrap();
    store.set_checkpoint(trials[1].id, 5, "ckpt/c").unwrap();
    assert_eq!(
        store.checkpoint(trials[0].id).unwrap(),
        Some((2, "ckpt/b".to_owned()))
    );
    assert_eq!(
        store.checkpoint(trials[1].id).unwrap(),
        Some((5, "ckpt/c".to_owned()))
    );
}

fn sampler_state_round_trips(fresh: &FreshStore) {
    let mut store = fresh.connect();
    let study_id = study_with_trials(&mut *store, 0);
    assert_eq!(store.sampler_state(study_id, "tpe").unwrap(), None);
    let bytes: Vec<u8> = (0..=255).collect();
    store.set_sampler_state(study_id, "tpe", &bytes).unwrap();
    assert_eq!(store.sampler_state(study_id, "tpe").unwrap(), Some(bytes));
    // An empty state is a state, not its absence.
    store.set_sampler_state(study_id, "bo", &[]).unwrap();
    assert_eq!(
        store.sampler_state(study_id, "bo").unwrap(),
        Some(Vec::new())
    );
    assert!(matches!(
        store.set_sampler_state(ABSENT, "tpe", b"x"),
        Err(StoreError::NotFound(_))
    ));
}

fn sampler_state_is_overwritten(fresh: &FreshStore) {
    let mut store = fresh.connect();
    let study_id = study_with_trials(&mut *store, 0);
    store
        .set_sampler_state(study_id, "tpe", b"first, and longer")
        .unwrap();
    store.set_sampler_state(study_id, "tpe", b"second").unwrap();
    assert_eq!(
        store.sampler_state(study_id, "tpe").unwrap().as_deref(),
        Some(&b"second"[..])
    );
}

fn sampler_state_is_kept_per_study_and_key(fresh: &FreshStore) {
    let mut store = fresh.connect();
    let mnist = study_with_trials(&mut *store, 0);
    let other = store
        .open_study("other", "o.hps", "hash-9", "{}", false)
        .unwrap()
        .id;
    for (study_id, key, value) in [
        (mnist, "tpe", b"mnist tpe"),
        (mnist, "bo", b"mnist bo "),
        (other, "tpe", b"other tpe"),
    ] {
        store.set_sampler_state(study_id, key, value).unwrap();
    }
    let state = |study_id, key| store.sampler_state(study_id, key).unwrap();
    assert_eq!(state(mnist, "tpe").as_deref(), Some(&b"mnist tpe"[..]));
    assert_eq!(state(mnist, "bo").as_deref(), Some(&b"mnist bo "[..]));
    assert_eq!(state(other, "tpe").as_deref(), Some(&b"other tpe"[..]));
    assert_eq!(state(other, "bo"), None);
    assert_eq!(state(mnist, "TPE"), None);
}

fn sampler_state_is_gone_after_a_fresh_study(fresh: &FreshStore) {
    let mut store = fresh.connect();
    let old_id = study_with_trials(&mut *store, 0);
    store.set_sampler_state(old_id, "tpe", b"old").unwrap();
    let reopened = store
        .open_study("mnist", "mnist.hps", "hash-1", "{}", false)
        .unwrap();
    assert_eq!(
        store.sampler_state(reopened.id, "tpe").unwrap().as_deref(),
        Some(&b"old"[..])
    );
    let replaced = store
        .open_study("mnist", "mnist.hps", "hash-1", "{}", true)
        .unwrap();
    assert_eq!(store.sampler_state(replaced.id, "tpe").unwrap(), None);
    assert_eq!(store.sampler_state(old_id, "tpe").unwrap(), None);
}

fn writes_are_seen_by_every_connection(fresh: &FreshStore) {
    let mut writer = fresh.connect();
    let reader = fresh.connect();
    let study_id = study_with_trials(&mut *writer, 1);
    writer
        .set_sampler_state(study_id, "tpe", b"shared")
        .unwrap();
    let trial = writer.claim_trial(study_id).unwrap().unwrap();
    writer.set_checkpoint(trial.id, 1, "ckpt/0").unwrap();

    assert_eq!(reader.study("mnist").unwrap().unwrap().id, study_id);
    assert_eq!(
        reader.trials(study_id).unwrap()[0].state,
        TrialState::Running
    );
    assert_eq!(
        reader.sampler_state(study_id, "tpe").unwrap().as_deref(),
        Some(&b"shared"[..])
    );
    assert_eq!(
        reader.checkpoint(trial.id).unwrap(),
        Some((1, "ckpt/0".to_owned()))
    );
    assert_eq!(reader.trial_root(), writer.trial_root());
    drop(writer);
    let reopened = fresh.connect();
    assert_eq!(reopened.trials(study_id).unwrap().len(), 1);
}

/// A PostgreSQL store whose server restarts (an upgrade, a failover) goes on: the next operation
/// connects again and succeeds, and nothing written before is lost.
#[test]
fn a_postgres_store_reconnects_after_its_server_restarts() {
    let server = crate::postgres_server::Server::start();
    let url = server.fresh_database();
    let mut store = storage::open(&url).unwrap();
    let study_id = study_with_trials(&mut *store, 3);
    let claimed = store.claim_trial(study_id).unwrap().unwrap();
    server.restart();
    store
        .record_epoch(claimed.id, 1, &metrics(&[("loss", 0.5)]), "loss")
        .unwrap();
    let trials = store.trials(study_id).unwrap();
    assert_eq!(trials.len(), 3);
    assert_eq!(trials[0].value, Some(0.5));
    assert_eq!(trials[0].state, TrialState::Running);
}

/// Bad URLs, unreachable servers and missing databases are one-line errors that name the URL with
/// its password hidden.
#[test]
fn a_postgres_store_that_cannot_be_opened_says_where_without_the_password() {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .unwrap()
        .port();
    for url in [
        format!("postgres://hps:s3cret@127.0.0.1:{port}/nowhere"),
        String::from("postgres://hps:s3cret@127.0.0.1:notaport/db"),
    ] {
        let error = match storage::open(&url) {
            Ok(_) => panic!("{url} opened"),
            Err(e) => e.to_string(),
        };
        assert!(!error.contains("s3cret"), "{error}");
        assert!(error.contains("hps:***@127.0.0.1"), "{error}");
        assert_eq!(error.lines().count(), 1, "{error}");
    }
    let missing = crate::postgres_server::fresh_database().replace("hps_test_", "missing_");
    let error = storage::open(&missing)
        .err()
        .map(|e| e.to_string())
        .unwrap();
    assert!(error.contains("missing_"), "{error}");
}

fn a_store_opened_to_read_reads_everything_and_writes_nothing(fresh: &FreshStore) {
    let mut writer = fresh.connect();
    let study_id = study_with_trials(&mut *writer, 2);
    writer.set_sampler_state(study_id, "tpe", b"kept").unwrap();
    let trial = writer.claim_trial(study_id).unwrap().unwrap();
    writer
        .record_epoch(trial.id, 1, &metrics(&[("loss", 0.5)]), "loss")
        .unwrap();

    let mut reader = fresh.connect_to_read();
    assert_eq!(reader.study("mnist").unwrap().unwrap().id, study_id);
    assert_eq!(reader.studies().unwrap().len(), 1);
    assert_eq!(reader.trials(study_id).unwrap().len(), 2);
    assert_eq!(reader.curves(study_id).unwrap().len(), 1);
    assert_eq!(
        reader.sampler_state(study_id, "tpe").unwrap().as_deref(),
        Some(&b"kept"[..])
    );
    assert_eq!(reader.trial_root(), writer.trial_root());

    assert!(
        reader
            .open_study("other", "o.hps", "h", "{}", false)
            .is_err()
    );
    assert!(
        reader
            .create_trial(study_id, 7, &Config::new(), 7, None)
            .is_err()
    );
    assert!(reader.claim_trial(study_id).unwrap_or(None).is_none());
    assert!(
        reader
            .finish_trial(trial.id, TrialState::Complete, None)
            .is_err()
    );
    assert!(reader.requeue_expired(study_id).is_err());
    let trials = writer.trials(study_id).unwrap();
    assert_eq!(trials.len(), 2);
    assert_eq!(trials[0].state, TrialState::Running);
    assert!(writer.study("other").unwrap().is_none());
}

const LONG: Duration = Duration::from_secs(600);
const BRIEF: Duration = Duration::from_millis(1);

fn workers_are_registered_renewed_and_retired(fresh: &FreshStore) {
    let mut store = fresh.connect();
    let study_id = study_with_trials(&mut *store, 3);
    let first = store
        .register_worker(study_id, "node-a", 41, "here")
        .unwrap();
    let second = store
        .register_worker(study_id, "node-b", 42, "here")
        .unwrap();
    assert_ne!(first, second);
    let mut a = fresh.connect();
    a.act_for(first, LONG);
    let mut b = fresh.connect();
    b.act_for(second, LONG);
    let claimed_a = a.claim_trial(study_id).unwrap().unwrap();
    let claimed_b = b.claim_trial(study_id).unwrap().unwrap();
    let workers = store.workers(study_id).unwrap();
    assert_eq!(workers.len(), 2);
    let by_id = |id: i64| workers.iter().find(|w| w.id == id).unwrap();
    assert_eq!(
        (
            by_id(first).host.as_str(),
            by_id(first).pid,
            by_id(first).origin.as_str()
        ),
        ("node-a", 41, "here")
    );
    assert_eq!(by_id(first).trials, [claimed_a.number]);
    assert_eq!(by_id(second).trials, [claimed_b.number]);
    assert!(workers.iter().all(|w| w.stopped_at.is_none()));
    // Each trial names the worker that claimed it (the report's timeline reads it).
    assert_eq!(
        (claimed_a.worker, claimed_b.worker),
        (Some(first), Some(second))
    );
    let trials = store.trials(study_id).unwrap();
    let worker_of = |n: u64| trials.iter().find(|t| t.number == n).unwrap().worker;
    assert_eq!(worker_of(claimed_a.number), Some(first));
    let before = by_id(first).heartbeat_at;
    thread::sleep(Duration::from_millis(20));
    a.heartbeat(first, LONG).unwrap();
    b.retire_worker(second).unwrap();
    // Retired with a trial still running: its lease ends, and the next requeue takes it.
    assert_eq!(store.requeue_expired(study_id).unwrap(), 1);
    let workers = store.workers(study_id).unwrap();
    let by_id = |id: i64| workers.iter().find(|w| w.id == id).unwrap();
    assert!(by_id(first).heartbeat_at > before);
    assert!(by_id(second).stopped_at.is_some());
    assert!(by_id(second).trials.is_empty());
    assert!(matches!(
        store.register_worker(ABSENT, "node-c", 1, "here"),
        Err(StoreError::NotFound(_))
    ));
}

fn only_trials_whose_lease_expired_are_requeued(fresh: &FreshStore) {
    let mut store = fresh.connect();
    let study_id = study_with_trials(&mut *store, 4);
    let live = store.register_worker(study_id, "live", 1, "here").unwrap();
    let dead = store.register_worker(study_id, "dead", 2, "here").unwrap();
    let mut alive = fresh.connect();
    alive.act_for(live, LONG);
    let mut gone = fresh.connect();
    gone.act_for(dead, BRIEF);
    let kept = alive.claim_trial(study_id).unwrap().unwrap();
    let lost = gone.claim_trial(study_id).unwrap().unwrap();
    // A claim by a connection acting for no worker has no lease: the next run takes it back.
    let unleased = store.claim_trial(study_id).unwrap().unwrap();
    // A brief lease renewed by an epoch (under a long one) or a heartbeat holds.
    let renewed = gone.claim_trial(study_id).unwrap().unwrap();
    let mut renewing = fresh.connect();
    renewing.act_for(dead, LONG);
    renewing
        .record_epoch(renewed.id, 1, &metrics(&[("loss", 0.3)]), "loss")
        .unwrap();
    thread::sleep(Duration::from_millis(30));
    assert_eq!(store.requeue_expired(study_id).unwrap(), 2);
    let state = |store: &dyn Storage, number: u64| {
        store.trials(study_id).unwrap()[usize::try_from(number).unwrap()].state
    };
    assert_eq!(state(&*store, kept.number), TrialState::Running);
    assert_eq!(state(&*store, renewed.number), TrialState::Running);
    assert_eq!(state(&*store, lost.number), TrialState::Queued);
    assert_eq!(state(&*store, unleased.number), TrialState::Queued);
    // A heartbeat renews every trial of its worker.
    let again = gone.claim_trial(study_id).unwrap().unwrap();
    gone.heartbeat(dead, LONG).unwrap();
    thread::sleep(Duration::from_millis(10));
    assert_eq!(store.requeue_expired(study_id).unwrap(), 0);
    assert_eq!(state(&*store, again.number), TrialState::Running);
}

fn a_worker_cannot_record_a_trial_it_lost(fresh: &FreshStore) {
    let mut store = fresh.connect();
    let study_id = study_with_trials(&mut *store, 1);
    let slow = store.register_worker(study_id, "slow", 1, "here").unwrap();
    let fast = store.register_worker(study_id, "fast", 2, "here").unwrap();
    let mut cut_off = fresh.connect();
    cut_off.act_for(slow, BRIEF);
    let trial = cut_off.claim_trial(study_id).unwrap().unwrap();
    cut_off
        .record_epoch(trial.id, 1, &metrics(&[("loss", 0.5)]), "loss")
        .unwrap();
    thread::sleep(Duration::from_millis(30));
    assert_eq!(store.requeue_expired(study_id).unwrap(), 1);
    // Re-queued: the worker that lost it may not record it, queued or claimed by another.
    let late = cut_off.record_epoch(trial.id, 2, &metrics(&[("loss", 0.4)]), "loss");
    assert!(
        matches!(late, Err(StoreError::Lost(id)) if id == trial.id),
        "{late:?}"
    );
    let mut other = fresh.connect();
    other.act_for(fast, LONG);
    let taken = other.claim_trial(study_id).unwrap().unwrap();
    assert_eq!(taken.id, trial.id);
    let late = cut_off.record_epoch(trial.id, 2, &metrics(&[("loss", 0.4)]), "loss");
    assert!(matches!(late, Err(StoreError::Lost(_))), "{late:?}");
    other
        .record_epoch(trial.id, 2, &metrics(&[("loss", 0.3)]), "loss")
        .unwrap();
    let stored = &store.trials(study_id).unwrap()[0];
    assert_eq!((stored.epochs, stored.value), (2, Some(0.3)));
    // A trial that does not exist is not found, not lost.
    let missing = other.record_epoch(trial.id + 100, 1, &metrics(&[("loss", 0.1)]), "loss");
    assert!(
        matches!(missing, Err(StoreError::NotFound(_))),
        "{missing:?}"
    );
}

fn one_worker_decides_at_a_time(fresh: &FreshStore) {
    let mut a = fresh.connect();
    let mut b = fresh.connect();
    let study_id = study_with_trials(&mut *a, 0);
    let (first, second) = (
        a.register_worker(study_id, "a", 1, "here").unwrap(),
        a.register_worker(study_id, "b", 2, "here").unwrap(),
    );
    assert!(a.lock_decisions(study_id, first, LONG).unwrap());
    assert!(!b.lock_decisions(study_id, second, LONG).unwrap());
    // Its holder renews it; another's release does not free it.
    assert!(a.lock_decisions(study_id, first, LONG).unwrap());
    b.unlock_decisions(study_id, second).unwrap();
    assert!(!b.lock_decisions(study_id, second, LONG).unwrap());
    a.unlock_decisions(study_id, first).unwrap();
    assert!(b.lock_decisions(study_id, second, BRIEF).unwrap());
    // A lock neither renewed nor released lapses.
    thread::sleep(Duration::from_millis(20));
    assert!(a.lock_decisions(study_id, first, LONG).unwrap());
}

fn the_epoch_budget_is_shared_by_every_connection(fresh: &FreshStore) {
    let mut store = fresh.connect();
    let study_id = study_with_trials(&mut *store, 0);
    assert_eq!(store.epochs_spent(study_id).unwrap(), 0);
    let counted: usize = thread::scope(|scope| {
        let handles: Vec<_> = (0..4)
            .map(|_| {
                scope.spawn(|| {
                    let mut connection = fresh.connect();
                    (0..10)
                        .filter(|_| connection.spend_epoch(study_id, 25).unwrap())
                        .count()
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).sum()
    });
    assert_eq!(counted, 25);
    assert_eq!(store.epochs_spent(study_id).unwrap(), 25);
    assert!(!store.spend_epoch(study_id, 25).unwrap());
    assert!(store.spend_epoch(study_id, 26).unwrap());
    assert!(matches!(
        store.spend_epoch(ABSENT, 5),
        Err(StoreError::NotFound(_))
    ));
    assert!(matches!(
        store.epochs_spent(ABSENT),
        Err(StoreError::NotFound(_))
    ));
}

fn checkpoint_bytes_round_trip_and_are_removed(fresh: &FreshStore) {
    let mut store = fresh.connect();
    let study_id = study_with_trials(&mut *store, 1);
    let trial = store.claim_trial(study_id).unwrap().unwrap();
    assert_eq!(store.checkpoint_data(trial.id).unwrap(), None);
    let bytes: Vec<u8> = (0..=255).cycle().take(70_000).collect();
    store.set_checkpoint_data(trial.id, 3, &bytes).unwrap();
    assert_eq!(
        fresh.connect().checkpoint_data(trial.id).unwrap(),
        Some((3, bytes.clone()))
    );
    assert_eq!(store.checkpoint(trial.id).unwrap().map(|c| c.0), Some(3));
    // A checkpoint file replaces the bytes, and the other way round.
    store.set_checkpoint(trial.id, 4, "/tmp/x").unwrap();
    assert_eq!(store.checkpoint_data(trial.id).unwrap(), None);
    store
        .set_checkpoint_data(trial.id, 5, &bytes[..10])
        .unwrap();
    assert_eq!(
        store.checkpoint_data(trial.id).unwrap().map(|c| c.0),
        Some(5)
    );
    store.remove_checkpoint(trial.id).unwrap();
    assert_eq!(store.checkpoint(trial.id).unwrap(), None);
    assert_eq!(store.checkpoint_data(trial.id).unwrap(), None);
    assert!(matches!(
        store.set_checkpoint_data(ABSENT, 1, b"x"),
        Err(StoreError::NotFound(_))
    ));
}

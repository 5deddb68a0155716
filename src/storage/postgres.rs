//! The shared study store: a PostgreSQL database that any number of worker processes, on any
//! number of machines, open with `--storage postgres://USER[:PASSWORD]@HOST[:PORT]/DATABASE`.
//! [`PostgresStore`] implements [`Storage`] with the same schema and migrations as the SQLite
//! store (its version in the table `hps_schema`, migrated under an advisory lock so that workers
//! opening a new database at once apply each migration once). Claims take the first queued trial
//! with `FOR UPDATE SKIP LOCKED`, so concurrent workers never take the same one. A connection that
//! breaks (the server restarted) is opened again with backoff and the operation retried; errors
//! name the URL with its password hidden. Opened by `storage::open`.

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use postgres::{Client, NoTls, Row, Transaction};

use super::codec::{
    RawTrial, STUDY_COLUMNS, TRIAL_COLUMNS, metric_to_sql, number_to_sql, params_to_sql,
    put_on_curve, seed_to_sql, summaries, unix_now, unsigned,
};
use super::{
    MetricRow, OpenMode, Placement, Storage, StoreError, StoredPrediction, StudyRecord,
    StudySummary, TrialRecord, TrialState, WorkerRecord,
};
use crate::space::Config;

/// The schema's history, as the SQLite store's (`sqlite::MIGRATIONS`) in PostgreSQL's dialect:
/// entry `i` brings a store from version `i` to `i + 1`. Append only.
const MIGRATIONS: &[&str] = &[
    // 1: studies, trials, learning curves and the checkpoint index.
    "CREATE TABLE studies (
         id         BIGSERIAL PRIMARY KEY,
         name       TEXT UNIQUE NOT NULL,
         file       TEXT NOT NULL DEFAULT '',
         plan_hash  TEXT NOT NULL DEFAULT '',
         plan_json  TEXT NOT NULL DEFAULT '',
         created_at DOUBLE PRECISION NOT NULL DEFAULT 0
     );
     CREATE TABLE trials (
         id          BIGSERIAL PRIMARY KEY,
         study_id    BIGINT NOT NULL REFERENCES studies(id) ON DELETE CASCADE,
         number      BIGINT NOT NULL,
         state       TEXT NOT NULL,
         params_json TEXT NOT NULL,
         seed        BIGINT NOT NULL,
         epochs      BIGINT NOT NULL DEFAULT 0,
         value       DOUBLE PRECISION,
         objective   TEXT,
         error       TEXT,
         started_at  DOUBLE PRECISION,
         finished_at DOUBLE PRECISION,
         UNIQUE (study_id, number)
     );
     CREATE INDEX trials_by_study_state ON trials (study_id, state, number);
     CREATE TABLE metrics (
         trial_id BIGINT NOT NULL REFERENCES trials(id) ON DELETE CASCADE,
         epoch    BIGINT NOT NULL,
         name     TEXT NOT NULL,
         value    DOUBLE PRECISION,
         PRIMARY KEY (trial_id, epoch, name)
     );
     CREATE TABLE checkpoints (
         trial_id BIGINT PRIMARY KEY REFERENCES trials(id) ON DELETE CASCADE,
         epoch    BIGINT NOT NULL,
         path     TEXT NOT NULL
     );",
    // 2: successive halving: a trial's bracket, rung and the epochs it trains to.
    "ALTER TABLE trials ADD COLUMN bracket BIGINT;
     ALTER TABLE trials ADD COLUMN rung BIGINT NOT NULL DEFAULT 0;
     ALTER TABLE trials ADD COLUMN target_epochs BIGINT;",
    // 3: early stopping: the final value a stopping rule predicted for a trial it ended.
    "ALTER TABLE trials ADD COLUMN predicted DOUBLE PRECISION;",
    // 4: the order promoted trials train in (best of their rung first).
    "ALTER TABLE trials ADD COLUMN queue_position BIGINT NOT NULL DEFAULT 0;",
    // 5: samplers' persisted state: opaque bytes per study and key.
    "CREATE TABLE sampler_state (
         study_id   BIGINT NOT NULL REFERENCES studies(id) ON DELETE CASCADE,
         key        TEXT NOT NULL,
         value      BYTEA NOT NULL,
         updated_at DOUBLE PRECISION NOT NULL,
         PRIMARY KEY (study_id, key)
     );",
    // 6: a trial waiting for its rung's decision is a state of its own.
    "UPDATE trials SET state = 'awaiting', error = NULL
     WHERE state = 'stopped' AND error = 'waiting for its rung to finish';",
    // 7: workers sharing a study, and the lease each running trial is held under.
    "CREATE TABLE workers (
         id           BIGSERIAL PRIMARY KEY,
         study_id     BIGINT NOT NULL REFERENCES studies(id) ON DELETE CASCADE,
         host         TEXT NOT NULL,
         origin       TEXT NOT NULL DEFAULT '',
         pid          BIGINT NOT NULL,
         started_at   DOUBLE PRECISION NOT NULL,
         heartbeat_at DOUBLE PRECISION NOT NULL,
         stopped_at   DOUBLE PRECISION
     );
     ALTER TABLE trials ADD COLUMN worker BIGINT;
     ALTER TABLE trials ADD COLUMN lease_until DOUBLE PRECISION;",
    // 8: the study's decision lock: which worker decides, until when.
    "ALTER TABLE studies ADD COLUMN decider BIGINT;
     ALTER TABLE studies ADD COLUMN decider_until DOUBLE PRECISION;",
    // 9: the epochs counted against the study's budget, over every worker.
    "ALTER TABLE studies ADD COLUMN epochs_spent BIGINT NOT NULL DEFAULT 0;
     UPDATE studies SET epochs_spent =
         (SELECT coalesce(sum(t.epochs), 0) FROM trials t WHERE t.study_id = studies.id);",
    // 10: checkpoints kept in the store itself, for workers on other machines.
    "ALTER TABLE checkpoints ADD COLUMN data BYTEA;",
    // 11: a stopping rule's prediction with its σ and the value it had to beat.
    "ALTER TABLE trials ADD COLUMN predicted_sigma DOUBLE PRECISION;
     ALTER TABLE trials ADD COLUMN predicted_reference DOUBLE PRECISION;",
];

/// A running trial whose worker is gone (in a statement whose `$2` is now).
const EXPIRED: &str = "state = 'running' AND (lease_until IS NULL OR lease_until < $2)";

/// The advisory lock every migration runs under (any constant no other program uses).
const MIGRATION_LOCK: i64 = 0x6870_735f_6d69_6772; // "hps_migr"

/// The epoch a running trial restarts from: its checkpoint's (0 without one), never past what it
/// recorded.
const RESUME_EPOCH: &str = "LEAST(trials.epochs, coalesce(
    (SELECT c.epoch FROM checkpoints c WHERE c.trial_id = trials.id), 0))";

/// How long a broken connection is retried before the store gives up.
const RECONNECT_FOR: Duration = Duration::from_secs(60);

/// A study store in a PostgreSQL database.
pub struct PostgresStore {
    /// The connection (behind a `RefCell`: reading methods take `&self`, and a broken connection is
    /// replaced in place).
    client: RefCell<Client>,
    url: String,
    /// The worker this connection claims trials for, and the lease in seconds.
    worker: Option<(i64, f64)>,
}

impl PostgresStore {
    /// Connects to the database at `url` and migrates its schema to the version this build knows.
    /// Read only, the database must hold a store already (else [`StoreError::Absent`]), and the
    /// connection's transactions are read-only.
    ///
    /// # Errors
    /// A bad URL, a refused or unreachable server, a failed migration, or a store written by a
    /// newer hps — each message names the URL, its password hidden.
    pub fn open_with(url: &str, mode: OpenMode) -> Result<Self, StoreError> {
        let client = connect(url)?;
        let mut store = Self {
            client: RefCell::new(client),
            url: url.to_owned(),
            worker: None,
        };
        if mode == OpenMode::ReadOnly {
            let holds_a_store = store
                .client
                .get_mut()
                .query_one("SELECT to_regclass('hps_schema') IS NOT NULL", &[])
                .map_err(|e| StoreError::Database(format!("{}: {e}", store.shown())))?
                .get::<_, bool>(0);
            if !holds_a_store {
                return Err(StoreError::Absent(store.shown()));
            }
        }
        store.migrate()?;
        if mode == OpenMode::ReadOnly {
            store
                .client
                .get_mut()
                .batch_execute("SET SESSION CHARACTERISTICS AS TRANSACTION READ ONLY")
                .map_err(|e| StoreError::Database(format!("{}: {e}", store.shown())))?;
        }
        Ok(store)
    }

    /// The worker this connection claims for and its lease's end, from `now`.
    fn lease(&self, now: f64) -> (Option<i64>, Option<f64>) {
        match self.worker {
            Some((worker, lease)) => (Some(worker), Some(now + lease)),
            None => (None, None),
        }
    }

    fn shown(&self) -> String {
        hide_password(&self.url)
    }

    fn migrate(&mut self) -> Result<(), StoreError> {
        let shown = self.shown();
        let fail = |e: &dyn std::fmt::Display| StoreError::Database(format!("{shown}: {e}"));
        let client = self.client.get_mut();
        let mut tx = client.transaction().map_err(|e| fail(&e))?;
        tx.execute("SELECT pg_advisory_xact_lock($1)", &[&MIGRATION_LOCK])
            .map_err(|e| fail(&e))?;
        let exists: bool = tx
            .query_one("SELECT to_regclass('hps_schema') IS NOT NULL", &[])
            .map_err(|e| fail(&e))?
            .get(0);
        if !exists {
            tx.batch_execute(
                "CREATE TABLE hps_schema (version BIGINT NOT NULL);
                 INSERT INTO hps_schema (version) VALUES (0);",
            )
            .map_err(|e| fail(&e))?;
        }
        let version: i64 = tx
            .query_one("SELECT version FROM hps_schema", &[])
            .map_err(|e| fail(&e))?
            .get(0);
        let applied = usize::try_from(version)
            .map_err(|_| fail(&format!("invalid schema version {version}")))?;
        if applied > MIGRATIONS.len() {
            return Err(fail(&format!(
                "written by a newer hps (store schema version {applied}, this hps knows up to {}); \
                 upgrade hps to open it",
                MIGRATIONS.len()
            )));
        }
        if applied == MIGRATIONS.len() {
            // Up to date: nothing is written (a read-only user may open it).
            return tx.commit().map_err(|e| fail(&e));
        }
        for (index, migration) in MIGRATIONS.iter().enumerate().skip(applied) {
            tx.batch_execute(migration).map_err(|e| {
                fail(&format!(
                    "migration to schema version {} failed: {e}",
                    index + 1
                ))
            })?;
        }
        let current = i64::try_from(MIGRATIONS.len()).unwrap_or(i64::MAX);
        tx.execute("UPDATE hps_schema SET version = $1", &[&current])
            .map_err(|e| fail(&e))?;
        tx.commit().map_err(|e| fail(&e))
    }

    /// Runs `operation` on the connection, connecting again (with backoff, for up to
    /// [`RECONNECT_FOR`]) and retrying when the connection broke; other errors are the store's.
    fn retrying<T>(
        &self,
        mut operation: impl FnMut(&mut Client) -> Result<T, Failure>,
    ) -> Result<T, StoreError> {
        let started = Instant::now();
        let mut wait = Duration::from_millis(50);
        loop {
            let attempt = operation(&mut self.client.borrow_mut());
            let e = match attempt {
                Ok(value) => return Ok(value),
                Err(Failure::Store(StoreError::Disconnected(e))) => e,
                Err(Failure::Store(e)) => return Err(e),
                Err(Failure::Database(e)) if !broken(&e) => {
                    return Err(StoreError::Database(e.to_string()));
                }
                Err(Failure::Database(e)) => e.to_string(),
            };
            if started.elapsed() > RECONNECT_FOR {
                return Err(StoreError::Database(format!(
                    "{}: the connection broke and could not be opened again: {e}",
                    self.shown()
                )));
            }
            std::thread::sleep(wait);
            wait = (wait * 2).min(Duration::from_secs(2));
            if let Ok(client) = connect(&self.url) {
                *self.client.borrow_mut() = client;
            }
        }
    }

    /// Runs `operation` in one transaction (see [`PostgresStore::retrying`]).
    fn transaction<T>(
        &self,
        mut operation: impl FnMut(&mut Transaction<'_>) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        self.retrying(|client| {
            let mut tx = client.transaction()?;
            let value = operation(&mut tx).map_err(Failure::Store)?;
            tx.commit()?;
            Ok(value)
        })
    }

    /// Runs a read on the connection (see [`PostgresStore::retrying`]).
    fn read<T>(
        &self,
        mut operation: impl FnMut(&mut Client) -> Result<T, postgres::Error>,
    ) -> Result<T, StoreError> {
        self.retrying(|client| operation(client).map_err(Failure::from))
    }

    fn study_exists(tx: &mut Transaction<'_>, study_id: i64) -> Result<bool, StoreError> {
        Ok(tx
            .query_opt("SELECT 1 FROM studies WHERE id = $1", &[&study_id])?
            .is_some())
    }

    fn study_by_name(
        tx: &mut Transaction<'_>,
        name: &str,
    ) -> Result<Option<StudyRecord>, StoreError> {
        let sql = format!("SELECT {STUDY_COLUMNS} FROM studies WHERE name = $1");
        Ok(tx.query_opt(&sql, &[&name])?.as_ref().map(study_from_row))
    }

    fn trial_by_id(tx: &mut Transaction<'_>, trial_id: i64) -> Result<TrialRecord, StoreError> {
        let sql = format!("SELECT {TRIAL_COLUMNS} FROM trials WHERE id = $1");
        tx.query_opt(&sql, &[&trial_id])?
            .as_ref()
            .map(raw_trial)
            .ok_or_else(|| StoreError::NotFound(format!("trial {trial_id}")))?
            .into_record()
    }
}

/// Why a transaction did not go through: the database (maybe a broken connection), or the store's
/// own answer.
enum Failure {
    Database(postgres::Error),
    Store(StoreError),
}

impl From<postgres::Error> for Failure {
    fn from(e: postgres::Error) -> Self {
        Failure::Database(e)
    }
}

impl From<postgres::Error> for StoreError {
    /// A broken connection stays recognisable inside a transaction's operation, so that
    /// [`PostgresStore::retrying`] retries it.
    fn from(e: postgres::Error) -> Self {
        if broken(&e) {
            StoreError::Disconnected(e.to_string())
        } else {
            StoreError::Database(e.to_string())
        }
    }
}

/// Whether an error means the connection is gone (the server restarted or is unreachable), as
/// opposed to a refused statement.
fn broken(e: &postgres::Error) -> bool {
    if e.is_closed() {
        return true;
    }
    match e.code() {
        // admin_shutdown, crash_shutdown, cannot_connect_now, and connection exceptions (08…).
        Some(code) => {
            let code = code.code();
            matches!(code, "57P01" | "57P02" | "57P03") || code.starts_with("08")
        }
        // No SQL state: an I/O error on the socket.
        None => true,
    }
}

fn connect(url: &str) -> Result<Client, StoreError> {
    let shown = hide_password(url);
    let config: postgres::Config = url
        .parse()
        .map_err(|e| StoreError::Unsupported(format!("{shown}: not a PostgreSQL URL ({e})")))?;
    config
        .connect(NoTls)
        .map_err(|e| StoreError::Database(format!("cannot connect to {shown}: {e}")))
}

/// `postgres://user:***@host/db`: the URL with its password hidden, for messages.
#[must_use]
pub fn hide_password(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_owned();
    };
    let (authority, tail) = rest
        .split_once('/')
        .map_or((rest, None), |(a, t)| (a, Some(t)));
    let shown = match authority.rsplit_once('@') {
        Some((credentials, host)) => match credentials.split_once(':') {
            Some((user, _password)) => format!("{user}:***@{host}"),
            None => authority.to_owned(),
        },
        None => authority.to_owned(),
    };
    match tail {
        Some(tail) => format!("{scheme}://{shown}/{tail}"),
        None => format!("{scheme}://{shown}"),
    }
}

fn study_from_row(row: &Row) -> StudyRecord {
    StudyRecord {
        id: row.get(0),
        name: row.get(1),
        file: row.get(2),
        plan_hash: row.get(3),
        plan_json: row.get(4),
        created_at: row.get(5),
    }
}

fn raw_trial(row: &Row) -> RawTrial {
    RawTrial {
        id: row.get(0),
        study_id: row.get(1),
        number: row.get(2),
        state: row.get(3),
        params_json: row.get(4),
        seed: row.get(5),
        epochs: row.get(6),
        value: row.get(7),
        error: row.get(8),
        started_at: row.get(9),
        finished_at: row.get(10),
        bracket: row.get(11),
        rung: row.get(12),
        target_epochs: row.get(13),
        predicted: row.get(14),
        worker: row.get(15),
        predicted_sigma: row.get(16),
        predicted_reference: row.get(17),
    }
}

impl Storage for PostgresStore {
    fn open_study(
        &mut self,
        name: &str,
        file: &str,
        plan_hash: &str,
        plan_json: &str,
        fresh: bool,
    ) -> Result<StudyRecord, StoreError> {
        self.transaction(|tx| {
            // Workers opening the same new study at once: one inserts, the others find it.
            tx.execute(
                "SELECT pg_advisory_xact_lock(hashtext($1)::BIGINT)",
                &[&name],
            )?;
            if let Some(existing) = Self::study_by_name(tx, name)? {
                if fresh {
                    tx.execute("DELETE FROM studies WHERE id = $1", &[&existing.id])?;
                } else if existing.plan_hash != plan_hash {
                    return Err(StoreError::PlanChanged {
                        study: name.to_owned(),
                    });
                } else {
                    tx.execute(
                        "UPDATE studies SET file = $2, plan_json = $3 WHERE id = $1",
                        &[&existing.id, &file, &plan_json],
                    )?;
                    return Ok(StudyRecord {
                        file: file.to_owned(),
                        plan_json: plan_json.to_owned(),
                        ..existing
                    });
                }
            }
            let created_at = unix_now();
            let row = tx.query_one(
                "INSERT INTO studies (name, file, plan_hash, plan_json, created_at)
                 VALUES ($1, $2, $3, $4, $5) RETURNING id",
                &[&name, &file, &plan_hash, &plan_json, &created_at],
            )?;
            Ok(StudyRecord {
                id: row.get(0),
                name: name.to_owned(),
                file: file.to_owned(),
                plan_hash: plan_hash.to_owned(),
                plan_json: plan_json.to_owned(),
                created_at,
            })
        })
    }

    fn study(&self, name: &str) -> Result<Option<StudyRecord>, StoreError> {
        let sql = format!("SELECT {STUDY_COLUMNS} FROM studies WHERE name = $1");
        let row = self.read(|c| c.query_opt(&sql, &[&name]))?;
        Ok(row.as_ref().map(study_from_row))
    }

    fn studies(&self) -> Result<Vec<StudySummary>, StoreError> {
        // One transaction, so the counts belong to the studies listed.
        let sql = format!("SELECT {STUDY_COLUMNS} FROM studies ORDER BY name");
        let (studies, count_rows) = self.transaction(|tx| {
            let studies: Vec<StudyRecord> =
                tx.query(&sql, &[])?.iter().map(study_from_row).collect();
            let counts = tx.query(
                "SELECT study_id, state, count(*) FROM trials GROUP BY study_id, state",
                &[],
            )?;
            Ok((studies, counts))
        })?;
        let counts = count_rows
            .iter()
            .map(|row| (row.get(0), row.get(1), row.get(2)));
        Ok(summaries(studies, counts))
    }

    fn requeue_expired(&mut self, study_id: i64) -> Result<u64, StoreError> {
        let now = unix_now();
        self.transaction(|tx| {
            tx.execute(
                &format!(
                    "DELETE FROM metrics
                     WHERE trial_id IN (SELECT id FROM trials WHERE study_id = $1 AND {EXPIRED})
                       AND epoch > coalesce(
                           (SELECT c.epoch FROM checkpoints c WHERE c.trial_id = metrics.trial_id), 0)"
                ),
                &[&study_id, &now],
            )?;
            let requeued = tx.execute(
                &format!(
                    "UPDATE trials SET
                         state = 'queued', error = NULL, started_at = NULL, finished_at = NULL,
                         worker = NULL, lease_until = NULL,
                         epochs = {RESUME_EPOCH},
                         value = (SELECT m.value FROM metrics m
                                  WHERE m.trial_id = trials.id AND m.name = trials.objective
                                    AND m.epoch = {RESUME_EPOCH})
                     WHERE study_id = $1 AND {EXPIRED}"
                ),
                &[&study_id, &now],
            )?;
            Ok(requeued)
        })
    }

    fn create_trial(
        &mut self,
        study_id: i64,
        number: u64,
        params: &Config,
        seed: u64,
        placement: Option<Placement>,
    ) -> Result<TrialRecord, StoreError> {
        let params_json = params_to_sql(number, params)?;
        let number = number_to_sql(number)?;
        let bracket = placement.map(|p| i64::from(p.bracket));
        let target = placement.map(|p| i64::from(p.target_epochs));
        let seed = seed_to_sql(seed);
        self.transaction(|tx| {
            let row = tx.query_one(
                "INSERT INTO trials (study_id, number, state, params_json, seed, bracket, target_epochs)
                 VALUES ($1, $2, 'queued', $3, $4, $5, $6) RETURNING id",
                &[&study_id, &number, &params_json, &seed, &bracket, &target],
            )?;
            Self::trial_by_id(tx, row.get(0))
        })
    }

    fn promote(
        &mut self,
        trial_id: i64,
        rung: u32,
        target_epochs: u32,
        position: u32,
    ) -> Result<(), StoreError> {
        let (rung, target, position) = (
            i64::from(rung),
            i64::from(target_epochs),
            i64::from(position),
        );
        self.transaction(|tx| {
            let changed = tx.execute(
                "UPDATE trials SET state = 'queued', rung = $2, target_epochs = $3, error = NULL,
                     started_at = NULL, finished_at = NULL, predicted = NULL, predicted_sigma = NULL,
                     predicted_reference = NULL, queue_position = $4
                 WHERE id = $1",
                &[&trial_id, &rung, &target, &position],
            )?;
            if changed == 0 {
                return Err(StoreError::NotFound(format!("trial {trial_id}")));
            }
            Ok(())
        })
    }

    fn claim_trial(&mut self, study_id: i64) -> Result<Option<TrialRecord>, StoreError> {
        let sql = format!(
            "UPDATE trials SET state = 'running', started_at = $2, finished_at = NULL, error = NULL,
                 worker = $3, lease_until = $4
             WHERE id = (SELECT id FROM trials WHERE study_id = $1 AND state = 'queued'
                         ORDER BY queue_position, number LIMIT 1 FOR UPDATE SKIP LOCKED)
             RETURNING {TRIAL_COLUMNS}"
        );
        let now = unix_now();
        let (worker, lease_until) = self.lease(now);
        self.transaction(|tx| {
            // A row that cannot be read is not claimed: the error rolls the transaction back.
            tx.query_opt(&sql, &[&study_id, &now, &worker, &lease_until])?
                .as_ref()
                .map(raw_trial)
                .map(RawTrial::into_record)
                .transpose()
        })
    }

    fn record_epoch(
        &mut self,
        trial_id: i64,
        epoch: u32,
        metrics: &BTreeMap<String, f64>,
        objective: &str,
    ) -> Result<(), StoreError> {
        let objective_value = metrics.get(objective).copied();
        let epoch = i64::from(epoch);
        let (worker, lease_until) = self.lease(unix_now());
        self.transaction(|tx| {
            // A worker records only a trial it still holds (see `StoreError::Lost`).
            let updated = tx.execute(
                "UPDATE trials SET epochs = $2, objective = $3,
                     value = CASE WHEN $4 THEN $5 ELSE value END,
                     lease_until = coalesce($6, lease_until)
                 WHERE id = $1
                   AND ($7::BIGINT IS NULL OR (state = 'running' AND worker = $7))",
                &[
                    &trial_id,
                    &epoch,
                    &objective,
                    &objective_value.is_some(),
                    &objective_value.and_then(metric_to_sql),
                    &lease_until,
                    &worker,
                ],
            )?;
            if updated == 0 {
                let exists = tx
                    .query_opt("SELECT 1 FROM trials WHERE id = $1", &[&trial_id])?
                    .is_some();
                return Err(if exists {
                    StoreError::Lost(trial_id)
                } else {
                    StoreError::NotFound(format!("trial {trial_id}"))
                });
            }
            let upsert = tx.prepare(
                "INSERT INTO metrics (trial_id, epoch, name, value) VALUES ($1, $2, $3, $4)
                 ON CONFLICT (trial_id, epoch, name) DO UPDATE SET value = excluded.value",
            )?;
            for (name, value) in metrics {
                tx.execute(&upsert, &[&trial_id, &epoch, name, &metric_to_sql(*value)])?;
            }
            Ok(())
        })
    }

    fn finish_trial(
        &mut self,
        trial_id: i64,
        state: TrialState,
        error: Option<&str>,
    ) -> Result<(), StoreError> {
        let finished_at = (state.is_finished() || state == TrialState::Awaiting).then(unix_now);
        self.transaction(|tx| {
            let updated = tx.execute(
                "UPDATE trials SET state = $2, error = $3,
                 finished_at = CASE WHEN state = 'awaiting' AND $2 = 'stopped'
                                    THEN finished_at ELSE $4 END,
                     started_at = CASE WHEN $2 = 'queued' THEN NULL ELSE started_at END
                 WHERE id = $1",
                &[&trial_id, &state.as_str(), &error, &finished_at],
            )?;
            if updated == 0 {
                return Err(StoreError::NotFound(format!("trial {trial_id}")));
            }
            Ok(())
        })
    }

    fn trials(&self, study_id: i64) -> Result<Vec<TrialRecord>, StoreError> {
        let sql = format!("SELECT {TRIAL_COLUMNS} FROM trials WHERE study_id = $1 ORDER BY number");
        self.read(|c| c.query(&sql, &[&study_id]))?
            .iter()
            .map(|row| raw_trial(row).into_record())
            .collect()
    }

    fn curves(&self, study_id: i64) -> Result<Vec<MetricRow>, StoreError> {
        let rows = self.read(|c| {
            c.query(
                "SELECT t.id, t.number, m.epoch, m.name, m.value
                 FROM metrics m JOIN trials t ON t.id = m.trial_id
                 WHERE t.study_id = $1
                 ORDER BY t.number, m.epoch, m.name",
                &[&study_id],
            )
        })?;
        rows.iter()
            .map(|row| {
                let trial_id: i64 = row.get(0);
                let value: Option<f64> = row.get(4);
                Ok(MetricRow {
                    trial: unsigned(trial_id, "number", row.get::<_, i64>(1))?,
                    epoch: unsigned(trial_id, "metric epoch", row.get::<_, i64>(2))?,
                    name: row.get(3),
                    value: value.unwrap_or(f64::NAN),
                })
            })
            .collect()
    }

    fn objective_curves(
        &self,
        study_id: i64,
        metric: &str,
    ) -> Result<BTreeMap<u64, Vec<f64>>, StoreError> {
        let rows = self.read(|c| {
            c.query(
                "SELECT t.id, t.number, m.epoch, m.value
                 FROM metrics m JOIN trials t ON t.id = m.trial_id
                 WHERE t.study_id = $1 AND m.name = $2
                 ORDER BY t.number, m.epoch",
                &[&study_id, &metric],
            )
        })?;
        let mut curves: BTreeMap<u64, Vec<f64>> = BTreeMap::new();
        for row in &rows {
            let trial_id: i64 = row.get(0);
            let number = unsigned(trial_id, "number", row.get::<_, i64>(1))?;
            let epoch: u32 = unsigned(trial_id, "metric epoch", row.get::<_, i64>(2))?;
            put_on_curve(curves.entry(number).or_default(), epoch, row.get(3));
        }
        Ok(curves)
    }

    fn set_prediction(
        &mut self,
        trial_id: i64,
        prediction: StoredPrediction,
    ) -> Result<(), StoreError> {
        self.transaction(|tx| {
            let updated = tx.execute(
                "UPDATE trials SET predicted = $2, predicted_sigma = $3, predicted_reference = $4
                 WHERE id = $1",
                &[
                    &trial_id,
                    &prediction.value,
                    &prediction.sigma,
                    &prediction.reference,
                ],
            )?;
            if updated == 0 {
                return Err(StoreError::NotFound(format!("trial {trial_id}")));
            }
            Ok(())
        })
    }

    fn set_checkpoint(&mut self, trial_id: i64, epoch: u32, path: &str) -> Result<(), StoreError> {
        let epoch = i64::from(epoch);
        self.transaction(|tx| {
            tx.execute(
                "INSERT INTO checkpoints (trial_id, epoch, path) VALUES ($1, $2, $3)
                 ON CONFLICT (trial_id)
                 DO UPDATE SET epoch = excluded.epoch, path = excluded.path, data = NULL",
                &[&trial_id, &epoch, &path],
            )?;
            Ok(())
        })
    }

    fn checkpoint(&self, trial_id: i64) -> Result<Option<(u32, String)>, StoreError> {
        self.read(|c| {
            c.query_opt(
                "SELECT epoch, path FROM checkpoints WHERE trial_id = $1",
                &[&trial_id],
            )
        })?
        .map(|row| {
            Ok((
                unsigned(trial_id, "checkpoint epoch", row.get::<_, i64>(0))?,
                row.get(1),
            ))
        })
        .transpose()
    }

    fn sampler_state(&self, study_id: i64, key: &str) -> Result<Option<Vec<u8>>, StoreError> {
        Ok(self
            .read(|c| {
                c.query_opt(
                    "SELECT value FROM sampler_state WHERE study_id = $1 AND key = $2",
                    &[&study_id, &key],
                )
            })?
            .map(|row| row.get(0)))
    }

    fn set_sampler_state(
        &mut self,
        study_id: i64,
        key: &str,
        value: &[u8],
    ) -> Result<(), StoreError> {
        self.transaction(|tx| {
            if !Self::study_exists(tx, study_id)? {
                return Err(StoreError::NotFound(format!("study {study_id}")));
            }
            tx.execute(
                "INSERT INTO sampler_state (study_id, key, value, updated_at) VALUES ($1, $2, $3, $4)
                 ON CONFLICT (study_id, key)
                 DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at",
                &[&study_id, &key, &value, &unix_now()],
            )?;
            Ok(())
        })
    }

    fn register_worker(
        &mut self,
        study_id: i64,
        host: &str,
        pid: u32,
        origin: &str,
    ) -> Result<i64, StoreError> {
        let pid = i64::from(pid);
        let now = unix_now();
        self.transaction(|tx| {
            if !Self::study_exists(tx, study_id)? {
                return Err(StoreError::NotFound(format!("study {study_id}")));
            }
            let row = tx.query_one(
                "INSERT INTO workers (study_id, host, pid, origin, started_at, heartbeat_at)
                 VALUES ($1, $2, $3, $4, $5, $5) RETURNING id",
                &[&study_id, &host, &pid, &origin, &now],
            )?;
            Ok(row.get(0))
        })
    }

    fn act_for(&mut self, worker: i64, lease: Duration) {
        self.worker = Some((worker, lease.as_secs_f64()));
    }

    fn heartbeat(&mut self, worker: i64, lease: Duration) -> Result<(), StoreError> {
        let now = unix_now();
        let until = now + lease.as_secs_f64();
        self.transaction(|tx| {
            tx.execute(
                "UPDATE workers SET heartbeat_at = $2 WHERE id = $1",
                &[&worker, &now],
            )?;
            tx.execute(
                "UPDATE trials SET lease_until = $2 WHERE worker = $1 AND state = 'running'",
                &[&worker, &until],
            )?;
            Ok(())
        })
    }

    fn retire_worker(&mut self, worker: i64) -> Result<(), StoreError> {
        let now = unix_now();
        self.transaction(|tx| {
            tx.execute(
                "UPDATE workers SET stopped_at = $2 WHERE id = $1",
                &[&worker, &now],
            )?;
            tx.execute(
                "UPDATE trials SET lease_until = 0 WHERE worker = $1 AND state = 'running'",
                &[&worker],
            )?;
            Ok(())
        })
    }

    fn workers(&self, study_id: i64) -> Result<Vec<WorkerRecord>, StoreError> {
        let (rows, running) = self.transaction(|tx| {
            let rows = tx.query(
                "SELECT id, study_id, host, pid, origin, started_at, heartbeat_at, stopped_at
                 FROM workers WHERE study_id = $1 ORDER BY started_at DESC, id DESC",
                &[&study_id],
            )?;
            let running = tx.query(
                "SELECT worker, number FROM trials
                 WHERE study_id = $1 AND state = 'running' AND worker IS NOT NULL ORDER BY number",
                &[&study_id],
            )?;
            Ok((rows, running))
        })?;
        let mut workers: Vec<WorkerRecord> = rows
            .iter()
            .map(|row| WorkerRecord {
                id: row.get(0),
                study_id: row.get(1),
                host: row.get(2),
                pid: u32::try_from(row.get::<_, i64>(3)).unwrap_or(0),
                origin: row.get(4),
                started_at: row.get(5),
                heartbeat_at: row.get(6),
                stopped_at: row.get(7),
                trials: Vec::new(),
            })
            .collect();
        for row in &running {
            let worker: i64 = row.get(0);
            if let Some(record) = workers.iter_mut().find(|w| w.id == worker) {
                record
                    .trials
                    .push(unsigned(0, "number", row.get::<_, i64>(1))?);
            }
        }
        Ok(workers)
    }

    fn lock_decisions(
        &mut self,
        study_id: i64,
        worker: i64,
        hold: Duration,
    ) -> Result<bool, StoreError> {
        let now = unix_now();
        let until = now + hold.as_secs_f64();
        self.transaction(|tx| {
            let taken = tx.execute(
                "UPDATE studies SET decider = $2, decider_until = $3
                 WHERE id = $1 AND (decider IS NULL OR decider = $2 OR decider_until < $4)",
                &[&study_id, &worker, &until, &now],
            )?;
            Ok(taken == 1)
        })
    }

    fn unlock_decisions(&mut self, study_id: i64, worker: i64) -> Result<(), StoreError> {
        self.transaction(|tx| {
            tx.execute(
                "UPDATE studies SET decider = NULL, decider_until = NULL
                 WHERE id = $1 AND decider = $2",
                &[&study_id, &worker],
            )?;
            Ok(())
        })
    }

    fn spend_epoch(&mut self, study_id: i64, cap: u64) -> Result<bool, StoreError> {
        let cap = i64::try_from(cap).unwrap_or(i64::MAX);
        self.transaction(|tx| {
            let spent = tx.execute(
                "UPDATE studies SET epochs_spent = epochs_spent + 1
                 WHERE id = $1 AND epochs_spent < $2",
                &[&study_id, &cap],
            )?;
            // Only a refused epoch asks whether the study exists at all.
            if spent == 0 && !Self::study_exists(tx, study_id)? {
                return Err(StoreError::NotFound(format!("study {study_id}")));
            }
            Ok(spent == 1)
        })
    }

    fn epochs_spent(&self, study_id: i64) -> Result<u64, StoreError> {
        let row = self.read(|c| {
            c.query_opt(
                "SELECT epochs_spent FROM studies WHERE id = $1",
                &[&study_id],
            )
        })?;
        let spent: i64 = row
            .ok_or_else(|| StoreError::NotFound(format!("study {study_id}")))?
            .get(0);
        Ok(u64::try_from(spent).unwrap_or(0))
    }

    fn set_checkpoint_data(
        &mut self,
        trial_id: i64,
        epoch: u32,
        data: &[u8],
    ) -> Result<(), StoreError> {
        let epoch = i64::from(epoch);
        self.transaction(|tx| {
            if tx
                .query_opt("SELECT 1 FROM trials WHERE id = $1", &[&trial_id])?
                .is_none()
            {
                return Err(StoreError::NotFound(format!("trial {trial_id}")));
            }
            tx.execute(
                "INSERT INTO checkpoints (trial_id, epoch, path, data) VALUES ($1, $2, '', $3)
                 ON CONFLICT (trial_id)
                 DO UPDATE SET epoch = excluded.epoch, path = '', data = excluded.data",
                &[&trial_id, &epoch, &data],
            )?;
            Ok(())
        })
    }

    fn checkpoint_data(&self, trial_id: i64) -> Result<Option<(u32, Vec<u8>)>, StoreError> {
        self.read(|c| {
            c.query_opt(
                "SELECT epoch, data FROM checkpoints WHERE trial_id = $1 AND data IS NOT NULL",
                &[&trial_id],
            )
        })?
        .map(|row| {
            Ok((
                unsigned(trial_id, "checkpoint epoch", row.get::<_, i64>(0))?,
                row.get(1),
            ))
        })
        .transpose()
    }

    fn remove_checkpoint(&mut self, trial_id: i64) -> Result<(), StoreError> {
        self.transaction(|tx| {
            tx.execute("DELETE FROM checkpoints WHERE trial_id = $1", &[&trial_id])?;
            Ok(())
        })
    }

    fn spans_machines(&self) -> bool {
        true
    }

    fn trial_root(&self) -> PathBuf {
        PathBuf::from("hps-trials")
    }
}

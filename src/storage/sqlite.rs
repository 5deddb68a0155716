//! The embedded study store: one SQLite file shared by every worker (threads or processes) of a
//! study. [`SqliteStore`] implements [`Storage`] for the runtime. The file is opened in WAL mode with a
//! long busy timeout so readers never block the writer; every write is one `BEGIN IMMEDIATE`
//! transaction, which makes claiming a trial a single atomic step. The schema is versioned by
//! `PRAGMA user_version` and brought up to date by `MIGRATIONS` when the store is opened. Trial
//! folders go in `hps-trials/<file name>/` beside the file.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use rusqlite::{
    Connection, OpenFlags, OptionalExtension, Row, Transaction, TransactionBehavior, params,
};

use super::codec::{
    RawTrial, STUDY_COLUMNS, TRIAL_COLUMNS, metric_to_sql, number_to_sql, params_to_sql,
    put_on_curve, seed_to_sql, summaries, unix_now, unsigned,
};
use super::{
    MetricRow, OpenMode, Placement, Storage, StoreError, StoredPrediction, StudyRecord,
    StudySummary, TrialRecord, TrialState, WorkerRecord,
};
use crate::space::Config;

/// How long a statement waits for another connection's write lock before giving up.
const BUSY_TIMEOUT: Duration = Duration::from_secs(30);

/// The schema's history: entry `i` brings a store from version `i` to version `i + 1`. Append only;
/// never edit a migration that has shipped.
const MIGRATIONS: &[&str] = &[
    // 1: studies, trials, learning curves and the checkpoint index.
    "CREATE TABLE studies (
         id         INTEGER PRIMARY KEY,
         name       TEXT UNIQUE NOT NULL,
         file       TEXT NOT NULL DEFAULT '',
         plan_hash  TEXT NOT NULL DEFAULT '',
         plan_json  TEXT NOT NULL DEFAULT '',
         created_at REAL NOT NULL DEFAULT 0
     );
     CREATE TABLE trials (
         id          INTEGER PRIMARY KEY,
         study_id    INTEGER NOT NULL REFERENCES studies(id) ON DELETE CASCADE,
         number      INTEGER NOT NULL,
         state       TEXT NOT NULL,
         params_json TEXT NOT NULL,
         seed        INTEGER NOT NULL,
         epochs      INTEGER NOT NULL DEFAULT 0,
         value       REAL,
         objective   TEXT,
         error       TEXT,
         started_at  REAL,
         finished_at REAL,
         UNIQUE (study_id, number)
     );
     CREATE INDEX trials_by_study_state ON trials (study_id, state, number);
     CREATE TABLE metrics (
         trial_id INTEGER NOT NULL REFERENCES trials(id) ON DELETE CASCADE,
         epoch    INTEGER NOT NULL,
         name     TEXT NOT NULL,
         value    REAL,
         PRIMARY KEY (trial_id, epoch, name)
     ) WITHOUT ROWID;
     CREATE TABLE checkpoints (
         trial_id INTEGER PRIMARY KEY REFERENCES trials(id) ON DELETE CASCADE,
         epoch    INTEGER NOT NULL,
         path     TEXT NOT NULL
     );",
    // 2: successive halving: a trial's bracket, rung and the epochs it trains to.
    "ALTER TABLE trials ADD COLUMN bracket INTEGER;
     ALTER TABLE trials ADD COLUMN rung INTEGER NOT NULL DEFAULT 0;
     ALTER TABLE trials ADD COLUMN target_epochs INTEGER;",
    // 3: early stopping: the final value a stopping rule predicted for a trial it ended.
    "ALTER TABLE trials ADD COLUMN predicted REAL;",
    // 4: the order promoted trials train in (best of their rung first).
    "ALTER TABLE trials ADD COLUMN queue_position INTEGER NOT NULL DEFAULT 0;",
    // 5: samplers' persisted state: opaque bytes per study and key.
    "CREATE TABLE sampler_state (
         study_id   INTEGER NOT NULL REFERENCES studies(id) ON DELETE CASCADE,
         key        TEXT NOT NULL,
         value      BLOB NOT NULL,
         updated_at REAL NOT NULL,
         PRIMARY KEY (study_id, key)
     ) WITHOUT ROWID;",
    // 6: a trial waiting for its rung's decision is a state of its own, no longer `stopped` with
    // this reason.
    "UPDATE trials SET state = 'awaiting', error = NULL
     WHERE state = 'stopped' AND error = 'waiting for its rung to finish';",
    // 7: workers sharing a study, and the lease each running trial is held under.
    "CREATE TABLE workers (
         id           INTEGER PRIMARY KEY,
         study_id     INTEGER NOT NULL REFERENCES studies(id) ON DELETE CASCADE,
         host         TEXT NOT NULL,
         origin       TEXT NOT NULL DEFAULT '',
         pid          INTEGER NOT NULL,
         started_at   REAL NOT NULL,
         heartbeat_at REAL NOT NULL,
         stopped_at   REAL
     );
     ALTER TABLE trials ADD COLUMN worker INTEGER;
     ALTER TABLE trials ADD COLUMN lease_until REAL;",
    // 8: the study's decision lock: which worker decides, until when.
    "ALTER TABLE studies ADD COLUMN decider INTEGER;
     ALTER TABLE studies ADD COLUMN decider_until REAL;",
    // 9: the epochs counted against the study's budget, over every worker.
    "ALTER TABLE studies ADD COLUMN epochs_spent INTEGER NOT NULL DEFAULT 0;
     UPDATE studies SET epochs_spent =
         (SELECT coalesce(sum(t.epochs), 0) FROM trials t WHERE t.study_id = studies.id);",
    // 10: checkpoints kept in the store itself, for workers on other machines.
    "ALTER TABLE checkpoints ADD COLUMN data BLOB;",
    // 11: a stopping rule's prediction with its σ and the value it had to beat.
    "ALTER TABLE trials ADD COLUMN predicted_sigma REAL;
     ALTER TABLE trials ADD COLUMN predicted_reference REAL;",
];

/// The epoch a running trial restarts from: its checkpoint's (0 without one), never past what it
/// recorded. Used inside `UPDATE trials`, where `trials` is the row being updated.
const RESUME_EPOCH: &str = "min(trials.epochs, coalesce(
    (SELECT c.epoch FROM checkpoints c WHERE c.trial_id = trials.id), 0))";

/// A running trial whose worker is gone (in a statement whose `?2` is now).
const EXPIRED: &str = "state = 'running' AND (lease_until IS NULL OR lease_until < ?2)";

/// The folder beside a store file that holds its trial folders.
const TRIAL_ROOT: &str = "hps-trials";

/// A study store in one SQLite file.
pub struct SqliteStore {
    connection: Connection,
    /// The store file, as it was opened.
    path: PathBuf,
    /// The worker this connection claims trials for, and the lease in seconds.
    worker: Option<(i64, f64)>,
}

impl From<rusqlite::Error> for StoreError {
    fn from(e: rusqlite::Error) -> Self {
        StoreError::Database(e.to_string())
    }
}

impl SqliteStore {
    /// Opens the store at `path`, creating the file (and its folder) when absent and migrating its
    /// schema to the version this build knows.
    ///
    /// # Errors
    /// When the file cannot be created or opened, when a migration fails, or when the store was
    /// written by a newer hps.
    pub fn open(path: &Path) -> Result<Self, StoreError> {
        Self::open_with(path, OpenMode::Create)
    }

    /// Opens the store at `path` as `mode` says: [`OpenMode::Create`] as [`SqliteStore::open`];
    /// [`OpenMode::ReadOnly`] only an existing file, with a read-only connection (a store whose
    /// schema is older is migrated first when the file can be written).
    ///
    /// # Errors
    /// An in-memory database (each connection would see its own), an absent file (read only), and
    /// the errors of [`SqliteStore::open`].
    pub fn open_with(path: &Path, mode: OpenMode) -> Result<Self, StoreError> {
        let name = path.to_string_lossy();
        if name == ":memory:" || name.starts_with("file::memory:") || name.contains("mode=memory") {
            return Err(StoreError::Unsupported(format!(
                "{name}: an in-memory database is private to one connection, and a run opens one \
                 per worker; name a store file such as hps.db"
            )));
        }
        match mode {
            OpenMode::Create => Self::open_to_write(path),
            OpenMode::ReadOnly => Self::open_to_read(path),
        }
    }

    fn open_to_read(path: &Path) -> Result<Self, StoreError> {
        let with_path = |e: &dyn std::fmt::Display| {
            StoreError::Database(format!("cannot open {}: {e}", path.display()))
        };
        match std::fs::metadata(path) {
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Err(StoreError::Absent(path.display().to_string()));
            }
            Err(e) => return Err(with_path(&e)),
            Ok(metadata) if !metadata.is_file() => {
                return Err(with_path(&"it is not a file"));
            }
            Ok(_) => {}
        }
        let connect = |immutable: bool| -> Result<Connection, StoreError> {
            let flags = OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX;
            let connection = if immutable {
                Connection::open_with_flags(immutable_uri(path), flags | OpenFlags::SQLITE_OPEN_URI)
            } else {
                Connection::open_with_flags(path, flags)
            }
            .map_err(|e| with_path(&e))?;
            connection
                .busy_timeout(BUSY_TIMEOUT)
                .map_err(|e| with_path(&e))?;
            Ok(connection)
        };
        let connection = connect(false)?;
        // Reading a WAL store takes its shared-memory file, which a user who may not write the
        // folder cannot create. Without a write-ahead log beside it the file holds the whole store
        // and can be read as it is.
        let wal = sibling(path, "-wal");
        let (connection, version) = match user_version(&connection) {
            Ok(version) => (connection, version),
            Err(first) if !wal.exists() => {
                let connection = connect(true)?;
                let version = user_version(&connection).map_err(|_| with_path(&first))?;
                (connection, version)
            }
            Err(e) => {
                return Err(with_path(&format!(
                    "{e} (it is being written: reading it now needs write access to {})",
                    path.parent()
                        .filter(|p| !p.as_os_str().is_empty())
                        .map_or_else(|| String::from("its folder"), |p| p.display().to_string())
                )));
            }
        };
        let version = checked_version(version, path)?;
        let connection = if version < MIGRATIONS.len() {
            // An older schema: bring it up to date if the file can be written, then read.
            drop(connection);
            Self::open_to_write(path).map_err(|e| {
                StoreError::Database(format!(
                    "{} has store schema version {version}, older than this hps reads ({}), and \
                     cannot be upgraded now ({e}); run `hps run` on it once with write access",
                    path.display(),
                    MIGRATIONS.len()
                ))
            })?;
            connect(false)?
        } else {
            connection
        };
        Ok(SqliteStore {
            connection,
            path: path.to_owned(),
            worker: None,
        })
    }

    fn open_to_write(path: &Path) -> Result<Self, StoreError> {
        let with_path = |e: &dyn std::fmt::Display| {
            StoreError::Database(format!("cannot open {}: {e}", path.display()))
        };
        if let Some(folder) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
            std::fs::create_dir_all(folder).map_err(|e| with_path(&e))?;
        }
        let connection = Connection::open(path).map_err(|e| with_path(&e))?;
        // The busy timeout comes first so that the pragmas below wait for other openers too.
        connection
            .busy_timeout(BUSY_TIMEOUT)
            .map_err(|e| with_path(&e))?;
        connection
            .pragma_update_and_check(None, "journal_mode", "WAL", |row| row.get::<_, String>(0))
            .map_err(|e| with_path(&e))?;
        connection
            .pragma_update(None, "foreign_keys", true)
            .map_err(|e| with_path(&e))?;
        let mut store = SqliteStore {
            connection,
            path: path.to_owned(),
            worker: None,
        };
        store.migrate(path)?;
        Ok(store)
    }

    /// Applies the migrations the store lacks, each in its own write transaction, so that several
    /// processes opening a new store at once apply each migration exactly once.
    fn migrate(&mut self, path: &Path) -> Result<(), StoreError> {
        loop {
            let tx = self.write()?;
            let applied = checked_version(user_version(&tx)?, path)?;
            let Some(migration) = MIGRATIONS.get(applied) else {
                return Ok(());
            };
            tx.execute_batch(migration).map_err(|e| {
                StoreError::Database(format!(
                    "{}: migration to schema version {} failed: {e}",
                    path.display(),
                    applied + 1
                ))
            })?;
            // `applied` is below MIGRATIONS.len(), a handful.
            let next = i64::try_from(applied + 1).unwrap_or(i64::MAX);
            tx.pragma_update(None, "user_version", next)?;
            tx.commit()?;
        }
    }

    /// The worker this connection claims for and its lease's end, from `now`.
    fn lease(&self, now: f64) -> (Option<i64>, Option<f64>) {
        match self.worker {
            Some((worker, lease)) => (Some(worker), Some(now + lease)),
            None => (None, None),
        }
    }

    /// Starts a write transaction. `IMMEDIATE` takes the write lock up front, so a transaction that
    /// reads before it writes waits for other writers instead of failing on a stale snapshot.
    fn write(&mut self) -> Result<Transaction<'_>, StoreError> {
        Ok(self
            .connection
            .transaction_with_behavior(TransactionBehavior::Immediate)?)
    }

    fn trial_by_id(connection: &Connection, trial_id: i64) -> Result<TrialRecord, StoreError> {
        let sql = format!("SELECT {TRIAL_COLUMNS} FROM trials WHERE id = ?1");
        connection
            .prepare_cached(&sql)?
            .query_row([trial_id], raw_trial)
            .optional()?
            .ok_or_else(|| StoreError::NotFound(format!("trial {trial_id}")))?
            .into_record()
    }

    fn study_exists(connection: &Connection, study_id: i64) -> Result<bool, StoreError> {
        Ok(connection
            .prepare_cached("SELECT 1 FROM studies WHERE id = ?1")?
            .exists([study_id])?)
    }

    fn study_by_name(
        connection: &Connection,
        name: &str,
    ) -> Result<Option<StudyRecord>, StoreError> {
        let sql = format!("SELECT {STUDY_COLUMNS} FROM studies WHERE name = ?1");
        Ok(connection
            .prepare_cached(&sql)?
            .query_row([name], study_from_row)
            .optional()?)
    }
}

impl Storage for SqliteStore {
    fn open_study(
        &mut self,
        name: &str,
        file: &str,
        plan_hash: &str,
        plan_json: &str,
        fresh: bool,
    ) -> Result<StudyRecord, StoreError> {
        let tx = self.write()?;
        if let Some(existing) = Self::study_by_name(&tx, name)? {
            if fresh {
                // The foreign keys cascade to trials, metrics and checkpoint rows.
                tx.execute("DELETE FROM studies WHERE id = ?1", [existing.id])?;
            } else if existing.plan_hash != plan_hash {
                return Err(StoreError::PlanChanged {
                    study: name.to_owned(),
                });
            } else {
                tx.execute(
                    "UPDATE studies SET file = ?2, plan_json = ?3 WHERE id = ?1",
                    params![existing.id, file, plan_json],
                )?;
                tx.commit()?;
                return Ok(StudyRecord {
                    file: file.to_owned(),
                    plan_json: plan_json.to_owned(),
                    ..existing
                });
            }
        }
        let created_at = unix_now();
        tx.execute(
            "INSERT INTO studies (name, file, plan_hash, plan_json, created_at)
             VALUES (?1, ?2, ?3, ?4, ?5)",
            params![name, file, plan_hash, plan_json, created_at],
        )?;
        let id = tx.last_insert_rowid();
        tx.commit()?;
        Ok(StudyRecord {
            id,
            name: name.to_owned(),
            file: file.to_owned(),
            plan_hash: plan_hash.to_owned(),
            plan_json: plan_json.to_owned(),
            created_at,
        })
    }

    fn study(&self, name: &str) -> Result<Option<StudyRecord>, StoreError> {
        Self::study_by_name(&self.connection, name)
    }

    fn studies(&self) -> Result<Vec<StudySummary>, StoreError> {
        // One read transaction, so the counts belong to the studies listed.
        let tx = self.connection.unchecked_transaction()?;
        let sql = format!("SELECT {STUDY_COLUMNS} FROM studies ORDER BY name");
        let studies = tx
            .prepare(&sql)?
            .query_map([], study_from_row)?
            .collect::<Result<Vec<_>, _>>()?;
        let counts = tx
            .prepare("SELECT study_id, state, count(*) FROM trials GROUP BY study_id, state")?
            .query_map([], |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)))?
            .collect::<Result<Vec<(i64, String, i64)>, _>>()?;
        Ok(summaries(studies, counts))
    }

    fn requeue_expired(&mut self, study_id: i64) -> Result<u64, StoreError> {
        let now = unix_now();
        let tx = self.write()?;
        tx.execute(
            &format!(
                "DELETE FROM metrics
                 WHERE trial_id IN (SELECT id FROM trials WHERE study_id = ?1 AND {EXPIRED})
                   AND epoch > coalesce(
                       (SELECT c.epoch FROM checkpoints c WHERE c.trial_id = metrics.trial_id), 0)"
            ),
            params![study_id, now],
        )?;
        // The value goes back to the objective at the resume epoch (none without a checkpoint).
        let requeued = tx.execute(
            &format!(
                "UPDATE trials SET
                     state = 'queued', error = NULL, started_at = NULL, finished_at = NULL,
                     worker = NULL, lease_until = NULL,
                     epochs = {RESUME_EPOCH},
                     value = (SELECT m.value FROM metrics m
                              WHERE m.trial_id = trials.id AND m.name = trials.objective
                                AND m.epoch = {RESUME_EPOCH})
                 WHERE study_id = ?1 AND {EXPIRED}"
            ),
            params![study_id, now],
        )?;
        tx.commit()?;
        Ok(requeued as u64)
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
        let tx = self.write()?;
        tx.execute(
            "INSERT INTO trials (study_id, number, state, params_json, seed, bracket, target_epochs)
             VALUES (?1, ?2, 'queued', ?3, ?4, ?5, ?6)",
            params![
                study_id,
                number_to_sql(number)?,
                params_json,
                seed_to_sql(seed),
                placement.map(|p| i64::from(p.bracket)),
                placement.map(|p| i64::from(p.target_epochs)),
            ],
        )?;
        let record = Self::trial_by_id(&tx, tx.last_insert_rowid())?;
        tx.commit()?;
        Ok(record)
    }

    fn promote(
        &mut self,
        trial_id: i64,
        rung: u32,
        target_epochs: u32,
        position: u32,
    ) -> Result<(), StoreError> {
        let tx = self.write()?;
        let changed = tx.execute(
            "UPDATE trials SET state = 'queued', rung = ?2, target_epochs = ?3, error = NULL,
                 started_at = NULL, finished_at = NULL, predicted = NULL, predicted_sigma = NULL,
                 predicted_reference = NULL, queue_position = ?4
             WHERE id = ?1",
            params![
                trial_id,
                i64::from(rung),
                i64::from(target_epochs),
                i64::from(position)
            ],
        )?;
        if changed == 0 {
            return Err(StoreError::NotFound(format!("trial {trial_id}")));
        }
        tx.commit()?;
        Ok(())
    }

    fn claim_trial(&mut self, study_id: i64) -> Result<Option<TrialRecord>, StoreError> {
        let now = unix_now();
        let (worker, lease_until) = self.lease(now);
        let tx = self.write()?;
        let sql = format!(
            "UPDATE trials SET state = 'running', started_at = ?2, finished_at = NULL, error = NULL,
                 worker = ?3, lease_until = ?4
             WHERE id = (SELECT id FROM trials WHERE study_id = ?1 AND state = 'queued'
                         ORDER BY queue_position, number LIMIT 1)
             RETURNING {TRIAL_COLUMNS}"
        );
        let claimed = tx
            .prepare_cached(&sql)?
            .query_row(params![study_id, now, worker, lease_until], raw_trial)
            .optional()?;
        // A row that cannot be read is not claimed: dropping the transaction rolls it back.
        let record = claimed.map(RawTrial::into_record).transpose()?;
        tx.commit()?;
        Ok(record)
    }

    fn record_epoch(
        &mut self,
        trial_id: i64,
        epoch: u32,
        metrics: &BTreeMap<String, f64>,
        objective: &str,
    ) -> Result<(), StoreError> {
        let objective_value = metrics.get(objective).copied();
        let (worker, lease_until) = self.lease(unix_now());
        let tx = self.write()?;
        // A worker records only a trial it still holds (see `StoreError::Lost`).
        let updated = tx.execute(
            "UPDATE trials SET epochs = ?2, objective = ?3,
                 value = CASE WHEN ?4 THEN ?5 ELSE value END,
                 lease_until = coalesce(?6, lease_until)
             WHERE id = ?1 AND (?7 IS NULL OR (state = 'running' AND worker = ?7))",
            params![
                trial_id,
                epoch,
                objective,
                objective_value.is_some(),
                objective_value,
                lease_until,
                worker
            ],
        )?;
        if updated == 0 {
            let exists = tx
                .prepare_cached("SELECT 1 FROM trials WHERE id = ?1")?
                .exists([trial_id])?;
            return Err(if exists {
                StoreError::Lost(trial_id)
            } else {
                StoreError::NotFound(format!("trial {trial_id}"))
            });
        }
        {
            let mut upsert = tx.prepare_cached(
                "INSERT INTO metrics (trial_id, epoch, name, value) VALUES (?1, ?2, ?3, ?4)
                 ON CONFLICT (trial_id, epoch, name) DO UPDATE SET value = excluded.value",
            )?;
            for (name, value) in metrics {
                upsert.execute(params![trial_id, epoch, name, metric_to_sql(*value)])?;
            }
        }
        tx.commit()?;
        Ok(())
    }

    fn finish_trial(
        &mut self,
        trial_id: i64,
        state: TrialState,
        error: Option<&str>,
    ) -> Result<(), StoreError> {
        let finished_at = (state.is_finished() || state == TrialState::Awaiting).then(unix_now);
        let tx = self.write()?;
        let updated = tx.execute(
            "UPDATE trials SET state = ?2, error = ?3,
                 finished_at = CASE WHEN state = 'awaiting' AND ?2 = 'stopped'
                                    THEN finished_at ELSE ?4 END,
                 started_at = CASE WHEN ?2 = 'queued' THEN NULL ELSE started_at END
             WHERE id = ?1",
            params![trial_id, state.as_str(), error, finished_at],
        )?;
        if updated == 0 {
            return Err(StoreError::NotFound(format!("trial {trial_id}")));
        }
        tx.commit()?;
        Ok(())
    }

    fn trials(&self, study_id: i64) -> Result<Vec<TrialRecord>, StoreError> {
        let sql = format!("SELECT {TRIAL_COLUMNS} FROM trials WHERE study_id = ?1 ORDER BY number");
        self.connection
            .prepare_cached(&sql)?
            .query_map([study_id], raw_trial)?
            .map(|raw| raw?.into_record())
            .collect()
    }

    fn curves(&self, study_id: i64) -> Result<Vec<MetricRow>, StoreError> {
        let mut statement = self.connection.prepare_cached(
            "SELECT t.id, t.number, m.epoch, m.name, m.value
             FROM metrics m JOIN trials t ON t.id = m.trial_id
             WHERE t.study_id = ?1
             ORDER BY t.number, m.epoch, m.name",
        )?;
        let mut rows = statement.query([study_id])?;
        let mut curves = Vec::new();
        while let Some(row) = rows.next()? {
            let trial_id: i64 = row.get(0)?;
            let number: i64 = row.get(1)?;
            let epoch: i64 = row.get(2)?;
            // SQLite stores NaN as NULL; a diverged epoch reads back as NaN.
            let value: Option<f64> = row.get(4)?;
            curves.push(MetricRow {
                trial: unsigned(trial_id, "number", number)?,
                epoch: unsigned(trial_id, "metric epoch", epoch)?,
                name: row.get(3)?,
                value: value.unwrap_or(f64::NAN),
            });
        }
        Ok(curves)
    }

    fn objective_curves(
        &self,
        study_id: i64,
        metric: &str,
    ) -> Result<BTreeMap<u64, Vec<f64>>, StoreError> {
        let mut statement = self.connection.prepare_cached(
            "SELECT t.id, t.number, m.epoch, m.value
             FROM metrics m JOIN trials t ON t.id = m.trial_id
             WHERE t.study_id = ?1 AND m.name = ?2
             ORDER BY t.number, m.epoch",
        )?;
        let mut rows = statement.query(params![study_id, metric])?;
        let mut curves: BTreeMap<u64, Vec<f64>> = BTreeMap::new();
        while let Some(row) = rows.next()? {
            let trial_id: i64 = row.get(0)?;
            let number = unsigned(trial_id, "number", row.get::<_, i64>(1)?)?;
            let epoch: u32 = unsigned(trial_id, "metric epoch", row.get::<_, i64>(2)?)?;
            put_on_curve(curves.entry(number).or_default(), epoch, row.get(3)?);
        }
        Ok(curves)
    }

    fn set_prediction(
        &mut self,
        trial_id: i64,
        prediction: StoredPrediction,
    ) -> Result<(), StoreError> {
        let tx = self.write()?;
        let updated = tx.execute(
            "UPDATE trials SET predicted = ?2, predicted_sigma = ?3, predicted_reference = ?4
             WHERE id = ?1",
            params![
                trial_id,
                prediction.value,
                prediction.sigma,
                prediction.reference
            ],
        )?;
        if updated == 0 {
            return Err(StoreError::NotFound(format!("trial {trial_id}")));
        }
        tx.commit()?;
        Ok(())
    }

    fn set_checkpoint(&mut self, trial_id: i64, epoch: u32, path: &str) -> Result<(), StoreError> {
        let tx = self.write()?;
        tx.execute(
            "INSERT INTO checkpoints (trial_id, epoch, path) VALUES (?1, ?2, ?3)
             ON CONFLICT (trial_id)
             DO UPDATE SET epoch = excluded.epoch, path = excluded.path, data = NULL",
            params![trial_id, epoch, path],
        )?;
        tx.commit()?;
        Ok(())
    }

    fn checkpoint(&self, trial_id: i64) -> Result<Option<(u32, String)>, StoreError> {
        let found: Option<(i64, String)> = self
            .connection
            .prepare_cached("SELECT epoch, path FROM checkpoints WHERE trial_id = ?1")?
            .query_row([trial_id], |row| Ok((row.get(0)?, row.get(1)?)))
            .optional()?;
        found
            .map(|(epoch, path)| Ok((unsigned(trial_id, "checkpoint epoch", epoch)?, path)))
            .transpose()
    }

    fn sampler_state(&self, study_id: i64, key: &str) -> Result<Option<Vec<u8>>, StoreError> {
        Ok(self
            .connection
            .prepare_cached("SELECT value FROM sampler_state WHERE study_id = ?1 AND key = ?2")?
            .query_row(params![study_id, key], |row| row.get(0))
            .optional()?)
    }

    fn set_sampler_state(
        &mut self,
        study_id: i64,
        key: &str,
        value: &[u8],
    ) -> Result<(), StoreError> {
        let tx = self.write()?;
        if !Self::study_exists(&tx, study_id)? {
            return Err(StoreError::NotFound(format!("study {study_id}")));
        }
        tx.execute(
            "INSERT INTO sampler_state (study_id, key, value, updated_at) VALUES (?1, ?2, ?3, ?4)
             ON CONFLICT (study_id, key)
             DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at",
            params![study_id, key, value, unix_now()],
        )?;
        tx.commit()?;
        Ok(())
    }

    fn register_worker(
        &mut self,
        study_id: i64,
        host: &str,
        pid: u32,
        origin: &str,
    ) -> Result<i64, StoreError> {
        let now = unix_now();
        let tx = self.write()?;
        if !Self::study_exists(&tx, study_id)? {
            return Err(StoreError::NotFound(format!("study {study_id}")));
        }
        tx.execute(
            "INSERT INTO workers (study_id, host, pid, origin, started_at, heartbeat_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?5)",
            params![study_id, host, pid, origin, now],
        )?;
        let id = tx.last_insert_rowid();
        tx.commit()?;
        Ok(id)
    }

    fn act_for(&mut self, worker: i64, lease: Duration) {
        self.worker = Some((worker, lease.as_secs_f64()));
    }

    fn heartbeat(&mut self, worker: i64, lease: Duration) -> Result<(), StoreError> {
        let now = unix_now();
        let tx = self.write()?;
        tx.execute(
            "UPDATE workers SET heartbeat_at = ?2 WHERE id = ?1",
            params![worker, now],
        )?;
        tx.execute(
            "UPDATE trials SET lease_until = ?2 WHERE worker = ?1 AND state = 'running'",
            params![worker, now + lease.as_secs_f64()],
        )?;
        tx.commit()?;
        Ok(())
    }

    fn retire_worker(&mut self, worker: i64) -> Result<(), StoreError> {
        let tx = self.write()?;
        tx.execute(
            "UPDATE workers SET stopped_at = ?2 WHERE id = ?1",
            params![worker, unix_now()],
        )?;
        tx.execute(
            "UPDATE trials SET lease_until = 0 WHERE worker = ?1 AND state = 'running'",
            [worker],
        )?;
        tx.commit()?;
        Ok(())
    }

    fn workers(&self, study_id: i64) -> Result<Vec<WorkerRecord>, StoreError> {
        let tx = self.connection.unchecked_transaction()?;
        let mut workers: Vec<WorkerRecord> = tx
            .prepare_cached(
                "SELECT id, study_id, host, pid, origin, started_at, heartbeat_at, stopped_at
                 FROM workers WHERE study_id = ?1 ORDER BY started_at DESC, id DESC",
            )?
            .query_map([study_id], |row| {
                Ok(WorkerRecord {
                    id: row.get(0)?,
                    study_id: row.get(1)?,
                    host: row.get(2)?,
                    pid: row.get(3)?,
                    origin: row.get(4)?,
                    started_at: row.get(5)?,
                    heartbeat_at: row.get(6)?,
                    stopped_at: row.get(7)?,
                    trials: Vec::new(),
                })
            })?
            .collect::<Result<_, _>>()?;
        let mut running = tx.prepare_cached(
            "SELECT worker, number FROM trials
             WHERE study_id = ?1 AND state = 'running' AND worker IS NOT NULL ORDER BY number",
        )?;
        let mut rows = running.query([study_id])?;
        while let Some(row) = rows.next()? {
            let worker: i64 = row.get(0)?;
            let number: i64 = row.get(1)?;
            if let Some(record) = workers.iter_mut().find(|w| w.id == worker) {
                record.trials.push(unsigned(0, "number", number)?);
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
        let tx = self.write()?;
        let taken = tx.execute(
            "UPDATE studies SET decider = ?2, decider_until = ?3
             WHERE id = ?1 AND (decider IS NULL OR decider = ?2 OR decider_until < ?4)",
            params![study_id, worker, now + hold.as_secs_f64(), now],
        )?;
        tx.commit()?;
        Ok(taken == 1)
    }

    fn unlock_decisions(&mut self, study_id: i64, worker: i64) -> Result<(), StoreError> {
        let tx = self.write()?;
        tx.execute(
            "UPDATE studies SET decider = NULL, decider_until = NULL WHERE id = ?1 AND decider = ?2",
            params![study_id, worker],
        )?;
        tx.commit()?;
        Ok(())
    }

    fn spend_epoch(&mut self, study_id: i64, cap: u64) -> Result<bool, StoreError> {
        let cap = i64::try_from(cap).unwrap_or(i64::MAX);
        let tx = self.write()?;
        let spent = tx.execute(
            "UPDATE studies SET epochs_spent = epochs_spent + 1
             WHERE id = ?1 AND epochs_spent < ?2",
            params![study_id, cap],
        )?;
        // Only a refused epoch asks whether the study exists at all.
        if spent == 0 && !Self::study_exists(&tx, study_id)? {
            return Err(StoreError::NotFound(format!("study {study_id}")));
        }
        tx.commit()?;
        Ok(spent == 1)
    }

    fn epochs_spent(&self, study_id: i64) -> Result<u64, StoreError> {
        let spent: Option<i64> = self
            .connection
            .prepare_cached("SELECT epochs_spent FROM studies WHERE id = ?1")?
            .query_row([study_id], |row| row.get(0))
            .optional()?;
        let spent = spent.ok_or_else(|| StoreError::NotFound(format!("study {study_id}")))?;
        Ok(u64::try_from(spent).unwrap_or(0))
    }

    fn set_checkpoint_data(
        &mut self,
        trial_id: i64,
        epoch: u32,
        data: &[u8],
    ) -> Result<(), StoreError> {
        let tx = self.write()?;
        let exists = tx
            .prepare_cached("SELECT 1 FROM trials WHERE id = ?1")?
            .exists([trial_id])?;
        if !exists {
            return Err(StoreError::NotFound(format!("trial {trial_id}")));
        }
        tx.execute(
            "INSERT INTO checkpoints (trial_id, epoch, path, data) VALUES (?1, ?2, '', ?3)
             ON CONFLICT (trial_id)
             DO UPDATE SET epoch = excluded.epoch, path = '', data = excluded.data",
            params![trial_id, epoch, data],
        )?;
        tx.commit()?;
        Ok(())
    }

    fn checkpoint_data(&self, trial_id: i64) -> Result<Option<(u32, Vec<u8>)>, StoreError> {
        let found: Option<(i64, Vec<u8>)> = self
            .connection
            .prepare_cached(
                "SELECT epoch, data FROM checkpoints WHERE trial_id = ?1 AND data IS NOT NULL",
            )?
            .query_row([trial_id], |row| Ok((row.get(0)?, row.get(1)?)))
            .optional()?;
        found
            .map(|(epoch, data)| Ok((unsigned(trial_id, "checkpoint epoch", epoch)?, data)))
            .transpose()
    }

    fn remove_checkpoint(&mut self, trial_id: i64) -> Result<(), StoreError> {
        let tx = self.write()?;
        tx.execute("DELETE FROM checkpoints WHERE trial_id = ?1", [trial_id])?;
        tx.commit()?;
        Ok(())
    }

    fn trial_root(&self) -> PathBuf {
        trial_root_beside(&self.path)
    }
}

/// The file SQLite keeps beside the store: `hps.db-wal` for `-wal`.
fn sibling(path: &Path, suffix: &str) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(suffix);
    PathBuf::from(name)
}

/// A `file:` URI that opens `path` read-only as an immutable file (no locks, no shared memory).
fn immutable_uri(path: &Path) -> String {
    let absolute = std::path::absolute(path).unwrap_or_else(|_| path.to_owned());
    let mut uri = String::from("file:");
    for byte in absolute.to_string_lossy().bytes() {
        if byte.is_ascii_alphanumeric() || b"/-._~".contains(&byte) {
            uri.push(char::from(byte));
        } else {
            uri.push_str(&format!("%{byte:02X}"));
        }
    }
    uri.push_str("?mode=ro&immutable=1");
    uri
}

/// The store's schema version as written in the file.
fn user_version(connection: &Connection) -> rusqlite::Result<i64> {
    connection.query_row("PRAGMA user_version", [], |row| row.get(0))
}

/// A schema version read from a store, checked: a number this build has migrations up to.
fn checked_version(version: i64, path: &Path) -> Result<usize, StoreError> {
    let applied = usize::try_from(version).map_err(|_| {
        StoreError::Database(format!(
            "{} has an invalid schema version {version}",
            path.display()
        ))
    })?;
    if applied > MIGRATIONS.len() {
        return Err(StoreError::Database(format!(
            "{} was written by a newer hps (store schema version {applied}, this hps knows up \
             to {}); upgrade hps to open it",
            path.display(),
            MIGRATIONS.len()
        )));
    }
    Ok(applied)
}

/// The trial root of the store file at `path`: a folder named after the file in [`TRIAL_ROOT`]
/// beside it (`runs/hps-trials/a.db/` for `runs/a.db`), so that two stores of one folder never
/// share trial folders.
fn trial_root_beside(path: &Path) -> PathBuf {
    let root = match path.parent() {
        Some(folder) if !folder.as_os_str().is_empty() => folder.join(TRIAL_ROOT),
        _ => PathBuf::from(TRIAL_ROOT),
    };
    match path.file_name() {
        Some(name) => root.join(name),
        None => root,
    }
}

/// Reads the columns of [`TRIAL_COLUMNS`].
fn raw_trial(row: &Row<'_>) -> rusqlite::Result<RawTrial> {
    Ok(RawTrial {
        id: row.get(0)?,
        study_id: row.get(1)?,
        number: row.get(2)?,
        state: row.get(3)?,
        params_json: row.get(4)?,
        seed: row.get(5)?,
        epochs: row.get(6)?,
        value: row.get(7)?,
        error: row.get(8)?,
        started_at: row.get(9)?,
        finished_at: row.get(10)?,
        bracket: row.get(11)?,
        rung: row.get(12)?,
        target_epochs: row.get(13)?,
        predicted: row.get(14)?,
        worker: row.get(15)?,
        predicted_sigma: row.get(16)?,
        predicted_reference: row.get(17)?,
    })
}

fn study_from_row(row: &Row<'_>) -> rusqlite::Result<StudyRecord> {
    Ok(StudyRecord {
        id: row.get(0)?,
        name: row.get(1)?,
        file: row.get(2)?,
        plan_hash: row.get(3)?,
        plan_json: row.get(4)?,
        created_at: row.get(5)?,
    })
}

#[cfg(test)]
mod tests {
    //! What only SQLite has: the file and its folder, the schema version and its migrations, rows
    //! written by hand. The behaviour every backend shares is the contract in `tests/storage.rs`.

    use std::path::PathBuf;
    use std::thread;

    use tempfile::TempDir;

    use super::*;

    fn store_path() -> (TempDir, PathBuf) {
        let folder = tempfile::tempdir().unwrap();
        let path = folder.path().join("nested").join("study.db");
        (folder, path)
    }

    fn study_with_trials(store: &mut SqliteStore, count: u64) -> i64 {
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

    #[test]
    fn opening_twice_keeps_the_schema_and_the_data() {
        let (_folder, path) = store_path();
        let mut store = SqliteStore::open(&path).unwrap();
        let study_id = study_with_trials(&mut store, 2);
        drop(store);

        let store = SqliteStore::open(&path).unwrap();
        let version: i64 = store
            .connection
            .query_row("PRAGMA user_version", [], |row| row.get(0))
            .unwrap();
        assert_eq!(version, MIGRATIONS.len() as i64);
        let journal: String = store
            .connection
            .query_row("PRAGMA journal_mode", [], |row| row.get(0))
            .unwrap();
        assert_eq!(journal, "wal");
        assert_eq!(store.study("mnist").unwrap().unwrap().id, study_id);
        assert_eq!(store.trials(study_id).unwrap().len(), 2);
    }

    #[test]
    fn a_store_from_a_newer_hps_is_refused() {
        let (_folder, path) = store_path();
        drop(SqliteStore::open(&path).unwrap());
        let raw = Connection::open(&path).unwrap();
        raw.pragma_update(None, "user_version", MIGRATIONS.len() as i64 + 1)
            .unwrap();
        drop(raw);

        let Err(StoreError::Database(message)) = SqliteStore::open(&path) else {
            panic!("a newer store was opened");
        };
        assert!(message.contains("written by a newer hps"), "{message}");
    }

    #[test]
    fn a_new_store_opened_by_many_workers_at_once_is_migrated_once() {
        let (_folder, path) = store_path();
        let url = format!("sqlite://{}", path.display());
        let openers: Vec<_> = (0..4)
            .map(|_| {
                let url = url.clone();
                thread::spawn(move || crate::storage::open(&url).map(|_| ()))
            })
            .collect();
        for opener in openers {
            opener.join().unwrap().unwrap();
        }
        let mut store = crate::storage::open(&url).unwrap();
        let study = store
            .open_study("mnist", "mnist.hps", "hash-1", "{}", false)
            .unwrap();
        assert_eq!(store.studies().unwrap()[0].study, study);
    }

    #[test]
    fn a_corrupt_row_names_its_trial() {
        let (_folder, path) = store_path();
        let mut store = SqliteStore::open(&path).unwrap();
        let study_id = study_with_trials(&mut store, 1);
        let trial_id = store.trials(study_id).unwrap()[0].id;
        store
            .connection
            .execute(
                "UPDATE trials SET params_json = '{not json' WHERE id = ?1",
                [trial_id],
            )
            .unwrap();

        let Err(StoreError::Database(message)) = store.trials(study_id) else {
            panic!("a corrupt row was read");
        };
        assert!(message.contains(&format!("trial {trial_id}")), "{message}");
        assert!(store.claim_trial(study_id).is_err());
        store
            .connection
            .execute(
                "UPDATE trials SET params_json = '{}', state = 'lost' WHERE id = ?1",
                [trial_id],
            )
            .unwrap();
        let Err(StoreError::Database(message)) = store.trials(study_id) else {
            panic!("an unknown state was read");
        };
        assert!(message.contains("unknown state `lost`"), "{message}");
    }

    #[test]
    fn trial_folders_sit_beside_the_store_file_one_folder_per_store() {
        assert_eq!(
            trial_root_beside(Path::new("hps.db")),
            PathBuf::from("hps-trials/hps.db")
        );
        assert_eq!(
            trial_root_beside(Path::new("runs/a.db")),
            PathBuf::from("runs/hps-trials/a.db")
        );
        let (folder, path) = store_path();
        let store = crate::storage::open(&format!("sqlite://{}", path.display())).unwrap();
        let nested = folder.path().join("nested");
        assert_eq!(
            store.trial_root(),
            nested.join("hps-trials").join(path.file_name().unwrap())
        );
        // A second store in the same folder keeps its trials apart (issue 18, item 12).
        let other = crate::storage::open(&nested.join("other.db").display().to_string()).unwrap();
        assert_eq!(
            other.trial_root(),
            nested.join("hps-trials").join("other.db")
        );
    }

    #[test]
    fn a_store_that_does_not_exist_is_not_created_to_be_read() {
        let (folder, path) = store_path();
        let Err(error) = SqliteStore::open_with(&path, OpenMode::ReadOnly) else {
            panic!("an absent store opened");
        };
        assert!(matches!(error, StoreError::Absent(_)), "{error}");
        assert_eq!(
            error.to_string(),
            format!("the store {} does not exist", path.display())
        );
        assert!(!path.exists() && !path.parent().unwrap().exists());
        let Err(error) = SqliteStore::open_with(folder.path(), OpenMode::ReadOnly) else {
            panic!("a folder opened");
        };
        assert!(error.to_string().contains("it is not a file"), "{error}");
    }

    #[test]
    fn an_in_memory_database_is_refused() {
        for name in [":memory:", "file::memory:?cache=shared"] {
            let Err(error) = SqliteStore::open(Path::new(name)) else {
                panic!("{name} opened");
            };
            assert!(
                error.to_string().contains("private to one connection"),
                "{error}"
            );
        }
    }

    #[test]
    fn an_immutable_uri_names_any_path() {
        let folder = tempfile::tempdir().unwrap();
        let path = folder.path().join("odd #?%name").join("a b.db");
        SqliteStore::open(&path).unwrap();
        let uri = immutable_uri(&path);
        assert!(
            uri.ends_with("/odd%20%23%3F%25name/a%20b.db?mode=ro&immutable=1"),
            "{uri}"
        );
        let connection = Connection::open_with_flags(
            &uri,
            OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_URI,
        )
        .unwrap();
        assert_eq!(user_version(&connection).unwrap(), MIGRATIONS.len() as i64);
    }

    #[test]
    fn a_store_of_an_older_schema_opened_to_read_is_migrated_first() {
        let (_folder, path) = store_path();
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        let old = Connection::open(&path).unwrap();
        for migration in &MIGRATIONS[..4] {
            old.execute_batch(migration).unwrap();
        }
        old.pragma_update(None, "user_version", 4).unwrap();
        drop(old);
        let store = SqliteStore::open_with(&path, OpenMode::ReadOnly).unwrap();
        assert_eq!(
            user_version(&store.connection).unwrap(),
            MIGRATIONS.len() as i64
        );
        assert!(store.studies().unwrap().is_empty());
    }

    #[test]
    fn a_store_of_schema_version_4_is_migrated_and_keeps_its_trials() {
        let (_folder, path) = store_path();
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        let old = Connection::open(&path).unwrap();
        for migration in &MIGRATIONS[..4] {
            old.execute_batch(migration).unwrap();
        }
        old.pragma_update(None, "user_version", 4).unwrap();
        old.execute_batch(
            "INSERT INTO studies (id, name, plan_hash) VALUES (1, 'mnist', 'hash-1');
             INSERT INTO trials (study_id, number, state, params_json, seed, epochs, value)
                 VALUES (1, 0, 'complete', '{}', 7, 3, 0.25);",
        )
        .unwrap();
        drop(old);

        let mut store = SqliteStore::open(&path).unwrap();
        let version: i64 = store
            .connection
            .query_row("PRAGMA user_version", [], |row| row.get(0))
            .unwrap();
        assert_eq!(version, MIGRATIONS.len() as i64);
        let study = store
            .open_study("mnist", "mnist.hps", "hash-1", "{}", false)
            .unwrap();
        let [trial] = store.trials(study.id).unwrap().try_into().unwrap();
        assert_eq!(
            (trial.state, trial.seed, trial.epochs, trial.value),
            (TrialState::Complete, 7, 3, Some(0.25))
        );
        assert_eq!(store.sampler_state(study.id, "tpe").unwrap(), None);
        store.set_sampler_state(study.id, "tpe", b"state").unwrap();
        assert_eq!(
            store.sampler_state(study.id, "tpe").unwrap().as_deref(),
            Some(&b"state"[..])
        );
    }

    #[test]
    fn a_store_of_schema_version_5_turns_trials_waiting_for_their_rung_into_awaiting() {
        let (_folder, path) = store_path();
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        let old = Connection::open(&path).unwrap();
        for migration in &MIGRATIONS[..5] {
            old.execute_batch(migration).unwrap();
        }
        old.pragma_update(None, "user_version", 5).unwrap();
        old.execute_batch(
            "INSERT INTO studies (id, name, plan_hash) VALUES (1, 'mnist', 'hash-1');
             INSERT INTO trials (study_id, number, state, params_json, seed, error, finished_at)
                 VALUES (1, 0, 'stopped', '{}', 7, 'waiting for its rung to finish', 10.0),
                        (1, 1, 'stopped', '{}', 8, 'not promoted after rung 0', 11.0),
                        (1, 2, 'complete', '{}', 9, NULL, 12.0);",
        )
        .unwrap();
        drop(old);

        let mut store = SqliteStore::open(&path).unwrap();
        let study = store
            .open_study("mnist", "mnist.hps", "hash-1", "{}", false)
            .unwrap();
        let states: Vec<(TrialState, Option<String>, Option<f64>)> = store
            .trials(study.id)
            .unwrap()
            .into_iter()
            .map(|t| (t.state, t.error, t.finished_at))
            .collect();
        assert_eq!(
            states,
            [
                (TrialState::Awaiting, None, Some(10.0)),
                (
                    TrialState::Stopped,
                    Some(String::from("not promoted after rung 0")),
                    Some(11.0)
                ),
                (TrialState::Complete, None, Some(12.0)),
            ]
        );
    }
}

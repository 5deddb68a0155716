//! Recorded learning curves: `trial = lookup("curves.csv", epoch = "epoch")` replays a benchmark's
//! curves instead of training, so samplers, schedulers and stopping rules can be compared offline
//! in seconds. [`LookupTrainer`] reads the file once; each trial replays the curve recorded for its
//! configuration through the runtime's [`EpochSink`], exactly as a real trainer would report it.
//!
//! # The CSV format
//!
//! A header row, then one row per (configuration, epoch):
//!
//! ```text
//! lr,act,layers,epoch,val_loss,val_accuracy
//! 0.001,relu,2,1,0.91,0.62
//! 0.001,relu,2,2,0.74,0.71
//! 0.01,gelu,4,1,0.88,0.64
//! ```
//!
//! - **The epoch column** (`epoch` unless `lookup(…, epoch = "step")` names another) holds whole
//!   epoch numbers, 1 for the first epoch.
//! - **Parameter columns** are the columns named like one of the trial's values, by full path
//!   (`params.lr`) or by the shortest unambiguous suffix (`lr`). A trial's curve is made of the
//!   rows whose parameter columns all equal its values: numbers loosely (`3` = `3.0` = `3e0`,
//!   reals within a relative 1e-9), booleans as `true`/`false` (any case) or `1`/`0`, strings
//!   and symbols exactly.
//! - **Metric columns** are the other columns whose every non-empty cell is a number (`nan` and
//!   `inf` count); their names are the metric names (`val_loss`, `val.accuracy`). An empty cell
//!   is a metric not recorded at that epoch. Other text columns (a run id) are ignored.
//!
//! When several rows of a trial's curve share an epoch (a column hps does not search, such as a
//! seed, tells them apart), the first in the file is replayed. A curve shorter than the epochs
//! asked for is replayed as far as it goes, and the trial completes there.

use std::collections::{BTreeMap, BTreeSet};
use std::ops::RangeInclusive;
use std::path::{Path, PathBuf};

use super::protocol::EpochProtocol;
use super::{EpochMetrics, EpochSink, Trainer, TrialEnd, TrialFailure, TrialRun, keys_named};
use crate::input_file;
use crate::space::{Config, Value};

/// How many recorded values of a parameter a "no recorded curve" failure lists.
const LISTED_VALUES: usize = 8;

/// Relative tolerance when comparing a recorded real with a trial's.
const RELATIVE_TOLERANCE: f64 = 1e-9;

/// Replays learning curves read from a CSV file.
#[derive(Debug, Clone)]
pub struct LookupTrainer {
    /// The file, for messages.
    path: PathBuf,
    /// Column names, in file order.
    columns: Vec<String>,
    /// Which columns hold only numbers.
    numeric: Vec<bool>,
    /// Which column is the epoch.
    epoch_column: usize,
    /// Every row, in file order.
    rows: Vec<Row>,
}

/// One recorded (configuration, epoch).
#[derive(Debug, Clone)]
struct Row {
    epoch: u32,
    cells: Vec<Cell>,
}

/// A cell's text and, when it is one, its number.
#[derive(Debug, Clone)]
struct Cell {
    text: String,
    number: Option<f64>,
}

/// A parameter column bound to the trial's value for it.
struct ParameterColumn<'a> {
    column: usize,
    value: &'a Value,
}

impl LookupTrainer {
    /// Reads the curves in `path`, whose epochs are in the column `epoch_column`.
    ///
    /// # Errors
    /// When the file cannot be read or parsed, has no such epoch column or no rows, or an epoch
    /// is not a whole number.
    pub fn open(path: &Path, epoch_column: &str) -> Result<Self, String> {
        let shown = path.display();
        let input = input_file::open(path, input_file::DATA_LIMIT)
            .map_err(|error| format!("cannot read {shown}: {error}"))?;
        let mut reader = csv::ReaderBuilder::new()
            .trim(csv::Trim::All)
            .from_reader(input);
        let columns: Vec<String> = reader
            .headers()
            .map_err(|error| format!("cannot read the header of {shown}: {error}"))?
            .iter()
            .map(str::to_owned)
            .collect();
        if let Some(repeated) = columns
            .iter()
            .enumerate()
            .find(|(i, name)| columns[..*i].contains(name))
            .map(|(_, name)| name)
        {
            return Err(format!("{shown} has two columns named `{repeated}`"));
        }
        let epoch_index = columns
            .iter()
            .position(|name| name == epoch_column)
            .ok_or_else(|| {
                format!(
                    "{shown} has no column `{epoch_column}` for epochs; its columns: {}",
                    columns.join(", ")
                )
            })?;

        let mut rows = Vec::new();
        for record in reader.records() {
            let record = record.map_err(|error| format!("cannot read {shown}: {error}"))?;
            let line = record.position().map_or(0, csv::Position::line);
            let cells: Vec<Cell> = record
                .iter()
                .map(|text| Cell {
                    text: text.to_owned(),
                    number: text.parse::<f64>().ok(),
                })
                .collect();
            let epoch_text = cells.get(epoch_index).map_or("", |cell| cell.text.as_str());
            let epoch = whole_epoch(epoch_text).ok_or_else(|| {
                format!(
                    "{shown}, line {line}: the epoch `{epoch_text}` is not a whole number of epochs"
                )
            })?;
            rows.push(Row { epoch, cells });
        }
        if rows.is_empty() {
            return Err(format!("{shown} records no curves: it has no rows"));
        }
        let numeric = (0..columns.len())
            .map(|column| {
                let mut filled = rows
                    .iter()
                    .filter_map(|row| row.cells.get(column))
                    .filter(|cell| !cell.text.is_empty())
                    .peekable();
                filled.peek().is_some() && filled.all(|cell| cell.number.is_some())
            })
            .collect();
        Ok(Self {
            path: path.to_path_buf(),
            columns,
            numeric,
            epoch_column: epoch_index,
            rows,
        })
    }

    /// The columns that name one of `config`'s values, each with that value.
    fn parameter_columns<'a>(
        &self,
        config: &'a Config,
    ) -> Result<Vec<ParameterColumn<'a>>, TrialFailure> {
        let mut parameters = Vec::new();
        for (column, name) in self.columns.iter().enumerate() {
            if column == self.epoch_column {
                continue;
            }
            match keys_named(config, name).as_slice() {
                [] => {}
                [key] => {
                    if let Some(value) = config.get(*key) {
                        parameters.push(ParameterColumn { column, value });
                    }
                }
                several => {
                    return Err(TrialFailure::new(format!(
                        "the column `{name}` of {} could be {}; name it by its full path",
                        self.path.display(),
                        several.join(" or ")
                    )));
                }
            }
        }
        if parameters.is_empty() {
            return Err(TrialFailure {
                reason: format!(
                    "no column of {} is one of the trial's parameters",
                    self.path.display()
                ),
                detail: Some(format!(
                    "columns: {}; parameters: {}",
                    self.columns.join(", "),
                    config.keys().cloned().collect::<Vec<_>>().join(", ")
                )),
            });
        }
        Ok(parameters)
    }

    /// The trial's curve: its first recorded row for each epoch.
    fn curve(&self, parameters: &[ParameterColumn<'_>]) -> BTreeMap<u32, &Row> {
        let mut curve = BTreeMap::new();
        for row in &self.rows {
            let matches = parameters.iter().all(|parameter| {
                row.cells
                    .get(parameter.column)
                    .is_some_and(|cell| cell_matches(cell, parameter.value))
            });
            if matches {
                curve.entry(row.epoch).or_insert(row);
            }
        }
        curve
    }

    /// The metrics `row` records, leaving out the epoch and the trial's parameters.
    fn metrics(&self, row: &Row, parameters: &[ParameterColumn<'_>]) -> BTreeMap<String, f64> {
        self.columns
            .iter()
            .enumerate()
            .filter(|(column, _)| {
                *column != self.epoch_column
                    && self.numeric[*column]
                    && !parameters.iter().any(|p| p.column == *column)
            })
            .filter_map(|(column, name)| {
                let number = row.cells.get(column)?.number?;
                Some((name.clone(), number))
            })
            .collect()
    }

    /// The failure for a configuration the file does not record.
    fn not_recorded(&self, parameters: &[ParameterColumn<'_>]) -> TrialFailure {
        let wanted: Vec<String> = parameters
            .iter()
            .map(|p| format!("{} = {}", self.columns[p.column], p.value))
            .collect();
        let recorded: Vec<String> = parameters
            .iter()
            .map(|p| {
                let values: BTreeSet<&str> = self
                    .rows
                    .iter()
                    .filter_map(|row| row.cells.get(p.column))
                    .map(|cell| cell.text.as_str())
                    .collect();
                let mut listed: Vec<&str> = values.iter().copied().take(LISTED_VALUES).collect();
                if values.len() > LISTED_VALUES {
                    listed.push("…");
                }
                format!("{}: {}", self.columns[p.column], listed.join(", "))
            })
            .collect();
        TrialFailure {
            reason: format!(
                "{} records no curve for {}",
                self.path.display(),
                wanted.join(", ")
            ),
            detail: Some(format!("recorded values — {}", recorded.join("; "))),
        }
    }
}

impl Trainer for LookupTrainer {
    fn train(&self, run: &TrialRun, sink: &mut dyn EpochSink) -> Result<TrialEnd, TrialFailure> {
        let parameters = self.parameter_columns(&run.config)?;
        let curve = self.curve(&parameters);
        if curve.is_empty() {
            return Err(self.not_recorded(&parameters));
        }
        let wanted: RangeInclusive<u32> = run.start_epoch.saturating_add(1)..=run.max_epochs;
        let mut protocol = EpochProtocol::new(run, sink);
        for (&epoch, row) in curve.iter().filter(|(epoch, _)| wanted.contains(epoch)) {
            if let Some(end) = protocol.before_epoch() {
                return Ok(end);
            }
            let metrics = EpochMetrics {
                epoch,
                values: self.metrics(row, &parameters),
            };
            if let Some(end) = protocol.report(metrics) {
                return Ok(end);
            }
        }
        Ok(protocol.finish())
    }
}

/// `3` or `3.0` as an epoch number.
fn whole_epoch(text: &str) -> Option<u32> {
    if let Ok(epoch) = text.parse::<u32>() {
        return Some(epoch);
    }
    let number = text.parse::<f64>().ok()?;
    if number.fract() != 0.0 || !(0.0..=f64::from(u32::MAX)).contains(&number) {
        return None;
    }
    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
    Some(number as u32)
}

/// Whether a recorded cell holds the trial's `value`.
fn cell_matches(cell: &Cell, value: &Value) -> bool {
    match value {
        Value::Int(_) | Value::Float(_) => match (cell.number, value.as_f64()) {
            (Some(recorded), Some(wanted)) => nearly_equal(recorded, wanted),
            _ => false,
        },
        Value::Bool(wanted) => {
            cell.text
                .eq_ignore_ascii_case(if *wanted { "true" } else { "false" })
                || cell.number == Some(if *wanted { 1.0 } else { 0.0 })
        }
        Value::Str(wanted) => cell.text == *wanted,
        Value::List(_) => cell.text == value.to_string(),
    }
}

/// Equal, or within [`RELATIVE_TOLERANCE`] of each other.
fn nearly_equal(a: f64, b: f64) -> bool {
    a == b || (a - b).abs() <= RELATIVE_TOLERANCE * a.abs().max(b.abs())
}

#[cfg(test)]
mod tests {
    use std::fs;
    use std::sync::Arc;
    use std::sync::atomic::{AtomicBool, Ordering};

    use super::*;
    use crate::trial::Control;

    const CURVES: &str = "\
lr, act, epoch, val_loss, run_id
0.1, relu, 1, 0.9, a
0.1, relu, 2, 0.8, a
0.1, relu, 3, 0.7, a
1e-2, relu, 2, 0.4, b
1e-2, relu, 1, 0.5, b
0.1, gelu, 1, 0.95, c
3, relu, 1, 0.1, d
0.3, relu, 1, 0.3, e
0.1, relu, 1, 0.0, duplicate
";

    /// Records every epoch; pauses at a given epoch.
    #[derive(Default)]
    struct Recorder {
        epochs: Vec<EpochMetrics>,
        pause_at: Option<u32>,
    }

    impl EpochSink for Recorder {
        fn epoch(&mut self, metrics: &EpochMetrics) -> Control {
            self.epochs.push(metrics.clone());
            if self.pause_at == Some(metrics.epoch) {
                Control::Pause
            } else {
                Control::Continue
            }
        }
    }

    fn open(text: &str) -> (tempfile::TempDir, LookupTrainer) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("curves.csv");
        fs::write(&path, text).unwrap();
        let trainer = LookupTrainer::open(&path, "epoch").unwrap();
        (dir, trainer)
    }

    fn trial(lr: Value, act: &str, max_epochs: u32) -> TrialRun {
        TrialRun {
            number: 0,
            config: [
                ("params.lr".to_owned(), lr),
                ("params.act".to_owned(), Value::Str(act.to_owned())),
            ]
            .into_iter()
            .collect(),
            seed: 0,
            max_epochs,
            start_epoch: 0,
            dir: PathBuf::from("unused"),
            stop: Arc::new(AtomicBool::new(false)),
        }
    }

    fn losses(sink: &Recorder) -> Vec<(u32, f64)> {
        sink.epochs
            .iter()
            .map(|m| (m.epoch, m.values["val_loss"]))
            .collect()
    }

    #[test]
    fn a_configuration_replays_its_curve() {
        let (_dir, trainer) = open(CURVES);
        let mut sink = Recorder::default();
        let end = trainer
            .train(&trial(Value::Float(0.1), "relu", 3), &mut sink)
            .unwrap();
        assert_eq!(end, TrialEnd::Completed { epochs: 3 });
        // The first row of epoch 1 wins over the later duplicate; text columns are not metrics.
        assert_eq!(losses(&sink), vec![(1, 0.9), (2, 0.8), (3, 0.7)]);
        assert_eq!(sink.epochs[0].values.len(), 1);

        let mut sink = Recorder::default();
        let mut run = trial(Value::Float(0.1), "relu", 2);
        run.start_epoch = 1;
        assert_eq!(
            trainer.train(&run, &mut sink).unwrap(),
            TrialEnd::Completed { epochs: 2 }
        );
        assert_eq!(losses(&sink), vec![(2, 0.8)]);
    }

    #[test]
    fn numbers_match_loosely() {
        let (_dir, trainer) = open(CURVES);
        let mut sink = Recorder::default();
        // `1e-2` recorded, 0.01 asked; epochs recorded out of order are replayed in order.
        trainer
            .train(&trial(Value::Float(0.01), "relu", 10), &mut sink)
            .unwrap();
        assert_eq!(losses(&sink), vec![(1, 0.5), (2, 0.4)]);

        for lr in [Value::Int(3), Value::Float(3.0)] {
            let mut sink = Recorder::default();
            trainer.train(&trial(lr, "relu", 1), &mut sink).unwrap();
            assert_eq!(losses(&sink), vec![(1, 0.1)]);
        }

        let mut sink = Recorder::default();
        trainer
            .train(&trial(Value::Float(0.1 + 0.2), "relu", 1), &mut sink)
            .unwrap();
        assert_eq!(losses(&sink), vec![(1, 0.3)]);
        assert!(
            trainer
                .train(&trial(Value::Float(0.300_001), "relu", 1), &mut sink)
                .is_err()
        );
    }

    #[test]
    fn booleans_and_full_paths_match() {
        let (_dir, trainer) = open("params.lr,skip,epoch,loss\n0.1,True,1,0.5\n0.1,0,1,0.6\n");
        let mut run = trial(Value::Float(0.1), "relu", 1);
        for (skip, loss) in [(true, 0.5), (false, 0.6)] {
            run.config
                .insert("params.skip".to_owned(), Value::Bool(skip));
            let mut sink = Recorder::default();
            trainer.train(&run, &mut sink).unwrap();
            assert_eq!(sink.epochs[0].values["loss"], loss);
        }
    }

    #[test]
    fn pause_and_stop_end_the_replay() {
        let (_dir, trainer) = open(CURVES);
        let mut sink = Recorder {
            pause_at: Some(2),
            ..Recorder::default()
        };
        let end = trainer
            .train(&trial(Value::Float(0.1), "relu", 3), &mut sink)
            .unwrap();
        assert_eq!(end, TrialEnd::Paused { epochs: 2 });
        assert_eq!(sink.epochs.len(), 2);

        let run = trial(Value::Float(0.1), "relu", 3);
        run.stop.store(true, Ordering::Relaxed);
        let mut sink = Recorder::default();
        assert_eq!(
            trainer.train(&run, &mut sink).unwrap(),
            TrialEnd::Interrupted { epochs: 0 }
        );
        assert!(sink.epochs.is_empty());
    }

    #[test]
    fn a_missing_configuration_fails_naming_its_values() {
        let (_dir, trainer) = open(CURVES);
        let failure = trainer
            .train(
                &trial(Value::Float(0.5), "gelu", 3),
                &mut Recorder::default(),
            )
            .unwrap_err();
        assert!(
            failure
                .reason
                .ends_with("records no curve for lr = 0.5, act = gelu"),
            "{}",
            failure.reason
        );
        let detail = failure.detail.unwrap();
        assert!(detail.contains("act: gelu, relu"), "{detail}");

        let mut run = trial(Value::Float(0.1), "relu", 3);
        run.config.insert("train.lr".to_owned(), Value::Float(0.1));
        let failure = trainer.train(&run, &mut Recorder::default()).unwrap_err();
        assert!(
            failure.reason.contains("could be params.lr or train.lr"),
            "{}",
            failure.reason
        );

        run.config.clear();
        run.config.insert("params.width".to_owned(), Value::Int(3));
        let failure = trainer.train(&run, &mut Recorder::default()).unwrap_err();
        assert!(
            failure.reason.starts_with("no column of"),
            "{}",
            failure.reason
        );
    }

    #[test]
    fn unreadable_files_are_reported_when_opened() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("curves.csv");
        fs::write(&path, "lr,step,loss\n0.1,1,0.5\n").unwrap();
        let error = LookupTrainer::open(&path, "epoch").unwrap_err();
        assert!(error.contains("no column `epoch`"), "{error}");
        assert!(LookupTrainer::open(&path, "step").is_ok());

        fs::write(&path, "lr,epoch,loss\n0.1,one,0.5\n").unwrap();
        let error = LookupTrainer::open(&path, "epoch").unwrap_err();
        assert!(error.contains("line 2"), "{error}");

        fs::write(&path, "lr,epoch,loss\n").unwrap();
        assert!(
            LookupTrainer::open(&path, "epoch")
                .unwrap_err()
                .contains("no rows")
        );

        let missing = dir.path().join("absent.csv");
        assert!(
            LookupTrainer::open(&missing, "epoch")
                .unwrap_err()
                .contains("cannot read")
        );
    }
}

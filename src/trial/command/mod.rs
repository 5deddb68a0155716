//! An external trainer: `trial = command("python train.py --lr {lr}", metrics = jsonl)`.
//!
//! [`CommandTrainer`] runs the program once per trial — argv built from the template, no shell —
//! with `{name}` placeholders filled from the trial's configuration and every value also passed as
//! an `HPS_*` environment variable. It reads the program's stdout line by line as it arrives,
//! turns the lines that carry metrics into [`EpochMetrics`](super::EpochMetrics) and hands each
//! to the runtime's [`EpochSink`]; when the sink answers [`Control::Pause`], or the user stops the
//! run, the program is ended at once. A program that wants to be resumed should therefore write
//! its checkpoint (under `HPS_TRIAL_DIR`) *before* printing an epoch's line, and continue from
//! `HPS_START_EPOCH`.
//!
//! Placeholders: `{lr}` is the trial's value of the parameter whose full path is `lr` or ends in
//! `.lr` (`params.lr`); `{epochs}` the epoch to train until, `{trial}` the trial's number, `{seed}`
//! its seed and `{dir}` its folder, unless a parameter has that name.
//!
//! The program's stdout is copied to `stdout.log` and its stderr to `stderr.log` in the trial's
//! folder, each rotated to `….log.1` past 8 MiB (`log`); a failure carries the tail of
//! `stderr.log`.
//!
//! Built by `hps run` from a checked study's `trial = command(…)`; the runtime drives it through
//! [`Trainer`]. This module supervises the program; `template` fills the argv template's
//! placeholders (parsed by `crate::plan::command_template`), `process` starts the program, keeps its logs (`log`) and ends it, and `metrics` reads
//! its stdout lines.

mod log;
mod metrics;
mod process;
mod template;

#[cfg(test)]
mod tests;

use std::fs;
use std::path::PathBuf;
use std::process::ExitStatus;
use std::sync::mpsc::RecvTimeoutError;
use std::thread;
use std::time::{Duration, Instant};

use super::protocol::EpochProtocol;
use super::{EpochSink, Trainer, TrialEnd, TrialFailure, TrialRun};
use crate::plan::command_template::ArgumentTemplate;
use crate::plan::{CommandTemplate, MetricsFormat};
use metrics::{MetricFormat, MetricReader};
use process::{RunningProgram, exit_reason};
use template::fill_template;

/// How often the trainer looks at the stop flag, the time limit and whether the program ended.
const POLL_INTERVAL: Duration = Duration::from_millis(20);

/// Once the program has exited, its stdout is read until no line comes for this long…
const DRAIN_QUIET: Duration = Duration::from_millis(500);

/// …or for this long at most, when a helper that left its process group keeps writing.
const DRAIN_LIMIT: Duration = Duration::from_secs(2);

/// Runs an external program for every trial and reads its metrics from stdout.
#[derive(Debug)]
pub struct CommandTrainer {
    /// The argv template, one entry per argument (the first is the program).
    arguments: Vec<ArgumentTemplate>,
    /// How metric lines look.
    format: MetricFormat,
    /// Per-trial time limit.
    timeout: Option<Duration>,
    /// The working directory: the .hps file's folder.
    workdir: PathBuf,
}

impl CommandTrainer {
    /// A trainer for `template` (`"python train.py --lr {lr}"`), reading metrics as `metrics`
    /// (`jsonl` or `regex(pattern)`), running in `workdir`.
    ///
    /// # Errors
    /// When the metrics pattern is not a valid regular expression or has no named group, or the
    /// timeout is not a positive number of seconds.
    pub fn new(
        template: &CommandTemplate,
        metrics: &MetricsFormat,
        timeout_seconds: Option<f64>,
        workdir: PathBuf,
    ) -> Result<Self, String> {
        let arguments = template.arguments().to_vec();
        let format = MetricFormat::new(metrics)?;
        let timeout = timeout_seconds
            .map(|seconds| {
                Duration::try_from_secs_f64(seconds)
                    .ok()
                    .filter(|limit| !limit.is_zero())
                    .ok_or_else(|| {
                        format!("the timeout must be a positive duration, not {seconds} s")
                    })
            })
            .transpose()?;
        let workdir = std::path::absolute(&workdir).unwrap_or(workdir);
        Ok(Self {
            arguments,
            format,
            timeout,
            workdir,
        })
    }

    /// Reads the program's reports until it exits, the sink pauses it, the user stops the run or
    /// the time limit passes. The trial ends when the program exits, even if a helper it started
    /// still holds its stdout: what it wrote before exiting is read, and the helpers are ended.
    fn supervise(
        &self,
        program: &mut RunningProgram,
        run: &TrialRun,
        protocol: &mut EpochProtocol<'_>,
    ) -> Result<TrialEnd, TrialFailure> {
        let started = Instant::now();
        let mut reader = MetricReader::new(&self.format, run.start_epoch);
        let mut reported_any = false;
        let mut stdout_open = true;
        loop {
            if stdout_open {
                match program.lines.recv_timeout(POLL_INTERVAL) {
                    Ok(line) => {
                        if let Some(end) =
                            read_line(&mut reader, protocol, &line, &mut reported_any)
                        {
                            program.kill();
                            return Ok(end);
                        }
                    }
                    Err(RecvTimeoutError::Timeout) => {}
                    Err(RecvTimeoutError::Disconnected) => stdout_open = false,
                }
            } else {
                thread::sleep(POLL_INTERVAL);
            }
            match program.child.try_wait() {
                Ok(Some(status)) => {
                    // Helpers first: what they and the program wrote stays in the pipe to be read,
                    // and the group's id is released as soon as possible.
                    program.end_helpers();
                    let end = self.drain(program, &mut reader, protocol, &mut reported_any);
                    return match end {
                        Some(end) => Ok(end),
                        None => self.finished(status, program, reported_any, protocol),
                    };
                }
                Ok(None) => {}
                Err(error) => {
                    program.kill();
                    return Err(TrialFailure::new(format!(
                        "lost track of the program: {error}"
                    )));
                }
            }
            if let Some(end) = protocol.interrupted() {
                program.kill();
                return Ok(end);
            }
            if let Some(limit) = self.timeout {
                if started.elapsed() >= limit {
                    program.kill();
                    return Err(TrialFailure {
                        reason: format!("timed out after {}", format_duration(limit)),
                        detail: program.stderr_tail(),
                    });
                }
            }
        }
    }

    /// Reads the lines the program wrote before it exited: until stdout closes, or no line has
    /// come for [`DRAIN_QUIET`], or [`DRAIN_LIMIT`] has passed (a helper that left the program's
    /// process group still writing). Returns
    /// the trial's end when the sink ends it on one of them.
    fn drain(
        &self,
        program: &RunningProgram,
        reader: &mut MetricReader<'_>,
        protocol: &mut EpochProtocol<'_>,
        reported_any: &mut bool,
    ) -> Option<TrialEnd> {
        let started = Instant::now();
        while started.elapsed() < DRAIN_LIMIT {
            match program.lines.recv_timeout(DRAIN_QUIET) {
                Ok(line) => {
                    if let Some(end) = read_line(reader, protocol, &line, reported_any) {
                        return Some(end);
                    }
                }
                Err(_) => return None,
            }
        }
        None
    }

    /// The trial's end once the program has exited by itself.
    fn finished(
        &self,
        status: ExitStatus,
        program: &RunningProgram,
        reported_any: bool,
        protocol: &EpochProtocol<'_>,
    ) -> Result<TrialEnd, TrialFailure> {
        if !status.success() {
            return Err(TrialFailure {
                reason: exit_reason(status),
                detail: program.stderr_tail(),
            });
        }
        if reported_any {
            return Ok(protocol.finish());
        }
        Err(TrialFailure {
            reason: self.format.no_metrics_reason(),
            detail: program.stdout_tail(),
        })
    }
}

impl Trainer for CommandTrainer {
    fn train(&self, run: &TrialRun, sink: &mut dyn EpochSink) -> Result<TrialEnd, TrialFailure> {
        let mut protocol = EpochProtocol::new(run, sink);
        if let Some(end) = protocol.before_epoch() {
            return Ok(end);
        }
        let trial_dir = run_dir(run);
        fs::create_dir_all(&trial_dir).map_err(|error| {
            TrialFailure::new(format!(
                "could not create the trial's folder {}: {error}",
                trial_dir.display()
            ))
        })?;
        let argv = fill_template(&self.arguments, run, &trial_dir)?;
        let mut program = RunningProgram::start(&self.workdir, &argv, run, &trial_dir)?;
        self.supervise(&mut program, run, &mut protocol)
    }
}

/// Hands a line's metrics, if it has any, to the protocol; returns the trial's end when the sink
/// ends it, or when, once the epoch is recorded, the protocol would not start another (the stop
/// flag, the budget) — as between the epochs of any trainer, though the program may be training
/// the next one already.
fn read_line(
    reader: &mut MetricReader<'_>,
    protocol: &mut EpochProtocol<'_>,
    line: &str,
    reported_any: &mut bool,
) -> Option<TrialEnd> {
    let metrics = reader.read(line)?;
    *reported_any = true;
    protocol.report(metrics).or_else(|| protocol.before_epoch())
}

/// The trial's folder as an absolute path (the program runs elsewhere).
fn run_dir(run: &TrialRun) -> PathBuf {
    std::path::absolute(&run.dir).unwrap_or_else(|_| run.dir.clone())
}

/// `20m`, `1h`, `0.3s`: a limit as the language writes durations.
fn format_duration(limit: Duration) -> String {
    let seconds = limit.as_secs_f64();
    let whole = limit.subsec_nanos() == 0;
    let total = limit.as_secs();
    if whole && total >= 3600 && total % 3600 == 0 {
        format!("{}h", total / 3600)
    } else if whole && total >= 60 && total % 60 == 0 {
        format!("{}m", total / 60)
    } else {
        format!("{seconds}s")
    }
}

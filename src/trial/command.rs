//! An external trainer: `trial = command("python train.py --lr {lr}", metrics = jsonl)`.
//!
//! [`CommandTrainer`] runs the program once per trial — argv built from the template, no shell —
//! with `{name}` placeholders filled from the trial's configuration and every value also passed as
//! an `HPS_*` environment variable. It reads the program's stdout line by line as it arrives,
//! turns the lines that carry metrics into [`EpochMetrics`] and hands each to the runtime's
//! [`EpochSink`]; when the sink answers [`Control::Pause`], or the user stops the run, the program
//! is ended at once. A program that wants to be resumed should therefore write its checkpoint
//! (under `HPS_TRIAL_DIR`) *before* printing an epoch's line, and continue from `HPS_START_EPOCH`.
//!
//! Placeholders: `{lr}` is the trial's value of the parameter whose full path is `lr` or ends in
//! `.lr` (`params.lr`); `{epochs}` the epoch to train until, `{trial}` the trial's number, `{seed}`
//! its seed and `{dir}` its folder, unless a parameter has that name.
//!
//! The program's stdout is copied to `stdout.log` and its stderr to `stderr.log` in the trial's
//! folder; a failure carries the tail of `stderr.log`.

use std::collections::BTreeMap;
use std::fs::{self, File, OpenOptions};
use std::io::{self, BufRead, BufReader, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStderr, ChildStdout, Command, ExitStatus, Stdio};
use std::sync::atomic::Ordering;
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, Sender};
use std::thread;
use std::time::{Duration, Instant};

use regex::Regex;
use serde_json::Value as Json;

use super::{Control, EpochMetrics, EpochSink, Trainer, TrialEnd, TrialFailure, TrialRun};
use crate::semantic::Step;
use crate::space::{Config, Value};

/// How often the trainer looks at the stop flag, the time limit and whether the program ended.
const POLL_INTERVAL: Duration = Duration::from_millis(20);

/// How many lines of a log a failure carries.
const LOG_TAIL_LINES: usize = 20;

/// How long to wait for the rest of stderr once the program has ended (a helper process it
/// started may still hold the pipe open).
const STDERR_GRACE: Duration = Duration::from_secs(1);

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

/// One argument of the template: literal text and placeholders, concatenated.
type ArgumentTemplate = Vec<Piece>;

/// A run of literal text or a `{name}` placeholder.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Piece {
    Text(String),
    Placeholder(String),
}

/// How the program reports metrics on stdout.
#[derive(Debug)]
enum MetricFormat {
    /// One JSON object per line with a numeric `epoch`.
    Jsonl,
    /// Lines matching a pattern whose named groups are metrics.
    Pattern {
        pattern: Regex,
        /// Whether the pattern has an `epoch` group (else epochs are counted).
        names_epoch: bool,
    },
}

impl CommandTrainer {
    /// A trainer for `template` (`"python train.py --lr {lr}"`), reading metrics as `metrics`
    /// (`jsonl` or `regex(pattern)`), running in `workdir`.
    ///
    /// # Errors
    /// When the template cannot be split into arguments, the metrics format is unknown, the
    /// pattern is not a valid regular expression or has no named group, or the timeout is not a
    /// positive number of seconds.
    pub fn new(
        template: &str,
        metrics: &Step,
        timeout_seconds: Option<f64>,
        workdir: PathBuf,
    ) -> Result<Self, String> {
        let arguments = parse_template(template)?;
        let format = MetricFormat::from_step(metrics)?;
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

    /// The argv for `run`, placeholders filled.
    fn argv(&self, run: &TrialRun, trial_dir: &Path) -> Result<Vec<String>, TrialFailure> {
        self.arguments
            .iter()
            .map(|pieces| {
                let mut argument = String::new();
                for piece in pieces {
                    match piece {
                        Piece::Text(text) => argument.push_str(text),
                        Piece::Placeholder(name) => {
                            argument.push_str(&placeholder_value(name, run, trial_dir)?);
                        }
                    }
                }
                Ok(argument)
            })
            .collect()
    }

    /// The program to start: a relative path with a `/` (`./train.sh`) is relative to the
    /// working directory; a bare name is looked up in `PATH`.
    fn program_path(&self, program: &str) -> PathBuf {
        let path = Path::new(program);
        if program.contains('/') && path.is_relative() {
            self.workdir.join(path)
        } else {
            path.to_path_buf()
        }
    }

    /// Starts the program with its logs and pipe readers.
    fn spawn(
        &self,
        argv: &[String],
        run: &TrialRun,
        trial_dir: &Path,
    ) -> Result<RunningProgram, TrialFailure> {
        let Some((program, arguments)) = argv.split_first() else {
            return Err(TrialFailure::new("the command is empty"));
        };
        let stdout_path = trial_dir.join("stdout.log");
        let stdout_log = open_log(&stdout_path)?;
        let stdout_start = stdout_log.metadata().map_or(0, |m| m.len());
        let stderr_path = trial_dir.join("stderr.log");
        let stderr_log = open_log(&stderr_path)?;
        let stderr_start = stderr_log.metadata().map_or(0, |m| m.len());

        let mut command = Command::new(self.program_path(program));
        command
            .args(arguments)
            .current_dir(&self.workdir)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        for (path, value) in &run.config {
            command.env(environment_name(path), argument_text(value));
        }
        command
            .env("HPS_TRIAL", run.number.to_string())
            .env("HPS_SEED", run.seed.to_string())
            .env("HPS_EPOCHS", run.max_epochs.to_string())
            .env("HPS_START_EPOCH", run.start_epoch.to_string())
            .env("HPS_TRIAL_DIR", trial_dir);
        own_process_group(&mut command);

        let mut child = command
            .spawn()
            .map_err(|error| self.spawn_failure(program, &error))?;
        let (Some(stdout), Some(stderr)) = (child.stdout.take(), child.stderr.take()) else {
            let _ = child.kill();
            let _ = child.wait();
            return Err(TrialFailure::new(format!(
                "could not read the output of `{program}`"
            )));
        };
        let (line_sender, lines) = mpsc::channel();
        thread::spawn(move || forward_lines(stdout, stdout_log, &line_sender));
        let (stderr_sender, stderr_done) = mpsc::channel();
        thread::spawn(move || copy_stderr(stderr, stderr_log, stderr_sender));
        Ok(RunningProgram {
            child,
            lines,
            stderr_done,
            stdout_path,
            stdout_start,
            stderr_path,
            stderr_start,
        })
    }

    /// Why the program could not be started, in the user's terms.
    fn spawn_failure(&self, program: &str, error: &io::Error) -> TrialFailure {
        if !self.workdir.is_dir() {
            return TrialFailure::new(format!(
                "the working directory {} does not exist",
                self.workdir.display()
            ));
        }
        match error.kind() {
            io::ErrorKind::NotFound => TrialFailure {
                reason: format!("program `{program}` not found"),
                detail: Some(if program.contains('/') {
                    format!("looked for {}", self.program_path(program).display())
                } else {
                    String::from(
                        "looked in PATH; give the program's full path, or activate its environment before running hps",
                    )
                }),
            },
            io::ErrorKind::PermissionDenied => TrialFailure {
                reason: format!("`{program}` is not executable"),
                detail: Some(format!(
                    "make it executable (`chmod +x {program}`) or start it through its interpreter (`sh {program}`)"
                )),
            },
            _ => TrialFailure::new(format!("could not start `{program}`: {error}")),
        }
    }

    /// Reads the program's reports until it ends, the sink pauses it, the user stops the run or
    /// the time limit passes.
    fn supervise(
        &self,
        program: &mut RunningProgram,
        run: &TrialRun,
        sink: &mut dyn EpochSink,
    ) -> Result<TrialEnd, TrialFailure> {
        let started = Instant::now();
        let mut reader = MetricReader::new(&self.format, run.start_epoch);
        let mut reported_any = false;
        let mut epochs_done = run.start_epoch;
        let mut stdout_open = true;
        loop {
            if stdout_open {
                match program.lines.recv_timeout(POLL_INTERVAL) {
                    Ok(line) => {
                        if let Some(metrics) = reader.read(&line) {
                            reported_any = true;
                            // A program that retrains from scratch repeats epochs already recorded.
                            if metrics.epoch > run.start_epoch {
                                epochs_done = metrics.epoch;
                                if sink.epoch(&metrics) == Control::Pause {
                                    program.kill();
                                    return Ok(TrialEnd::Paused {
                                        epochs: epochs_done,
                                    });
                                }
                                if epochs_done >= run.max_epochs {
                                    program.kill();
                                    return Ok(TrialEnd::Completed {
                                        epochs: epochs_done,
                                    });
                                }
                            }
                        }
                    }
                    Err(RecvTimeoutError::Timeout) => {}
                    Err(RecvTimeoutError::Disconnected) => stdout_open = false,
                }
            } else {
                match program.child.try_wait() {
                    Ok(Some(status)) => {
                        return self.finished(status, program, reported_any, epochs_done);
                    }
                    Ok(None) => thread::sleep(POLL_INTERVAL),
                    Err(error) => {
                        program.kill();
                        return Err(TrialFailure::new(format!(
                            "lost track of the program: {error}"
                        )));
                    }
                }
            }
            if run.stop.load(Ordering::Relaxed) {
                program.kill();
                return Ok(TrialEnd::Interrupted {
                    epochs: epochs_done,
                });
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

    /// The trial's end once the program has exited by itself.
    fn finished(
        &self,
        status: ExitStatus,
        program: &RunningProgram,
        reported_any: bool,
        epochs_done: u32,
    ) -> Result<TrialEnd, TrialFailure> {
        if !status.success() {
            return Err(TrialFailure {
                reason: exit_reason(status),
                detail: program.stderr_tail(),
            });
        }
        if reported_any {
            return Ok(TrialEnd::Completed {
                epochs: epochs_done,
            });
        }
        let advice = match &self.format {
            MetricFormat::Jsonl => String::from(
                "reported no metrics; print one JSON object per line such as {\"epoch\": 1, \"val_loss\": 0.4}",
            ),
            MetricFormat::Pattern { pattern, .. } => {
                format!("reported no metrics; no line of its output matched `{pattern}`")
            }
        };
        Err(TrialFailure {
            reason: advice,
            detail: log_tail(&program.stdout_path, program.stdout_start),
        })
    }
}

impl Trainer for CommandTrainer {
    fn train(&self, run: &TrialRun, sink: &mut dyn EpochSink) -> Result<TrialEnd, TrialFailure> {
        if run.stop.load(Ordering::Relaxed) {
            return Ok(TrialEnd::Interrupted {
                epochs: run.start_epoch,
            });
        }
        let trial_dir = run_dir(run);
        fs::create_dir_all(&trial_dir).map_err(|error| {
            TrialFailure::new(format!(
                "could not create the trial's folder {}: {error}",
                trial_dir.display()
            ))
        })?;
        let argv = self.argv(run, &trial_dir)?;
        let mut program = self.spawn(&argv, run, &trial_dir)?;
        self.supervise(&mut program, run, sink)
    }
}

/// The trial's folder as an absolute path (the program runs elsewhere).
fn run_dir(run: &TrialRun) -> PathBuf {
    std::path::absolute(&run.dir).unwrap_or_else(|_| run.dir.clone())
}

/// Splits `template` into arguments: whitespace separates them, double quotes group (`"a b"` is
/// one argument), `{name}` is a placeholder.
fn parse_template(template: &str) -> Result<Vec<ArgumentTemplate>, String> {
    let mut arguments = Vec::new();
    // `Some` once the current argument has begun (`""` is an empty argument).
    let mut current: Option<ArgumentTemplate> = None;
    let mut text = String::new();
    let mut quoted = false;
    let mut chars = template.chars();
    while let Some(c) = chars.next() {
        match c {
            '"' => {
                quoted = !quoted;
                current.get_or_insert_with(Vec::new);
            }
            c if c.is_whitespace() && !quoted => {
                if let Some(mut pieces) = current.take() {
                    push_text(&mut pieces, &mut text);
                    arguments.push(pieces);
                }
            }
            '{' => {
                let pieces = current.get_or_insert_with(Vec::new);
                push_text(pieces, &mut text);
                let mut name = String::new();
                loop {
                    match chars.next() {
                        Some('}') => break,
                        Some(c) => name.push(c),
                        None => {
                            return Err(String::from(
                                "a `{` in the command is not closed; placeholders look like `{lr}`",
                            ));
                        }
                    }
                }
                let name = name.trim();
                if name.is_empty() {
                    return Err(String::from(
                        "the command has an empty placeholder `{}`; name a parameter: `{lr}`",
                    ));
                }
                pieces.push(Piece::Placeholder(name.to_owned()));
            }
            c => {
                current.get_or_insert_with(Vec::new);
                text.push(c);
            }
        }
    }
    if quoted {
        return Err(String::from("a `\"` in the command is not closed"));
    }
    if let Some(mut pieces) = current {
        push_text(&mut pieces, &mut text);
        arguments.push(pieces);
    }
    if arguments.is_empty() {
        return Err(String::from("the command is empty"));
    }
    Ok(arguments)
}

/// Moves pending literal text into `pieces`.
fn push_text(pieces: &mut ArgumentTemplate, text: &mut String) {
    if !text.is_empty() {
        pieces.push(Piece::Text(std::mem::take(text)));
    }
}

/// The config keys `name` refers to: the key equal to it, else every key ending in `.name`.
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

/// The text a placeholder stands for in `run`.
fn placeholder_value(name: &str, run: &TrialRun, trial_dir: &Path) -> Result<String, TrialFailure> {
    match keys_named(&run.config, name).as_slice() {
        [key] => {
            if let Some(value) = run.config.get(*key) {
                return Ok(argument_text(value));
            }
        }
        [] => {}
        several => {
            return Err(TrialFailure::new(format!(
                "the command's `{{{name}}}` is ambiguous: it could be {}; write the full path",
                several.join(" or ")
            )));
        }
    }
    match name {
        "epochs" => Ok(run.max_epochs.to_string()),
        "trial" => Ok(run.number.to_string()),
        "seed" => Ok(run.seed.to_string()),
        "dir" => Ok(trial_dir.display().to_string()),
        _ => {
            let known: Vec<&str> = run.config.keys().map(String::as_str).collect();
            Err(TrialFailure {
                reason: format!("the command reads `{{{name}}}`, which this trial does not have"),
                detail: Some(format!(
                    "the trial's values: {}; also {{epochs}}, {{trial}}, {{seed}}, {{dir}}",
                    if known.is_empty() {
                        String::from("none")
                    } else {
                        known.join(", ")
                    }
                )),
            })
        }
    }
}

/// A value as a program argument: strings raw, numbers and booleans as hps writes them.
fn argument_text(value: &Value) -> String {
    match value {
        Value::Str(text) => text.clone(),
        other => other.to_string(),
    }
}

/// `params.lr` → `HPS_PARAMS_LR`.
fn environment_name(path: &str) -> String {
    let name: String = path
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_uppercase()
            } else {
                '_'
            }
        })
        .collect();
    format!("HPS_{name}")
}

/// Runs the program in a process group of its own, so that ending it also ends the helpers it
/// started (a shell script's children), and so that Ctrl-C reaches hps, which ends the program.
#[cfg(unix)]
fn own_process_group(command: &mut Command) {
    use std::os::unix::process::CommandExt;
    command.process_group(0);
}

#[cfg(not(unix))]
fn own_process_group(_command: &mut Command) {}

/// Kills every process of the group `leader` heads (see [`own_process_group`]).
#[cfg(unix)]
fn kill_process_group(leader: u32) {
    // Without `unsafe` (forbidden here) there is no `killpg`; the `kill` program does the same.
    let _ = Command::new("kill")
        .args(["-KILL", "--", &format!("-{leader}")])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status();
}

#[cfg(not(unix))]
fn kill_process_group(_leader: u32) {}

/// "exited with status 3", "was killed by signal 9".
fn exit_reason(status: ExitStatus) -> String {
    if let Some(code) = status.code() {
        return format!("exited with status {code}");
    }
    #[cfg(unix)]
    {
        use std::os::unix::process::ExitStatusExt;
        if let Some(signal) = status.signal() {
            return format!("was killed by signal {signal}");
        }
    }
    format!("ended abnormally ({status})")
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

/// Opens a log for appending (a resumed trial keeps its earlier output).
fn open_log(path: &Path) -> Result<File, TrialFailure> {
    OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .map_err(|error| TrialFailure::new(format!("could not open {}: {error}", path.display())))
}

/// The last [`LOG_TAIL_LINES`] lines of the log at `path`, from byte `start` on; `None` when empty.
fn log_tail(path: &Path, start: u64) -> Option<String> {
    let mut file = File::open(path).ok()?;
    file.seek(SeekFrom::Start(start)).ok()?;
    let mut bytes = Vec::new();
    file.read_to_end(&mut bytes).ok()?;
    let text = String::from_utf8_lossy(&bytes);
    let lines: Vec<&str> = text.trim_end().lines().collect();
    let tail = lines[lines.len().saturating_sub(LOG_TAIL_LINES)..].join("\n");
    (!tail.trim().is_empty()).then_some(tail)
}

/// Sends each stdout line to the trainer as it arrives, copying it to `log`.
fn forward_lines(stdout: ChildStdout, mut log: File, lines: &Sender<String>) {
    let mut reader = BufReader::new(stdout);
    let mut buffer = Vec::new();
    loop {
        buffer.clear();
        match reader.read_until(b'\n', &mut buffer) {
            Ok(0) | Err(_) => break,
            Ok(_) => {}
        }
        let _ = log.write_all(&buffer);
        let line = String::from_utf8_lossy(&buffer);
        if lines
            .send(line.trim_end_matches(['\n', '\r']).to_owned())
            .is_err()
        {
            break;
        }
    }
}

/// Copies stderr to `log`; dropping `done` tells the trainer the log is complete.
fn copy_stderr(mut stderr: ChildStderr, mut log: File, done: Sender<()>) {
    let _ = io::copy(&mut stderr, &mut log);
    drop(done);
}

/// A started program and the ends of its pipes.
struct RunningProgram {
    child: Child,
    /// stdout, line by line.
    lines: Receiver<String>,
    /// Disconnects when stderr has been copied out.
    stderr_done: Receiver<()>,
    stdout_path: PathBuf,
    /// Where this run's part of `stdout.log` begins.
    stdout_start: u64,
    stderr_path: PathBuf,
    /// Where this run's part of `stderr.log` begins.
    stderr_start: u64,
}

impl RunningProgram {
    /// Ends the program and every process it started.
    fn kill(&mut self) {
        // The group is killed before the leader is reaped, so its id cannot have been reused.
        kill_process_group(self.child.id());
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// The end of what the program wrote to stderr in this run.
    fn stderr_tail(&self) -> Option<String> {
        let _ = self.stderr_done.recv_timeout(STDERR_GRACE);
        log_tail(&self.stderr_path, self.stderr_start)
    }
}

impl Drop for RunningProgram {
    fn drop(&mut self) {
        if matches!(self.child.try_wait(), Ok(None)) {
            self.kill();
        }
    }
}

impl MetricFormat {
    /// The format a checked `metrics = …` step names.
    fn from_step(step: &Step) -> Result<Self, String> {
        match step.name.as_str() {
            "jsonl" => Ok(Self::Jsonl),
            "regex" => {
                let text = step
                    .string("pattern")
                    .ok_or("`regex` needs a pattern: regex(\"loss=(?P<loss>[0-9.]+)\")")?;
                let pattern = Regex::new(text).map_err(|error| {
                    format!("the metrics pattern is not a valid regular expression: {error}")
                })?;
                let names: Vec<&str> = pattern.capture_names().flatten().collect();
                if !names.iter().any(|name| *name != "epoch") {
                    return Err(format!(
                        "the metrics pattern `{text}` has no named group; name one per metric: (?P<val_loss>[0-9.eE+-]+)"
                    ));
                }
                let names_epoch = names.contains(&"epoch");
                Ok(Self::Pattern {
                    pattern,
                    names_epoch,
                })
            }
            other => Err(format!(
                "unknown metrics format `{other}`; use `jsonl` or `regex(\"…\")`"
            )),
        }
    }
}

/// Turns stdout lines into epoch reports.
struct MetricReader<'format> {
    format: &'format MetricFormat,
    /// The last epoch counted, for patterns without an `epoch` group.
    counted_epoch: u32,
}

impl<'format> MetricReader<'format> {
    fn new(format: &'format MetricFormat, start_epoch: u32) -> Self {
        Self {
            format,
            counted_epoch: start_epoch,
        }
    }

    /// The report `line` carries, if any.
    fn read(&mut self, line: &str) -> Option<EpochMetrics> {
        match self.format {
            MetricFormat::Jsonl => parse_json_line(line),
            MetricFormat::Pattern {
                pattern,
                names_epoch,
            } => {
                let captures = pattern.captures(line)?;
                let mut values = BTreeMap::new();
                let mut epoch = None;
                for name in pattern.capture_names().flatten() {
                    let Some(text) = captures.name(name) else {
                        continue;
                    };
                    if name == "epoch" {
                        epoch = epoch_from_text(text.as_str());
                    } else if let Ok(value) = text.as_str().trim().parse::<f64>() {
                        values.insert(name.to_owned(), value);
                    }
                }
                if values.is_empty() {
                    return None;
                }
                let epoch = if *names_epoch {
                    epoch?
                } else {
                    self.counted_epoch = self.counted_epoch.saturating_add(1);
                    self.counted_epoch
                };
                Some(EpochMetrics { epoch, values })
            }
        }
    }
}

/// `3` or `3.0` as an epoch number.
fn epoch_from_text(text: &str) -> Option<u32> {
    let text = text.trim();
    text.parse::<u32>()
        .ok()
        .or_else(|| epoch_from_number(text.parse::<f64>().ok()?))
}

/// A whole, non-negative number as an epoch.
fn epoch_from_number(number: f64) -> Option<u32> {
    if number.fract() != 0.0 || !(0.0..=f64::from(u32::MAX)).contains(&number) {
        return None;
    }
    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
    Some(number as u32)
}

/// Non-finite numbers as Python's `json` writes them, and the strings they are read as.
const NON_FINITE: [(&str, &str, f64); 3] = [
    ("-Infinity", "\u{0}hps:-Infinity", f64::NEG_INFINITY),
    ("Infinity", "\u{0}hps:Infinity", f64::INFINITY),
    ("NaN", "\u{0}hps:NaN", f64::NAN),
];

/// The report a JSON line carries: an object with a numeric `epoch`; every other number is a
/// metric, nested objects giving dotted names (`{"val": {"loss": 0.4}}` → `val.loss`).
fn parse_json_line(line: &str) -> Option<EpochMetrics> {
    let text = line.trim();
    if !text.starts_with('{') {
        return None;
    }
    let object = match serde_json::from_str::<Json>(text) {
        Ok(Json::Object(object)) => object,
        Ok(_) => return None,
        // A diverged Python program prints `NaN`, which is not JSON.
        Err(_) => match serde_json::from_str::<Json>(&quote_non_finite(text)) {
            Ok(Json::Object(object)) => object,
            _ => return None,
        },
    };
    let epoch = match object.get("epoch")? {
        Json::Number(number) => epoch_from_number(number.as_f64()?)?,
        _ => return None,
    };
    let mut values = BTreeMap::new();
    for (name, value) in &object {
        if name != "epoch" {
            collect_numbers(name, value, &mut values);
        }
    }
    Some(EpochMetrics { epoch, values })
}

/// Adds every number under `value` to `values`, named by its dotted path.
fn collect_numbers(name: &str, value: &Json, values: &mut BTreeMap<String, f64>) {
    match value {
        Json::Number(number) => {
            if let Some(number) = number.as_f64() {
                values.insert(name.to_owned(), number);
            }
        }
        Json::String(text) => {
            if let Some((_, _, number)) = NON_FINITE.iter().find(|(_, quoted, _)| quoted == text) {
                values.insert(name.to_owned(), *number);
            }
        }
        Json::Object(object) => {
            for (key, inner) in object {
                collect_numbers(&format!("{name}.{key}"), inner, values);
            }
        }
        _ => {}
    }
}

/// `text` with `NaN`, `Infinity` and `-Infinity` outside strings turned into marked strings.
fn quote_non_finite(text: &str) -> String {
    let mut quoted = String::with_capacity(text.len() + 16);
    let mut in_string = false;
    let mut escaped = false;
    let mut rest = text;
    while let Some(c) = rest.chars().next() {
        if !in_string {
            if let Some((token, marked, _)) =
                NON_FINITE.iter().find(|(t, _, _)| rest.starts_with(t))
            {
                quoted.push_str(&serde_json::Value::String((*marked).to_owned()).to_string());
                rest = &rest[token.len()..];
                continue;
            }
        }
        if in_string {
            if escaped {
                escaped = false;
            } else if c == '\\' {
                escaped = true;
            } else if c == '"' {
                in_string = false;
            }
        } else if c == '"' {
            in_string = true;
        }
        quoted.push(c);
        rest = &rest[c.len_utf8()..];
    }
    quoted
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;
    use std::sync::atomic::AtomicBool;

    use super::*;

    /// Records every epoch; pauses or stops the run at a given epoch.
    #[derive(Default)]
    struct Recorder {
        epochs: Vec<EpochMetrics>,
        pause_at: Option<u32>,
        stop_at: Option<(u32, Arc<AtomicBool>)>,
    }

    impl EpochSink for Recorder {
        fn epoch(&mut self, metrics: &EpochMetrics) -> Control {
            self.epochs.push(metrics.clone());
            if let Some((epoch, stop)) = &self.stop_at {
                if metrics.epoch == *epoch {
                    stop.store(true, Ordering::Relaxed);
                }
            }
            if self.pause_at == Some(metrics.epoch) {
                Control::Pause
            } else {
                Control::Continue
            }
        }
    }

    fn trial(dir: &Path, config: &[(&str, Value)], max_epochs: u32) -> TrialRun {
        TrialRun {
            number: 7,
            config: config
                .iter()
                .map(|(k, v)| ((*k).to_owned(), v.clone()))
                .collect(),
            seed: 42,
            max_epochs,
            start_epoch: 0,
            dir: dir.join("trial-7"),
            stop: Arc::new(AtomicBool::new(false)),
        }
    }

    fn jsonl() -> Step {
        Step::bare("jsonl")
    }

    fn regex(pattern: &str) -> Step {
        let mut step = Step::bare("regex");
        step.args
            .insert("pattern".to_owned(), Value::Str(pattern.to_owned()));
        step
    }

    /// A trainer running `template` in a fresh folder holding `script.sh`.
    fn trainer_with_script(
        script: &str,
        template: &str,
        metrics: &Step,
        timeout: Option<f64>,
    ) -> (tempfile::TempDir, CommandTrainer) {
        let dir = tempfile::tempdir().unwrap();
        fs::write(dir.path().join("script.sh"), script).unwrap();
        let trainer =
            CommandTrainer::new(template, metrics, timeout, dir.path().to_owned()).unwrap();
        (dir, trainer)
    }

    fn values(metrics: &EpochMetrics) -> Vec<(String, f64)> {
        metrics
            .values
            .iter()
            .map(|(k, v)| (k.clone(), *v))
            .collect()
    }

    #[test]
    fn json_lines_reach_the_sink() {
        let script = r#"
echo "starting up"
for e in 1 2 3; do
  printf '{"epoch": %s, "val_loss": 0.%s, "lr_seen": %s, "note": "x"}\n' "$e" "$e" "$1"
done
"#;
        let (dir, trainer) = trainer_with_script(script, "sh script.sh {lr}", &jsonl(), None);
        let run = trial(dir.path(), &[("params.lr", Value::Float(0.01))], 3);
        let mut sink = Recorder::default();
        let end = trainer.train(&run, &mut sink).unwrap();
        assert_eq!(end, TrialEnd::Completed { epochs: 3 });
        assert_eq!(sink.epochs.len(), 3);
        assert_eq!(sink.epochs[1].epoch, 2);
        assert_eq!(
            values(&sink.epochs[1]),
            vec![("lr_seen".to_owned(), 0.01), ("val_loss".to_owned(), 0.2)]
        );
        let stdout = fs::read_to_string(run.dir.join("stdout.log")).unwrap();
        assert!(stdout.starts_with("starting up\n"), "{stdout}");
        assert!(run.dir.join("stderr.log").exists());
    }

    #[test]
    fn placeholders_and_environment_reach_the_program() {
        let script = r#"
printf '%s\n' "$@" > "$HPS_TRIAL_DIR/args.txt"
env | grep '^HPS_' | sort > "$HPS_TRIAL_DIR/env.txt"
pwd > "$HPS_TRIAL_DIR/pwd.txt"
echo '{"epoch": 1, "loss": 1}'
"#;
        let template =
            r#"sh script.sh "{act} x" --width={model.width} {epochs} {trial} {seed} "" {dir}"#;
        let (dir, trainer) = trainer_with_script(script, template, &jsonl(), None);
        let run = trial(
            dir.path(),
            &[
                ("params.lr", Value::Float(1e-5)),
                ("params.act", Value::Str("relu".to_owned())),
                ("model.width", Value::Int(64)),
            ],
            5,
        );
        let end = trainer.train(&run, &mut Recorder::default()).unwrap();
        assert_eq!(end, TrialEnd::Completed { epochs: 1 });
        let trial_dir = std::path::absolute(&run.dir).unwrap();
        let args = fs::read_to_string(run.dir.join("args.txt")).unwrap();
        assert_eq!(
            args,
            format!("relu x\n--width=64\n5\n7\n42\n\n{}\n", trial_dir.display())
        );
        let env = fs::read_to_string(run.dir.join("env.txt")).unwrap();
        for expected in [
            "HPS_EPOCHS=5",
            "HPS_MODEL_WIDTH=64",
            "HPS_PARAMS_ACT=relu",
            "HPS_PARAMS_LR=1e-5",
            "HPS_SEED=42",
            "HPS_START_EPOCH=0",
            "HPS_TRIAL=7",
            &format!("HPS_TRIAL_DIR={}", trial_dir.display()),
        ] {
            assert!(
                env.lines().any(|line| line == expected),
                "{expected} in {env}"
            );
        }
        let pwd = fs::read_to_string(run.dir.join("pwd.txt")).unwrap();
        assert_eq!(
            Path::new(pwd.trim()).canonicalize().unwrap(),
            dir.path().canonicalize().unwrap()
        );
    }

    #[test]
    fn unknown_and_ambiguous_placeholders_fail_the_trial() {
        let dir = tempfile::tempdir().unwrap();
        let config = [
            ("params.lr", Value::Float(0.1)),
            ("train.lr", Value::Float(0.2)),
            ("params.depth", Value::Int(3)),
        ];
        let run = trial(dir.path(), &config, 1);
        let train = |template: &str| {
            CommandTrainer::new(template, &jsonl(), None, dir.path().to_owned())
                .unwrap()
                .train(&run, &mut Recorder::default())
        };
        let failure = train("echo {lr}").unwrap_err();
        assert!(failure.reason.contains("ambiguous"), "{}", failure.reason);
        assert!(
            failure.reason.contains("params.lr or train.lr"),
            "{}",
            failure.reason
        );
        let failure = train("echo {width}").unwrap_err();
        assert!(failure.reason.contains("`{width}`"), "{}", failure.reason);
        assert!(failure.detail.unwrap().contains("params.depth"));
        // The full path resolves what the suffix cannot.
        assert!(matches!(
            train("echo {train.lr}"),
            Err(TrialFailure { reason, .. }) if reason.starts_with("reported no metrics")
        ));
    }

    #[test]
    fn templates_split_on_whitespace_with_quotes_grouping() {
        let pieces = parse_template(r#"  python "my script.py"  --lr={lr} "" "#).unwrap();
        assert_eq!(
            pieces,
            vec![
                vec![Piece::Text("python".to_owned())],
                vec![Piece::Text("my script.py".to_owned())],
                vec![
                    Piece::Text("--lr=".to_owned()),
                    Piece::Placeholder("lr".to_owned())
                ],
                vec![],
            ]
        );
        assert!(
            parse_template("python \"train.py")
                .unwrap_err()
                .contains("not closed")
        );
        assert!(
            parse_template("python {lr")
                .unwrap_err()
                .contains("not closed")
        );
        assert!(
            parse_template("python {}")
                .unwrap_err()
                .contains("empty placeholder")
        );
        assert!(parse_template("   ").unwrap_err().contains("empty"));
        assert!(
            CommandTrainer::new("x", &regex("(unclosed"), None, PathBuf::from("."))
                .unwrap_err()
                .contains("not a valid regular expression")
        );
        assert!(
            CommandTrainer::new("x", &regex("loss=[0-9]+"), None, PathBuf::from("."))
                .unwrap_err()
                .contains("no named group")
        );
    }

    #[test]
    fn a_nonzero_exit_fails_with_the_tail_of_stderr() {
        let script = r#"
echo '{"epoch": 1, "loss": 0.5}'
echo "Traceback: something broke" >&2
echo "ValueError: bad lr" >&2
exit 3
"#;
        let (dir, trainer) = trainer_with_script(script, "sh script.sh", &jsonl(), None);
        let run = trial(dir.path(), &[], 5);
        let failure = trainer.train(&run, &mut Recorder::default()).unwrap_err();
        assert_eq!(failure.reason, "exited with status 3");
        let detail = failure.detail.unwrap();
        assert!(detail.ends_with("ValueError: bad lr"), "{detail}");
        assert!(detail.contains("Traceback"), "{detail}");
    }

    #[test]
    fn a_trial_past_its_timeout_is_killed() {
        let script = "echo 'loading' >&2\nsleep 5\necho '{\"epoch\": 1, \"loss\": 1}'\n";
        let (dir, trainer) = trainer_with_script(script, "sh script.sh", &jsonl(), Some(0.3));
        let run = trial(dir.path(), &[], 1);
        let started = Instant::now();
        let failure = trainer.train(&run, &mut Recorder::default()).unwrap_err();
        assert!(
            started.elapsed() < Duration::from_secs(3),
            "{:?}",
            started.elapsed()
        );
        assert_eq!(failure.reason, "timed out after 0.3s");
        assert_eq!(failure.detail.as_deref(), Some("loading"));
    }

    #[test]
    fn pausing_kills_the_program() {
        let script = r#"
echo '{"epoch": 1, "loss": 0.9}'
echo '{"epoch": 2, "loss": 0.8}'
sleep 5
echo '{"epoch": 3, "loss": 0.7}'
"#;
        let (dir, trainer) = trainer_with_script(script, "sh script.sh", &jsonl(), None);
        let run = trial(dir.path(), &[], 10);
        let mut sink = Recorder {
            pause_at: Some(2),
            ..Recorder::default()
        };
        let started = Instant::now();
        let end = trainer.train(&run, &mut sink).unwrap();
        assert_eq!(end, TrialEnd::Paused { epochs: 2 });
        assert_eq!(sink.epochs.len(), 2);
        assert!(
            started.elapsed() < Duration::from_secs(3),
            "{:?}",
            started.elapsed()
        );
    }

    #[test]
    fn reaching_the_last_epoch_or_the_stop_flag_ends_the_program() {
        let script = r#"
echo '{"epoch": 1, "loss": 0.9}'
echo '{"epoch": 2, "loss": 0.8}'
sleep 5
echo '{"epoch": 3, "loss": 0.7}'
"#;
        let (dir, trainer) = trainer_with_script(script, "sh script.sh", &jsonl(), None);
        let started = Instant::now();
        let run = trial(dir.path(), &[], 2);
        let end = trainer.train(&run, &mut Recorder::default()).unwrap();
        assert_eq!(end, TrialEnd::Completed { epochs: 2 });

        let run = trial(dir.path(), &[], 10);
        let mut sink = Recorder {
            stop_at: Some((1, Arc::clone(&run.stop))),
            ..Recorder::default()
        };
        let end = trainer.train(&run, &mut sink).unwrap();
        assert!(
            matches!(end, TrialEnd::Interrupted { epochs: 1 | 2 }),
            "{end:?}"
        );
        assert!(
            started.elapsed() < Duration::from_secs(4),
            "{:?}",
            started.elapsed()
        );

        let end = trainer.train(&run, &mut Recorder::default()).unwrap();
        assert_eq!(end, TrialEnd::Interrupted { epochs: 0 });
    }

    #[test]
    fn a_resumed_trial_skips_epochs_already_recorded() {
        let script = "for e in 1 2 3; do echo \"{\\\"epoch\\\": $e, \\\"loss\\\": 1}\"; done\n";
        let (dir, trainer) = trainer_with_script(script, "sh script.sh", &jsonl(), None);
        let mut run = trial(dir.path(), &[], 3);
        run.start_epoch = 1;
        let mut sink = Recorder::default();
        let end = trainer.train(&run, &mut sink).unwrap();
        assert_eq!(end, TrialEnd::Completed { epochs: 3 });
        let epochs: Vec<u32> = sink.epochs.iter().map(|m| m.epoch).collect();
        assert_eq!(epochs, vec![2, 3]);
    }

    #[test]
    fn a_regex_reads_metrics_from_named_groups() {
        let script = r"
echo 'epoch 1: loss=0.50 acc=0.80'
echo 'some other line'
echo 'epoch 2: loss=0.25 acc=0.90'
";
        let pattern = r"epoch (?P<epoch>\d+): loss=(?P<val.loss>[0-9.]+) acc=(?P<acc>[0-9.]+)";
        let (dir, trainer) = trainer_with_script(script, "sh script.sh", &regex(pattern), None);
        let run = trial(dir.path(), &[], 5);
        let mut sink = Recorder::default();
        assert_eq!(
            trainer.train(&run, &mut sink).unwrap(),
            TrialEnd::Completed { epochs: 2 }
        );
        assert_eq!(sink.epochs[1].epoch, 2);
        assert_eq!(
            values(&sink.epochs[1]),
            vec![("acc".to_owned(), 0.9), ("val.loss".to_owned(), 0.25)]
        );

        // Without an `epoch` group, matching lines are counted.
        let counting = CommandTrainer::new(
            "sh script.sh",
            &regex(r"loss=(?P<loss>[0-9.]+)"),
            None,
            dir.path().to_owned(),
        )
        .unwrap();
        let mut sink = Recorder::default();
        counting.train(&run, &mut sink).unwrap();
        let epochs: Vec<(u32, f64)> = sink
            .epochs
            .iter()
            .map(|m| (m.epoch, m.values["loss"]))
            .collect();
        assert_eq!(epochs, vec![(1, 0.5), (2, 0.25)]);

        let quiet = CommandTrainer::new(
            "echo nothing",
            &regex(r"loss=(?P<loss>[0-9.]+)"),
            None,
            dir.path().to_owned(),
        )
        .unwrap();
        let failure = quiet.train(&run, &mut Recorder::default()).unwrap_err();
        assert!(
            failure.reason.contains("matched `loss="),
            "{}",
            failure.reason
        );
    }

    #[test]
    fn a_missing_program_is_named() {
        let dir = tempfile::tempdir().unwrap();
        let run = trial(dir.path(), &[("params.lr", Value::Float(0.1))], 1);
        let trainer = CommandTrainer::new(
            "hps-no-such-program {lr}",
            &jsonl(),
            None,
            dir.path().to_owned(),
        )
        .unwrap();
        let failure = trainer.train(&run, &mut Recorder::default()).unwrap_err();
        assert_eq!(failure.reason, "program `hps-no-such-program` not found");

        let trainer =
            CommandTrainer::new("./missing.sh", &jsonl(), None, dir.path().to_owned()).unwrap();
        let failure = trainer.train(&run, &mut Recorder::default()).unwrap_err();
        assert_eq!(failure.reason, "program `./missing.sh` not found");
        assert!(
            failure
                .detail
                .unwrap()
                .contains(&dir.path().display().to_string())
        );
    }

    #[test]
    fn silence_is_a_failure_with_advice() {
        let (dir, trainer) =
            trainer_with_script("echo 'training...'\n", "sh script.sh", &jsonl(), None);
        let run = trial(dir.path(), &[], 1);
        let failure = trainer.train(&run, &mut Recorder::default()).unwrap_err();
        assert_eq!(
            failure.reason,
            "reported no metrics; print one JSON object per line such as {\"epoch\": 1, \"val_loss\": 0.4}"
        );
        assert_eq!(failure.detail.as_deref(), Some("training..."));
    }

    #[test]
    fn json_lines_tolerate_python_nan_and_nest_names() {
        let metrics = parse_json_line(
            r#" {"epoch": 2, "val": {"loss": NaN, "acc": 0.5}, "x": -Infinity, "s": "NaN"} "#,
        )
        .unwrap();
        assert_eq!(metrics.epoch, 2);
        assert!(metrics.values["val.loss"].is_nan());
        assert_eq!(metrics.values["val.acc"], 0.5);
        assert_eq!(metrics.values["x"], f64::NEG_INFINITY);
        assert!(!metrics.values.contains_key("s"));
        assert_eq!(parse_json_line("epoch 2 loss 0.4"), None);
        assert_eq!(parse_json_line(r#"{"loss": 0.4}"#), None);
        assert_eq!(parse_json_line(r#"{"epoch": 1.5, "loss": 0.4}"#), None);
        assert_eq!(
            parse_json_line(r#"{"epoch": 3.0}"#).map(|m| m.epoch),
            Some(3)
        );
    }

    #[test]
    fn timeouts_read_like_the_language() {
        assert_eq!(format_duration(Duration::from_secs(1200)), "20m");
        assert_eq!(format_duration(Duration::from_secs(7200)), "2h");
        assert_eq!(format_duration(Duration::from_secs(90)), "90s");
        assert_eq!(format_duration(Duration::from_millis(300)), "0.3s");
        assert!(CommandTrainer::new("x", &jsonl(), Some(0.0), PathBuf::from(".")).is_err());
    }
}

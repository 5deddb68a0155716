//! The program of one trial as a running process: [`RunningProgram::start`] spawns it in the
//! study's working directory (argv without a shell, the trial's values as `HPS_*` environment
//! variables) in a process group of its own, copies its stdout to `stdout.log` while passing each
//! line on, and its stderr to `stderr.log`; [`RunningProgram::kill`] ends it and everything it
//! started. Used by [`super::CommandTrainer`], which supervises the program.

use std::fs::{File, OpenOptions};
use std::io::{self, BufRead, BufReader, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStderr, ChildStdout, Command, ExitStatus, Stdio};
use std::sync::mpsc::{self, Receiver, Sender};
use std::thread;
use std::time::Duration;

use super::template::argument_text;
use crate::trial::{TrialFailure, TrialRun};

/// How many lines of a log a failure carries.
const LOG_TAIL_LINES: usize = 20;

/// How long to wait for the rest of stderr once the program has ended (a helper process it
/// started may still hold the pipe open).
const STDERR_GRACE: Duration = Duration::from_secs(1);

/// A started program and the ends of its pipes.
pub(super) struct RunningProgram {
    pub(super) child: Child,
    /// stdout, line by line.
    pub(super) lines: Receiver<String>,
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
    /// Starts `argv` in `workdir` with its logs (in `trial_dir`) and pipe readers.
    pub(super) fn start(
        workdir: &Path,
        argv: &[String],
        run: &TrialRun,
        trial_dir: &Path,
    ) -> Result<Self, TrialFailure> {
        let Some((program, arguments)) = argv.split_first() else {
            return Err(TrialFailure::new("the command is empty"));
        };
        let stdout_path = trial_dir.join("stdout.log");
        let stdout_log = open_log(&stdout_path)?;
        let stdout_start = stdout_log.metadata().map_or(0, |m| m.len());
        let stderr_path = trial_dir.join("stderr.log");
        let stderr_log = open_log(&stderr_path)?;
        let stderr_start = stderr_log.metadata().map_or(0, |m| m.len());

        let mut command = Command::new(program_path(workdir, program));
        command
            .args(arguments)
            .current_dir(workdir)
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
            .map_err(|error| spawn_failure(workdir, program, &error))?;
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
        Ok(Self {
            child,
            lines,
            stderr_done,
            stdout_path,
            stdout_start,
            stderr_path,
            stderr_start,
        })
    }

    /// Ends the program and every process it started.
    pub(super) fn kill(&mut self) {
        // The group is killed before the leader is reaped, so its id cannot have been reused.
        kill_process_group(self.child.id());
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// Ends what the program left running after it exited (helpers in its process group). Its
    /// group outlives the reaped leader while any member lives, so the id names no other group.
    pub(super) fn end_helpers(&self) {
        kill_process_group(self.child.id());
    }

    /// The end of what the program wrote to stderr in this run.
    pub(super) fn stderr_tail(&self) -> Option<String> {
        let _ = self.stderr_done.recv_timeout(STDERR_GRACE);
        log_tail(&self.stderr_path, self.stderr_start)
    }

    /// The end of what the program wrote to stdout in this run.
    pub(super) fn stdout_tail(&self) -> Option<String> {
        log_tail(&self.stdout_path, self.stdout_start)
    }
}

impl Drop for RunningProgram {
    fn drop(&mut self) {
        if matches!(self.child.try_wait(), Ok(None)) {
            self.kill();
        }
    }
}

/// The program to start: a relative path with a `/` (`./train.sh`) is relative to the working
/// directory; a bare name is looked up in `PATH`.
fn program_path(workdir: &Path, program: &str) -> PathBuf {
    let path = Path::new(program);
    if program.contains('/') && path.is_relative() {
        workdir.join(path)
    } else {
        path.to_path_buf()
    }
}

/// Why the program could not be started, in the user's terms.
fn spawn_failure(workdir: &Path, program: &str, error: &io::Error) -> TrialFailure {
    if !workdir.is_dir() {
        return TrialFailure::new(format!(
            "the working directory {} does not exist",
            workdir.display()
        ));
    }
    match error.kind() {
        io::ErrorKind::NotFound => TrialFailure {
            reason: format!("program `{program}` not found"),
            detail: Some(if program.contains('/') {
                format!("looked for {}", program_path(workdir, program).display())
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
pub(super) fn exit_reason(status: ExitStatus) -> String {
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

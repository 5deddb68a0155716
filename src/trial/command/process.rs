//! The program of one trial as a running process: [`RunningProgram::start`] spawns it in the
//! study's working directory (argv without a shell, the trial's values as `HPS_*` environment
//! variables) in a process group of its own, copies its stdout to `stdout.log` while passing each
//! line on, and its stderr to `stderr.log`; [`RunningProgram::kill`] ends it and everything it
//! started. Used by [`super::CommandTrainer`], which supervises the program.

use std::io::{self, BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStderr, ChildStdout, Command, ExitStatus, Stdio};
use std::sync::mpsc::{self, Receiver, Sender};
use std::thread;
use std::time::Duration;

use super::log::{Log, LogTail};
use super::template::argument_text;
use crate::trial::training_env;
use crate::trial::{TrialFailure, TrialRun};

/// The longest stdout line read as a possible metrics line; longer lines are only logged.
const MAX_LINE: u64 = 1 << 20;

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
    /// This run's part of `stdout.log`.
    stdout_tail: LogTail,
    /// This run's part of `stderr.log`.
    stderr_tail: LogTail,
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
        let stdout_log = Log::open(&trial_dir.join("stdout.log"))?;
        let stdout_tail = stdout_log.tail();
        let stderr_log = Log::open(&trial_dir.join("stderr.log"))?;
        let stderr_tail = stderr_log.tail();

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
        training_env::restore_for_trial(&mut command);
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
            stdout_tail,
            stderr_tail,
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
        self.stderr_tail.read()
    }

    /// The end of what the program wrote to stdout in this run.
    pub(super) fn stdout_tail(&self) -> Option<String> {
        self.stdout_tail.read()
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
    let path = program_path(workdir, program);
    if path.is_dir() {
        return TrialFailure {
            reason: format!("`{program}` is a folder, not a program"),
            detail: Some(String::from(
                "the command's first word is the program to run: `python train.py`, `./train.sh`",
            )),
        };
    }
    match error.kind() {
        io::ErrorKind::NotFound => TrialFailure {
            reason: format!("program `{program}` not found"),
            detail: Some(if program.contains('/') {
                format!("looked for {}", path.display())
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

/// Sends each stdout line to the trainer as it arrives, copying it to `log`. A line longer than
/// [`MAX_LINE`] is logged but not passed on: no metrics line is that long.
fn forward_lines(stdout: ChildStdout, mut log: Log, lines: &Sender<String>) {
    let mut reader = BufReader::new(stdout);
    let mut buffer = Vec::new();
    loop {
        buffer.clear();
        match reader
            .by_ref()
            .take(MAX_LINE)
            .read_until(b'\n', &mut buffer)
        {
            Ok(0) | Err(_) => break,
            Ok(_) => {}
        }
        let _ = log.write_all(&buffer);
        if !buffer.ends_with(b"\n") && buffer.len() as u64 == MAX_LINE {
            // The rest of an overlong line goes to the log in pieces.
            loop {
                buffer.clear();
                match reader
                    .by_ref()
                    .take(MAX_LINE)
                    .read_until(b'\n', &mut buffer)
                {
                    Ok(0) | Err(_) => return,
                    Ok(_) => {}
                }
                let _ = log.write_all(&buffer);
                if buffer.ends_with(b"\n") {
                    break;
                }
            }
            continue;
        }
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
fn copy_stderr(mut stderr: ChildStderr, mut log: Log, done: Sender<()>) {
    let _ = io::copy(&mut stderr, &mut log);
    drop(done);
}

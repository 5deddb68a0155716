//! End-to-end tests of [`CommandTrainer`]: small shell scripts stand in for training programs, and
//! a recording sink checks what reaches the runtime.

use std::fs;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use super::{CommandTrainer, format_duration};
use crate::plan::{CommandTemplate, MetricsFormat};
use crate::space::Value;
use crate::trial::{Control, EpochMetrics, EpochSink, Trainer, TrialEnd, TrialFailure, TrialRun};

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

fn jsonl() -> MetricsFormat {
    MetricsFormat::Jsonl
}

fn regex(pattern: &str) -> MetricsFormat {
    MetricsFormat::Regex {
        pattern: pattern.to_owned(),
    }
}

/// A trainer running `template` (which must parse) in `workdir`.
fn command(
    template: &str,
    metrics: &MetricsFormat,
    timeout: Option<f64>,
    workdir: PathBuf,
) -> Result<CommandTrainer, String> {
    CommandTrainer::new(
        &CommandTemplate::parse(template).unwrap(),
        metrics,
        timeout,
        workdir,
    )
}

/// A trainer running `template` in a fresh folder holding `script.sh`.
fn trainer_with_script(
    script: &str,
    template: &str,
    metrics: &MetricsFormat,
    timeout: Option<f64>,
) -> (tempfile::TempDir, CommandTrainer) {
    let dir = tempfile::tempdir().unwrap();
    fs::write(dir.path().join("script.sh"), script).unwrap();
    let trainer = command(template, metrics, timeout, dir.path().to_owned()).unwrap();
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
        command(template, &jsonl(), None, dir.path().to_owned())
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
fn the_trial_ends_when_the_program_exits_though_a_helper_holds_its_stdout() {
    // Reports its epochs, leaves a helper holding stdout and stderr, and exits 0 (issue 18, 14).
    let script = r#"
echo '{"epoch": 1, "loss": 0.9}'
sleep 30 &
echo $! > "$HPS_TRIAL_DIR/helper.pid"
echo '{"epoch": 2, "loss": 0.8}'
"#;
    for timeout in [Some(10.0), None] {
        let (dir, trainer) = trainer_with_script(script, "sh script.sh", &jsonl(), timeout);
        // Ten epochs asked for: the program's exit, not the last epoch, ends the trial.
        let run = trial(dir.path(), &[], 10);
        let mut sink = Recorder::default();
        let started = Instant::now();
        let end = trainer.train(&run, &mut sink);
        assert_eq!(
            end,
            Ok(TrialEnd::Completed { epochs: 2 }),
            "timeout {timeout:?}"
        );
        assert_eq!(sink.epochs.len(), 2);
        assert!(
            started.elapsed() < Duration::from_secs(5),
            "{:?}",
            started.elapsed()
        );
        let helper = fs::read_to_string(run.dir.join("helper.pid")).unwrap();
        // Running, not a zombie waiting for whoever adopted it.
        let running = || {
            fs::read_to_string(format!("/proc/{}/stat", helper.trim())).is_ok_and(|stat| {
                !stat
                    .rsplit(')')
                    .next()
                    .unwrap_or("")
                    .trim_start()
                    .starts_with('Z')
            })
        };
        let deadline = Instant::now() + Duration::from_secs(2);
        while running() && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(20));
        }
        assert!(!running(), "the helper {} is still running", helper.trim());
    }
}

#[test]
fn lines_written_just_before_the_exit_are_read() {
    let script =
        "for e in 1 2 3 4 5 6 7 8; do echo \"{\\\"epoch\\\": $e, \\\"loss\\\": 1}\"; done\n";
    let (dir, trainer) = trainer_with_script(script, "sh script.sh", &jsonl(), None);
    // Ended by the program's exit, not by reaching the last epoch: every line must arrive.
    for _ in 0..20 {
        let run = trial(dir.path(), &[], 100);
        let mut sink = Recorder::default();
        let end = trainer.train(&run, &mut sink).unwrap();
        assert_eq!(end, TrialEnd::Completed { epochs: 8 });
        assert_eq!(sink.epochs.len(), 8);
    }
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
    let counting = command(
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

    let quiet = command(
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
    let trainer = command(
        "hps-no-such-program {lr}",
        &jsonl(),
        None,
        dir.path().to_owned(),
    )
    .unwrap();
    let failure = trainer.train(&run, &mut Recorder::default()).unwrap_err();
    assert_eq!(failure.reason, "program `hps-no-such-program` not found");

    let trainer = command("./missing.sh", &jsonl(), None, dir.path().to_owned()).unwrap();
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
fn endless_output_is_logged_up_to_a_cap() {
    // 20 MB on one line, then a metrics line (issue 18, item 16: logs were kept in full).
    let script = r#"
head -c 20000000 /dev/zero | tr '\0' 'x'
echo
echo '{"epoch": 1, "loss": 0.5}'
"#;
    let (dir, trainer) = trainer_with_script(script, "sh script.sh", &jsonl(), None);
    let run = trial(dir.path(), &[], 1);
    let mut sink = Recorder::default();
    let end = trainer.train(&run, &mut sink).unwrap();
    assert_eq!(end, TrialEnd::Completed { epochs: 1 });
    assert_eq!(sink.epochs.len(), 1);
    let size = |name: &str| fs::metadata(run.dir.join(name)).map_or(0, |m| m.len());
    let limit = super::log::LOG_LIMIT;
    assert!(size("stdout.log") <= limit, "{}", size("stdout.log"));
    assert!(
        size("stdout.log.1") <= limit + (1 << 20),
        "{}",
        size("stdout.log.1")
    );
    assert!(size("stdout.log") + size("stdout.log.1") < 20_000_000);
    let log = fs::read_to_string(run.dir.join("stdout.log")).unwrap();
    assert!(log.ends_with("xxx\n{\"epoch\": 1, \"loss\": 0.5}\n"));
}

#[test]
fn a_folder_is_not_a_program() {
    let dir = tempfile::tempdir().unwrap();
    fs::create_dir(dir.path().join("scripts")).unwrap();
    for template in ["./scripts", &dir.path().display().to_string()] {
        let trainer = command(template, &jsonl(), None, dir.path().to_owned()).unwrap();
        let run = trial(dir.path(), &[], 1);
        let failure = trainer.train(&run, &mut Recorder::default()).unwrap_err();
        assert_eq!(
            failure.reason,
            format!("`{template}` is a folder, not a program")
        );
        assert!(!failure.detail.unwrap().contains("chmod"));
    }
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
fn timeouts_read_like_the_language() {
    assert_eq!(format_duration(Duration::from_secs(1200)), "20m");
    assert_eq!(format_duration(Duration::from_secs(7200)), "2h");
    assert_eq!(format_duration(Duration::from_secs(90)), "90s");
    assert_eq!(format_duration(Duration::from_millis(300)), "0.3s");
    assert!(command("x", &jsonl(), Some(0.0), PathBuf::from(".")).is_err());
}

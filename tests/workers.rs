//! Many workers on one study, as real processes: several `hps run` on one store (a SQLite file, a
//! PostgreSQL server) finish exactly the budget with every trial number once and no epoch trained
//! twice; a worker killed mid-trial has its trial resumed from its checkpoint by another once the
//! lease ends; workers ride out a PostgreSQL restart; asynchronous and synchronous halving keep their
//! rung invariants. The trainer is a shell script that logs every start and epoch to `events.log`
//! and refuses to resume from a checkpoint that does not hold the epoch it is told to resume from.

use std::collections::BTreeMap;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use hps::storage::{self, TrialRecord, TrialState};

use crate::postgres_server::{Server, fresh_database};

/// Trains epochs `HPS_START_EPOCH + 1 ..= HPS_EPOCHS` of a flat curve at `$1`, `$2` seconds each.
/// Each start logs `start TRIAL EPOCH WORKER-PID` to `$EVENTS` (the test's `events.log`); each epoch writes the checkpoint
/// (the epoch's number), logs `trained TRIAL EPOCH`, then prints its line.
const TRAINER: &str = r#"ck="$HPS_TRIAL_DIR/checkpoint.safetensors"
if [ "$HPS_START_EPOCH" -gt 0 ]; then
  held=$(cat "$ck" 2>/dev/null)
  if [ "$held" != "$HPS_START_EPOCH" ]; then
    echo "resumed at epoch $HPS_START_EPOCH but the checkpoint holds '$held'" >&2
    exit 3
  fi
fi
echo "start $HPS_TRIAL $HPS_START_EPOCH $PPID" >> "$EVENTS"
i=$((HPS_START_EPOCH + 1))
while [ $i -le $HPS_EPOCHS ]; do
  sleep $2
  echo $i > "$ck"
  echo "trained $HPS_TRIAL $i" >> "$EVENTS"
  echo "{\"epoch\": $i, \"score\": $1}"
  i=$((i + 1))
done
"#;

/// A study of `trials` trials of `epochs` epochs, `sleep` seconds each, under `scheduler`.
fn study(sleep: f64, budget: &str, scheduler: &str, epochs: u32) -> String {
    format!(
        r#"study s {{
  trial     = command("sh trainer.sh {{x}} {sleep}")
  params    = {{ x = uniform(0, 1) }}
  train     = {{ epochs = {epochs} }}
  objective = maximize score
  budget    {{ {budget} }}
  sampler   = random
  scheduler = {scheduler}
  seed      = 5
}}
"#
    )
}

/// Writes the trainer and `source` as `s.hps` in `dir`.
fn prepare(dir: &Path, source: &str) {
    std::fs::write(dir.join("trainer.sh"), TRAINER).unwrap();
    std::fs::write(dir.join("s.hps"), source).unwrap();
}

/// Starts `hps run s.hps` in `dir` on the store at `url`, with `extra` arguments; its trainers log
/// to `dir/events.log`.
fn worker(dir: &Path, url: &str, extra: &[&str]) -> Child {
    worker_on(dir, dir, url, extra)
}

/// Starts `hps run s.hps` in `machine` (a folder standing for a machine of its own: its trial
/// folders are its own) on the store at `url`; its trainers log to `dir/events.log`.
fn worker_on(machine: &Path, dir: &Path, url: &str, extra: &[&str]) -> Child {
    Command::new(env!("CARGO_BIN_EXE_hps"))
        .args(["run", "s.hps", "-q", "--storage", url])
        .args(extra)
        .current_dir(machine)
        .env("EVENTS", dir.join("events.log"))
        .env("NO_COLOR", "1")
        .env_remove("HPS_STORAGE")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap()
}

/// Waits for every worker; each must succeed.
fn finish(workers: Vec<Child>) {
    for child in workers {
        let out = child.wait_with_output().unwrap();
        assert_eq!(
            out.status.code(),
            Some(0),
            "a worker failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

/// The study's trials in the store at `url`.
fn trials(url: &str) -> Vec<TrialRecord> {
    let store = storage::open(url).unwrap();
    let study = store.study("s").unwrap().unwrap();
    store.trials(study.id).unwrap()
}

/// What the trainers did, in order: `(kind, trial, epoch, worker pid)` from `events.log`.
fn events(dir: &Path) -> Vec<(String, u64, u32, u32)> {
    let log = std::fs::read_to_string(dir.join("events.log")).unwrap_or_default();
    log.lines()
        .map(|line| {
            let parts: Vec<&str> = line.split(' ').collect();
            (
                parts[0].to_owned(),
                parts[1].parse().unwrap(),
                parts[2].parse().unwrap(),
                parts.get(3).map_or(0, |p| p.parse().unwrap()),
            )
        })
        .collect()
}

/// How many times each `(trial, epoch)` was trained.
fn trained(dir: &Path) -> BTreeMap<(u64, u32), u32> {
    let mut counts = BTreeMap::new();
    for (kind, trial, epoch, _) in events(dir) {
        if kind == "trained" {
            *counts.entry((trial, epoch)).or_insert(0) += 1;
        }
    }
    counts
}

/// The epochs each trial started from, in order.
fn starts(dir: &Path) -> BTreeMap<u64, Vec<u32>> {
    starts_by(dir)
        .into_iter()
        .map(|(trial, s)| (trial, s.into_iter().map(|(epoch, _)| epoch).collect()))
        .collect()
}

/// Each trial's starts, in order: the epoch it started from and the worker process that ran it.
fn starts_by(dir: &Path) -> BTreeMap<u64, Vec<(u32, u32)>> {
    let mut starts: BTreeMap<u64, Vec<(u32, u32)>> = BTreeMap::new();
    for (kind, trial, epoch, pid) in events(dir) {
        if kind == "start" {
            starts.entry(trial).or_default().push((epoch, pid));
        }
    }
    starts
}

/// Every epoch in the store was trained exactly once, and nothing else was trained.
fn assert_trained_once(dir: &Path, trials: &[TrialRecord]) {
    assert_trained_once_but(dir, trials, 0);
}

/// Every epoch in the store was trained exactly once; besides them, at most `ahead` epochs were
/// trained and not recorded — each the one after a trial's last, which its program started before
/// the budget refused it and was killed for (a program does not wait to be asked).
fn assert_trained_once_but(dir: &Path, trials: &[TrialRecord], ahead: usize) {
    let counts = trained(dir);
    let twice: Vec<_> = counts.iter().filter(|(_, n)| **n > 1).collect();
    assert!(twice.is_empty(), "trained more than once: {twice:?}");
    let unrecorded: Vec<_> = counts
        .keys()
        .filter(|(number, epoch)| {
            trials
                .iter()
                .find(|t| t.number == *number)
                .is_none_or(|t| *epoch > t.epochs)
        })
        .collect();
    assert!(unrecorded.len() <= ahead, "{unrecorded:?}\n{trials:?}");
    for (number, epoch) in unrecorded {
        let recorded = trials
            .iter()
            .find(|t| t.number == *number)
            .map_or(0, |t| t.epochs);
        assert_eq!(
            *epoch,
            recorded + 1,
            "trial {number} trained ahead by more than an epoch"
        );
    }
    for t in trials {
        for epoch in 1..=t.epochs {
            assert!(
                counts.contains_key(&(t.number, epoch)),
                "trial {} epoch {epoch} is stored but was never trained",
                t.number
            );
        }
    }
}

/// `count` trials, numbered 0, 1, … once each, every one complete after `epochs` epochs.
fn assert_complete(trials: &[TrialRecord], count: usize, epochs: u32) {
    assert_eq!(trials.len(), count, "{trials:?}");
    assert_numbered(trials);
    assert!(
        trials
            .iter()
            .all(|t| t.state == TrialState::Complete && t.epochs == epochs),
        "{trials:?}"
    );
}

/// Trial numbers are 0, 1, … with none twice.
fn assert_numbered(trials: &[TrialRecord]) {
    let mut numbers: Vec<u64> = trials.iter().map(|t| t.number).collect();
    numbers.sort_unstable();
    assert_eq!(numbers, (0..trials.len() as u64).collect::<Vec<_>>());
}

/// How many workers the study had; every one of them retired.
fn retired_workers(url: &str) -> usize {
    let store = storage::open(url).unwrap();
    let study = store.study("s").unwrap().unwrap();
    let workers = store.workers(study.id).unwrap();
    assert!(
        workers.iter().all(|w| w.stopped_at.is_some()),
        "a worker did not retire: {workers:?}"
    );
    workers.len()
}

/// Four workers share a study of 12 trials: exactly 12, numbered once each, every epoch trained
/// once, and the work was spread over several workers.
fn four_workers_finish_the_trial_budget(dir: &Path, url: &str) {
    prepare(dir, &study(0.1, "trials = 12", "fifo", 3));
    let workers: Vec<Child> = (0..4).map(|_| worker(dir, url, &[])).collect();
    finish(workers);
    let trials = trials(url);
    assert_complete(&trials, 12, 3);
    assert_trained_once(dir, &trials);
    assert_eq!(retired_workers(url), 4);
    let status = crate::support::hps(dir, &["status", "--storage", url]);
    let status = String::from_utf8_lossy(&status.stdout);
    assert!(
        status.contains("workers of s: 0 running, 4 stopped"),
        "{status}"
    );
    // Every trial was started once, from scratch (no claim was taken twice), and the trials were
    // shared out among the workers.
    let starts = starts_by(dir);
    assert!(
        starts.values().all(|s| s.len() == 1 && s[0].0 == 0),
        "{starts:?}"
    );
    let pids: std::collections::BTreeSet<u32> = starts.values().map(|s| s[0].1).collect();
    assert!(pids.len() >= 2, "one worker ran everything: {starts:?}");
}

/// Four workers share an epoch budget of 20: exactly 20 epochs are trained between them. A program
/// does not wait to be asked before its next epoch, so the one it starts before the budget refuses
/// it is trained and not recorded; each epoch takes long enough (0.25 s) that a worker slowed by a
/// loaded machine still reads a line before its program has trained two more.
fn four_workers_spend_exactly_the_epoch_budget(dir: &Path, url: &str) {
    prepare(dir, &study(0.25, "epochs = 20", "fifo", 3));
    let workers: Vec<Child> = (0..4).map(|_| worker(dir, url, &[])).collect();
    finish(workers);
    let trials = trials(url);
    assert_numbered(&trials);
    assert_trained_once_but(dir, &trials, 4);
    let epochs: u32 = trials.iter().map(|t| t.epochs).sum();
    assert_eq!(epochs, 20, "{trials:?}");
}

/// Runs `case` on a new SQLite file in a new folder.
fn on_sqlite(case: fn(&Path, &str)) {
    let dir = tempfile::tempdir().unwrap();
    let url = dir.path().join("hps.db").display().to_string();
    case(dir.path(), &url);
}

/// Runs `case` on a new PostgreSQL database, in a new folder.
fn on_postgres(case: fn(&Path, &str)) {
    let dir = tempfile::tempdir().unwrap();
    case(dir.path(), &fresh_database());
}

#[test]
fn four_workers_on_one_sqlite_file_finish_the_trial_budget_once() {
    on_sqlite(four_workers_finish_the_trial_budget);
}

#[test]
fn four_workers_on_postgres_finish_the_trial_budget_once() {
    on_postgres(four_workers_finish_the_trial_budget);
}

#[test]
fn four_workers_on_one_sqlite_file_spend_exactly_the_epoch_budget() {
    on_sqlite(four_workers_spend_exactly_the_epoch_budget);
}

#[test]
fn four_workers_on_postgres_spend_exactly_the_epoch_budget() {
    on_postgres(four_workers_spend_exactly_the_epoch_budget);
}

/// Every process whose parent is `pid`, and theirs, recursively (from `/proc`).
fn descendants(pid: u32) -> Vec<u32> {
    let mut parents = BTreeMap::<u32, Vec<u32>>::new();
    for entry in std::fs::read_dir("/proc").unwrap().flatten() {
        let Ok(child) = entry.file_name().to_string_lossy().parse::<u32>() else {
            continue;
        };
        let Ok(stat) = std::fs::read_to_string(entry.path().join("stat")) else {
            continue;
        };
        // `pid (comm) state ppid …`: the command may hold spaces and parentheses.
        let after = &stat[stat.rfind(')').map_or(0, |i| i + 2)..];
        if let Some(parent) = after.split(' ').nth(1).and_then(|p| p.parse().ok()) {
            parents.entry(parent).or_default().push(child);
        }
    }
    let mut found = Vec::new();
    let mut todo = vec![pid];
    while let Some(p) = todo.pop() {
        for &c in parents.get(&p).map_or(&[][..], Vec::as_slice) {
            found.push(c);
            todo.push(c);
        }
    }
    found
}

/// Kills `child` and everything it started without warning, as a lost machine would.
fn kill_tree(child: &mut Child) {
    let _ = Command::new("kill")
        .args(["-STOP", &child.id().to_string()])
        .status();
    let tree = descendants(child.id());
    child.kill().unwrap();
    for pid in tree {
        let _ = Command::new("kill")
            .args(["-KILL", &pid.to_string()])
            .status();
    }
    child.wait().unwrap();
}

/// Two workers, on one machine or on two (`machines`); one is killed mid-trial. Its trial is
/// re-queued once its lease (2 s) ends and resumed by the other from its checkpoint (the trainer
/// refuses a checkpoint that does not hold the epoch it resumes from); the study completes with
/// nothing lost.
fn a_killed_worker_is_taken_over(dir: &Path, url: &str, machines: [&Path; 2]) {
    for machine in machines {
        prepare(machine, &study(0.3, "trials = 6", "fifo", 4));
    }
    let mut victim = worker_on(machines[0], dir, url, &["--lease", "2s"]);
    let survivor = worker_on(machines[1], dir, url, &["--lease", "2s"]);
    // Wait until the victim is mid-trial: a trial of its own with at least one epoch recorded.
    let deadline = Instant::now() + Duration::from_secs(60);
    let victim_trial = loop {
        std::thread::sleep(Duration::from_millis(50));
        assert!(Instant::now() < deadline, "the victim never got mid-trial");
        let Ok(store) = storage::open(url) else {
            continue;
        };
        let Some(study) = store.study("s").ok().flatten() else {
            continue;
        };
        let workers = store.workers(study.id).unwrap();
        let Some(me) = workers.iter().find(|w| w.pid == victim.id()) else {
            continue;
        };
        let running = store.trials(study.id).unwrap().into_iter().find(|t| {
            t.state == TrialState::Running
                && t.epochs >= 1
                && t.epochs < 3
                && me.trials.contains(&t.number)
        });
        if let Some(trial) = running {
            break trial;
        }
    };
    kill_tree(&mut victim);
    finish(vec![survivor]);
    let trials = trials(url);
    assert_complete(&trials, 6, 4);
    // The victim's trial started again from a checkpoint, not from scratch.
    let starts = starts(dir);
    let resumed = &starts[&victim_trial.number];
    assert_eq!(resumed.len(), 2, "{starts:?}");
    assert_eq!(resumed[0], 0);
    assert!(resumed[1] >= victim_trial.epochs, "{starts:?}");
    // Only the epoch in training at the kill may have been trained twice.
    let counts = trained(dir);
    for ((trial, epoch), n) in &counts {
        let in_flight = *trial == victim_trial.number && *epoch == resumed[1] + 1;
        assert!(*n == 1 || (in_flight && *n == 2), "{counts:?}");
    }
}

#[test]
fn a_killed_worker_on_sqlite_has_its_trial_resumed_by_another() {
    on_sqlite(|dir, url| a_killed_worker_is_taken_over(dir, url, [dir, dir]));
}

/// On PostgreSQL the two workers are on two "machines" (folders of their own): the survivor finds
/// the victim's checkpoint only in the store.
#[test]
fn a_killed_worker_on_postgres_has_its_trial_resumed_by_another_from_the_store() {
    let dir = tempfile::tempdir().unwrap();
    let url = fresh_database();
    let (a, b) = (dir.path().join("a"), dir.path().join("b"));
    std::fs::create_dir_all(&a).unwrap();
    std::fs::create_dir_all(&b).unwrap();
    a_killed_worker_is_taken_over(dir.path(), &url, [&a, &b]);
    // The checkpoints were kept in the store (the default with a server), and a complete trial's
    // is kept.
    let store = storage::open(&url).unwrap();
    for t in trials(&url) {
        assert!(
            store.checkpoint_data(t.id).unwrap().is_some(),
            "trial {}",
            t.number
        );
    }
}

#[test]
fn workers_ride_out_a_postgres_restart() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start();
    let url = server.fresh_database();
    prepare(dir.path(), &study(0.1, "trials = 10", "fifo", 3));
    let workers: Vec<Child> = (0..2)
        .map(|_| worker(dir.path(), &url, &["--lease", "20s"]))
        .collect();
    // Both workers have opened the store (the restart is about workers that are running) and
    // trained some epochs.
    let deadline = Instant::now() + Duration::from_secs(60);
    let running = || {
        storage::open(&url)
            .ok()
            .and_then(|store| {
                let study = store.study("s").ok()??;
                store.workers(study.id).ok()
            })
            .map_or(0, |w| w.iter().filter(|w| w.stopped_at.is_none()).count())
    };
    while trained(dir.path()).len() < 6 || running() < 2 {
        assert!(Instant::now() < deadline, "the workers never got going");
        std::thread::sleep(Duration::from_millis(50));
    }
    server.restart();
    finish(workers);
    let trials = trials(&url);
    assert_complete(&trials, 10, 3);
    assert_trained_once(dir.path(), &trials);
}

/// Three workers under ASHA: every trial ends at a rung's end; every promotion out of a rung took
/// a trial in the top third of those that had finished the rung when it resumed (give or take the
/// epochs other workers had trained but not yet recorded); promoted trials resume from their
/// checkpoints; nothing is trained twice.
#[test]
fn asha_with_three_workers_never_over_promotes_a_rung() {
    let dir = tempfile::tempdir().unwrap();
    let url = dir.path().join("hps.db").display().to_string();
    prepare(
        dir.path(),
        &study(0.02, "trials = 27", "asha(min = 1, max = 9, eta = 3)", 9),
    );
    let workers: Vec<Child> = (0..3).map(|_| worker(dir.path(), &url, &[])).collect();
    finish(workers);
    let trials = trials(&url);
    assert_eq!(trials.len(), 27);
    assert_numbered(&trials);
    assert!(trials.iter().all(|t| t.state.is_finished()), "{trials:?}");
    assert!(
        trials.iter().all(|t| [1, 3, 9].contains(&t.epochs)),
        "{trials:?}"
    );
    assert!(trials.iter().any(|t| t.epochs == 9), "{trials:?}");
    let score = |number: u64| trials[number as usize].params["params.x"].as_f64().unwrap();
    let mut finished: BTreeMap<u32, Vec<u64>> = BTreeMap::new();
    for (kind, trial, epoch, _) in events(dir.path()) {
        match kind.as_str() {
            "trained" => finished.entry(epoch).or_default().push(trial),
            _ if epoch > 0 => {
                // Promoted out of the rung that ends at `epoch`.
                let rung = &finished[&epoch];
                let better = rung.iter().filter(|&&t| score(t) > score(trial)).count();
                let quota = rung.len() / 3;
                assert!(
                    better < quota + 2,
                    "trial {trial} promoted at epoch {epoch} ranked {} of {}",
                    better + 1,
                    rung.len()
                );
            }
            _ => {}
        }
    }
    assert_trained_once(dir.path(), &trials);
    // A promoted trial goes on from the rung it reached.
    for (trial, from) in starts(dir.path()) {
        assert!(
            from.iter().all(|s| [0, 1, 3].contains(s)) && from[0] == 0,
            "trial {trial} started from {from:?}"
        );
    }
}

/// Hyperband is synchronous and the random sampler's values depend only on the trial's number:
/// three workers end exactly as one does — the same trials reach the same rungs.
#[test]
fn hyperband_with_three_workers_ends_as_one_worker_does() {
    let scheduler = "hyperband(min = 1, max = 9, eta = 3)";
    let outcome = |workers: usize| {
        let dir = tempfile::tempdir().unwrap();
        let url = dir.path().join("hps.db").display().to_string();
        prepare(dir.path(), &study(0.02, "trials = 40", scheduler, 9));
        let children: Vec<Child> = (0..workers)
            .map(|_| worker(dir.path(), &url, &[]))
            .collect();
        finish(children);
        let trials = trials(&url);
        assert_trained_once(dir.path(), &trials);
        trials
            .into_iter()
            .map(|t| (t.number, t.state, t.epochs, t.params))
            .collect::<Vec<_>>()
    };
    let one = outcome(1);
    assert!(one.iter().any(|t| t.2 == 9), "{one:?}");
    assert_eq!(outcome(3), one);
}

/// `artifacts = "…"` puts trial folders and checkpoints in that folder, beside the study file, and
/// the store records checkpoints by path there even on PostgreSQL; `--artifacts` overrides it.
#[test]
fn artifacts_put_trial_folders_and_checkpoints_in_a_shared_folder() {
    let dir = tempfile::tempdir().unwrap();
    let url = fresh_database();
    let source = study(0.0, "trials = 2", "fifo", 2).replace(
        "  seed      = 5",
        "  artifacts = \"shared\"\n  seed      = 5",
    );
    prepare(dir.path(), &source);
    finish(vec![worker(dir.path(), &url, &[])]);
    let store = storage::open(&url).unwrap();
    for t in trials(&url) {
        let folder = dir.path().join(format!("shared/s/{:04}", t.number));
        let (epoch, path) = store.checkpoint(t.id).unwrap().unwrap();
        assert_eq!(epoch, 2);
        assert_eq!(
            std::fs::canonicalize(&path).unwrap(),
            std::fs::canonicalize(folder.join("checkpoint.safetensors")).unwrap()
        );
        assert!(
            store.checkpoint_data(t.id).unwrap().is_none(),
            "bytes kept in the store"
        );
    }
    // The command line wins over the file.
    let other = tempfile::tempdir().unwrap();
    let elsewhere = other.path().display().to_string();
    finish(vec![worker(
        dir.path(),
        &url,
        &["--fresh", "--artifacts", elsewhere.as_str()],
    )]);
    assert!(other.path().join("s/0000/checkpoint.safetensors").exists());
}

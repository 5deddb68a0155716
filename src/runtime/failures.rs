//! Failures as a run sees them: when the first trials of a run all fail the same way (a wrong flag
//! in a `command`, a misnamed objective, a missing file) every later trial would too, so after
//! `--max-failures` of them the run starts no new trial and ends with the reason; and a run in which
//! every trial failed says so, so that `hps run` exits non-zero. A single trial failing (an
//! unlucky configuration that diverged) is data, and the study goes on — once one trial of the run
//! has ended without failing, the run never gives up. Optuna's `catch` and Keras Tuner's
//! `max_consecutive_failed_trials` are the references. Fed by [`super::training`]; read by
//! [`super::Session::execute`] for the [`super::RunSummary`].

use std::collections::BTreeMap;
use std::sync::{Mutex, PoisonError};

/// How many trials of a run may fail the same way, before any succeeds, unless `--max-failures`
/// says otherwise.
pub const DEFAULT_MAX_FAILURES: u32 = 5;

/// The failures of one run.
#[derive(Debug)]
pub struct FailureWatch {
    /// Give up once this many trials failed the same way before any succeeded (0: never).
    limit: u32,
    seen: Mutex<Seen>,
}

#[derive(Debug, Default)]
struct Seen {
    succeeded: u64,
    failed: u64,
    /// Failures before the first success, by their reason's first line: how many, and the last
    /// full reason.
    ways: BTreeMap<String, (u32, String)>,
    /// The last failure's full reason.
    last: Option<String>,
    gave_up: Option<String>,
}

impl FailureWatch {
    /// A watch that gives up after `limit` failures of one kind (0: never gives up).
    #[must_use]
    pub fn new(limit: u32) -> Self {
        Self {
            limit,
            seen: Mutex::new(Seen::default()),
        }
    }

    fn seen(&self) -> std::sync::MutexGuard<'_, Seen> {
        self.seen.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// A trial of this run ended its stage without failing.
    pub fn succeeded(&self) {
        self.seen().succeeded += 1;
    }

    /// A trial of this run failed with `reason` (its first line says how; the rest is detail).
    /// Returns why the run gives up, the first time it does.
    pub fn failed(&self, reason: &str) -> Option<String> {
        let mut seen = self.seen();
        seen.failed += 1;
        seen.last = Some(reason.to_owned());
        if seen.succeeded > 0 || seen.gave_up.is_some() {
            return None;
        }
        let way = reason.lines().next().unwrap_or_default().to_owned();
        let entry = seen.ways.entry(way.clone()).or_insert((0, String::new()));
        entry.0 += 1;
        entry.1 = reason.to_owned();
        let count = entry.0;
        if self.limit == 0 || count < self.limit {
            return None;
        }
        let why = format!(
            "gave up: {count} trials of this run failed the same way, and none succeeded: {}{}\n  (`hps run --max-failures N` sets how many failures end a run; 0 never ends it)",
            way,
            detail(reason)
        );
        seen.gave_up = Some(why.clone());
        Some(why)
    }

    /// Why the run failed as a whole: it gave up, or every trial that ended in it failed.
    #[must_use]
    pub fn verdict(&self) -> Option<String> {
        let seen = self.seen();
        if let Some(why) = &seen.gave_up {
            return Some(why.clone());
        }
        if seen.succeeded > 0 || seen.failed == 0 {
            return None;
        }
        let last = seen.last.as_deref().unwrap_or_default();
        let way = last.lines().next().unwrap_or_default();
        Some(format!(
            "every trial of this run failed ({} of {}); the last: {way}{}",
            seen.failed,
            seen.failed,
            detail(last)
        ))
    }
}

/// The last lines of a failure's detail (a program's stderr), indented, or nothing.
fn detail(reason: &str) -> String {
    tail(reason, 3)
        .iter()
        .map(|line| format!("\n  │ {line}"))
        .collect()
}

/// The last `n` non-blank lines of a stored failure's detail (the lines after its first).
#[must_use]
pub fn tail(reason: &str, n: usize) -> Vec<&str> {
    let lines: Vec<&str> = reason
        .lines()
        .skip(1)
        .map(str::trim_end)
        .filter(|l| !l.trim().is_empty())
        .collect();
    lines[lines.len().saturating_sub(n)..].to_vec()
}

/// A stored failure on one line, for a table: its first line and the last line of its detail
/// (`exited with status 2: train.py: error: unrecognized arguments: --lrr`).
#[must_use]
pub fn one_line(reason: &str) -> String {
    let first = reason.lines().next().unwrap_or_default();
    match tail(reason, 1).first() {
        Some(last) => format!("{first}: {}", last.trim()),
        None => first.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const WRONG_FLAG: &str = "exited with status 2\nusage: train.py [--lr LR]\ntrain.py: error: unrecognized arguments: --lrr\n";

    #[test]
    fn the_run_gives_up_after_the_limit_of_one_kind_before_any_success() {
        let watch = FailureWatch::new(3);
        assert_eq!(watch.failed(WRONG_FLAG), None);
        assert_eq!(watch.failed("timed out after 1s"), None);
        assert_eq!(watch.failed(WRONG_FLAG), None);
        let why = watch.failed(WRONG_FLAG).unwrap();
        assert!(
            why.starts_with("gave up: 3 trials of this run failed the same way"),
            "{why}"
        );
        assert!(
            why.contains("│ train.py: error: unrecognized arguments: --lrr"),
            "{why}"
        );
        assert_eq!(watch.failed(WRONG_FLAG), None, "said once");
        assert_eq!(watch.verdict(), Some(why));
    }

    #[test]
    fn one_success_means_the_run_never_gives_up_and_did_not_fail() {
        let watch = FailureWatch::new(2);
        watch.failed(WRONG_FLAG);
        watch.succeeded();
        assert_eq!(watch.failed(WRONG_FLAG), None);
        assert_eq!(watch.failed(WRONG_FLAG), None);
        assert_eq!(watch.verdict(), None);
        // No limit: it never gives up, but a run with only failures failed.
        let never = FailureWatch::new(0);
        for _ in 0..10 {
            assert_eq!(never.failed(WRONG_FLAG), None);
        }
        let verdict = never.verdict().unwrap();
        assert!(
            verdict.starts_with(
                "every trial of this run failed (10 of 10); the last: exited with status 2"
            ),
            "{verdict}"
        );
        assert_eq!(FailureWatch::new(2).verdict(), None);
    }

    #[test]
    fn a_failure_reads_on_one_line() {
        assert_eq!(
            one_line(WRONG_FLAG),
            "exited with status 2: train.py: error: unrecognized arguments: --lrr"
        );
        assert_eq!(one_line("diverged"), "diverged");
        assert_eq!(tail(WRONG_FLAG, 5).len(), 2);
    }
}

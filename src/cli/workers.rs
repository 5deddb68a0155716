//! The workers table of `hps status`: each process working on a study — its machine, process id,
//! how long since its last heartbeat, and the trials it runs — so that a user sees which workers
//! are alive and which went silent (their trials go back in the queue once the lease expires).

use std::fmt::Write as _;

use crate::storage::WorkerRecord;

/// The table of `workers` that have not stopped, seen at `now` (Unix seconds), with a count of
/// those that stopped; `None` when the study never had a worker.
#[must_use]
pub fn workers_table(study: &str, workers: &[WorkerRecord], now: f64) -> Option<String> {
    if workers.is_empty() {
        return None;
    }
    let running: Vec<&WorkerRecord> = workers.iter().filter(|w| w.stopped_at.is_none()).collect();
    let stopped = workers.len() - running.len();
    let mut out = format!(
        "workers of {study}: {} running, {stopped} stopped\n",
        running.len()
    );
    if running.is_empty() {
        return Some(out);
    }
    let _ = writeln!(
        out,
        "  {:>6}  {:<20} {:>8}  {:>14}  trials",
        "worker", "host", "pid", "last heartbeat"
    );
    for w in running {
        let trials = if w.trials.is_empty() {
            String::from("-")
        } else {
            w.trials
                .iter()
                .map(u64::to_string)
                .collect::<Vec<_>>()
                .join(", ")
        };
        let _ = writeln!(
            out,
            "  {:>6}  {:<20} {:>8}  {:>14}  {trials}",
            w.id,
            w.host,
            w.pid,
            ago(now - w.heartbeat_at)
        );
    }
    Some(out)
}

/// `seconds` ago, rounded to a unit a reader takes in at a glance.
fn ago(seconds: f64) -> String {
    let s = seconds.max(0.0);
    if s < 120.0 {
        format!("{s:.0} s ago")
    } else if s < 7200.0 {
        format!("{:.0} min ago", s / 60.0)
    } else {
        format!("{:.0} h ago", s / 3600.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn worker(
        id: i64,
        heartbeat_at: f64,
        stopped_at: Option<f64>,
        trials: Vec<u64>,
    ) -> WorkerRecord {
        WorkerRecord {
            id,
            study_id: 1,
            host: String::from("node-7"),
            pid: 4242,
            origin: String::new(),
            started_at: 0.0,
            heartbeat_at,
            stopped_at,
            trials,
        }
    }

    #[test]
    fn running_workers_are_listed_with_their_trials_and_stopped_ones_counted() {
        let table = workers_table(
            "s",
            &[
                worker(3, 995.0, None, vec![4, 9]),
                worker(2, 400.0, None, vec![]),
                worker(1, 10.0, Some(20.0), vec![]),
            ],
            1000.0,
        )
        .unwrap();
        let lines: Vec<&str> = table.lines().collect();
        assert_eq!(lines[0], "workers of s: 2 running, 1 stopped");
        assert!(
            lines[2].contains("node-7") && lines[2].contains("4242"),
            "{table}"
        );
        assert!(lines[2].ends_with("5 s ago  4, 9"), "{table}");
        assert!(lines[3].ends_with("10 min ago  -"), "{table}");
        assert_eq!(lines.len(), 4, "{table}");
    }

    #[test]
    fn a_study_without_workers_has_no_table() {
        assert_eq!(workers_table("s", &[], 0.0), None);
        let all_stopped = workers_table("s", &[worker(1, 0.0, Some(1.0), vec![])], 5.0).unwrap();
        assert_eq!(all_stopped, "workers of s: 0 running, 1 stopped\n");
    }
}

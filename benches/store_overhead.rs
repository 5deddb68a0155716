//! The store's cost per trial as a worker pays it: claim a queued trial, record three epochs,
//! finish it (plus, for reference, creating it, which a deciding worker does under the study's
//! decision lock). Median milliseconds per trial over `TRIALS` trials, on a SQLite file and — given
//! a server's URL — on PostgreSQL, one JSON line per store. Run by `benches/workers_throughput.sh`.
//!
//! `cargo bench --bench store_overhead -- [POSTGRES_URL]`

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use hps::space::{Config, Value};
use hps::storage::{self, TrialState};

const TRIALS: u64 = 300;
const EPOCHS: u32 = 3;

fn median_ms(mut times: Vec<Duration>) -> f64 {
    times.sort();
    times[times.len() / 2].as_secs_f64() * 1000.0
}

fn measure(label: &str, url: &str) {
    let mut store = storage::open(url).expect("the store opens");
    let study = store
        .open_study("overhead", "bench.hps", "hash", "{}", true)
        .expect("the study opens");
    let worker = store
        .register_worker(study.id, "bench", std::process::id(), "")
        .expect("the worker registers");
    store.act_for(worker, Duration::from_secs(30));
    let mut create = Vec::new();
    let mut work = Vec::new();
    for number in 0..TRIALS {
        let mut params = Config::new();
        params.insert(String::from("params.x"), Value::Float(0.5));
        let start = Instant::now();
        store
            .create_trial(study.id, number, &params, number, None)
            .expect("create");
        create.push(start.elapsed());
        let start = Instant::now();
        let trial = store
            .claim_trial(study.id)
            .expect("claim")
            .expect("a queued trial");
        for epoch in 1..=EPOCHS {
            let metrics = BTreeMap::from([(String::from("score"), f64::from(epoch))]);
            store
                .record_epoch(trial.id, epoch, &metrics, "score")
                .expect("record");
        }
        store
            .finish_trial(trial.id, TrialState::Complete, None)
            .expect("finish");
        work.push(start.elapsed());
    }
    println!(
        "{{\"store\": \"{label}\", \"trials\": {TRIALS}, \"epochs\": {EPOCHS}, \
         \"claim_report_finish_ms\": {:.3}, \"create_ms\": {:.3}}}",
        median_ms(work),
        median_ms(create)
    );
}

fn main() {
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| a != "--bench")
        .collect();
    let dir = tempfile::tempdir().expect("a temporary folder");
    measure("sqlite", &dir.path().join("hps.db").display().to_string());
    if let Some(url) = args.first() {
        measure("postgres", url);
    }
}

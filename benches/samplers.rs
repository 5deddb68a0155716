//! Samplers vs Optuna (issue 4), the hps half: `random`, `tpe` and `bo` (whichever this build's
//! `sampler::build` accepts; the others are reported as not available) on Branin, Hartmann-6 and
//! a tabular benchmark of recorded hps results (`benches/data/digits_curves.csv`: validation
//! accuracy after 27 epochs of 216 MLP configurations on digits).
//!
//! Each problem's search space is `.hps` source text compiled to a plan; the sampler comes from the
//! plan (`sampler = NAME` in the source). A run loops ask → evaluate the objective in Rust → push an
//! `Observation` (`Complete`, `curve = [value]`). Reported per sampler × problem: the **simple
//! regret** of the best trial so far (`best − optimum` when minimising, `optimum − best` when
//! maximising; digits' optimum is the best accuracy in the table), median and IQR over the seeds
//! after 25, 50 and 100 trials; and the mean wall time of one `ask` when the history holds 200
//! observations: for each timing seed, 200 trials drawn by the `random` sampler (same seed) and
//! evaluated, then `asks` suggestions of the sampler under test, each timed, evaluated and added
//! (history 200, 201, …). `benches/samplers_optuna.py` does the same with Optuna's samplers;
//! `benches/samplers_vs_optuna.sh` runs both and prints them side by side.
//!
//! `cargo bench --bench samplers -- [--seeds 20] [--trials 100] [--timing-seeds 3] [--asks 5]
//! [--at 200] [--samplers random,tpe,bo] [--problems branin,hartmann6,digits] [--threads 2]
//! [--out target/samplers-hps.json]`

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::time::Instant;

use hps::sampler::{Observation, Sampler};
use hps::space::{Config, Value};
use hps::storage::TrialState;
use rayon::prelude::*;

/// The table of recorded results, relative to the crate root.
const DIGITS_FILE: &str = "benches/data/digits_curves.csv";
/// The table's searched columns, which are the digits space's parameter names.
const DIGITS_PARAMS: &[&str] = &[
    "model.depth",
    "model.drop",
    "model.width",
    "train.lr",
    "train.optimizer",
];
/// Budgets (trials) at which the best-so-far is reported.
const BUDGETS: &[usize] = &[25, 50, 100];

/// Branin's global minimum.
const BRANIN_MIN: f64 = 0.397_887_357_729_738;
/// Hartmann-6's global minimum.
const HARTMANN6_MIN: f64 = -3.322_368_011_391_339;

/// The settings from the command line.
#[derive(Debug, Clone)]
struct Args {
    seeds: u64,
    trials: usize,
    timing_seeds: u64,
    asks: usize,
    at: usize,
    samplers: Vec<String>,
    problems: Vec<String>,
    threads: usize,
    out: PathBuf,
}

fn parse_args() -> Args {
    let mut args = Args {
        seeds: 20,
        trials: 100,
        timing_seeds: 3,
        asks: 5,
        at: 200,
        samplers: vec!["random".into(), "tpe".into(), "bo".into()],
        problems: vec!["branin".into(), "hartmann6".into(), "digits".into()],
        threads: 2,
        out: Path::new(env!("CARGO_MANIFEST_DIR")).join("target/samplers-hps.json"),
    };
    let mut it = std::env::args().skip(1);
    let list = |s: String| -> Vec<String> {
        s.split(',')
            .map(str::trim)
            .filter(|x| !x.is_empty())
            .map(str::to_owned)
            .collect()
    };
    while let Some(a) = it.next() {
        let (key, inline) = match a.split_once('=') {
            Some((k, v)) => (k.to_owned(), Some(v.to_owned())),
            None => (a.clone(), None),
        };
        let mut value = || {
            inline
                .clone()
                .or_else(|| it.next())
                .unwrap_or_else(|| panic!("{key} needs a value"))
        };
        let number = |v: String| -> usize {
            v.parse()
                .unwrap_or_else(|_| panic!("{key} needs a number, not {v}"))
        };
        match key.as_str() {
            "--seeds" => args.seeds = number(value()) as u64,
            "--trials" => args.trials = number(value()),
            "--timing-seeds" => args.timing_seeds = number(value()) as u64,
            "--asks" => args.asks = number(value()),
            "--at" => args.at = number(value()),
            "--samplers" => args.samplers = list(value()),
            "--problems" => args.problems = list(value()),
            "--threads" => args.threads = number(value()).max(1),
            "--out" => args.out = PathBuf::from(value()),
            // `cargo bench` passes `--bench`; a libtest-style filter is ignored too.
            "--bench" => {}
            other if !other.starts_with("--") => {}
            other => panic!("unknown argument {other}"),
        }
    }
    assert!(args.trials >= 1, "--trials must be at least 1");
    args
}

/// One benchmark problem.
struct Problem {
    name: &'static str,
    /// The study's fields (without `sampler` and `seed`).
    body: String,
    /// The objective, from a complete configuration.
    objective: Box<dyn Fn(&Config) -> f64 + Sync>,
    /// The best value the objective can take.
    optimum: f64,
    maximize: bool,
}

impl Problem {
    fn regret(&self, best: f64) -> f64 {
        if self.maximize {
            self.optimum - best
        } else {
            best - self.optimum
        }
    }

    fn source(&self, sampler: &str, seed: u64) -> String {
        format!(
            "import \"std/nets.hps\"\nstudy {name} {{\n{body}\n  sampler   = {sampler}\n  seed      = {seed}\n}}\n",
            name = self.name,
            body = self.body,
        )
    }

    /// The sampler `name` for `seed`, built from the plan as `hps run` builds it.
    fn sampler(
        &self,
        name: &str,
        seed: u64,
    ) -> Result<(Box<dyn Sampler>, hps::plan::Plan), String> {
        let study =
            hps::Study::from_source(&format!("{}.hps", self.name), &self.source(name, seed))
                .map_err(|e| e.to_string())?;
        let plan = study.plan().clone();
        let sampler = hps::sampler::build(&hps::sampler::SamplerContext::detached(&plan))
            .map_err(|e| e.to_string())?;
        Ok((sampler, plan))
    }
}

fn number(config: &Config, name: &str) -> f64 {
    config
        .get(name)
        .and_then(Value::as_f64)
        .unwrap_or_else(|| panic!("{name} is a number in {config:?}"))
}

fn branin(config: &Config) -> f64 {
    use std::f64::consts::PI;
    let (x1, x2) = (number(config, "params.x1"), number(config, "params.x2"));
    let b = 5.1 / (4.0 * PI * PI);
    let c = 5.0 / PI;
    let t = 1.0 / (8.0 * PI);
    (x2 - b * x1 * x1 + c * x1 - 6.0).powi(2) + 10.0 * (1.0 - t) * x1.cos() + 10.0
}

fn hartmann6(config: &Config) -> f64 {
    const ALPHA: [f64; 4] = [1.0, 1.2, 3.0, 3.2];
    const A: [[f64; 6]; 4] = [
        [10.0, 3.0, 17.0, 3.5, 1.7, 8.0],
        [0.05, 10.0, 17.0, 0.1, 8.0, 14.0],
        [3.0, 3.5, 1.7, 10.0, 17.0, 8.0],
        [17.0, 8.0, 0.05, 10.0, 0.1, 14.0],
    ];
    const P: [[f64; 6]; 4] = [
        [1312.0, 1696.0, 5569.0, 124.0, 8283.0, 5886.0],
        [2329.0, 4135.0, 8307.0, 3736.0, 1004.0, 9991.0],
        [2348.0, 1451.0, 3522.0, 2883.0, 3047.0, 6650.0],
        [4047.0, 8828.0, 8732.0, 5743.0, 1091.0, 381.0],
    ];
    let x: Vec<f64> = (1..=6)
        .map(|i| number(config, &format!("params.x{i}")))
        .collect();
    -(0..4)
        .map(|i| {
            let inner: f64 = (0..6)
                .map(|j| A[i][j] * (x[j] - P[i][j] * 1e-4).powi(2))
                .sum();
            ALPHA[i] * (-inner).exp()
        })
        .sum::<f64>()
}

/// A table key: one value's canonical text (numbers by their `f64`, so `3e-4` = `0.0003`, `16` =
/// `16.0`).
fn key_of(value: &str) -> String {
    match value.parse::<f64>() {
        Ok(x) => format!("{x:?}"),
        Err(_) => value.to_owned(),
    }
}

fn config_key(config: &Config) -> Vec<String> {
    DIGITS_PARAMS
        .iter()
        .map(|name| match config.get(*name) {
            Some(Value::Str(s)) => s.clone(),
            Some(v) => format!(
                "{:?}",
                v.as_f64()
                    .unwrap_or_else(|| panic!("{name} = {v:?} is not in the table"))
            ),
            None => panic!("{name} is missing from {config:?}"),
        })
        .collect()
}

/// The digits table: final validation accuracy by configuration, and each column's values (as
/// written in the file) for the search space.
struct Digits {
    accuracy: BTreeMap<Vec<String>, f64>,
    values: Vec<Vec<String>>,
}

fn load_digits() -> Digits {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(DIGITS_FILE);
    let mut reader = csv::Reader::from_path(&path).expect("the digits table opens");
    let headers = reader.headers().expect("a header").clone();
    let column = |name: &str| {
        headers
            .iter()
            .position(|h| h == name)
            .unwrap_or_else(|| panic!("column {name}"))
    };
    let params: Vec<usize> = DIGITS_PARAMS.iter().map(|p| column(p)).collect();
    let (epoch, accuracy) = (column("epoch"), column("val.accuracy"));
    let mut last: BTreeMap<Vec<String>, (u32, f64)> = BTreeMap::new();
    let mut values: Vec<Vec<String>> = vec![Vec::new(); params.len()];
    for row in reader.records() {
        let row = row.expect("a row");
        let key: Vec<String> = params.iter().map(|&i| key_of(&row[i])).collect();
        for (k, &i) in params.iter().enumerate() {
            if !values[k].iter().any(|v| key_of(v) == key[k]) {
                values[k].push(row[i].to_owned());
            }
        }
        let e: u32 = row[epoch].parse().expect("an epoch");
        let a: f64 = row[accuracy].parse().expect("an accuracy");
        let entry = last.entry(key).or_insert((e, a));
        if e >= entry.0 {
            *entry = (e, a);
        }
    }
    // The space is the product of the columns' values; the table must hold every combination, so
    // every suggestion has a recorded result (no `forbid`, no nearest-neighbour fallback needed).
    let product: usize = values.iter().map(Vec::len).product();
    assert_eq!(
        last.len(),
        product,
        "digits_curves.csv is not a full product of its columns' values"
    );
    let epochs: BTreeSet<u32> = last.values().map(|(e, _)| *e).collect();
    assert_eq!(
        epochs.len(),
        1,
        "every configuration has the same epoch count"
    );
    for v in &mut values {
        v.sort_by(|a, b| match (a.parse::<f64>(), b.parse::<f64>()) {
            (Ok(x), Ok(y)) => x.total_cmp(&y),
            _ => a.cmp(b),
        });
    }
    Digits {
        accuracy: last.into_iter().map(|(k, (_, a))| (k, a)).collect(),
        values,
    }
}

fn problems(wanted: &[String]) -> Vec<Problem> {
    let mut out = Vec::new();
    for name in wanted {
        match name.as_str() {
            "branin" => out.push(Problem {
                name: "branin",
                body: "  trial     = command(\"true\")\n  params    = { x1 = uniform(-5, 10), x2 = uniform(0, 15) }\n  objective = minimize value\n  budget    { trials = 1000 }".into(),
                objective: Box::new(branin),
                optimum: BRANIN_MIN,
                maximize: false,
            }),
            "hartmann6" => out.push(Problem {
                name: "hartmann6",
                body: format!(
                    "  trial     = command(\"true\")\n  params    = {{ {} }}\n  objective = minimize value\n  budget    {{ trials = 1000 }}",
                    (1..=6)
                        .map(|i| format!("x{i} = uniform(0, 1)"))
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
                objective: Box::new(hartmann6),
                optimum: HARTMANN6_MIN,
                maximize: false,
            }),
            "digits" => {
                let table = load_digits();
                let choice = |k: usize| format!("choice({})", table.values[k].join(", "));
                let body = format!(
                    "  trial     = lookup(\"{file}\")\n  model     = mlp(width = {width}, depth = {depth}, drop = {drop})\n  train     = {{ optimizer = {opt}, lr = {lr}, epochs = 27 }}\n  objective = maximize val.accuracy\n  budget    {{ trials = 1000 }}",
                    file = Path::new(env!("CARGO_MANIFEST_DIR")).join(DIGITS_FILE).display(),
                    width = choice(2),
                    depth = choice(0),
                    drop = choice(1),
                    opt = choice(4),
                    lr = choice(3),
                );
                let optimum = table.accuracy.values().copied().fold(f64::NEG_INFINITY, f64::max);
                let accuracy = table.accuracy;
                out.push(Problem {
                    name: "digits",
                    body,
                    objective: Box::new(move |config| {
                        let key = config_key(config);
                        *accuracy
                            .get(&key)
                            .unwrap_or_else(|| panic!("{key:?} is not in the digits table"))
                    }),
                    optimum,
                    maximize: true,
                });
            }
            other => panic!("unknown problem {other} (branin, hartmann6, digits)"),
        }
    }
    out
}

/// What one seeded run gave: the regret of the best trial after each trial, and the seconds each
/// `ask` took.
struct Run {
    regret: Vec<f64>,
    ask_seconds: Vec<f64>,
}

fn observe(config: Config, value: f64) -> Observation {
    Observation {
        config,
        state: TrialState::Complete,
        curve: vec![value],
        predicted: None,
    }
}

fn run(problem: &Problem, sampler: &str, seed: u64, trials: usize) -> Result<Run, String> {
    let (mut s, plan) = problem.sampler(sampler, seed)?;
    let space = plan.search_space();
    let mut history: Vec<Observation> = Vec::with_capacity(trials);
    let mut best = if problem.maximize {
        f64::NEG_INFINITY
    } else {
        f64::INFINITY
    };
    let mut out = Run {
        regret: Vec::with_capacity(trials),
        ask_seconds: Vec::with_capacity(trials),
    };
    for number in 0..trials {
        let started = Instant::now();
        let params = s
            .ask(number as u64, &history)?
            .ok_or_else(|| format!("{sampler} ran out of configurations at trial {number}"))?;
        out.ask_seconds.push(started.elapsed().as_secs_f64());
        let config = space.complete(&params);
        let value = (problem.objective)(&config);
        best = if problem.maximize {
            best.max(value)
        } else {
            best.min(value)
        };
        out.regret.push(problem.regret(best));
        history.push(observe(config, value));
    }
    Ok(out)
}

/// Seconds per `ask` of `sampler` with `at`, `at + 1`, … observations drawn by `random`.
fn time_asks(
    problem: &Problem,
    sampler: &str,
    seed: u64,
    at: usize,
    asks: usize,
) -> Result<Vec<f64>, String> {
    let (mut random, plan) = problem.sampler("random", seed)?;
    let space = plan.search_space();
    let mut history = Vec::with_capacity(at + asks);
    for number in 0..at {
        let params = random
            .ask(number as u64, &history)?
            .ok_or("random ran out")?;
        let config = space.complete(&params);
        let value = (problem.objective)(&config);
        history.push(observe(config, value));
    }
    let (mut s, _) = problem.sampler(sampler, seed)?;
    let mut seconds = Vec::with_capacity(asks);
    for k in 0..asks {
        let number = (at + k) as u64;
        let started = Instant::now();
        let params = s.ask(number, &history)?.ok_or("ran out")?;
        seconds.push(started.elapsed().as_secs_f64());
        let config = space.complete(&params);
        let value = (problem.objective)(&config);
        history.push(observe(config, value));
    }
    Ok(seconds)
}

/// The `q`-quantile with linear interpolation (NumPy's default).
fn quantile(values: &[f64], q: f64) -> f64 {
    let mut v: Vec<f64> = values.to_vec();
    v.sort_by(f64::total_cmp);
    if v.is_empty() {
        return f64::NAN;
    }
    let h = (v.len() - 1) as f64 * q;
    let (lo, hi) = (h.floor() as usize, h.ceil() as usize);
    v[lo] + (h - lo as f64) * (v[hi] - v[lo])
}

fn mean(values: &[f64]) -> f64 {
    if values.is_empty() {
        f64::NAN
    } else {
        values.iter().sum::<f64>() / values.len() as f64
    }
}

/// A number for JSON (NaN and infinities become `null`).
fn json_number(x: f64) -> serde_json::Value {
    serde_json::Number::from_f64(x).map_or(serde_json::Value::Null, serde_json::Value::Number)
}

fn main() {
    let args = parse_args();
    rayon::ThreadPoolBuilder::new()
        .num_threads(args.threads)
        .build_global()
        .expect("the thread pool starts");
    let mut budgets: Vec<usize> = BUDGETS
        .iter()
        .copied()
        .filter(|&b| b <= args.trials)
        .collect();
    if budgets.last() != Some(&args.trials) && !BUDGETS.contains(&args.trials) {
        budgets.push(args.trials);
    }
    println!(
        "Samplers on Branin, Hartmann-6 and digits (table): simple regret of the best trial, median \
         [IQR] over {} seeds; ask time: mean ms per ask with {} observations ({} seeds × {} asks)",
        args.seeds, args.at, args.timing_seeds, args.asks
    );
    let mut results = Vec::new();
    let mut table = String::new();
    let _ = writeln!(
        table,
        "{:<10} {:<7} {}  {:>12}",
        "problem",
        "sampler",
        budgets
            .iter()
            .map(|b| format!("{:>28}", format!("after {b}")))
            .collect::<String>(),
        format!("ask ms @{}", args.at)
    );
    for problem in problems(&args.problems) {
        for sampler in &args.samplers {
            if let Err(why) = problem.sampler(sampler, 0) {
                println!("{:<10} {sampler:<7} not available: {why}", problem.name);
                let _ = writeln!(table, "{:<10} {sampler:<7} not available", problem.name);
                results.push(serde_json::json!({
                    "problem": problem.name, "sampler": sampler, "available": false, "reason": why,
                }));
                continue;
            }
            let started = Instant::now();
            let runs: Vec<Run> = (0..args.seeds)
                .into_par_iter()
                .map(|seed| run(&problem, sampler, seed, args.trials))
                .collect::<Result<_, _>>()
                .unwrap_or_else(|e| panic!("{} / {sampler}: {e}", problem.name));
            let quality_seconds = started.elapsed().as_secs_f64();
            // Timed one at a time, so no other run of this bench competes for the cores, after one
            // untimed warm-up (first-call allocations and caches), as the Optuna half does.
            time_asks(&problem, sampler, 0, args.at.min(20), 1)
                .unwrap_or_else(|e| panic!("{} / {sampler} warm-up: {e}", problem.name));
            let timed: Vec<f64> = (0..args.timing_seeds)
                .flat_map(|seed| {
                    time_asks(&problem, sampler, seed, args.at, args.asks)
                        .unwrap_or_else(|e| panic!("{} / {sampler} timing: {e}", problem.name))
                })
                .collect();
            let ask_ms = mean(&timed) * 1e3;
            let run_ask_ms = mean(
                &runs
                    .iter()
                    .flat_map(|r| r.ask_seconds.clone())
                    .collect::<Vec<_>>(),
            ) * 1e3;
            let mut row = format!("{:<10} {sampler:<7} ", problem.name);
            let mut per_budget = serde_json::Map::new();
            for &b in &budgets {
                let at_b: Vec<f64> = runs.iter().map(|r| r.regret[b - 1]).collect();
                let (q1, med, q3) = (
                    quantile(&at_b, 0.25),
                    quantile(&at_b, 0.5),
                    quantile(&at_b, 0.75),
                );
                let _ = write!(row, "{:>28}", format!("{med:.4} [{q1:.4}, {q3:.4}]"));
                per_budget.insert(
                    b.to_string(),
                    serde_json::json!({
                        "median": json_number(med), "q1": json_number(q1), "q3": json_number(q3),
                        "mean": json_number(mean(&at_b)),
                        "per_seed": at_b.iter().map(|&x| json_number(x)).collect::<Vec<_>>(),
                    }),
                );
            }
            let _ = write!(row, "  {ask_ms:>12.3}");
            println!("{row}   ({quality_seconds:.1} s for the seeds)");
            let _ = writeln!(table, "{row}");
            results.push(serde_json::json!({
                "problem": problem.name,
                "sampler": sampler,
                "available": true,
                "optimum": problem.optimum,
                "maximize": problem.maximize,
                "regret": per_budget,
                "ask_ms_at": json_number(ask_ms),
                "ask_ms_at_samples": timed.iter().map(|s| json_number(s * 1e3)).collect::<Vec<_>>(),
                "ask_ms_mean_over_run": json_number(run_ask_ms),
                "seconds_for_seeds": quality_seconds,
            }));
        }
    }
    println!("\n{table}");
    let doc = serde_json::json!({
        "tool": "hps",
        "version": env!("CARGO_PKG_VERSION"),
        "metric": "simple regret of the best trial so far (lower is better)",
        "seeds": args.seeds,
        "trials": args.trials,
        "budgets": budgets,
        "timing": {
            "at": args.at, "asks": args.asks, "seeds": args.timing_seeds,
            "history": "random sampler (same seed), then each timed ask evaluated and added",
        },
        "threads": args.threads,
        "results": results,
    });
    if let Some(dir) = args.out.parent() {
        std::fs::create_dir_all(dir).expect("the output folder can be made");
    }
    std::fs::write(
        &args.out,
        serde_json::to_string_pretty(&doc).expect("JSON") + "\n",
    )
    .expect("the results file can be written");
    println!("results: {}", args.out.display());
}

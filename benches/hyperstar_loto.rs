//! HyperSTAR leave-one-task-out on the meta-training corpus (`meta/tables/`, built by
//! `scripts/meta/build-corpus.sh`): for each task (related pairs held out together: crx with
//! australian, ring with twonorm, optdigits with penbased) a predictor is trained on the others and
//! ranks the held-out task's 108 configurations from its raw rows. Against the truth — each
//! configuration's epoch-27 validation accuracy averaged over the three seeds, a diverged run as 0 —
//! it reports AP@10 (Mittal et al. §4: relevant = the true top ten), tolerant AP@10 (relevant =
//! within 0.5 points of the best), evaluations until a configuration within 0.5 points of the best,
//! and the regret after three evaluations; beside the task-agnostic ranking (mean standardised score
//! over the training tasks), the nearest task by meta-features (rows, features, classes, majority
//! share; Feurer et al.), a random order (expected over 200 permutations), and the ceiling (seed 1's
//! ranking judged by seeds 2 and 3). One-sided Wilcoxon signed-rank tests (normal approximation)
//! compare hyperstar with each baseline over the tasks.
//!
//! `cargo bench --bench hyperstar_loto -- TABLES_DIR TASKS_DIR SPACE_HPS [STEPS]`
//! (`benches/hyperstar_loto.sh` runs it on the corpus).
//!
//! Every setting and training option can be set from the environment (`HPS_META_*`, see
//! [`configured`]), and `HPS_META_FOLDS=k` holds out `k` groups of tasks instead of one task at a
//! time — for sweeps; the numbers to report come from leave-one-task-out.

#![allow(clippy::unwrap_used)]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Instant;

use candle_core::Device;
use hps::meta::evaluation::{ap_at_10, top_ten};
use hps::meta::ranking::{order, scores};
use hps::meta::training::{MetaTask, TrainOptions, standardise, train};
use hps::meta::{Settings, TaskRows};
use hps::space::encoding::Encoder;
use hps::space::{Config, Value};
use rand::SeedableRng;
use rand::rngs::StdRng;
use rand::seq::SliceRandom;

const RELATED: &[(&str, &str)] = &[
    ("crx", "australian"),
    ("ring", "twonorm"),
    ("optdigits", "penbased"),
];
/// Half a point of accuracy.
const NEAR: f64 = 0.005;

/// One task: its rows, its configurations (encoded) and their scores (mean and per seed).
struct Task {
    name: String,
    rows: TaskRows,
    configs: Vec<Vec<f32>>,
    keys: Vec<String>,
    mean: Vec<f64>,
    by_seed: Vec<BTreeMap<u32, f64>>,
    meta_features: [f64; 4],
}

fn read_task(table: &Path, tasks_dir: &Path, space_source: &str) -> Task {
    let name = table.file_stem().unwrap().to_string_lossy().into_owned();
    let csv = tasks_dir.join(format!("{name}.csv"));
    let source = space_source
        .replace("TASK", &csv.display().to_string())
        .replace("SEED", "1");
    let study = hps::Study::from_source("space.hps", &source).expect("the corpus space checks");
    let plan = study.plan().clone();
    let space = plan.search_space();
    let encoder = Encoder::new(&space);
    let data = hps::train::data::load(plan.data.as_ref().unwrap()).expect("the task's data");
    let rows = TaskRows::from_examples(&data.train).expect("classification rows");
    // A diverged run's row stops at its last epoch: rows differ in length.
    let mut reader = csv::ReaderBuilder::new()
        .flexible(true)
        .from_path(table)
        .expect("the table");
    let mut by_key: BTreeMap<String, (Config, BTreeMap<u32, f64>)> = BTreeMap::new();
    for record in reader.records() {
        let r = record.expect("a row");
        let key = (0..5)
            .map(|i| r[i].to_owned())
            .collect::<Vec<_>>()
            .join(",");
        let config = Config::from([
            (
                String::from("model.width"),
                Value::Int(r[0].parse().unwrap()),
            ),
            (
                String::from("model.depth"),
                Value::Int(r[1].parse().unwrap()),
            ),
            (
                String::from("model.drop"),
                Value::Float(r[2].parse().unwrap()),
            ),
            (String::from("train.optimizer"), Value::Str(r[3].to_owned())),
            (
                String::from("train.lr"),
                Value::Float(r[4].parse().unwrap()),
            ),
        ]);
        let seed: u32 = r[5].parse().unwrap();
        let last: f64 = r[r.len() - 1].parse().unwrap_or(f64::NAN);
        let value = if last.is_finite() && r.len() == 6 + 27 {
            last
        } else {
            0.0
        };
        by_key
            .entry(key)
            .or_insert_with(|| (config, BTreeMap::new()))
            .1
            .insert(seed, value);
    }
    let mut configs = Vec::new();
    let mut keys = Vec::new();
    let mut mean = Vec::new();
    let mut by_seed = Vec::new();
    for (key, (config, seeds)) in by_key {
        #[allow(clippy::cast_possible_truncation)]
        configs.push(
            encoder
                .encode(&space, &config)
                .into_iter()
                .map(|v| v as f32)
                .collect(),
        );
        keys.push(key);
        #[allow(clippy::cast_precision_loss)]
        mean.push(seeds.values().sum::<f64>() / seeds.len() as f64);
        by_seed.push(seeds);
    }
    let labels = match &data.train.targets {
        hps::train::data::Targets::Classes { labels, classes } => (labels.clone(), *classes),
        hps::train::data::Targets::Values { .. } => unreachable!("classification"),
    };
    let mut counts = vec![0usize; labels.1];
    for &l in &labels.0 {
        counts[l as usize] += 1;
    }
    #[allow(clippy::cast_precision_loss)]
    let meta_features = [
        (rows.len() as f64).ln(),
        (rows.width() as f64).ln(),
        rows.classes() as f64,
        *counts.iter().max().unwrap() as f64 / rows.len() as f64,
    ];
    Task {
        name,
        rows,
        configs,
        keys,
        mean,
        by_seed,
        meta_features,
    }
}

/// The partner of a related task, if any.
fn partner(name: &str) -> Option<&'static str> {
    RELATED
        .iter()
        .find_map(|(a, b)| (*a == name).then_some(*b).or((*b == name).then_some(*a)))
}

/// The held-out groups: every task alone (leave-one-task-out), or with `HPS_META_FOLDS=k` the tasks
/// in `k` groups (related pairs together, dealt round-robin by name) — cheaper, for sweeps.
fn folds(tasks: &[Task]) -> Vec<Vec<usize>> {
    let k: usize = env("HPS_META_FOLDS", 0);
    if k == 0 {
        return (0..tasks.len()).map(|t| vec![t]).collect();
    }
    let mut units: Vec<Vec<usize>> = Vec::new();
    for (t, task) in tasks.iter().enumerate() {
        let with = partner(&task.name).and_then(|p| tasks.iter().position(|o| o.name == p));
        match with {
            Some(u) if u < t => units.iter_mut().find(|g| g.contains(&u)).unwrap().push(t),
            _ => units.push(vec![t]),
        }
    }
    let mut groups = vec![Vec::new(); k];
    for (i, unit) in units.into_iter().enumerate() {
        groups[i % k].extend(unit);
    }
    groups
}

/// `name`'s value from the environment, or `default`.
fn env<T: std::str::FromStr>(name: &str, default: T) -> T {
    std::env::var(name).ok().map_or(default, |v| {
        v.parse().ok().unwrap_or_else(|| panic!("{name}={v}"))
    })
}

/// The predictor's settings, training options, ranking batches and ensemble size: the defaults,
/// each overridable from the environment (`HPS_META_LR`, `HPS_META_ALPHA`, `HPS_META_BETA`,
/// `HPS_META_CONFIGS`, `HPS_META_WINDOW`, `HPS_META_SEED`, `HPS_META_LISTWISE`,
/// `HPS_META_SHARPNESS`, `HPS_META_ANNEAL` (0/1), `HPS_META_HIDDEN`, `HPS_META_EMBEDDING`, `HPS_META_ROWS`,
/// `HPS_META_COLUMNS`, `HPS_META_META_FEATURES` (0/1), `HPS_META_BATCHES`, `HPS_META_ENSEMBLE`).
fn configured(steps: usize) -> (Settings, TrainOptions, usize, usize) {
    let s = Settings::default();
    let settings = Settings {
        hidden: env("HPS_META_HIDDEN", s.hidden),
        embedding: env("HPS_META_EMBEDDING", s.embedding),
        rows: env("HPS_META_ROWS", s.rows),
        columns: env("HPS_META_COLUMNS", s.columns),
        meta_features: env("HPS_META_META_FEATURES", u8::from(s.meta_features)) != 0,
    };
    let o = TrainOptions::default();
    let options = TrainOptions {
        steps,
        lr: env("HPS_META_LR", o.lr),
        alpha: env("HPS_META_ALPHA", o.alpha),
        beta: env("HPS_META_BETA", o.beta),
        configs_per_step: env("HPS_META_CONFIGS", o.configs_per_step),
        window: env("HPS_META_WINDOW", o.window),
        seed: env("HPS_META_SEED", o.seed),
        listwise: env("HPS_META_LISTWISE", o.listwise),
        sharpness: env("HPS_META_SHARPNESS", o.sharpness),
        anneal: env("HPS_META_ANNEAL", u8::from(o.anneal)) != 0,
    };
    (
        settings,
        options,
        env("HPS_META_BATCHES", 16),
        env("HPS_META_ENSEMBLE", 1),
    )
}

/// (AP@10, tolerant AP@10, evaluations to near-best, regret after 3) of `ranking` against `truth`.
#[allow(clippy::cast_precision_loss)]
fn metrics(ranking: &[usize], truth: &[f64]) -> [f64; 4] {
    let best = truth.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let in_top = top_ten(truth);
    let near: Vec<bool> = truth.iter().map(|v| *v >= best - NEAR).collect();
    let evaluations = ranking
        .iter()
        .position(|&i| near[i])
        .map_or(truth.len(), |p| p + 1);
    let best_of_three = ranking
        .iter()
        .take(3)
        .map(|&i| truth[i])
        .fold(f64::NEG_INFINITY, f64::max);
    [
        ap_at_10(ranking, &in_top),
        ap_at_10(ranking, &near),
        evaluations as f64,
        best - best_of_three,
    ]
}

/// One-sided Wilcoxon signed-rank p-value that `a` is larger than `b` (normal approximation).
#[allow(clippy::cast_precision_loss)]
fn wilcoxon_greater(a: &[f64], b: &[f64]) -> f64 {
    let mut diffs: Vec<f64> = a
        .iter()
        .zip(b)
        .map(|(x, y)| x - y)
        .filter(|d| d.abs() > 1e-12)
        .collect();
    let n = diffs.len();
    if n == 0 {
        return 1.0;
    }
    diffs.sort_by(|x, y| x.abs().total_cmp(&y.abs()));
    // Average ranks over ties of |d|.
    let mut ranks = vec![0.0; n];
    let mut i = 0;
    while i < n {
        let mut j = i;
        while j + 1 < n && (diffs[j + 1].abs() - diffs[i].abs()).abs() < 1e-12 {
            j += 1;
        }
        let rank = (i + j) as f64 / 2.0 + 1.0;
        for r in &mut ranks[i..=j] {
            *r = rank;
        }
        i = j + 1;
    }
    let w: f64 = diffs
        .iter()
        .zip(&ranks)
        .filter(|(d, _)| **d > 0.0)
        .map(|(_, r)| r)
        .sum();
    let nf = n as f64;
    let mean = nf * (nf + 1.0) / 4.0;
    let sd = (nf * (nf + 1.0) * (2.0 * nf + 1.0) / 24.0).sqrt();
    let z = (w - mean - 0.5) / sd;
    1.0 - hps::stats::cdf(z)
}

fn main() {
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| a != "--bench")
        .collect();
    let [tables, tasks_dir, space, rest @ ..] = args.as_slice() else {
        eprintln!("usage: hyperstar_loto TABLES_DIR TASKS_DIR SPACE_HPS [STEPS]");
        std::process::exit(2);
    };
    let steps: usize = rest
        .first()
        .map_or(TrainOptions::default().steps, |s| s.parse().expect("STEPS"));
    let space_source = std::fs::read_to_string(space).expect("the space file");
    let mut files: Vec<PathBuf> = std::fs::read_dir(tables)
        .expect("the tables folder")
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "csv"))
        .collect();
    files.sort();
    let tasks: Vec<Task> = files
        .iter()
        .map(|f| read_task(f, Path::new(tasks_dir), &space_source))
        .collect();
    assert!(
        tasks.iter().all(|t| t.keys == tasks[0].keys),
        "tables of different grids"
    );
    let device = Device::Cpu;
    let names = ["hyperstar", "agnostic", "nearest", "random", "ceiling"];
    let mut results: Vec<[[f64; 4]; 5]> = Vec::new();
    println!(
        "{:<16} {:>9} {:>9} {:>9} {:>9} {:>9}   (AP@10; then tolerant AP@10, evals to near-best, regret@3 for hyperstar)",
        "task", names[0], names[1], names[2], names[3], names[4]
    );
    let mut train_seconds = Vec::new();
    let mut rank_seconds = Vec::new();
    let (settings, options, batches, ensemble) = configured(steps);
    println!(
        "settings {settings:?}\noptions {options:?}\nranking batches {batches}, ensemble {ensemble}"
    );
    for held_out in folds(&tasks) {
        let partners: Vec<&str> = held_out
            .iter()
            .filter_map(|&t| partner(&tasks[t].name))
            .collect();
        let training: Vec<&Task> = tasks
            .iter()
            .enumerate()
            .filter(|(u, other)| !held_out.contains(u) && !partners.contains(&other.name.as_str()))
            .map(|(_, o)| o)
            .collect();
        let meta: Vec<MetaTask> = training
            .iter()
            .map(|o| MetaTask {
                name: o.name.clone(),
                rows: o.rows.clone(),
                configs: o.configs.clone(),
                scores: o.mean.clone(),
            })
            .collect();
        let started = Instant::now();
        let models: Vec<_> = (0..ensemble)
            .map(|i| {
                let options = TrainOptions {
                    seed: options.seed + i as u64,
                    ..options
                };
                train(
                    &meta,
                    tasks[0].configs[0].len(),
                    settings,
                    &options,
                    &device,
                    &mut |_, _| {},
                )
                .expect("training")
            })
            .collect();
        train_seconds.push(started.elapsed().as_secs_f64());
        for &t in &held_out {
            let task = &tasks[t];
            let started = Instant::now();
            let mut predicted = vec![0.0; task.configs.len()];
            for model in &models {
                let s =
                    scores(model, &task.rows, &task.configs, batches, 0, &device).expect("ranking");
                for (p, z) in predicted.iter_mut().zip(standardise(&s)) {
                    *p += f64::from(z);
                }
            }
            rank_seconds.push(started.elapsed().as_secs_f64());
            let hyperstar = order(&predicted);
            // Task-agnostic: mean standardised score over the training tasks.
            let mut agnostic_score = vec![0.0; task.configs.len()];
            for o in &meta {
                for (s, z) in agnostic_score.iter_mut().zip(o.targets()) {
                    *s += f64::from(z);
                }
            }
            let agnostic = order(&agnostic_score);
            // Nearest task by standardised meta-features.
            let features: Vec<[f64; 4]> = training.iter().map(|o| o.meta_features).collect();
            let spread: Vec<(f64, f64)> = (0..4)
                .map(|k| {
                    #[allow(clippy::cast_precision_loss)]
                    let n = features.len() as f64;
                    let m = features.iter().map(|f| f[k]).sum::<f64>() / n;
                    let sd = (features.iter().map(|f| (f[k] - m).powi(2)).sum::<f64>() / n).sqrt();
                    (m, sd.max(1e-9))
                })
                .collect();
            let distance = |f: &[f64; 4]| -> f64 {
                (0..4)
                    .map(|k| ((f[k] - task.meta_features[k]) / spread[k].1).powi(2))
                    .sum()
            };
            let nearest_task = training
                .iter()
                .min_by(|a, b| distance(&a.meta_features).total_cmp(&distance(&b.meta_features)))
                .unwrap();
            let nearest = order(&nearest_task.mean);
            // Random: expected metrics over 200 permutations.
            let mut rng = StdRng::seed_from_u64(7);
            let mut random = [0.0; 4];
            for _ in 0..200 {
                let mut perm: Vec<usize> = (0..task.configs.len()).collect();
                perm.shuffle(&mut rng);
                for (r, m) in random.iter_mut().zip(metrics(&perm, &task.mean)) {
                    *r += m / 200.0;
                }
            }
            // Ceiling: seed 1's ranking judged by the mean of seeds 2 and 3.
            let seed1: Vec<f64> = task
                .by_seed
                .iter()
                .map(|s| s.get(&1).copied().unwrap_or(0.0))
                .collect();
            let rest: Vec<f64> = task
                .by_seed
                .iter()
                .map(|s| {
                    let v: Vec<f64> = s
                        .iter()
                        .filter(|(k, _)| **k != 1)
                        .map(|(_, v)| *v)
                        .collect();
                    #[allow(clippy::cast_precision_loss)]
                    let n = v.len().max(1) as f64;
                    v.iter().sum::<f64>() / n
                })
                .collect();
            let ceiling = metrics(&order(&seed1), &rest);
            let row = [
                metrics(&hyperstar, &task.mean),
                metrics(&agnostic, &task.mean),
                metrics(&nearest, &task.mean),
                random,
                ceiling,
            ];
            println!(
                "{:<16} {:>9.3} {:>9.3} {:>9.3} {:>9.3} {:>9.3}   {:.3} {:>5.1} {:.4}",
                task.name,
                row[0][0],
                row[1][0],
                row[2][0],
                row[3][0],
                row[4][0],
                row[0][1],
                row[0][2],
                row[0][3]
            );
            results.push(row);
        }
    }
    #[allow(clippy::cast_precision_loss)]
    let n = results.len() as f64;
    println!(
        "\nmeans over {} tasks ({steps} training steps per fold):",
        results.len()
    );
    println!(
        "{:<12} {:>8} {:>12} {:>14} {:>10}",
        "ranking", "AP@10", "tolerant AP", "evals to near", "regret@3"
    );
    for (k, name) in names.iter().enumerate() {
        let mean = |m: usize| results.iter().map(|r| r[k][m]).sum::<f64>() / n;
        println!(
            "{:<12} {:>8.3} {:>12.3} {:>14.2} {:>10.4}",
            name,
            mean(0),
            mean(1),
            mean(2),
            mean(3)
        );
    }
    let column = |k: usize, m: usize| -> Vec<f64> { results.iter().map(|r| r[k][m]).collect() };
    for (k, name) in [(1, "agnostic"), (2, "nearest"), (3, "random")] {
        let ap = wilcoxon_greater(&column(0, 0), &column(k, 0));
        // Fewer evaluations is better: test the baseline's count being larger.
        let evals = wilcoxon_greater(&column(k, 2), &column(0, 2));
        println!(
            "hyperstar vs {name}: one-sided Wilcoxon p = {ap:.4} (AP@10), {evals:.4} (evaluations to near-best)"
        );
    }
    let mean = |k: usize| results.iter().map(|r| r[k][0]).sum::<f64>() / n;
    let headroom = mean(4) - mean(1);
    if headroom > 0.0 {
        println!(
            "share of the headroom (ceiling − agnostic AP@10) hyperstar captures: {:.2}",
            (mean(0) - mean(1)) / headroom
        );
    }
    let median = |v: &mut Vec<f64>| {
        v.sort_by(f64::total_cmp);
        v[v.len() / 2]
    };
    println!(
        "training a predictor: {:.1} s (median per fold); ranking a task: {:.3} s",
        median(&mut train_seconds),
        median(&mut rank_seconds)
    );
}

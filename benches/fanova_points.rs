//! fANOVA importances vs Optuna, the hps half: reads points (parameter columns and a value) from a
//! CSV and prints hps's importances (`hps::importance::importances`, the function `hps best
//! --importance` and the report call) as JSON, for one or more forest seeds and their mean.
//! `benches/fanova_vs_optuna.py` writes the CSVs and runs Optuna's `FanovaImportanceEvaluator` on
//! the same rows; `benches/fanova_vs_optuna.sh` runs both.
//!
//! The header names each parameter's distribution, `NAME:KIND:ARGS`, and the last column is `value`:
//!
//! - `x:uniform:LOW:HIGH` — a real in a range;
//! - `lr:loguniform:LOW:HIGH` — a real uniform in log;
//! - `n:int:LOW:HIGH` — an integer (step 1);
//! - `c:choice:A|B|C` — one of unordered strings.
//!
//! `cargo bench --bench fanova_points -- --csv FILE [--seeds 0,1,2] [--trees 64]`

use std::collections::BTreeMap;
use std::error::Error;
use std::path::PathBuf;

use hps::importance::{ForestOptions, importances};
use hps::plan::ParamPlan;
use hps::space::{Config, Distribution, Value};

/// The settings from the command line.
struct Args {
    csv: PathBuf,
    seeds: Vec<u64>,
    trees: usize,
}

fn parse_args() -> Result<Args, Box<dyn Error>> {
    let mut csv = None;
    let mut seeds = vec![0];
    let mut trees = ForestOptions::default().trees;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--csv" => csv = args.next().map(PathBuf::from),
            "--seeds" => {
                seeds = args
                    .next()
                    .ok_or("--seeds needs a list")?
                    .split(',')
                    .map(str::parse)
                    .collect::<Result<_, _>>()?;
            }
            "--trees" => trees = args.next().ok_or("--trees needs a number")?.parse()?,
            // `cargo bench` passes `--bench` to every bench target.
            "--bench" => {}
            other => return Err(format!("unknown argument {other}").into()),
        }
    }
    Ok(Args {
        csv: csv.ok_or("--csv FILE is required")?,
        seeds,
        trees,
    })
}

/// A header cell `NAME:KIND:ARGS` as a parameter.
fn param(header: &str) -> Result<ParamPlan, Box<dyn Error>> {
    let parts: Vec<&str> = header.split(':').collect();
    let number = |k: usize| -> Result<f64, Box<dyn Error>> {
        Ok(parts
            .get(k)
            .ok_or_else(|| format!("{header}: missing bound"))?
            .parse()?)
    };
    let distribution = match parts.get(1).copied() {
        Some("uniform") => Distribution::Uniform {
            low: number(2)?,
            high: number(3)?,
            step: None,
        },
        Some("loguniform") => Distribution::LogUniform {
            low: number(2)?,
            high: number(3)?,
        },
        Some("int") => Distribution::Int {
            low: parts.get(2).ok_or("int: missing low")?.parse()?,
            high: parts.get(3).ok_or("int: missing high")?.parse()?,
            log: false,
            step: 1,
        },
        Some("choice") => Distribution::Choice {
            values: parts
                .get(2)
                .ok_or("choice: missing values")?
                .split('|')
                .map(|v| Value::Str(v.to_owned()))
                .collect(),
        },
        _ => return Err(format!("{header}: expected NAME:KIND:ARGS").into()),
    };
    Ok(ParamPlan {
        name: parts[0].to_owned(),
        scale: distribution.scale().map(str::to_owned),
        cardinality: distribution.cardinality(),
        distribution,
        condition: None,
        doc: None,
    })
}

/// A cell as the parameter's value.
fn value(p: &ParamPlan, cell: &str) -> Result<Value, Box<dyn Error>> {
    Ok(match p.distribution {
        Distribution::Int { .. } => Value::Int(cell.parse()?),
        Distribution::Choice { .. } => Value::Str(cell.to_owned()),
        _ => Value::Float(cell.parse()?),
    })
}

fn main() -> Result<(), Box<dyn Error>> {
    let args = parse_args()?;
    let mut reader = csv::Reader::from_path(&args.csv)?;
    let headers = reader.headers()?.clone();
    let (last, columns) = headers.iter().collect::<Vec<_>>().split_last().map_or_else(
        || (String::new(), Vec::new()),
        |(last, rest)| ((*last).to_owned(), rest.to_vec()),
    );
    if last != "value" {
        return Err("the last column must be `value`".into());
    }
    let params: Vec<ParamPlan> = columns.iter().map(|h| param(h)).collect::<Result<_, _>>()?;
    let mut points: Vec<(Config, f64)> = Vec::new();
    for record in reader.records() {
        let record = record?;
        let mut config = Config::new();
        for (p, cell) in params.iter().zip(record.iter()) {
            config.insert(p.name.clone(), value(p, cell)?);
        }
        let y: f64 = record.get(params.len()).ok_or("short row")?.parse()?;
        points.push((config, y));
    }
    let refs: Vec<(&Config, f64)> = points.iter().map(|(c, v)| (c, *v)).collect();
    let mut per_seed: BTreeMap<String, BTreeMap<String, f64>> = BTreeMap::new();
    let mut mean: BTreeMap<String, f64> = params.iter().map(|p| (p.name.clone(), 0.0)).collect();
    for &seed in &args.seeds {
        let options = ForestOptions {
            seed,
            trees: args.trees,
            ..ForestOptions::default()
        };
        let found = importances(&params, &refs, &options).map_err(|e| e.to_string())?;
        let shares: BTreeMap<String, f64> = found
            .params
            .iter()
            .map(|i| (i.name.clone(), i.importance))
            .collect();
        for (name, share) in &shares {
            #[allow(clippy::cast_precision_loss)]
            let n = args.seeds.len() as f64;
            *mean.entry(name.clone()).or_default() += share / n;
        }
        per_seed.insert(seed.to_string(), shares);
    }
    let out = serde_json::json!({
        "points": points.len(),
        "trees": args.trees,
        "seeds": per_seed,
        "mean": mean,
    });
    println!("{out}");
    Ok(())
}

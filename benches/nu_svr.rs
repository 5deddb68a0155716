//! hps's ν-SVR on a dataset written by `benches/nu_svr_vs_sklearn.sh`: fits on `train.csv`, predicts
//! `test.csv` (last column: the target), prints R² and the median fit + predict time in
//! milliseconds as one JSON line. `nu_svr_sklearn.py` does the same with scikit-learn's `NuSVR`.
//!
//! `cargo bench --bench nu_svr -- DIR C NU GAMMA REPEATS`

use std::path::Path;
use std::time::Instant;

use hps::predictor::nu_svr::{Kernel, NuSvr, NuSvrParams};

fn read(path: &Path) -> (Vec<Vec<f64>>, Vec<f64>) {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .from_path(path)
        .expect("the dataset opens");
    let mut x = Vec::new();
    let mut y = Vec::new();
    for record in reader.records() {
        let row: Vec<f64> = record
            .expect("a row")
            .iter()
            .map(|c| c.parse().expect("a number"))
            .collect();
        let (target, features) = row.split_last().expect("a target column");
        x.push(features.to_vec());
        y.push(*target);
    }
    (x, y)
}

fn main() {
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| a != "--bench")
        .collect();
    let [dir, c, nu, gamma, repeats] = args.as_slice() else {
        eprintln!("usage: nu_svr DIR C NU GAMMA REPEATS");
        std::process::exit(2);
    };
    let dir = Path::new(dir);
    let (x, y) = read(&dir.join("train.csv"));
    let (tx, ty) = read(&dir.join("test.csv"));
    let params = NuSvrParams {
        c: c.parse().expect("C"),
        nu: nu.parse().expect("ν"),
        kernel: Kernel::Rbf {
            gamma: gamma.parse().expect("γ"),
        },
        ..NuSvrParams::default()
    };
    let repeats: usize = repeats.parse().expect("repeats");
    let mut times = Vec::new();
    let mut predicted = Vec::new();
    for _ in 0..repeats {
        let start = Instant::now();
        let model = NuSvr::fit(&x, &y, &params).expect("the fit succeeds");
        predicted = tx.iter().map(|r| model.predict(r)).collect();
        times.push(start.elapsed().as_secs_f64() * 1e3);
    }
    times.sort_by(f64::total_cmp);
    #[allow(clippy::cast_precision_loss)]
    let mean = ty.iter().sum::<f64>() / ty.len() as f64;
    let residual: f64 = ty
        .iter()
        .zip(&predicted)
        .map(|(t, p)| (t - p).powi(2))
        .sum();
    let total: f64 = ty.iter().map(|t| (t - mean).powi(2)).sum();
    println!(
        "{{\"r2\": {}, \"ms\": {}}}",
        1.0 - residual / total,
        times[times.len() / 2]
    );
}

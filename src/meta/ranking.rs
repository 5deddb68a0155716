//! Ranking a new task's configurations (Mittal et al., Algorithm 2): each configuration's predicted
//! score averaged over `batches` random batches of the task's rows, best first.

use candle_core::{Device, Tensor};
use rand::SeedableRng;
use rand::rngs::StdRng;

use super::network::Predictor;
use super::task::TaskRows;

/// The predicted score of each configuration (encoded, one row each) for the task, averaged over
/// `batches` batches drawn with `seed`.
///
/// # Errors
/// On a Candle failure.
pub fn scores(
    predictor: &Predictor,
    rows: &TaskRows,
    configs: &[Vec<f32>],
    batches: usize,
    seed: u64,
    device: &Device,
) -> candle_core::Result<Vec<f64>> {
    if configs.is_empty() {
        return Ok(Vec::new());
    }
    let dims = predictor.config_dims.max(1);
    let flat: Vec<f32> = configs
        .iter()
        .flat_map(|c| {
            let mut c = c.clone();
            c.resize(dims, 0.0);
            c
        })
        .collect();
    let encoded = Tensor::from_vec(flat, (configs.len(), dims), device)?;
    let embedded = predictor.config_embedding(&encoded)?;
    let mut rng = StdRng::seed_from_u64(seed);
    let mut total = vec![0.0f64; configs.len()];
    let settings = predictor.settings;
    let batches = batches.max(1);
    let meta = rows.meta_features();
    for _ in 0..batches {
        let (x, y) = rows.batch(settings.rows, settings.columns, &mut rng, device)?;
        let task = predictor.task_embedding(&x, &y, &meta)?;
        let s = predictor.scores(&task, &embedded)?.to_vec1::<f32>()?;
        for (t, v) in total.iter_mut().zip(s) {
            *t += f64::from(v);
        }
    }
    #[allow(clippy::cast_precision_loss)]
    let n = batches as f64;
    Ok(total.into_iter().map(|t| t / n).collect())
}

/// The indexes of `scores` best first (ties by index).
#[must_use]
pub fn order(scores: &[f64]) -> Vec<usize> {
    let mut order: Vec<usize> = (0..scores.len()).collect();
    order.sort_by(|&a, &b| scores[b].total_cmp(&scores[a]).then(a.cmp(&b)));
    order
}

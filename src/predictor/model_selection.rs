//! Choosing a ν-SVR's `(C, ν, γ)` as Baker et al. do: a seeded random search over C ~ LogU(1e-5, 10),
//! ν ~ U(0, 1), γ ~ LogU(1e-5, 10), each candidate scored by k-fold cross-validated mean squared
//! error; and the leave-one-out residuals the stopping rule turns into σ. Every fit on a subset reuses
//! one Gram matrix per γ.

use rand::rngs::StdRng;
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};

use crate::predictor::nu_svr::{
    Gram, Kernel, NuSvrParams, SvrError, predict_gram, solve, validate,
};

/// Candidates tried by [`select`].
pub const CANDIDATES: usize = 24;
/// Folds of the cross-validation.
pub const FOLDS: usize = 3;

/// The candidate `(C, ν, γ)` with the lowest `FOLDS`-fold cross-validated mean squared error among
/// [`CANDIDATES`] random draws (seeded by `seed`).
///
/// # Errors
/// Inputs [`validate`] refuses, or fewer than `FOLDS` rows.
pub fn select(x: &[Vec<f64>], y: &[f64], seed: u64) -> Result<NuSvrParams, SvrError> {
    validate(x, y, &NuSvrParams::default())?;
    if x.len() != y.len() || x.len() < FOLDS {
        return Err(SvrError::Shape(format!(
            "cross-validation needs at least {FOLDS} rows, got {}",
            x.len()
        )));
    }
    let mut rng = StdRng::seed_from_u64(seed);
    let mut order: Vec<usize> = (0..x.len()).collect();
    order.shuffle(&mut rng);
    let folds: Vec<Vec<usize>> = (0..FOLDS)
        .map(|f| order.iter().copied().skip(f).step_by(FOLDS).collect())
        .collect();
    let mut best: Option<(f64, NuSvrParams)> = None;
    for _ in 0..CANDIDATES {
        let params = NuSvrParams {
            c: 10f64.powf(rng.random_range(-5.0..=1.0)),
            nu: rng.random_range(0.01..=1.0),
            kernel: Kernel::Rbf {
                gamma: 10f64.powf(rng.random_range(-5.0..=1.0)),
            },
            ..NuSvrParams::default()
        };
        let gram = Gram::new(x, params.kernel);
        let mut squared = 0.0;
        for held in &folds {
            let train: Vec<usize> = (0..x.len()).filter(|i| !held.contains(i)).collect();
            let (coef, rho) = solve(y, &gram, &train, &params);
            for &i in held {
                squared += (y[i] - predict_gram(&gram, &train, &coef, rho, i)).powi(2);
            }
        }
        if best.as_ref().is_none_or(|(b, _)| squared < *b) {
            best = Some((squared, params));
        }
    }
    Ok(best.map_or_else(NuSvrParams::default, |(_, p)| p))
}

/// `yᵢ − ŷ₋ᵢ` for every row: the residual of a model fitted without row `i`.
///
/// # Errors
/// Inputs [`validate`] refuses, or fewer than 2 rows.
pub fn leave_one_out_residuals(
    x: &[Vec<f64>],
    y: &[f64],
    params: &NuSvrParams,
) -> Result<Vec<f64>, SvrError> {
    validate(x, y, params)?;
    if x.len() != y.len() || x.len() < 2 {
        return Err(SvrError::Shape(format!(
            "leave-one-out needs at least 2 rows, got {}",
            x.len()
        )));
    }
    let gram = Gram::new(x, params.kernel);
    Ok((0..x.len())
        .map(|i| {
            let train: Vec<usize> = (0..x.len()).filter(|&j| j != i).collect();
            let (coef, rho) = solve(y, &gram, &train, params);
            y[i] - predict_gram(&gram, &train, &coef, rho, i)
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::predictor::nu_svr::NuSvr;

    fn noisy_line(n: usize) -> (Vec<Vec<f64>>, Vec<f64>) {
        let mut rng = StdRng::seed_from_u64(3);
        let x: Vec<Vec<f64>> = (0..n).map(|_| vec![rng.random_range(-1.0..1.0)]).collect();
        let y = x
            .iter()
            .map(|r| 2.0 * r[0] + rng.random_range(-0.1..0.1))
            .collect();
        (x, y)
    }

    #[test]
    fn selection_is_seeded_and_beats_the_mean() {
        let (x, y) = noisy_line(40);
        let a = select(&x, &y, 7).unwrap();
        assert_eq!(a, select(&x, &y, 7).unwrap());
        let model = NuSvr::fit(&x, &y, &a).unwrap();
        let residual: f64 = x
            .iter()
            .zip(&y)
            .map(|(r, t)| (model.predict(r) - t).powi(2))
            .sum();
        let mean = y.iter().sum::<f64>() / 40.0;
        let total: f64 = y.iter().map(|t| (t - mean).powi(2)).sum();
        assert!(residual < 0.2 * total, "{residual} vs {total}");
    }

    #[test]
    fn leave_one_out_residuals_are_held_out() {
        let (x, y) = noisy_line(20);
        let params = select(&x, &y, 1).unwrap();
        let loo = leave_one_out_residuals(&x, &y, &params).unwrap();
        assert_eq!(loo.len(), 20);
        // Held-out residuals are larger on average than the in-sample ones.
        let model = NuSvr::fit(&x, &y, &params).unwrap();
        let inside: f64 = x
            .iter()
            .zip(&y)
            .map(|(r, t)| (model.predict(r) - t).powi(2))
            .sum();
        let outside: f64 = loo.iter().map(|r| r * r).sum();
        assert!(outside >= inside, "{outside} < {inside}");
        assert!(leave_one_out_residuals(&x[..1], &y[..1], &params).is_err());
    }
}

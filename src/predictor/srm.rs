//! Sequential regression models (Baker et al. 2018, §3.1): one ν-SVR per target epoch `T` and
//! prefix length `τ`, predicting a curve's value at `T` from its first `τ` values (with their first
//! and second differences, [`features::push_curve`]) and a trial's static features (hyperparameters,
//! network size). Features and targets are standardised on the training curves; `(C, ν, γ)` are chosen
//! by cross-validation ([`model_selection`]); σ is the root mean square of the leave-one-out residuals
//! of the training curves whose held-out predictions were nearest the trial's (Baker et al. §4 use
//! one σ per `τ` for every configuration; see [`Srm::global_sigma`]).

use crate::predictor::features;
use crate::predictor::model_selection;
use crate::predictor::nu_svr::NuSvr;
use crate::predictor::standardize::Standardizer;

/// A trial's σ comes from the held-out residuals of one in `LOCAL_SHARE` of the training curves …
pub const LOCAL_SHARE: usize = 4;
/// … but at least this many (with fewer curves, σ is the paper's).
pub const LOCAL_MIN: usize = 10;
/// A local σ is never below this share of the paper's: ten curves that happened to be predicted
/// almost exactly must not make the rule certain about an eleventh.
pub const LOCAL_FLOOR: f64 = 0.1;

/// A fitted model for one `(T, τ)`.
pub struct Srm {
    prefix: usize,
    inputs: Standardizer,
    target_mean: f64,
    target_scale: f64,
    model: NuSvr,
    sigma: f64,
    /// Each training curve's leave-one-out prediction (in the target's units, as a change from the
    /// last value seen) and squared residual, sorted by prediction.
    held_out: Vec<(f64, f64)>,
}

/// A feature row: static features, then the curve prefix's features.
fn row(statics: &[f64], prefix: &[f64]) -> Vec<f64> {
    let mut row = statics.to_vec();
    features::push_curve(prefix, &mut row);
    row
}

impl Srm {
    /// Fits the model predicting epoch `target` (1-based) from the first `prefix` epochs, on
    /// training curves (each at least `target` long, finite) with their static features (one row
    /// per curve, all the same length). `seed` drives the cross-validation's random search.
    ///
    /// # Errors
    /// Fewer than 3 curves, mismatched lengths, a prefix not shorter than the target, or a solver
    /// failure.
    pub fn fit(
        statics: &[&[f64]],
        curves: &[&[f64]],
        target: usize,
        prefix: usize,
        seed: u64,
    ) -> Result<Self, String> {
        if curves.len() < 3 || statics.len() != curves.len() {
            return Err(format!(
                "need at least 3 curves with features, got {} curves and {} feature rows",
                curves.len(),
                statics.len()
            ));
        }
        if prefix == 0 || prefix >= target {
            return Err(format!(
                "the prefix ({prefix}) must be shorter than the target ({target})"
            ));
        }
        if curves.iter().any(|c| c.len() < target) {
            return Err(format!("every curve must reach epoch {target}"));
        }
        let raw: Vec<Vec<f64>> = statics
            .iter()
            .zip(curves)
            .map(|(s, c)| row(s, &c[..prefix]))
            .collect();
        let width = raw[0].len();
        if raw.iter().any(|r| r.len() != width) {
            return Err(String::from("feature rows differ in length"));
        }
        let inputs = Standardizer::fit(&raw);
        let x: Vec<Vec<f64>> = raw.iter().map(|r| inputs.transform(r)).collect();
        // The target is the change from the last value seen: a model that learns nothing predicts
        // the last-seen value, and the kernel need not rebuild the identity from standardised inputs.
        let y_raw: Vec<f64> = curves
            .iter()
            .map(|c| c[target - 1] - c[prefix - 1])
            .collect();
        #[allow(clippy::cast_precision_loss)]
        let n = y_raw.len() as f64;
        let target_mean = y_raw.iter().sum::<f64>() / n;
        let variance = y_raw.iter().map(|v| (v - target_mean).powi(2)).sum::<f64>() / n;
        let target_scale = if variance.sqrt() > 1e-12 {
            variance.sqrt()
        } else {
            1.0
        };
        let y: Vec<f64> = y_raw
            .iter()
            .map(|v| (v - target_mean) / target_scale)
            .collect();
        let params = model_selection::select(&x, &y, seed).map_err(|e| e.to_string())?;
        let residuals =
            model_selection::leave_one_out_residuals(&x, &y, &params).map_err(|e| e.to_string())?;
        #[allow(clippy::cast_precision_loss)]
        let sigma = (residuals.iter().map(|r| r * r).sum::<f64>() / residuals.len().max(1) as f64)
            .sqrt()
            * target_scale;
        let model = NuSvr::fit(&x, &y, &params).map_err(|e| e.to_string())?;
        let mut held_out: Vec<(f64, f64)> = y
            .iter()
            .zip(&residuals)
            .map(|(t, r)| {
                (
                    (t - r) * target_scale + target_mean,
                    (r * target_scale).powi(2),
                )
            })
            .collect();
        held_out.sort_by(|a, b| a.0.total_cmp(&b.0));
        Ok(Self {
            held_out,
            prefix,
            inputs,
            target_mean,
            target_scale,
            model,
            sigma,
        })
    }

    /// The predicted value at the target epoch and its (local) σ, from a trial's static features and
    /// its curve (at least the model's prefix long; later epochs are ignored).
    #[must_use]
    pub fn predict(&self, statics: &[f64], curve: &[f64]) -> (f64, f64) {
        let prefix = &curve[..self.prefix.min(curve.len())];
        let last = prefix.last().copied().unwrap_or(0.0);
        let x = self.inputs.transform(&row(statics, prefix));
        let change = self.model.predict(&x) * self.target_scale + self.target_mean;
        (last + change, self.local_sigma(change))
    }

    /// The paper's σ: the root mean square of every training curve's leave-one-out residual.
    #[must_use]
    pub fn global_sigma(&self) -> f64 {
        self.sigma
    }

    /// σ for a trial predicted to change by `change`: the root mean square of the leave-one-out
    /// residuals of one in [`LOCAL_SHARE`] training curves (at least [`LOCAL_MIN`]) whose held-out
    /// predictions were nearest to `change`, and at least [`LOCAL_FLOOR`] of the paper's σ. Errors
    /// grow with how far a curve still has to go: a curve near its plateau is predicted far better
    /// than one still climbing, and one σ for both (the paper's) is too wide for the first and too
    /// narrow for the second.
    fn local_sigma(&self, change: f64) -> f64 {
        let n = self.held_out.len();
        let m = n.div_ceil(LOCAL_SHARE).max(LOCAL_MIN);
        if m >= n {
            return self.sigma;
        }
        nearest_rms(&self.held_out, change, m).max(self.sigma * LOCAL_FLOOR)
    }
}

/// The root mean square of the squared residuals of the `m` (≤ len) entries of `held_out` (sorted by
/// prediction) whose predictions are nearest `at`: a window grown from where `at` would sit.
fn nearest_rms(held_out: &[(f64, f64)], at: f64, m: usize) -> f64 {
    let n = held_out.len();
    let m = m.min(n);
    if m == 0 {
        return 0.0;
    }
    let start = held_out.partition_point(|(p, _)| *p < at);
    let (mut lo, mut hi) = (start, start);
    while hi - lo < m {
        let take_low = hi == n || (lo > 0 && at - held_out[lo - 1].0 <= held_out[hi].0 - at);
        if take_low {
            lo -= 1;
        } else {
            hi += 1;
        }
    }
    let squares: f64 = held_out[lo..hi].iter().map(|(_, r)| r).sum();
    #[allow(clippy::cast_precision_loss)]
    (squares / m as f64).sqrt()
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::rngs::StdRng;
    use rand::{Rng, SeedableRng};

    /// Curves `a·(1 − e^(−t/k))` over 10 epochs with noise at the end proportional to how far the
    /// curve still had to climb after epoch 3: fast curves (small k) end where they stood, slow ones
    /// scatter. The static feature is k.
    fn curves(n: usize, seed: u64) -> (Vec<Vec<f64>>, Vec<Vec<f64>>) {
        let mut rng = StdRng::seed_from_u64(seed);
        (0..n)
            .map(|_| {
                let (a, k) = (rng.random_range(0.5..1.0), rng.random_range(0.5..8.0));
                let mut curve: Vec<f64> = (1..=10)
                    .map(|t| a * (1.0 - (-f64::from(t) / k).exp()))
                    .collect();
                let gap = curve[9] - curve[2];
                curve[9] += gap * rng.random_range(-0.5..0.5);
                (vec![k], curve)
            })
            .unzip()
    }

    #[test]
    fn predicts_held_out_curves_and_sigma_follows_their_spread() {
        let (statics, lines) = curves(80, 1);
        let rows: Vec<&[f64]> = statics.iter().map(Vec::as_slice).collect();
        let refs: Vec<&[f64]> = lines.iter().map(Vec::as_slice).collect();
        let model = Srm::fit(&rows, &refs, 10, 3, 7).unwrap();

        let (test_statics, test_lines) = curves(40, 2);
        let (mut error, mut last_seen, mut spread) = (0.0, 0.0, 0.0);
        let mean = test_lines.iter().map(|c| c[9]).sum::<f64>() / 40.0;
        for (s, c) in test_statics.iter().zip(&test_lines) {
            error += (model.predict(s, c).0 - c[9]).powi(2);
            last_seen += (c[2] - c[9]).powi(2);
            spread += (c[9] - mean).powi(2);
        }
        assert!(error < 0.5 * spread, "R² below 0.5: {error} vs {spread}");
        assert!(error < 0.2 * last_seen, "{error} vs last seen {last_seen}");

        // A curve already on its plateau is predicted with a far smaller σ than one still climbing,
        // and than the paper's single σ.
        let flat: Vec<f64> = (1..=10)
            .map(|t| 0.9 * (1.0 - (-f64::from(t) / 0.6).exp()))
            .collect();
        let steep: Vec<f64> = (1..=10)
            .map(|t| 0.9 * (1.0 - (-f64::from(t) / 7.5).exp()))
            .collect();
        let (_, sigma_flat) = model.predict(&[0.6], &flat);
        let (_, sigma_steep) = model.predict(&[7.5], &steep);
        assert!(
            sigma_flat < 0.5 * sigma_steep,
            "{sigma_flat} vs {sigma_steep}"
        );
        assert!(sigma_flat < model.global_sigma());
        assert!(sigma_steep > model.global_sigma());
    }

    #[test]
    fn the_window_takes_the_nearest_predictions_at_either_end_and_inside() {
        // (prediction, squared residual), sorted by prediction.
        let held_out = [
            (0.0, 1.0),
            (1.0, 4.0),
            (2.0, 9.0),
            (3.0, 16.0),
            (10.0, 100.0),
        ];
        // Below every prediction: the two lowest.
        assert!((nearest_rms(&held_out, -5.0, 2) - 2.5f64.sqrt()).abs() < 1e-12);
        // Above every prediction: the two highest.
        assert!((nearest_rms(&held_out, 50.0, 2) - 58f64.sqrt()).abs() < 1e-12);
        // Inside: 2.9 is nearest 3, then 2, then 1 (1.9 away) before 10 (7.1 away).
        assert!((nearest_rms(&held_out, 2.9, 3) - (29.0f64 / 3.0).sqrt()).abs() < 1e-12);
        // Asking for more than there are takes them all.
        assert!((nearest_rms(&held_out, 0.0, 9) - 26f64.sqrt()).abs() < 1e-12);
        assert!(nearest_rms(&[], 0.0, 3).abs() < f64::EPSILON);
    }

    #[test]
    fn few_curves_get_the_papers_sigma_and_many_never_fall_below_its_floor() {
        let (statics, lines) = curves(LOCAL_MIN, 4);
        let rows: Vec<&[f64]> = statics.iter().map(Vec::as_slice).collect();
        let refs: Vec<&[f64]> = lines.iter().map(Vec::as_slice).collect();
        let model = Srm::fit(&rows, &refs, 10, 3, 1).unwrap();
        for (s, c) in statics.iter().zip(&lines) {
            assert!((model.predict(s, c).1 - model.global_sigma()).abs() < 1e-15);
        }
        // Thirty curves flat from the start (nothing left to predict) and thirty climbing ones: a
        // flat curve's nearest held-out residuals are about zero, and the floor holds σ up.
        let (mut statics, mut lines) = curves(30, 5);
        for i in 0..30 {
            statics.push(vec![0.1]);
            lines.push(vec![0.5 + 0.01 * f64::from(i); 10]);
        }
        let rows: Vec<&[f64]> = statics.iter().map(Vec::as_slice).collect();
        let refs: Vec<&[f64]> = lines.iter().map(Vec::as_slice).collect();
        let model = Srm::fit(&rows, &refs, 10, 3, 1).unwrap();
        let flat = vec![0.6; 10];
        let (value, sigma) = model.predict(&[0.1], &flat);
        let change = value - 0.6;
        let m = model.held_out.len().div_ceil(LOCAL_SHARE);
        assert!(nearest_rms(&model.held_out, change, m) < LOCAL_FLOOR * model.global_sigma());
        assert!((sigma - LOCAL_FLOOR * model.global_sigma()).abs() < 1e-15);
    }

    #[test]
    fn refuses_what_it_cannot_fit() {
        let (statics, lines) = curves(10, 3);
        let rows: Vec<&[f64]> = statics.iter().map(Vec::as_slice).collect();
        let refs: Vec<&[f64]> = lines.iter().map(Vec::as_slice).collect();
        assert!(Srm::fit(&rows[..2], &refs[..2], 10, 3, 1).is_err());
        assert!(Srm::fit(&rows, &refs, 10, 10, 1).is_err());
        assert!(Srm::fit(&rows, &refs, 11, 3, 1).is_err());
        assert!(Srm::fit(&rows[..9], &refs, 10, 3, 1).is_err());
    }
}

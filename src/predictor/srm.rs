//! Sequential regression models (Baker et al. 2018, §3.1): one ν-SVR per target epoch `T` and
//! prefix length `τ`, predicting a curve's value at `T` from its first `τ` values (with their first
//! and second differences, [`features::push_curve`]) and a trial's static features (hyperparameters,
//! network size). Features and targets are standardised on the training curves; `(C, ν, γ)` are chosen
//! by cross-validation ([`model_selection`]); σ is the root mean square of the leave-one-out residuals
//! (Baker et al. §4: one σ per `τ`, independent of the configuration).

use crate::predictor::features;
use crate::predictor::model_selection;
use crate::predictor::nu_svr::NuSvr;
use crate::predictor::standardize::Standardizer;

/// A fitted model for one `(T, τ)`.
pub struct Srm {
    prefix: usize,
    inputs: Standardizer,
    target_mean: f64,
    target_scale: f64,
    model: NuSvr,
    sigma: f64,
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
        Ok(Self {
            prefix,
            inputs,
            target_mean,
            target_scale,
            model,
            sigma,
        })
    }

    /// The predicted value at the target epoch and its σ, from a trial's static features and its
    /// curve (at least the model's prefix long; later epochs are ignored).
    #[must_use]
    pub fn predict(&self, statics: &[f64], curve: &[f64]) -> (f64, f64) {
        let prefix = &curve[..self.prefix.min(curve.len())];
        let last = prefix.last().copied().unwrap_or(0.0);
        let x = self.inputs.transform(&row(statics, prefix));
        (
            last + self.model.predict(&x) * self.target_scale + self.target_mean,
            self.sigma,
        )
    }
}

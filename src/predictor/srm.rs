//! Sequential regression models (in progress: the ν-SVR solver lands next).

/// A fitted model for one `(T, τ)`.
pub struct Srm;

impl Srm {
    /// Fits the model.
    ///
    /// # Errors
    /// Always, until the solver lands.
    pub fn fit(
        _statics: &[&[f64]],
        _curves: &[&[f64]],
        _target: usize,
        _prefix: usize,
        _seed: u64,
    ) -> Result<Self, String> {
        Err(String::from("the ν-SVR solver is not built yet"))
    }

    /// Predicts.
    #[must_use]
    pub fn predict(&self, _statics: &[f64], _curve: &[f64]) -> (f64, f64) {
        (f64::NAN, f64::INFINITY)
    }
}

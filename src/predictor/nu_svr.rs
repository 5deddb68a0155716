//! ν-support vector regression (Schölkopf et al. 2000) as libsvm solves it: the dual
//! `min ½αᵀQα + pᵀα` over `2n` variables (`αᵢ`, `αᵢ*`), `0 ≤ α ≤ C`, with ν's two equality
//! constraints `Σαᵢ = Σαᵢ* = C·ν·n/2`, by sequential minimal optimisation with second-order working-set
//! selection (Fan, Chen and Lin 2005; libsvm's `Solver_NU`), no shrinking. Predictions are
//! `Σ(αᵢ − αᵢ*)·K(xᵢ, x) − ρ`. The Gram matrix is computed once per fit (hps's training sets hold at most
//! a few hundred rows), and [`Gram`] lets cross-validation refit on subsets without recomputing it.

use std::fmt;

/// `τ` in libsvm: the curvature used when a pair's is not positive.
const TAU: f64 = 1e-12;

/// A kernel.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Kernel {
    /// `exp(−γ·‖x − y‖²)`.
    Rbf {
        /// γ > 0.
        gamma: f64,
    },
    /// `x·y`.
    Linear,
}

impl Kernel {
    /// `K(a, b)`.
    #[must_use]
    pub fn eval(&self, a: &[f64], b: &[f64]) -> f64 {
        match self {
            Kernel::Rbf { gamma } => {
                let d2: f64 = a.iter().zip(b).map(|(x, y)| (x - y) * (x - y)).sum();
                (-gamma * d2).exp()
            }
            Kernel::Linear => a.iter().zip(b).map(|(x, y)| x * y).sum(),
        }
    }
}

/// The hyperparameters of a ν-SVR.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct NuSvrParams {
    /// The penalty C > 0.
    pub c: f64,
    /// ν ∈ (0, 1]: an upper bound on the fraction of errors, a lower bound on the fraction of support
    /// vectors.
    pub nu: f64,
    /// The kernel.
    pub kernel: Kernel,
    /// The stopping tolerance on the KKT gap (libsvm's and scikit-learn's default: 1e-3).
    pub tol: f64,
    /// The most SMO iterations.
    pub max_iter: usize,
}

impl Default for NuSvrParams {
    /// scikit-learn's `NuSVR()` defaults, with γ = 1 (scikit-learn's `"scale"` depends on the data).
    fn default() -> Self {
        Self {
            c: 1.0,
            nu: 0.5,
            kernel: Kernel::Rbf { gamma: 1.0 },
            tol: 1e-3,
            max_iter: 10_000_000,
        }
    }
}

/// Why a ν-SVR could not be fitted.
#[derive(Debug, Clone, PartialEq)]
pub enum SvrError {
    /// No rows, or rows of different lengths, or targets not matching rows.
    Shape(String),
    /// A NaN or infinite input.
    NotFinite,
    /// C, ν or γ out of range.
    Parameter(String),
}

impl fmt::Display for SvrError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SvrError::Shape(m) | SvrError::Parameter(m) => f.write_str(m),
            SvrError::NotFinite => f.write_str("the inputs hold a NaN or an infinity"),
        }
    }
}

impl std::error::Error for SvrError {}

/// A kernel's Gram matrix over a set of rows.
pub struct Gram {
    n: usize,
    values: Vec<f64>,
}

impl Gram {
    /// `K(xᵢ, xⱼ)` for every pair of `x`.
    #[must_use]
    pub fn new(x: &[Vec<f64>], kernel: Kernel) -> Self {
        let n = x.len();
        let mut values = vec![0.0; n * n];
        for i in 0..n {
            for j in i..n {
                let k = kernel.eval(&x[i], &x[j]);
                values[i * n + j] = k;
                values[j * n + i] = k;
            }
        }
        Self { n, values }
    }

    fn at(&self, i: usize, j: usize) -> f64 {
        self.values[i * self.n + j]
    }
}

/// A fitted ν-SVR.
#[derive(Debug, Clone)]
pub struct NuSvr {
    support: Vec<Vec<f64>>,
    coef: Vec<f64>,
    rho: f64,
    kernel: Kernel,
}

/// Checks the inputs of a fit: rows and targets of matching, non-zero length, all finite, and
/// parameters in range.
///
/// # Errors
/// The first problem found.
pub fn validate(x: &[Vec<f64>], y: &[f64], params: &NuSvrParams) -> Result<(), SvrError> {
    if x.is_empty() || x.len() != y.len() {
        return Err(SvrError::Shape(format!(
            "{} rows and {} targets",
            x.len(),
            y.len()
        )));
    }
    let width = x[0].len();
    if x.iter().any(|r| r.len() != width) {
        return Err(SvrError::Shape(String::from("rows differ in length")));
    }
    if x.iter().flatten().chain(y).any(|v| !v.is_finite()) {
        return Err(SvrError::NotFinite);
    }
    let gamma_ok = match params.kernel {
        Kernel::Rbf { gamma } => gamma.is_finite() && gamma > 0.0,
        Kernel::Linear => true,
    };
    if !(params.c.is_finite() && params.c > 0.0 && params.nu > 0.0 && params.nu <= 1.0 && gamma_ok)
    {
        return Err(SvrError::Parameter(format!(
            "need C > 0, 0 < ν ≤ 1 and γ > 0; got C = {}, ν = {}, {:?}",
            params.c, params.nu, params.kernel
        )));
    }
    Ok(())
}

impl NuSvr {
    /// Fits `y ≈ f(x)`.
    ///
    /// # Errors
    /// Empty or ragged input, a non-finite value, or parameters out of range.
    pub fn fit(x: &[Vec<f64>], y: &[f64], params: &NuSvrParams) -> Result<Self, SvrError> {
        validate(x, y, params)?;
        let gram = Gram::new(x, params.kernel);
        let rows: Vec<usize> = (0..x.len()).collect();
        Ok(Self::fit_gram(x, y, &gram, &rows, params))
    }

    /// Fits on the rows `rows` of `x` (with their Gram matrix `gram` over all of `x`), for
    /// cross-validation. Inputs must have passed [`NuSvr::fit`]'s checks.
    #[must_use]
    pub fn fit_gram(
        x: &[Vec<f64>],
        y: &[f64],
        gram: &Gram,
        rows: &[usize],
        params: &NuSvrParams,
    ) -> Self {
        let (coef, rho) = solve(y, gram, rows, params);
        let mut support = Vec::new();
        let mut kept = Vec::new();
        for (k, &i) in rows.iter().enumerate() {
            if coef[k] != 0.0 {
                support.push(x[i].clone());
                kept.push(coef[k]);
            }
        }
        Self {
            support,
            coef: kept,
            rho,
            kernel: params.kernel,
        }
    }

    /// The prediction at `x`.
    #[must_use]
    pub fn predict(&self, x: &[f64]) -> f64 {
        self.support
            .iter()
            .zip(&self.coef)
            .map(|(s, c)| c * self.kernel.eval(s, x))
            .sum::<f64>()
            - self.rho
    }

    /// The number of support vectors (rows with a non-zero dual coefficient).
    #[must_use]
    pub fn support_vectors(&self) -> usize {
        self.support.len()
    }
}

/// Predicts row `i` of a Gram matrix from dual coefficients over `rows`.
#[must_use]
pub fn predict_gram(gram: &Gram, rows: &[usize], coef: &[f64], rho: f64, i: usize) -> f64 {
    rows.iter()
        .zip(coef)
        .map(|(&j, c)| c * gram.at(i, j))
        .sum::<f64>()
        - rho
}

/// Solves the dual on `rows`; returns `(αᵢ − αᵢ*` per row`, ρ)`.
///
/// Variables `0..l` are the `αᵢ` (sign +1), `l..2l` the `αᵢ*` (sign −1); `Q_st = sign(s)·sign(t)·K(s, t)`
/// is read from the rows' dense kernel matrix, one half at a time, so the inner loops are contiguous.
#[allow(clippy::many_single_char_names, clippy::too_many_lines)]
pub fn solve(y: &[f64], gram: &Gram, rows: &[usize], params: &NuSvrParams) -> (Vec<f64>, f64) {
    let l = rows.len();
    let c = params.c;
    let m = 2 * l;
    let mut k = vec![0.0; l * l];
    for (a, &ra) in rows.iter().enumerate() {
        for (b, &rb) in rows.iter().enumerate() {
            k[a * l + b] = gram.at(ra, rb);
        }
    }
    let krow = |t: usize| &k[(t % l) * l..(t % l + 1) * l];
    let sign = |t: usize| if t < l { 1.0 } else { -1.0 };
    let mut alpha = vec![0.0; m];
    #[allow(clippy::cast_precision_loss)]
    let mut sum = c * params.nu * l as f64 / 2.0;
    for i in 0..l {
        let a = sum.min(c);
        alpha[i] = a;
        alpha[i + l] = a;
        sum -= a;
    }
    let diag: Vec<f64> = (0..m).map(|t| krow(t)[t % l]).collect();
    // G = p + Qα, with p = (−y, y).
    let mut grad: Vec<f64> = (0..m)
        .map(|t| if t < l { -y[rows[t]] } else { y[rows[t - l]] })
        .collect();
    for s in 0..l {
        let net = alpha[s] - alpha[s + l];
        if net != 0.0 {
            for (t, kv) in krow(s).iter().enumerate() {
                grad[t] += net * kv;
                grad[t + l] -= net * kv;
            }
        }
    }
    let upper = |a: f64| a >= c;
    let lower = |a: f64| a <= 0.0;
    let curvature_of = |d: f64| if d > 0.0 { d } else { TAU };
    for _ in 0..params.max_iter.max(1) {
        // Working set (libsvm's Solver_NU::select_working_set).
        let (mut gmaxp, mut ip) = (f64::NEG_INFINITY, None);
        let (mut gmaxn, mut in_) = (f64::NEG_INFINITY, None);
        for t in 0..l {
            if !upper(alpha[t]) && -grad[t] >= gmaxp {
                gmaxp = -grad[t];
                ip = Some(t);
            }
            let u = t + l;
            if !lower(alpha[u]) && grad[u] >= gmaxn {
                gmaxn = grad[u];
                in_ = Some(u);
            }
        }
        let (mut gmaxp2, mut gmaxn2) = (f64::NEG_INFINITY, f64::NEG_INFINITY);
        let mut best: Option<usize> = None;
        let mut obj_min = f64::INFINITY;
        if let Some(i) = ip {
            let ki = krow(i);
            for t in 0..l {
                if lower(alpha[t]) {
                    continue;
                }
                gmaxp2 = gmaxp2.max(grad[t]);
                let diff = gmaxp + grad[t];
                if diff > 0.0 {
                    let obj = -(diff * diff) / curvature_of(diag[i] + diag[t] - 2.0 * ki[t]);
                    if obj <= obj_min {
                        obj_min = obj;
                        best = Some(t);
                    }
                }
            }
        }
        if let Some(i) = in_ {
            let ki = krow(i);
            for t in l..m {
                if upper(alpha[t]) {
                    continue;
                }
                gmaxn2 = gmaxn2.max(-grad[t]);
                let diff = gmaxn - grad[t];
                if diff > 0.0 {
                    let obj = -(diff * diff) / curvature_of(diag[i] + diag[t] - 2.0 * ki[t - l]);
                    if obj <= obj_min {
                        obj_min = obj;
                        best = Some(t);
                    }
                }
            }
        }
        let gap = (gmaxp + gmaxp2).max(gmaxn + gmaxn2);
        let Some(j) = best else { break };
        if gap < params.tol {
            break;
        }
        let Some(i) = (if j < l { ip } else { in_ }) else {
            break;
        };
        // Both variables have the same sign: their sum is kept.
        let (ki, kj) = (krow(i), krow(j));
        let (old_i, old_j) = (alpha[i], alpha[j]);
        let delta = (grad[i] - grad[j]) / curvature_of(diag[i] + diag[j] - 2.0 * ki[j % l]);
        let total = alpha[i] + alpha[j];
        alpha[i] -= delta;
        alpha[j] += delta;
        if total > c {
            if alpha[i] > c {
                alpha[i] = c;
                alpha[j] = total - c;
            }
        } else if alpha[j] < 0.0 {
            alpha[j] = 0.0;
            alpha[i] = total;
        }
        if total > c {
            if alpha[j] > c {
                alpha[j] = c;
                alpha[i] = total - c;
            }
        } else if alpha[i] < 0.0 {
            alpha[i] = 0.0;
            alpha[j] = total;
        }
        let s = sign(i);
        let (di, dj) = (s * (alpha[i] - old_i), s * (alpha[j] - old_j));
        let (low, high) = grad.split_at_mut(l);
        for t in 0..l {
            let w = ki[t] * di + kj[t] * dj;
            low[t] += w;
            high[t] -= w;
        }
    }
    // ρ (libsvm's Solver_NU::calculate_rho).
    let mut r = [0.0; 2];
    for (side, r) in r.iter_mut().enumerate() {
        let (mut ub, mut lb, mut free, mut count) = (f64::INFINITY, f64::NEG_INFINITY, 0.0, 0_u32);
        for t in side * l..(side + 1) * l {
            if upper(alpha[t]) {
                lb = lb.max(grad[t]);
            } else if lower(alpha[t]) {
                ub = ub.min(grad[t]);
            } else {
                free += grad[t];
                count += 1;
            }
        }
        *r = if count > 0 {
            free / f64::from(count)
        } else {
            f64::midpoint(ub, lb)
        };
    }
    let rho = (r[0] - r[1]) / 2.0;
    let coef = (0..l).map(|i| alpha[i] - alpha[i + l]).collect();
    (coef, if rho.is_finite() { rho } else { 0.0 })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sine() -> (Vec<Vec<f64>>, Vec<f64>) {
        let x: Vec<Vec<f64>> = (0..10).map(|i| vec![f64::from(i) * 0.5]).collect();
        let y = x.iter().map(|r| r[0].sin() + 0.1 * r[0]).collect();
        (x, y)
    }

    #[test]
    fn agrees_with_scikit_learn() {
        // import numpy as np; from sklearn.svm import NuSVR          # scikit-learn 1.9.1
        // x = np.arange(10).reshape(-1, 1) * 0.5; y = np.sin(x[:, 0]) + 0.1 * x[:, 0]
        // m = NuSVR(C=2.0, nu=0.4, gamma=0.7, tol=1e-6).fit(x, y)
        // m.predict([[0.25], [1.75], [3.9], [6.0]])
        let expected = [0.246_612_45, 1.156_402_54, -0.298_351_62, 0.008_172_98];
        let (x, y) = sine();
        let params = NuSvrParams {
            c: 2.0,
            nu: 0.4,
            kernel: Kernel::Rbf { gamma: 0.7 },
            tol: 1e-6,
            ..NuSvrParams::default()
        };
        let model = NuSvr::fit(&x, &y, &params).unwrap();
        for (at, want) in [0.25, 1.75, 3.9, 6.0].iter().zip(expected) {
            let got = model.predict(&[*at]);
            assert!(
                (got - want).abs() < 1e-4,
                "f({at}) = {got}, scikit-learn {want}"
            );
        }
        assert_eq!(model.support_vectors(), 9);
    }

    #[test]
    fn the_dual_solution_satisfies_nus_constraints() {
        let (x, y) = sine();
        let params = NuSvrParams {
            c: 3.0,
            nu: 0.3,
            ..NuSvrParams::default()
        };
        let gram = Gram::new(&x, params.kernel);
        let rows: Vec<usize> = (0..x.len()).collect();
        let (coef, _) = solve(&y, &gram, &rows, &params);
        // Σ(αᵢ − αᵢ*) = 0 and |αᵢ − αᵢ*| ≤ C; Σ|αᵢ − αᵢ*| ≤ C·ν·n (αᵢ·αᵢ* = 0 at the optimum).
        assert!(coef.iter().sum::<f64>().abs() < 1e-9);
        assert!(coef.iter().all(|c| c.abs() <= 3.0 + 1e-12));
        let mass: f64 = coef.iter().map(|c| c.abs()).sum();
        assert!(mass <= 3.0 * 0.3 * 10.0 + 1e-9, "{mass}");
        // ν bounds the fraction of support vectors from below.
        let support = coef.iter().filter(|c| **c != 0.0).count();
        assert!(support >= 3, "{support} support vectors");
    }

    #[test]
    fn fits_a_smooth_curve() {
        let x: Vec<Vec<f64>> = (0..60).map(|i| vec![f64::from(i) / 10.0]).collect();
        let y: Vec<f64> = x.iter().map(|r| (r[0]).sin()).collect();
        let params = NuSvrParams {
            c: 10.0,
            nu: 0.5,
            kernel: Kernel::Rbf { gamma: 0.5 },
            ..NuSvrParams::default()
        };
        let model = NuSvr::fit(&x, &y, &params).unwrap();
        let mean = y.iter().sum::<f64>() / 60.0;
        let (mut residual, mut total) = (0.0, 0.0);
        for (r, t) in x.iter().zip(&y) {
            residual += (model.predict(r) - t).powi(2);
            total += (t - mean).powi(2);
        }
        assert!(
            1.0 - residual / total > 0.99,
            "R² = {}",
            1.0 - residual / total
        );
    }

    #[test]
    fn degenerate_inputs_are_errors_or_constants_never_panics() {
        let p = NuSvrParams::default();
        assert!(matches!(NuSvr::fit(&[], &[], &p), Err(SvrError::Shape(_))));
        assert!(matches!(
            NuSvr::fit(&[vec![1.0], vec![1.0, 2.0]], &[1.0, 2.0], &p),
            Err(SvrError::Shape(_))
        ));
        assert!(matches!(
            NuSvr::fit(&[vec![f64::NAN]], &[1.0], &p),
            Err(SvrError::NotFinite)
        ));
        let bad = NuSvrParams { nu: 0.0, ..p };
        assert!(matches!(
            NuSvr::fit(&[vec![1.0]], &[1.0], &bad),
            Err(SvrError::Parameter(_))
        ));
        // One row, duplicates and a constant target fit and predict finite values.
        let one = NuSvr::fit(&[vec![1.0]], &[2.0], &p).unwrap();
        assert!(one.predict(&[1.0]).is_finite());
        let same = NuSvr::fit(&vec![vec![1.0]; 5], &[3.0; 5], &p).unwrap();
        assert!(
            (same.predict(&[1.0]) - 3.0).abs() < 1e-6,
            "{}",
            same.predict(&[1.0])
        );
    }
}

//! ν-support vector regression (Schölkopf et al. 2000) as libsvm solves it, for the `svr` stopping
//! rule's sequential regression models ([`crate::predictor::srm`]).
//!
//! The dual problem over `2n` variables (`αᵢ` and `αᵢ*`, one pair per training row):
//!
//! ```text
//! min ½(α − α*)ᵀK(α − α*) − yᵀ(α − α*)   subject to   0 ≤ αᵢ, αᵢ* ≤ C,   Σαᵢ = Σαᵢ* = C·ν·n/2
//! ```
//!
//! (libsvm's `solve_nu_svr`: the box is `[0, C]`, not `[0, C/n]`, so `Σ(αᵢ + αᵢ*) = C·ν·n`). It is solved
//! by sequential minimal optimisation: each step moves two variables of the same sign along both
//! equality constraints, the pair chosen with second-order information (Fan, Chen and Lin 2005; libsvm's
//! `Solver_NU`), until the largest KKT violation of either sign falls below `tol` — libsvm's and
//! scikit-learn's stopping criterion, without shrinking. Predictions are `Σ(αᵢ − αᵢ*)·K(xᵢ, x) − ρ`; the
//! tube's half-width `ε`, which ν-SVR finds instead of taking it as a parameter, is reported too.
//!
//! The kernel matrix is computed once per fit (training sets hold at most a few hundred rows);
//! [`crate::predictor::model_selection`] reuses one per γ across its cross-validation folds.

use thiserror::Error;

/// libsvm's `TAU`: the curvature used for a pair whose own is not positive (duplicate rows).
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
    /// `K(a, b)` (over the shorter of the two rows).
    #[must_use]
    pub fn eval(&self, a: &[f64], b: &[f64]) -> f64 {
        match self {
            Kernel::Rbf { gamma } => (-gamma * squared_distance(a, b)).exp(),
            Kernel::Linear => a.iter().zip(b).map(|(x, y)| x * y).sum(),
        }
    }
}

/// `‖a − b‖²`.
pub(crate) fn squared_distance(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).map(|(x, y)| (x - y) * (x - y)).sum()
}

/// The hyperparameters of a ν-SVR (scikit-learn's `NuSVR(C, nu, kernel, gamma, tol, max_iter)`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct NuSvrParams {
    /// The penalty C > 0: the bound on each dual variable.
    pub c: f64,
    /// ν ∈ (0, 1]: an upper bound on the fraction of rows outside the tube and a lower bound on the
    /// fraction of support vectors.
    pub nu: f64,
    /// The kernel.
    pub kernel: Kernel,
    /// The stopping tolerance on the largest KKT violation, > 0 (libsvm's `eps`, scikit-learn's
    /// `tol`; both default to 1e-3).
    pub tol: f64,
    /// The most SMO steps, ≥ 1; the solution reached is kept when they run out (as libsvm does).
    pub max_iter: usize,
}

impl Default for NuSvrParams {
    /// scikit-learn's `NuSVR()` defaults, with γ = 1 (scikit-learn's `"scale"` depends on the data)
    /// and libsvm's step limit of 10⁷.
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

impl NuSvrParams {
    /// Checks that every parameter is in range.
    ///
    /// # Errors
    /// [`SvrError::Parameter`] naming the first one out of range.
    pub fn check(&self) -> Result<(), SvrError> {
        let problem = if !(self.c.is_finite() && self.c > 0.0) {
            format!("C must be positive and finite, got {}", self.c)
        } else if !(self.nu > 0.0 && self.nu <= 1.0) {
            format!("ν must be in (0, 1], got {}", self.nu)
        } else if !(self.tol.is_finite() && self.tol > 0.0) {
            format!("tol must be positive and finite, got {}", self.tol)
        } else if self.max_iter == 0 {
            String::from("max_iter must be at least 1")
        } else if let Kernel::Rbf { gamma } = self.kernel
            && !(gamma.is_finite() && gamma > 0.0)
        {
            format!("γ must be positive and finite, got {gamma}")
        } else {
            return Ok(());
        };
        Err(SvrError::Parameter(problem))
    }
}

/// Why a ν-SVR could not be fitted.
#[derive(Debug, Clone, PartialEq, Error)]
pub enum SvrError {
    /// No training rows.
    #[error("no training rows")]
    Empty,
    /// As many targets as rows are needed.
    #[error("{rows} rows but {targets} targets")]
    LengthMismatch {
        /// Rows given.
        rows: usize,
        /// Targets given.
        targets: usize,
    },
    /// Every row must have the first row's length.
    #[error("row {row} has {len} features, row 0 has {expected}")]
    Ragged {
        /// The first row of another length.
        row: usize,
        /// Its length.
        len: usize,
        /// The first row's length.
        expected: usize,
    },
    /// A NaN or an infinity in a row or its target.
    #[error("row {row} or its target holds a NaN or an infinity")]
    NotFinite {
        /// The first such row.
        row: usize,
    },
    /// Fewer rows than a procedure needs.
    #[error("{procedure} needs at least {needed} rows, got {got}")]
    TooFewRows {
        /// What needed them.
        procedure: &'static str,
        /// The least it accepts.
        needed: usize,
        /// Rows given.
        got: usize,
    },
    /// A parameter out of range.
    #[error("{0}")]
    Parameter(String),
    /// Kernel values or the solution overflowed (features too large for the linear kernel).
    #[error("the kernel values or the solution overflowed; standardise the features")]
    Overflow,
}

/// Checks training data: rows, as many targets, every row as long as the first, every value finite.
///
/// # Errors
/// The first problem found.
pub fn check_data(x: &[Vec<f64>], y: &[f64]) -> Result<(), SvrError> {
    if x.is_empty() {
        return Err(SvrError::Empty);
    }
    if x.len() != y.len() {
        return Err(SvrError::LengthMismatch {
            rows: x.len(),
            targets: y.len(),
        });
    }
    let expected = x[0].len();
    if let Some((row, r)) = x.iter().enumerate().find(|(_, r)| r.len() != expected) {
        return Err(SvrError::Ragged {
            row,
            len: r.len(),
            expected,
        });
    }
    if let Some(row) =
        (0..x.len()).find(|&i| !y[i].is_finite() || x[i].iter().any(|v| !v.is_finite()))
    {
        return Err(SvrError::NotFinite { row });
    }
    Ok(())
}

/// A symmetric `n × n` matrix over a set of rows, row-major: kernel values (or squared distances,
/// from which [`Gram::rbf`] makes RBF kernel values for any γ).
#[derive(Debug, Clone)]
pub(crate) struct Gram {
    n: usize,
    values: Vec<f64>,
}

impl Gram {
    /// `f(xᵢ, xⱼ)` for every pair, computed once per unordered pair.
    pub(crate) fn pairwise(x: &[Vec<f64>], f: impl Fn(&[f64], &[f64]) -> f64) -> Self {
        let n = x.len();
        let mut values = vec![0.0; n * n];
        for i in 0..n {
            for j in i..n {
                let v = f(&x[i], &x[j]);
                values[i * n + j] = v;
                values[j * n + i] = v;
            }
        }
        Self { n, values }
    }

    /// `K(xᵢ, xⱼ)` for every pair.
    pub(crate) fn kernel(x: &[Vec<f64>], kernel: Kernel) -> Self {
        Self::pairwise(x, |a, b| kernel.eval(a, b))
    }

    /// RBF kernel values `exp(−γ·dᵢⱼ)` from squared distances `dᵢⱼ`.
    pub(crate) fn rbf(squared_distances: &Gram, gamma: f64) -> Self {
        Self {
            n: squared_distances.n,
            values: squared_distances
                .values
                .iter()
                .map(|d| (-gamma * d).exp())
                .collect(),
        }
    }

    /// The matrix restricted to `rows` (each < n), in their order.
    pub(crate) fn subset(&self, rows: &[usize]) -> Self {
        let mut values = Vec::with_capacity(rows.len() * rows.len());
        for &i in rows {
            let row = self.row(i);
            values.extend(rows.iter().map(|&j| row[j]));
        }
        Self {
            n: rows.len(),
            values,
        }
    }

    /// Row `i` (< n).
    pub(crate) fn row(&self, i: usize) -> &[f64] {
        &self.values[i * self.n..(i + 1) * self.n]
    }

    fn all_finite(&self) -> bool {
        self.values.iter().all(|v| v.is_finite())
    }
}

/// A solution of the dual problem.
#[derive(Debug, Clone)]
pub(crate) struct Dual {
    /// `αᵢ − αᵢ*` per training row.
    pub(crate) coef: Vec<f64>,
    /// The offset: predictions are `Σ coefᵢ·K(xᵢ, x) − ρ`.
    pub(crate) rho: f64,
    /// The tube's half-width (libsvm's `−r`).
    pub(crate) epsilon: f64,
    /// SMO steps taken.
    pub(crate) iterations: usize,
    /// Whether the KKT violation fell below `tol` before `max_iter` steps.
    pub(crate) converged: bool,
}

impl Dual {
    /// Whether every number of the solution is finite.
    pub(crate) fn is_finite(&self) -> bool {
        self.rho.is_finite() && self.epsilon.is_finite() && self.coef.iter().all(|c| c.is_finite())
    }

    /// The prediction for a row whose kernel values against the training rows are `k`.
    pub(crate) fn predict(&self, k: impl Iterator<Item = f64>) -> f64 {
        self.coef.iter().zip(k).map(|(c, k)| c * k).sum::<f64>() - self.rho
    }
}

/// Solves the dual for targets `y` with kernel matrix `k` (`y.len() × y.len()`); `params` must have
/// passed [`NuSvrParams::check`].
///
/// The `2n` variables are kept as two halves: `alpha[0]` holds the `αᵢ` (label +1 in libsvm's
/// `Solver_NU`), `alpha[1]` the `αᵢ*` (label −1); `grad[s][i]` is the gradient of the objective in
/// that variable.
#[allow(clippy::similar_names)]
pub(crate) fn solve(k: &Gram, y: &[f64], params: &NuSvrParams) -> Dual {
    let n = y.len().min(k.n);
    let c = params.c;
    // libsvm's start: fill the pairs in order, each with min(C, what is left of C·ν·n/2) on both
    // sides, which satisfies both equality constraints with α = α* (so the gradient starts at its
    // linear term).
    let mut left = {
        #[allow(clippy::cast_precision_loss)]
        let n = n as f64;
        c * params.nu * n / 2.0
    };
    let mut start = vec![0.0; n];
    for a in &mut start {
        *a = left.min(c);
        left -= *a;
    }
    let mut alpha = [start.clone(), start];
    let mut grad = [
        y[..n].iter().map(|v| -v).collect::<Vec<f64>>(),
        y[..n].to_vec(),
    ];
    let diag: Vec<f64> = (0..n).map(|i| k.row(i)[i]).collect();
    let at_upper = |a: f64| a >= c;
    let at_lower = |a: f64| a <= 0.0;
    let curvature = |i: usize, j: usize, kij: f64| {
        let q = diag[i] + diag[j] - 2.0 * kij;
        if q > 0.0 { q } else { TAU }
    };

    let mut iterations = 0;
    let mut converged = false;
    while iterations < params.max_iter {
        // The most violating variable of each sign (libsvm's Gmaxp / Gmaxn): the one that can move up
        // along −∇ with label +1, or down with label −1.
        let (mut gmax, mut first) = ([f64::NEG_INFINITY; 2], [None::<usize>; 2]);
        for i in 0..n {
            if !at_upper(alpha[0][i]) && -grad[0][i] >= gmax[0] {
                gmax[0] = -grad[0][i];
                first[0] = Some(i);
            }
            if !at_lower(alpha[1][i]) && grad[1][i] >= gmax[1] {
                gmax[1] = grad[1][i];
                first[1] = Some(i);
            }
        }
        // Its partner of the same sign: the largest second-order decrease of the objective. Gmax2
        // tracks the other end of each sign's violation for the stopping test.
        let mut gmax2 = [f64::NEG_INFINITY; 2];
        let mut partner: Option<(usize, usize)> = None;
        let mut best = f64::INFINITY;
        for (side, &i) in first.iter().enumerate() {
            let row_i = i.map(|i| k.row(i));
            for j in 0..n {
                let (movable, violation) = if side == 0 {
                    (!at_lower(alpha[0][j]), grad[0][j])
                } else {
                    (!at_upper(alpha[1][j]), -grad[1][j])
                };
                if !movable {
                    continue;
                }
                gmax2[side] = gmax2[side].max(violation);
                let (Some(i), Some(row_i)) = (i, row_i) else {
                    continue;
                };
                let diff = gmax[side] + violation;
                if diff > 0.0 {
                    let decrease = -(diff * diff) / curvature(i, j, row_i[j]);
                    if decrease <= best {
                        best = decrease;
                        partner = Some((side, j));
                    }
                }
            }
        }
        let gap = (gmax[0] + gmax2[0]).max(gmax[1] + gmax2[1]);
        let Some((side, j)) = partner else {
            converged = true;
            break;
        };
        let Some(i) = first[side] else {
            converged = true;
            break;
        };
        if gap < params.tol {
            converged = true;
            break;
        }
        iterations += 1;

        // Move the pair along their shared equality constraint, clipped to the box (libsvm's update
        // for two variables of the same label).
        let (row_i, row_j) = (k.row(i), k.row(j));
        let a = &mut alpha[side];
        let (old_i, old_j) = (a[i], a[j]);
        let delta = (grad[side][i] - grad[side][j]) / curvature(i, j, row_i[j]);
        let sum = a[i] + a[j];
        a[i] -= delta;
        a[j] += delta;
        if sum > c {
            if a[i] > c {
                a[i] = c;
                a[j] = sum - c;
            }
        } else if a[j] < 0.0 {
            a[j] = 0.0;
            a[i] = sum;
        }
        if sum > c {
            if a[j] > c {
                a[j] = c;
                a[i] = sum - c;
            }
        } else if a[i] < 0.0 {
            a[i] = 0.0;
            a[j] = sum;
        }
        // ∇ changes by Q·Δα with Q = labelₛ·labelₜ·K: the same row of K for both halves, opposite signs.
        let sign = if side == 0 { 1.0 } else { -1.0 };
        let (di, dj) = (sign * (a[i] - old_i), sign * (a[j] - old_j));
        let [g_plus, g_minus] = &mut grad;
        for t in 0..n {
            let change = row_i[t] * di + row_j[t] * dj;
            g_plus[t] += change;
            g_minus[t] -= change;
        }
    }

    // Each sign's multiplier r (libsvm's Solver_NU::calculate_rho): the mean gradient of its free
    // variables, or the middle of the feasible interval when none is free.
    let r = [0, 1].map(|side| {
        let (mut upper, mut lower, mut free, mut count) =
            (f64::INFINITY, f64::NEG_INFINITY, 0.0, 0_u32);
        for (&a, &g) in alpha[side].iter().zip(&grad[side]) {
            if at_upper(a) {
                lower = lower.max(g);
            } else if at_lower(a) {
                upper = upper.min(g);
            } else {
                free += g;
                count += 1;
            }
        }
        if count > 0 {
            free / f64::from(count)
        } else {
            f64::midpoint(upper, lower)
        }
    });
    Dual {
        coef: alpha[0].iter().zip(&alpha[1]).map(|(a, b)| a - b).collect(),
        rho: (r[0] - r[1]) / 2.0,
        epsilon: -(r[0] + r[1]) / 2.0,
        iterations,
        converged,
    }
}

/// A fitted ν-SVR: its support vectors (the training rows with a non-zero dual coefficient), their
/// coefficients `αᵢ − αᵢ*`, the offset ρ and the kernel.
#[derive(Debug, Clone)]
pub struct NuSvr {
    width: usize,
    /// Support vectors, row after row (`width` values each).
    support: Vec<f64>,
    coef: Vec<f64>,
    rho: f64,
    epsilon: f64,
    kernel: Kernel,
    iterations: usize,
    converged: bool,
}

impl NuSvr {
    /// Fits `y ≈ f(x)` on rows `x` (all of one length) and targets `y`.
    ///
    /// # Errors
    /// Empty, ragged or mismatched input, a NaN or an infinity ([`check_data`]), parameters out of
    /// range ([`NuSvrParams::check`]), or [`SvrError::Overflow`].
    pub fn fit(x: &[Vec<f64>], y: &[f64], params: &NuSvrParams) -> Result<Self, SvrError> {
        check_data(x, y)?;
        params.check()?;
        let gram = Gram::kernel(x, params.kernel);
        if !gram.all_finite() {
            return Err(SvrError::Overflow);
        }
        let dual = solve(&gram, y, params);
        if !dual.is_finite() {
            return Err(SvrError::Overflow);
        }
        let width = x[0].len();
        let mut support = Vec::new();
        let mut coef = Vec::new();
        for (row, &c) in x.iter().zip(&dual.coef) {
            if c != 0.0 {
                support.extend_from_slice(row);
                coef.push(c);
            }
        }
        Ok(Self {
            width,
            support,
            coef,
            rho: dual.rho,
            epsilon: dual.epsilon,
            kernel: params.kernel,
            iterations: dual.iterations,
            converged: dual.converged,
        })
    }

    /// The prediction at `x`; NaN when `x` is not as long as the training rows or holds a NaN.
    #[must_use]
    pub fn predict(&self, x: &[f64]) -> f64 {
        if x.len() != self.width {
            return f64::NAN;
        }
        let sum: f64 = if self.width == 0 {
            // Zero-width rows: every kernel value is that of two empty rows.
            self.coef.iter().sum::<f64>() * self.kernel.eval(&[], &[])
        } else {
            self.support
                .chunks_exact(self.width)
                .zip(&self.coef)
                .map(|(s, c)| c * self.kernel.eval(s, x))
                .sum()
        };
        sum - self.rho
    }

    /// The number of support vectors.
    #[must_use]
    pub fn support_vectors(&self) -> usize {
        self.coef.len()
    }

    /// The support vectors' dual coefficients `αᵢ − αᵢ*` (scikit-learn's `dual_coef_`).
    #[must_use]
    pub fn dual_coef(&self) -> &[f64] {
        &self.coef
    }

    /// The offset subtracted from the kernel sum (scikit-learn's `−intercept_`).
    #[must_use]
    pub fn rho(&self) -> f64 {
        self.rho
    }

    /// The half-width of the tube the fit found (libsvm's reported `epsilon`): rows farther than
    /// this from the prediction have `|αᵢ − αᵢ*| = C`.
    #[must_use]
    pub fn epsilon(&self) -> f64 {
        self.epsilon
    }

    /// The SMO steps the fit took.
    #[must_use]
    pub fn iterations(&self) -> usize {
        self.iterations
    }

    /// Whether the fit met `tol` before running out of steps.
    #[must_use]
    pub fn converged(&self) -> bool {
        self.converged
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sine() -> (Vec<Vec<f64>>, Vec<f64>) {
        let x: Vec<Vec<f64>> = (0..10).map(|i| vec![f64::from(i) * 0.5]).collect();
        let y = x.iter().map(|r| r[0].sin() + 0.1 * r[0]).collect();
        (x, y)
    }

    /// 40 rows of 3 features, deterministic (no RNG to reproduce in Python).
    fn wave() -> (Vec<Vec<f64>>, Vec<f64>) {
        let x: Vec<Vec<f64>> = (0..40)
            .map(|i| {
                let t = f64::from(i);
                vec![(1.3 * t).sin(), (0.7 * t).cos(), f64::from(i % 5) / 4.0]
            })
            .collect();
        let y = x
            .iter()
            .zip(0..40)
            .map(|(r, i)| r[0] + 2.0 * r[1] * r[2] + 0.1 * (3.0 * f64::from(i)).sin())
            .collect();
        (x, y)
    }

    const WAVE_QUERIES: [[f64; 3]; 3] = [[0.1, -0.2, 0.5], [0.9, 0.4, 1.0], [-0.7, 0.8, 0.25]];

    fn params(c: f64, nu: f64, kernel: Kernel, tol: f64) -> NuSvrParams {
        NuSvrParams {
            c,
            nu,
            kernel,
            tol,
            ..NuSvrParams::default()
        }
    }

    fn assert_close(got: &[f64], want: &[f64], within: f64) {
        for (g, w) in got.iter().zip(want) {
            assert!((g - w).abs() < within, "got {got:?}, scikit-learn {want:?}");
        }
    }

    // Reference: scikit-learn 1.9.1 (libsvm 3.x inside), numpy 2.4.6.
    //
    //   import numpy as np; from sklearn.svm import NuSVR
    //   x = np.arange(10).reshape(-1, 1) * 0.5; y = np.sin(x[:, 0]) + 0.1 * x[:, 0]
    //   for tol in (1e-3, 1e-8):
    //       m = NuSVR(C=2.0, nu=0.4, gamma=0.7, tol=tol, shrinking=False).fit(x, y)
    //       print(m.predict([[0.25], [1.75], [3.9], [6.0]]), len(m.support_), m.intercept_)
    //   i = np.arange(40)
    //   x = np.c_[np.sin(1.3 * i), np.cos(0.7 * i), (i % 5) / 4]
    //   y = x[:, 0] + 2 * x[:, 1] * x[:, 2] + 0.1 * np.sin(3 * i)
    //   q = [[0.1, -0.2, 0.5], [0.9, 0.4, 1.0], [-0.7, 0.8, 0.25]]
    //   for tol in (1e-3, 1e-8):
    //       m = NuSVR(C=5.0, nu=0.3, gamma=0.5, tol=tol, shrinking=False).fit(x, y)
    //       print(m.predict(q), len(m.support_), m.intercept_, np.abs(m.dual_coef_).sum())
    //       m = NuSVR(kernel="linear", C=0.5, nu=0.6, tol=tol, shrinking=False).fit(x, y)
    //       print(m.predict(q), len(m.support_), m.intercept_, np.abs(m.dual_coef_).sum())
    //
    // Without shrinking libsvm takes the same steps as this solver, so even at tol = 1e-3 the two
    // stop at the same point (up to libsvm's single-precision kernel cache); at 1e-8 both are at the
    // optimum. scikit-learn's default (shrinking=True) differs from these by up to 2e-3 at tol = 1e-3.

    #[test]
    fn sine_agrees_with_scikit_learn() {
        let (x, y) = sine();
        let at = [0.25, 1.75, 3.9, 6.0];
        for (tol, want, support, intercept) in [
            (
                1e-3,
                [
                    0.245_122_873_3,
                    1.156_905_94,
                    -0.298_037_420_9,
                    0.007_203_381_5,
                ],
                10,
                0.173_413_595,
            ),
            (
                1e-8,
                [
                    0.246_613_152_3,
                    1.156_402_178_7,
                    -0.298_351_364_4,
                    0.008_171_419_5,
                ],
                9,
                0.173_520_208,
            ),
        ] {
            let model =
                NuSvr::fit(&x, &y, &params(2.0, 0.4, Kernel::Rbf { gamma: 0.7 }, tol)).unwrap();
            let got: Vec<f64> = at.iter().map(|v| model.predict(&[*v])).collect();
            assert_close(&got, &want, 1e-6);
            assert_eq!(model.support_vectors(), support, "tol {tol}");
            assert!((-model.rho() - intercept).abs() < 1e-6, "tol {tol}");
            assert!(model.converged());
        }
    }

    #[test]
    fn three_features_agree_with_scikit_learn_rbf_and_linear() {
        let (x, y) = wave();
        let cases = [
            (
                params(5.0, 0.3, Kernel::Rbf { gamma: 0.5 }, 1e-3),
                [-0.088_845_646_7, 1.284_667_123_5, -0.305_032_386_7],
                22,
                -0.060_811_595_1,
            ),
            (
                params(5.0, 0.3, Kernel::Rbf { gamma: 0.5 }, 1e-8),
                [-0.088_930_088, 1.283_011_454_3, -0.304_810_300_1],
                22,
                -0.061_628_842_4,
            ),
            (
                params(0.5, 0.6, Kernel::Linear, 1e-3),
                [-0.145_723_968_4, 1.000_533_373_6, 0.118_335_016_5],
                26,
                0.072_355_041_3,
            ),
            (
                params(0.5, 0.6, Kernel::Linear, 1e-8),
                [-0.144_594_821_2, 1.000_004_958_1, 0.118_444_523_6],
                26,
                0.073_145_955_9,
            ),
        ];
        for (p, want, support, intercept) in cases {
            let model = NuSvr::fit(&x, &y, &p).unwrap();
            let got: Vec<f64> = WAVE_QUERIES.iter().map(|q| model.predict(q)).collect();
            assert_close(&got, &want, 1e-5);
            assert_eq!(model.support_vectors(), support, "{p:?}");
            assert!((-model.rho() - intercept).abs() < 1e-5, "{p:?}");
            // Σ|αᵢ − αᵢ*| = C·ν·n (scikit-learn: 60 and 12).
            let mass: f64 = model.dual_coef().iter().map(|c| c.abs()).sum();
            assert!((mass - p.c * p.nu * 40.0).abs() < 1e-9, "{mass}");
        }
    }

    /// The optimality conditions of ν-SVR, checked on the dual solution itself: the box, both
    /// equality constraints, and the tube — a row strictly inside it has no weight, a row outside it
    /// has full weight C, a row with weight strictly between 0 and C lies on its edge, and the weight's
    /// sign is the side. Plus ν's two bounds.
    #[test]
    fn the_solution_satisfies_the_kkt_conditions() {
        let (x, y) = wave();
        for p in [
            params(5.0, 0.3, Kernel::Rbf { gamma: 0.5 }, 1e-6),
            params(0.2, 0.7, Kernel::Rbf { gamma: 2.0 }, 1e-6),
            params(0.5, 0.6, Kernel::Linear, 1e-6),
        ] {
            let gram = Gram::kernel(&x, p.kernel);
            let dual = solve(&gram, &y, &p);
            assert!(dual.converged);
            let (c, eps) = (p.c, dual.epsilon);
            assert!(eps > 0.0, "{p:?}: ε = {eps}");
            assert!(dual.coef.iter().sum::<f64>().abs() < 1e-9);
            let mass: f64 = dual.coef.iter().map(|b| b.abs()).sum();
            assert!(
                (mass - c * p.nu * 40.0).abs() < 1e-9,
                "{p:?}: Σ|β| = {mass}"
            );
            // The KKT gap is below tol in gradient units: residual errors of at most ~tol.
            let slack = 1e-5;
            let mut outside = 0;
            for (i, &b) in dual.coef.iter().enumerate() {
                assert!(b.abs() <= c + 1e-12, "{p:?}: |β{i}| = {b} > C");
                let residual = y[i] - dual.predict(gram.row(i).iter().copied());
                if residual.abs() < eps - slack {
                    assert!(b == 0.0, "{p:?}: row {i} inside the tube has β = {b}");
                }
                if residual.abs() > eps + slack {
                    outside += 1;
                    assert!(
                        (b.abs() - c).abs() < 1e-12,
                        "{p:?}: row {i} outside has β = {b}"
                    );
                }
                if b != 0.0 && b.abs() < c {
                    assert!((residual.abs() - eps).abs() < slack, "{p:?}: row {i}");
                }
                if b != 0.0 {
                    assert_eq!(b > 0.0, residual > 0.0, "{p:?}: row {i} on the wrong side");
                }
            }
            // ν bounds the fraction of rows outside the tube from above, of support vectors from
            // below.
            #[allow(clippy::cast_precision_loss)]
            let support = dual.coef.iter().filter(|b| **b != 0.0).count() as f64;
            #[allow(clippy::cast_precision_loss)]
            let outside = f64::from(outside) / 40.0;
            assert!(outside <= p.nu && support / 40.0 >= p.nu, "{p:?}");
        }
    }

    #[test]
    fn a_sine_wave_is_learned_from_noisy_samples() {
        // 80 noisy samples of sin on [0, 2π); R² against the noiseless curve at 200 unseen points.
        let noise = |i: i32| 0.1 * (f64::from(i) * 12.9898).sin();
        let x: Vec<Vec<f64>> = (0..80)
            .map(|i| vec![std::f64::consts::TAU * f64::from(i) / 80.0])
            .collect();
        let y: Vec<f64> = x
            .iter()
            .zip(0..)
            .map(|(r, i)| r[0].sin() + noise(i))
            .collect();
        let model =
            NuSvr::fit(&x, &y, &params(10.0, 0.5, Kernel::Rbf { gamma: 0.5 }, 1e-3)).unwrap();
        let test: Vec<f64> = (0..200)
            .map(|i| std::f64::consts::TAU * (f64::from(i) + 0.5) / 200.0)
            .collect();
        let (mut residual, mut total) = (0.0, 0.0);
        for t in &test {
            residual += (model.predict(&[*t]) - t.sin()).powi(2);
            total += t.sin().powi(2);
        }
        assert!(
            1.0 - residual / total > 0.95,
            "R² = {}",
            1.0 - residual / total
        );
    }

    #[test]
    fn bad_input_is_an_error() {
        let p = NuSvrParams::default();
        let one = [vec![1.0]];
        assert_eq!(NuSvr::fit(&[], &[], &p).unwrap_err(), SvrError::Empty);
        assert_eq!(
            NuSvr::fit(&one, &[1.0, 2.0], &p).unwrap_err(),
            SvrError::LengthMismatch {
                rows: 1,
                targets: 2
            }
        );
        assert_eq!(
            NuSvr::fit(&[vec![1.0], vec![1.0, 2.0]], &[1.0, 2.0], &p).unwrap_err(),
            SvrError::Ragged {
                row: 1,
                len: 2,
                expected: 1
            }
        );
        for (x, y) in [
            (vec![vec![0.0], vec![f64::NAN]], vec![1.0, 1.0]),
            (vec![vec![0.0], vec![f64::INFINITY]], vec![1.0, 1.0]),
            (vec![vec![0.0], vec![1.0]], vec![1.0, f64::NAN]),
        ] {
            assert_eq!(
                NuSvr::fit(&x, &y, &p).unwrap_err(),
                SvrError::NotFinite { row: 1 }
            );
        }
        for bad in [
            NuSvrParams { c: 0.0, ..p },
            NuSvrParams {
                c: f64::INFINITY,
                ..p
            },
            NuSvrParams { nu: 0.0, ..p },
            NuSvrParams { nu: 1.5, ..p },
            NuSvrParams { nu: f64::NAN, ..p },
            NuSvrParams { tol: 0.0, ..p },
            NuSvrParams { tol: f64::NAN, ..p },
            NuSvrParams { max_iter: 0, ..p },
            NuSvrParams {
                kernel: Kernel::Rbf { gamma: -1.0 },
                ..p
            },
        ] {
            assert!(
                matches!(NuSvr::fit(&one, &[1.0], &bad), Err(SvrError::Parameter(_))),
                "{bad:?}"
            );
        }
        let huge = [vec![1e200], vec![-1e200]];
        let linear = NuSvrParams {
            kernel: Kernel::Linear,
            ..p
        };
        assert_eq!(
            NuSvr::fit(&huge, &[1.0, 2.0], &linear).unwrap_err(),
            SvrError::Overflow
        );
    }

    #[test]
    fn degenerate_data_fits_to_finite_predictions() {
        let p = NuSvrParams::default();
        // One row: the prediction is its target (ε absorbs nothing to fit).
        let one = NuSvr::fit(&[vec![1.0]], &[2.0], &p).unwrap();
        assert!(
            (one.predict(&[1.0]) - 2.0).abs() < 1e-9,
            "{}",
            one.predict(&[1.0])
        );
        // Duplicate rows (zero curvature) and a constant target.
        let same = NuSvr::fit(&vec![vec![1.0]; 5], &[3.0; 5], &p).unwrap();
        assert!((same.predict(&[1.0]) - 3.0).abs() < 1e-9);
        let (x, _) = wave();
        let flat = NuSvr::fit(&x, &[-0.5; 40], &p).unwrap();
        assert!(
            WAVE_QUERIES
                .iter()
                .all(|q| (flat.predict(q) + 0.5).abs() < 1e-9)
        );
        // Duplicated rows with conflicting targets: the fit passes between them.
        let split = NuSvr::fit(&[vec![0.0], vec![0.0]], &[0.0, 1.0], &p).unwrap();
        assert!((split.predict(&[0.0]) - 0.5).abs() < 1e-9);
        // Zero-width rows, and a query of the wrong width.
        let empty = NuSvr::fit(&[vec![], vec![]], &[1.0, 3.0], &p).unwrap();
        assert!((empty.predict(&[]) - 2.0).abs() < 1e-9);
        assert!(empty.predict(&[1.0]).is_nan());
        // Running out of steps keeps a feasible solution.
        let capped = NuSvr::fit(&x, &wave().1, &NuSvrParams { max_iter: 1, ..p }).unwrap();
        assert!(!capped.converged() && capped.iterations() == 1);
        assert!(WAVE_QUERIES.iter().all(|q| capped.predict(q).is_finite()));
    }
}

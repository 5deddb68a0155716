//! The Gaussian process behind `bo`: zero mean on standardised targets, an ARD kernel (Matérn-5/2
//! by default, or RBF) with one lengthscale per encoded dimension, a signal variance and a noise
//! variance. Kernel hyperparameters maximise the log marginal likelihood plus weak priors (MAP:
//! log-normal on lengthscales and signal, a gamma-like prior favouring small noise), by L-BFGS ([`super::lbfgs`]) from a default start and random restarts; the best
//! optimum wins. Cholesky with jitter ([`super::cholesky`]) keeps duplicated points and tiny noise
//! factorisable.

use rand::Rng;
use rand::rngs::StdRng;

use super::cholesky::Cholesky;
use super::lbfgs;
use crate::plan::sampler::Kernel;

/// The correlation under `kernel` at scaled squared distance `r2` — Matérn-5/2
/// `(1 + √5r + 5r²/3)·e^{−√5r}` or squared exponential `e^{−r²/2}` — and `∂k/∂ln ℓⱼ` divided by
/// `Δⱼ²/ℓⱼ²`.
fn correlation(kernel: Kernel, r2: f64) -> (f64, f64) {
    match kernel {
        Kernel::Matern52 => {
            let r = (5.0 * r2).sqrt();
            let e = (-r).exp();
            ((1.0 + r + 5.0 / 3.0 * r2) * e, 5.0 / 3.0 * (1.0 + r) * e)
        }
        Kernel::Rbf => {
            let k = (-0.5 * r2).exp();
            (k, k)
        }
    }
}

/// Bounds of the log hyperparameters.
const LOG_LENGTHSCALE: (f64, f64) = (-4.6, 3.0); // 0.01 … 20 in the unit cube
const LOG_SIGNAL: (f64, f64) = (-3.0, 3.0);
const LOG_NOISE: (f64, f64) = (-13.8, 0.0); // 10⁻⁶ … 1 of the standardised variance
/// Prior standard deviations of the log lengthscales and the log signal variance (means 0).
const PRIOR_SD_LENGTHSCALE: f64 = 1.0;
const PRIOR_SD_SIGNAL: f64 = 1.0;
/// The noise variance's prior, `ln p(σ_n²) = a·ln σ_n² − b·σ_n²` (as Optuna's GPSampler): most
/// objectives hps tunes are nearly deterministic at a fixed seed, and without it a few spiky
/// points are explained away as noise.
const NOISE_PRIOR: (f64, f64) = (0.1, 30.0);

/// How hard the hyperparameter fit works.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FitEffort {
    /// Random starts beside the default one.
    pub restarts: usize,
    /// L-BFGS iterations per start.
    pub iterations: usize,
}

/// A fitted Gaussian process.
#[derive(Debug, Clone)]
pub struct GaussianProcess {
    kernel: Kernel,
    dims: usize,
    /// Training inputs, row-major `n × dims`.
    x: Vec<f64>,
    y: Vec<f64>,
    /// `ln ℓ₁…ln ℓ_d, ln σ_f², ln σ_n²`.
    theta: Vec<f64>,
    chol: Cholesky,
    alpha: Vec<f64>,
}

impl GaussianProcess {
    /// Fits a process to `rows` (each `dims` long) with targets `y` (standardised). `None` when
    /// nothing can be factorised (non-finite inputs).
    #[must_use]
    pub fn fit(
        kernel: Kernel,
        rows: &[Vec<f64>],
        y: &[f64],
        effort: FitEffort,
        rng: &mut StdRng,
    ) -> Option<Self> {
        let dims = rows.first().map_or(0, Vec::len);
        let x: Vec<f64> = rows.iter().flatten().copied().collect();
        let data = Data {
            kernel,
            dims,
            x: &x,
            y,
        };
        let (lower, upper) = bounds(dims);
        let mut starts = vec![default_theta(dims)];
        for _ in 0..effort.restarts {
            starts.push(
                lower
                    .iter()
                    .zip(&upper)
                    .map(|(lo, hi)| rng.random_range(*lo..=*hi))
                    .collect(),
            );
        }
        let mut best: Option<lbfgs::Minimum> = None;
        for start in &starts {
            let mut f = |theta: &[f64]| data.negative_log_posterior(theta);
            let m = lbfgs::minimise(&mut f, start, &lower, &upper, effort.iterations);
            if m.value.is_finite() && best.as_ref().is_none_or(|b| m.value < b.value) {
                best = Some(m);
            }
        }
        let theta = best?.x;
        Self::with_theta(kernel, dims, x, y.to_vec(), theta)
    }

    /// The process with the same hyperparameters conditioned on other points (all the trials
    /// when the hyperparameters came from a subset; the kriging believer's pending trials).
    #[must_use]
    pub fn on_data(&self, rows: &[Vec<f64>], y: &[f64]) -> Option<Self> {
        let x = rows.iter().flatten().copied().collect();
        Self::with_theta(self.kernel, self.dims, x, y.to_vec(), self.theta.clone())
    }

    fn with_theta(
        kernel: Kernel,
        dims: usize,
        x: Vec<f64>,
        y: Vec<f64>,
        theta: Vec<f64>,
    ) -> Option<Self> {
        let data = Data {
            kernel,
            dims,
            x: &x,
            y: &y,
        };
        let (k, _) = data.covariance(&theta, false);
        let chol = Cholesky::new(&k, y.len())?;
        let mut alpha = y.clone();
        chol.solve(&mut alpha);
        Some(Self {
            kernel,
            dims,
            x,
            y,
            theta,
            chol,
            alpha,
        })
    }

    /// The posterior mean and variance of the latent function at `point`.
    #[must_use]
    pub fn predict(&self, point: &[f64]) -> (f64, f64) {
        let n = self.y.len();
        let signal = self.theta[self.dims].exp();
        let inverse_lengthscales: Vec<f64> =
            self.theta[..self.dims].iter().map(|t| (-t).exp()).collect();
        let mut k: Vec<f64> = (0..n)
            .map(|i| {
                let row = &self.x[i * self.dims..(i + 1) * self.dims];
                let r2 = scaled_distance(row, point, &inverse_lengthscales);
                signal * correlation(self.kernel, r2).0
            })
            .collect();
        let mean = k.iter().zip(&self.alpha).map(|(a, b)| a * b).sum();
        self.chol.solve_lower(&mut k);
        let explained: f64 = k.iter().map(|v| v * v).sum();
        (mean, (signal - explained).max(1e-12))
    }

    /// The fitted lengthscales (one per encoded dimension).
    #[cfg(test)]
    #[must_use]
    pub fn lengthscales(&self) -> Vec<f64> {
        self.theta[..self.dims].iter().map(|t| t.exp()).collect()
    }

    /// The fitted noise variance (of the standardised targets).
    #[cfg(test)]
    #[must_use]
    pub fn noise(&self) -> f64 {
        self.theta[self.dims + 1].exp()
    }
}

/// `Σⱼ ((aⱼ − bⱼ)/ℓⱼ)²`.
fn scaled_distance(a: &[f64], b: &[f64], inverse_lengthscales: &[f64]) -> f64 {
    a.iter()
        .zip(b)
        .zip(inverse_lengthscales)
        .map(|((x, y), s)| ((x - y) * s).powi(2))
        .sum()
}

fn bounds(dims: usize) -> (Vec<f64>, Vec<f64>) {
    let mut lower = vec![LOG_LENGTHSCALE.0; dims];
    let mut upper = vec![LOG_LENGTHSCALE.1; dims];
    lower.extend([LOG_SIGNAL.0, LOG_NOISE.0]);
    upper.extend([LOG_SIGNAL.1, LOG_NOISE.1]);
    (lower, upper)
}

/// Lengthscales ½ of the unit cube, unit signal, noise 1% of the variance.
fn default_theta(dims: usize) -> Vec<f64> {
    let mut theta = vec![0.5_f64.ln(); dims];
    theta.extend([0.0, 0.01_f64.ln()]);
    theta
}

/// What the likelihood is computed over.
struct Data<'a> {
    kernel: Kernel,
    dims: usize,
    x: &'a [f64],
    y: &'a [f64],
}

impl Data<'_> {
    /// `K + σ_n²·I` and, when asked for (the likelihood's gradient), the signal part's derivative
    /// factors; both row-major `n × n` (the second empty when not asked for).
    fn covariance(&self, theta: &[f64], with_derivative: bool) -> (Vec<f64>, Vec<f64>) {
        let (n, d) = (self.y.len(), self.dims);
        let signal = theta[d].exp();
        let noise = theta[d + 1].exp();
        let inverse: Vec<f64> = theta[..d].iter().map(|t| (-t).exp()).collect();
        let mut k = vec![0.0; n * n];
        let mut derivative = vec![0.0; if with_derivative { n * n } else { 0 }];
        for a in 0..n {
            let xa = &self.x[a * d..(a + 1) * d];
            for b in 0..a {
                let xb = &self.x[b * d..(b + 1) * d];
                let (c, g) = correlation(self.kernel, scaled_distance(xa, xb, &inverse));
                k[a * n + b] = signal * c;
                k[b * n + a] = signal * c;
                if with_derivative {
                    derivative[a * n + b] = signal * g;
                }
            }
            k[a * n + a] = signal + noise;
        }
        (k, derivative)
    }

    /// The negative log marginal likelihood minus the log priors, and its gradient in `theta`.
    fn negative_log_posterior(&self, theta: &[f64]) -> (f64, Vec<f64>) {
        let (n, d) = (self.y.len(), self.dims);
        let mut gradient = vec![0.0; d + 2];
        let (k, derivative) = self.covariance(theta, true);
        let Some(chol) = Cholesky::new(&k, n) else {
            return (f64::INFINITY, gradient);
        };
        let mut alpha = self.y.to_vec();
        chol.solve(&mut alpha);
        let fit: f64 = self.y.iter().zip(&alpha).map(|(a, b)| a * b).sum();
        #[allow(clippy::cast_precision_loss)]
        let mut value =
            0.5 * fit + chol.half_log_det() + 0.5 * n as f64 * (2.0 * std::f64::consts::PI).ln();
        // ∂(−log L)/∂θ = −½ tr(W ∂K/∂θ) with W = ααᵀ − K⁻¹.
        let inverse_k = chol.inverse();
        let signal = theta[d].exp();
        let noise = theta[d + 1].exp();
        let inverse: Vec<f64> = theta[..d].iter().map(|t| (-t).exp()).collect();
        let mut trace_signal = 0.0;
        let mut trace_noise = 0.0;
        for a in 0..n {
            let xa = &self.x[a * d..(a + 1) * d];
            let w_aa = alpha[a] * alpha[a] - inverse_k[a * n + a];
            trace_signal += w_aa * signal;
            trace_noise += w_aa;
            for b in 0..a {
                let w = 2.0 * (alpha[a] * alpha[b] - inverse_k[a * n + b]);
                trace_signal += w * k[a * n + b];
                let c = w * derivative[a * n + b];
                let xb = &self.x[b * d..(b + 1) * d];
                for j in 0..d {
                    let delta = (xa[j] - xb[j]) * inverse[j];
                    gradient[j] -= 0.5 * c * delta * delta;
                }
            }
        }
        gradient[d] = -0.5 * trace_signal;
        gradient[d + 1] = -0.5 * trace_noise * noise;
        // Log-normal priors (means 0 in log space).
        for j in 0..d {
            let z = theta[j] / PRIOR_SD_LENGTHSCALE;
            value += 0.5 * z * z;
            gradient[j] += theta[j] / PRIOR_SD_LENGTHSCALE.powi(2);
        }
        let z = theta[d] / PRIOR_SD_SIGNAL;
        value += 0.5 * z * z;
        gradient[d] += theta[d] / PRIOR_SD_SIGNAL.powi(2);
        value += -NOISE_PRIOR.0 * theta[d + 1] + NOISE_PRIOR.1 * noise;
        gradient[d + 1] += -NOISE_PRIOR.0 + NOISE_PRIOR.1 * noise;
        (value, gradient)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    fn data(n: usize) -> (Vec<Vec<f64>>, Vec<f64>) {
        let rows: Vec<Vec<f64>> = (0..n)
            .map(|i| {
                let t = i as f64 / n as f64;
                vec![t, (t * 7.3).fract()]
            })
            .collect();
        let y = rows
            .iter()
            .map(|r| (6.0 * r[0]).sin() + 0.1 * r[1])
            .collect();
        (rows, y)
    }

    #[test]
    fn the_gradient_matches_finite_differences() {
        let (rows, y) = data(12);
        let x: Vec<f64> = rows.iter().flatten().copied().collect();
        for kernel in [Kernel::Matern52, Kernel::Rbf] {
            let d = Data {
                kernel,
                dims: 2,
                x: &x,
                y: &y,
            };
            let theta = vec![-0.7, 0.4, 0.2, -3.0];
            let (_, g) = d.negative_log_posterior(&theta);
            for i in 0..theta.len() {
                let h = 1e-5;
                let mut up = theta.clone();
                up[i] += h;
                let mut down = theta.clone();
                down[i] -= h;
                let numeric = (d.negative_log_posterior(&up).0 - d.negative_log_posterior(&down).0)
                    / (2.0 * h);
                assert!(
                    (numeric - g[i]).abs() < 1e-4 * (1.0 + numeric.abs()),
                    "{kernel:?} θ{i}: analytic {} numeric {numeric}",
                    g[i]
                );
            }
        }
    }

    #[test]
    fn interpolates_a_smooth_function_and_is_uncertain_away_from_data() {
        let (rows, y) = data(20);
        let mut rng = StdRng::seed_from_u64(1);
        let effort = FitEffort {
            restarts: 2,
            iterations: 50,
        };
        let gp = GaussianProcess::fit(Kernel::Matern52, &rows, &y, effort, &mut rng).unwrap();
        let (m, v) = gp.predict(&rows[5]);
        assert!((m - y[5]).abs() < 0.05, "mean {m} vs {}", y[5]);
        assert!(v < 0.05, "variance at a data point {v}");
        // The second input barely matters: its lengthscale is longer than the first's.
        let ls = gp.lengthscales();
        assert!(ls[1] > ls[0], "{ls:?}");
        assert!(gp.noise() < 0.1);
    }

    #[test]
    fn duplicated_points_do_not_break_the_fit() {
        let rows = vec![vec![0.5, 0.5]; 6];
        let y = vec![0.1, -0.1, 0.2, 0.0, -0.2, 0.05];
        let mut rng = StdRng::seed_from_u64(2);
        let effort = FitEffort {
            restarts: 1,
            iterations: 30,
        };
        let gp = GaussianProcess::fit(Kernel::Rbf, &rows, &y, effort, &mut rng).unwrap();
        let (m, v) = gp.predict(&[0.5, 0.5]);
        assert!(m.is_finite() && v.is_finite() && v > 0.0);
        let mut more_rows = rows.clone();
        more_rows.push(vec![0.1, 0.9]);
        let mut more_y = y.clone();
        more_y.push(m);
        let more = gp.on_data(&more_rows, &more_y).unwrap();
        assert!(more.predict(&[0.1, 0.9]).1 < gp.predict(&[0.1, 0.9]).1);
    }
}

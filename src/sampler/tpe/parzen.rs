//! The Parzen estimator: a weighted mixture of product kernels, one kernel per observation plus a
//! wide prior kernel, over one group of parameters in their unit encoding
//! ([`crate::space::unit`]). Numeric axes use normals truncated to `[0, 1]` whose bandwidth is the
//! distance to the neighbouring observations (clipped below by the "magic clip"), read as densities
//! at a point or as masses over the cell of a discrete value; categorical axes use smoothed one-hot
//! weights. The TPE sampler ([`super::TpeSampler`]) builds one estimator for the good trials (`l`)
//! and one for the rest (`g`), draws candidates from `l` and keeps the one maximising `l/g`.

use rand::Rng;
use rand::rngs::StdRng;

use super::truncated_normal::{log_mass, log_pdf, ppf};

/// The weight of the prior kernel against an observation's (Optuna's `prior_weight`).
const PRIOR_WEIGHT: f64 = 1.0;
/// Bandwidths never fall below `1/min(MAGIC_CLIP_LIMIT, kernels + 1)` of the range.
const MAGIC_CLIP_LIMIT: f64 = 100.0;

/// The kind of one axis.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Axis {
    /// A position in `[0, 1]`.
    Numeric,
    /// One of this many unordered categories.
    Categorical(usize),
}

/// Where one axis of an observation or a candidate lies.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Point {
    /// A position in `[0, 1]` (read as a density).
    At(f64),
    /// The cell `[low, high] ⊆ [0, 1]` of a discrete value (read as a probability mass); observed
    /// at its centre.
    Cell {
        /// Where the cell starts.
        low: f64,
        /// Where it ends.
        high: f64,
        /// The value's own position.
        centre: f64,
    },
    /// A category's index.
    Category(usize),
}

/// The kernels of one axis, the prior's last.
#[derive(Debug, Clone)]
enum Kernels {
    Numeric {
        mu: Vec<f64>,
        sigma: Vec<f64>,
        /// `ln σ + ln Z`, where `Z` is the kernel's mass inside `[0, 1]`.
        log_scale: Vec<f64>,
    },
    Categorical {
        count: usize,
        /// The category of each observation's kernel (the prior has none).
        observed: Vec<usize>,
        /// The smoothing mass every category gets in an observation's kernel.
        smoothing: f64,
    },
}

/// A mixture of product kernels over a group of axes.
#[derive(Debug, Clone)]
pub struct ParzenEstimator {
    /// Mixture weights, the prior's last; they sum to 1.
    weights: Vec<f64>,
    log_weights: Vec<f64>,
    axes: Vec<Kernels>,
}

/// Optuna's `default_weights`: flat for the most recent 25 observations, a ramp from `1/n` up to 1
/// for older ones (`observations` in trial order).
#[must_use]
pub fn default_weights(n: usize) -> Vec<f64> {
    const FLAT: usize = 25;
    if n < FLAT {
        return vec![1.0; n];
    }
    let ramp = n - FLAT;
    #[allow(clippy::cast_precision_loss)]
    let start = 1.0 / n as f64;
    let mut weights: Vec<f64> = (0..ramp)
        .map(|i| {
            if ramp == 1 {
                start
            } else {
                #[allow(clippy::cast_precision_loss)]
                let t = i as f64 / (ramp - 1) as f64;
                start + t * (1.0 - start)
            }
        })
        .collect();
    weights.extend(std::iter::repeat_n(1.0, FLAT));
    weights
}

impl ParzenEstimator {
    /// The estimator over `axes` from `observations` (one row per observation, one [`Point`] per
    /// axis, matching the axis's kind) with their `weights` (non-negative, one per row).
    #[must_use]
    pub fn new(axes: &[Axis], observations: &[Vec<Point>], weights: &[f64]) -> Self {
        let n = observations.len();
        let mut raw: Vec<f64> = weights
            .iter()
            .take(n)
            .map(|w| if w.is_finite() { w.max(0.0) } else { 0.0 })
            .collect();
        raw.resize(n, 1.0);
        raw.push(PRIOR_WEIGHT);
        let total: f64 = raw.iter().sum();
        let weights: Vec<f64> = raw.iter().map(|w| w / total).collect();
        let log_weights = weights.iter().map(|w| w.ln()).collect();
        let axes = axes
            .iter()
            .enumerate()
            .map(|(j, axis)| match axis {
                Axis::Numeric => {
                    let mus: Vec<f64> = observations
                        .iter()
                        .map(|row| match row.get(j) {
                            Some(Point::At(u) | Point::Cell { centre: u, .. }) => u.clamp(0.0, 1.0),
                            _ => 0.5,
                        })
                        .collect();
                    numeric_kernels(mus)
                }
                Axis::Categorical(count) => {
                    let count = (*count).max(1);
                    let observed = observations
                        .iter()
                        .map(|row| match row.get(j) {
                            Some(Point::Category(k)) => (*k).min(count - 1),
                            _ => 0,
                        })
                        .collect();
                    #[allow(clippy::cast_precision_loss)]
                    let smoothing = PRIOR_WEIGHT / (n + 1) as f64;
                    Kernels::Categorical {
                        count,
                        observed,
                        smoothing,
                    }
                }
            })
            .collect();
        Self {
            weights,
            log_weights,
            axes,
        }
    }

    /// One draw: a kernel picked by weight, then each axis drawn from it ([`Point::At`] for numeric
    /// axes, [`Point::Category`] for categorical ones).
    pub fn sample(&self, rng: &mut StdRng) -> Vec<Point> {
        let kernels = self.weights.len();
        let pick: f64 = rng.random();
        let mut acc = 0.0;
        let mut i = kernels - 1;
        for (k, w) in self.weights.iter().enumerate() {
            acc += w;
            if pick < acc {
                i = k;
                break;
            }
        }
        self.axes
            .iter()
            .map(|axis| match axis {
                Kernels::Numeric { mu, sigma, .. } => {
                    let q: f64 = rng.random();
                    let (m, s) = (mu[i], sigma[i]);
                    Point::At((m + s * ppf(q, -m / s, (1.0 - m) / s)).clamp(0.0, 1.0))
                }
                Kernels::Categorical {
                    count,
                    observed,
                    smoothing,
                } => {
                    let pick: f64 = rng.random();
                    let mut acc = 0.0;
                    for c in 0..*count {
                        acc += category_probability(*count, observed.get(i), *smoothing, c);
                        if pick < acc {
                            return Point::Category(c);
                        }
                    }
                    Point::Category(count - 1)
                }
            })
            .collect()
    }

    /// The number of observations (kernels besides the prior).
    #[cfg(test)]
    pub fn observations(&self) -> usize {
        self.weights.len() - 1
    }

    /// The log density (log mass on cells and categories) of the mixture at `x`.
    #[cfg(test)]
    #[must_use]
    pub fn log_pdf(&self, x: &[Point]) -> f64 {
        self.log_pdfs(std::slice::from_ref(&x.to_vec()))[0]
    }

    /// [`ParzenEstimator::log_pdf`] at each of `xs`. A cell or category shared by several points is
    /// read once per kernel (discrete candidates repeat often).
    #[must_use]
    pub fn log_pdfs(&self, xs: &[Vec<Point>]) -> Vec<f64> {
        let kernels = self.log_weights.len();
        let mut terms: Vec<f64> = Vec::with_capacity(xs.len() * kernels);
        for _ in xs {
            terms.extend_from_slice(&self.log_weights);
        }
        let mut row = vec![0.0; kernels];
        for (j, axis) in self.axes.iter().enumerate() {
            let mut seen: Vec<(Point, Vec<f64>)> = Vec::new();
            for (c, x) in xs.iter().enumerate() {
                let Some(point) = x.get(j) else { continue };
                let cached = match point {
                    Point::At(_) => None,
                    _ => seen.iter().position(|(p, _)| p == point),
                };
                let values: &[f64] = if let Some(k) = cached {
                    &seen[k].1
                } else {
                    for (i, slot) in row.iter_mut().enumerate() {
                        *slot = kernel_log_pdf(axis, i, point);
                    }
                    if matches!(point, Point::At(_)) {
                        &row
                    } else {
                        seen.push((*point, row.clone()));
                        &seen[seen.len() - 1].1
                    }
                };
                for (t, v) in terms[c * kernels..(c + 1) * kernels].iter_mut().zip(values) {
                    *t += v;
                }
            }
        }
        terms.chunks(kernels.max(1)).map(log_sum_exp).collect()
    }
}

/// The log density of kernel `i` of one axis at `point`.
fn kernel_log_pdf(axis: &Kernels, i: usize, point: &Point) -> f64 {
    match (axis, point) {
        (
            Kernels::Numeric {
                mu,
                sigma,
                log_scale,
            },
            Point::At(u),
        ) => log_pdf((u - mu[i]) / sigma[i]) - log_scale[i],
        (
            Kernels::Numeric {
                mu,
                sigma,
                log_scale,
            },
            Point::Cell { low, high, .. },
        ) => {
            let (m, s) = (mu[i], sigma[i]);
            log_mass((low - m) / s, (high - m) / s) - (log_scale[i] - s.ln())
        }
        (
            Kernels::Categorical {
                count,
                observed,
                smoothing,
            },
            Point::Category(c),
        ) => category_probability(*count, observed.get(i), *smoothing, *c).ln(),
        _ => 0.0,
    }
}

/// The probability of category `c` under the kernel of an observation of category `observed`
/// (`None`: the prior, uniform).
fn category_probability(count: usize, observed: Option<&usize>, smoothing: f64, c: usize) -> f64 {
    #[allow(clippy::cast_precision_loss)]
    let count_f = count as f64;
    match observed {
        Some(&k) => (smoothing + if k == c { 1.0 } else { 0.0 }) / (1.0 + count_f * smoothing),
        None => 1.0 / count_f,
    }
}

/// Kernels centred on `mus` (unit positions) plus the prior `N(½, 1)`: each bandwidth is the larger
/// distance to a neighbouring observation (the outermost ones use their inner neighbour, not the
/// bound), kept within `[1/min(100, n + 2), 1]`.
fn numeric_kernels(mut mus: Vec<f64>) -> Kernels {
    let n = mus.len();
    let mut order: Vec<usize> = (0..n).collect();
    order.sort_by(|&a, &b| mus[a].total_cmp(&mus[b]));
    let sorted: Vec<f64> = order.iter().map(|&k| mus[k]).collect();
    let at = |k: isize| -> f64 {
        match usize::try_from(k) {
            Err(_) => 0.0,
            Ok(k) => sorted.get(k).copied().unwrap_or(1.0),
        }
    };
    #[allow(clippy::cast_precision_loss)]
    let min_sigma = 1.0 / MAGIC_CLIP_LIMIT.min(n as f64 + 2.0);
    let mut sigma = vec![1.0; n];
    for (rank, &k) in order.iter().enumerate() {
        #[allow(clippy::cast_possible_wrap)]
        let r = rank as isize;
        let mut s = (at(r) - at(r - 1)).max(at(r + 1) - at(r));
        if n >= 2 && rank == 0 {
            s = at(1) - at(0);
        } else if n >= 2 && rank == n - 1 {
            s = at(r) - at(r - 1);
        }
        sigma[k] = s.clamp(min_sigma, 1.0);
    }
    mus.push(0.5);
    sigma.push(1.0);
    let log_scale = mus
        .iter()
        .zip(&sigma)
        .map(|(m, s)| s.ln() + log_mass(-m / s, (1.0 - m) / s))
        .collect();
    Kernels::Numeric {
        mu: mus,
        sigma,
        log_scale,
    }
}

/// `ln Σ eˣ`, `−∞` for no terms.
fn log_sum_exp(terms: &[f64]) -> f64 {
    let m = terms.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    if !m.is_finite() {
        return m;
    }
    m + terms.iter().map(|t| (t - m).exp()).sum::<f64>().ln()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::seed::derived_rng;

    // Reference: Optuna 5.0.0's own estimator, on the original scale (the acquisition
    // ln l(x) − ln g(x) does not change under the affine map to the unit encoding):
    //
    //     from optuna.distributions import (FloatDistribution, IntDistribution,
    //                                       CategoricalDistribution)
    //     from optuna.samplers._tpe.parzen_estimator import (_ParzenEstimator,
    //                                                        _ParzenEstimatorParameters)
    //     from optuna.samplers._tpe.sampler import default_weights
    //     P = _ParzenEstimatorParameters(prior_weight=1.0, consider_magic_clip=True,
    //         consider_endpoints=False, weights=default_weights, multivariate=True)
    //     def acq(space, below, above, xs):
    //         l = _ParzenEstimator({k: np.asarray(v, float) for k, v in below.items()}, space, P)
    //         g = _ParzenEstimator({k: np.asarray(v, float) for k, v in above.items()}, space, P)
    //         x = {k: np.asarray(v, float) for k, v in xs.items()}
    //         return (l.log_pdf(x) - g.log_pdf(x)).tolist()
    //     acq({"x": FloatDistribution(-5, 10)}, {"x": [1.0, 2.5]}, {"x": [-4, 0, 3, 7, 9.5, 6]},
    //         {"x": [-3, 1.2, 2.0, 8.0]})
    //     acq({"x": IntDistribution(1, 10)}, {"x": [3, 4]}, {"x": [1, 7, 9, 10, 2]},
    //         {"x": [3, 5, 10]})
    //     acq({"x": FloatDistribution(1e-4, 1, log=True)}, {"x": [1e-3, 2e-3]},
    //         {"x": [0.1, 0.5, 3e-4]}, {"x": [1.5e-3, 0.05]})
    //     acq({"c": CategoricalDistribution(["a", "b", "c", "d"])}, {"c": [0, 0, 2]},
    //         {"c": [1, 3, 3, 1, 0]}, {"c": [0, 1, 2, 3]})
    //     acq({"x": FloatDistribution(-5, 10), "c": CategoricalDistribution(["a", "b", "c"])},
    //         {"x": [1.0, 2.5], "c": [0, 1]}, {"x": [-4, 0, 3, 7], "c": [2, 0, 1, 2]},
    //         {"x": [1.0, 1.0, 6.0], "c": [0, 1, 2]})
    //     above = [(-5 + (k * 7.3) % 15) for k in range(30)]
    //     acq({"x": FloatDistribution(-5, 10)}, {"x": [2.0]}, {"x": above},
    //         {"x": [-4.5, 0.0, 2.0, 9.0]})

    fn acquisition(
        axes: &[Axis],
        good: &[Vec<Point>],
        bad: &[Vec<Point>],
        at: &[Vec<Point>],
    ) -> Vec<f64> {
        let l = ParzenEstimator::new(axes, good, &default_weights(good.len()));
        let g = ParzenEstimator::new(axes, bad, &default_weights(bad.len()));
        at.iter().map(|x| l.log_pdf(x) - g.log_pdf(x)).collect()
    }

    fn assert_close(actual: &[f64], expected: &[f64]) {
        assert_eq!(actual.len(), expected.len());
        for (a, e) in actual.iter().zip(expected) {
            assert!((a - e).abs() < 1e-9, "{actual:?} vs {expected:?}");
        }
    }

    /// `uniform(-5, 10)` in the unit encoding.
    fn float(xs: &[f64]) -> Vec<Vec<Point>> {
        xs.iter()
            .map(|x| vec![Point::At((x + 5.0) / 15.0)])
            .collect()
    }

    #[test]
    fn continuous_acquisition_matches_optuna() {
        let got = acquisition(
            &[Axis::Numeric],
            &float(&[1.0, 2.5]),
            &float(&[-4.0, 0.0, 3.0, 7.0, 9.5, 6.0]),
            &float(&[-3.0, 1.2, 2.0, 8.0]),
        );
        let expected = [
            0.164_107_180_911_995_17,
            0.480_871_314_624_131_7,
            0.433_574_225_092_205,
            -0.786_504_043_331_620_8,
        ];
        assert_close(&got, &expected);
    }

    #[test]
    fn log_scale_acquisition_matches_optuna() {
        let (lo, hi) = (1e-4_f64.ln(), 1.0_f64.ln());
        let log = |xs: &[f64]| -> Vec<Vec<Point>> {
            xs.iter()
                .map(|x| vec![Point::At((x.ln() - lo) / (hi - lo))])
                .collect()
        };
        let got = acquisition(
            &[Axis::Numeric],
            &log(&[1e-3, 2e-3]),
            &log(&[0.1, 0.5, 3e-4]),
            &log(&[1.5e-3, 0.05]),
        );
        assert_close(&got, &[0.667_202_084_953_561_4, -0.449_564_792_402_314_5]);
    }

    #[test]
    fn integer_acquisition_uses_cell_masses_like_optuna() {
        // int(1, 10) spans [0.5, 10.5]; the integer k owns [k − ½, k + ½].
        let int = |xs: &[i32]| -> Vec<Vec<Point>> {
            xs.iter()
                .map(|&k| {
                    let k = f64::from(k);
                    vec![Point::Cell {
                        low: (k - 1.0) / 10.0,
                        high: k / 10.0,
                        centre: (k - 0.5) / 10.0,
                    }]
                })
                .collect()
        };
        let got = acquisition(
            &[Axis::Numeric],
            &int(&[3, 4]),
            &int(&[1, 7, 9, 10, 2]),
            &int(&[3, 5, 10]),
        );
        let expected = [
            0.596_405_223_804_657_8,
            0.752_947_453_942_708_1,
            -1.413_465_260_505_317_3,
        ];
        assert_close(&got, &expected);
    }

    #[test]
    fn categorical_acquisition_matches_optuna() {
        let cat = |ks: &[usize]| -> Vec<Vec<Point>> {
            ks.iter().map(|&k| vec![Point::Category(k)]).collect()
        };
        let got = acquisition(
            &[Axis::Categorical(4)],
            &cat(&[0, 0, 2]),
            &cat(&[1, 3, 3, 1, 0]),
            &cat(&[0, 1, 2, 3]),
        );
        let expected = [
            0.590_868_331_439_527_4,
            -0.732_367_893_713_225_9,
            0.810_930_216_216_329_2,
            -0.732_367_893_713_225_9,
        ];
        assert_close(&got, &expected);
    }

    #[test]
    fn joint_acquisition_matches_optuna() {
        let joint = |xs: &[(f64, usize)]| -> Vec<Vec<Point>> {
            xs.iter()
                .map(|&(x, c)| vec![Point::At((x + 5.0) / 15.0), Point::Category(c)])
                .collect()
        };
        let got = acquisition(
            &[Axis::Numeric, Axis::Categorical(3)],
            &joint(&[(1.0, 0), (2.5, 1)]),
            &joint(&[(-4.0, 2), (0.0, 0), (3.0, 1), (7.0, 2)]),
            &joint(&[(1.0, 0), (1.0, 1), (6.0, 2)]),
        );
        let expected = [
            0.386_717_450_464_635_8,
            0.413_442_226_920_300_64,
            -0.660_305_785_454_376_3,
        ];
        assert_close(&got, &expected);
    }

    #[test]
    fn older_bad_observations_weigh_less_like_optuna() {
        let above: Vec<f64> = (0..30)
            .map(|k| -5.0 + (f64::from(k) * 7.3) % 15.0)
            .collect();
        let got = acquisition(
            &[Axis::Numeric],
            &float(&[2.0]),
            &float(&above),
            &float(&[-4.5, 0.0, 2.0, 9.0]),
        );
        let expected = [
            1.729_472_448_223_258,
            -0.265_369_704_527_584_9,
            0.337_616_586_955_166_4,
            -0.369_694_341_536_027,
        ];
        assert_close(&got, &expected);
    }

    // default_weights(27) = [1/27, 1, 1, …]; default_weights(30)[:5] = linspace(1/30, 1, 5).
    #[test]
    fn weights_ramp_up_for_old_observations_only() {
        assert_eq!(default_weights(0), Vec::<f64>::new());
        assert_eq!(default_weights(24), vec![1.0; 24]);
        assert_eq!(default_weights(25), vec![1.0; 25]);
        let w = default_weights(27);
        assert_eq!(w.len(), 27);
        assert!((w[0] - 1.0 / 27.0).abs() < 1e-15 && w[1..].iter().all(|&x| x == 1.0));
        let w = default_weights(30);
        let ramp = [
            1.0 / 30.0,
            0.275,
            0.516_666_666_666_666_7,
            0.758_333_333_333_333_3,
            1.0,
        ];
        assert_close(&w[..5], &ramp);
        assert!(w[5..].iter().all(|&x| x == 1.0));
    }

    #[test]
    fn draws_stay_in_the_unit_interval_and_follow_the_kernels() {
        let good = float(&[1.0, 1.5, 2.0]);
        let l = ParzenEstimator::new(&[Axis::Numeric], &good, &[1.0; 3]);
        let mut rng = derived_rng(7, 0);
        let draws: Vec<f64> = (0..2000)
            .map(|_| match l.sample(&mut rng)[0] {
                Point::At(u) => u,
                other => panic!("{other:?}"),
            })
            .collect();
        assert!(draws.iter().all(|u| (0.0..=1.0).contains(u)));
        // With three observations the magic clip keeps every bandwidth at 1/5 of the range: the
        // share of draws in [0.3, 0.6] is the mixture's mass there.
        let (lo, hi) = (0.3, 0.6);
        let kernel_mass = |m: f64, s: f64| {
            (log_mass((lo - m) / s, (hi - m) / s) - log_mass(-m / s, (1.0 - m) / s)).exp()
        };
        let expected = (kernel_mass(0.4, 0.2)
            + kernel_mass(6.5 / 15.0, 0.2)
            + kernel_mass(7.0 / 15.0, 0.2)
            + kernel_mass(0.5, 1.0))
            / 4.0;
        #[allow(clippy::cast_precision_loss)]
        let share = draws.iter().filter(|u| (lo..=hi).contains(*u)).count() as f64 / 2000.0;
        assert!(
            expected > 0.4 && (share - expected).abs() < 0.035,
            "{share} vs {expected}"
        );
    }
}

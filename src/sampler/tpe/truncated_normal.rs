//! The standard normal distribution in log space, and the truncated normal kernel built on it: log
//! CDF, log probability mass of an interval, log density and inverse-CDF sampling. Tails are
//! computed from the scaled complementary error function, so masses far from the mean keep their
//! precision instead of rounding to zero. The Parzen estimator ([`super::parzen`]) reads every
//! numeric kernel through these functions; all bounds and points are standardised (`(x − μ)/σ`).

use std::f64::consts::{FRAC_1_SQRT_2, LN_2, PI};
use std::sync::OnceLock;

/// `ln √(2π)`.
const LN_SQRT_2PI: f64 = 0.918_938_533_204_672_8;
/// `2/√π`.
const FRAC_2_SQRT_PI: f64 = std::f64::consts::FRAC_2_SQRT_PI;
/// Intervals narrower than this (times the distance of their middle from 0, when above 1) have
/// their mass from the density at their middle.
const NARROW: f64 = 0.1;
/// Below this, `erfcx` sums the power series of `erf`; above, it evaluates the continued fraction.
const SERIES_LIMIT: f64 = 1.0;

/// `erfc(x)·e^{x²}` for `x ≥ 0` (the scaled complementary error function), to about 1e-13 relative.
/// Below [`TABLE_END`] it is a short Taylor series around the nearest point of a table; its
/// coefficients follow from `y′ = 2xy − 2/√π`.
fn erfcx(x: f64) -> f64 {
    if x >= TABLE_END || x.is_nan() {
        return erfcx_direct(x);
    }
    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
    let k = (x.max(0.0) * TABLE_STEPS).round() as usize;
    let Some(&y0) = table().get(k) else {
        return erfcx_direct(x);
    };
    #[allow(clippy::cast_precision_loss)]
    let x0 = k as f64 / TABLE_STEPS;
    let t = x - x0;
    let (mut previous, mut current) = (y0, 2.0 * x0 * y0 - FRAC_2_SQRT_PI);
    let mut power = t;
    let mut sum = y0 + current * t;
    for n in 1..TAYLOR_TERMS {
        // (n+1)·c[n+1] = 2·x0·c[n] + 2·c[n−1]
        #[allow(clippy::cast_precision_loss)]
        let next = (2.0 * x0 * current + 2.0 * previous) / (n + 1) as f64;
        power *= t;
        sum += next * power;
        previous = current;
        current = next;
    }
    sum
}

/// Where the table of [`erfcx`] ends.
const TABLE_END: f64 = 26.0;
/// Table points per unit of `x` (the Taylor step is at most half of its inverse).
const TABLE_STEPS: f64 = 32.0;
/// Terms of the Taylor series read from the table (the first left out is below 1e-17).
const TAYLOR_TERMS: usize = 10;

/// [`erfcx_direct`] at `k / TABLE_STEPS` up to [`TABLE_END`], computed once: it only saves time.
fn table() -> &'static [f64] {
    static TABLE: OnceLock<Vec<f64>> = OnceLock::new();
    TABLE.get_or_init(|| {
        #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
        let points = (TABLE_END * TABLE_STEPS) as u32;
        (0..=points)
            .map(|k| erfcx_direct(f64::from(k) / TABLE_STEPS))
            .collect()
    })
}

/// [`erfcx`] from its definitions: the power series of `erf` below [`SERIES_LIMIT`], the continued
/// fraction of `erfc` above.
fn erfcx_direct(x: f64) -> f64 {
    if x < SERIES_LIMIT {
        // erf(x) = 2/√π · e^{−x²} · Σ (2x²)ⁿ x / (2n+1)!!, every term positive.
        let r = 2.0 * x * x;
        let mut term = x;
        let mut sum = x;
        let mut n = 0.0;
        while term > sum * 1e-17 {
            n += 1.0;
            term *= r / (2.0 * n + 1.0);
            sum += term;
        }
        (x * x).exp() - FRAC_2_SQRT_PI * sum
    } else {
        // √π·erfcx(x) = 1/(x + ½/(x + 1/(x + 3/2/(x + …)))), by the modified Lentz method.
        let tiny = 1e-300;
        let mut f = x;
        let mut c = x;
        let mut d = 0.0;
        for j in 1..500 {
            let a = f64::from(j) * 0.5;
            d = x + a * d;
            d = if d.abs() < tiny { 1.0 / tiny } else { 1.0 / d };
            c = x + a / c;
            if c.abs() < tiny {
                c = tiny;
            }
            let delta = c * d;
            f *= delta;
            if (delta - 1.0).abs() < 1e-16 {
                break;
            }
        }
        1.0 / (PI.sqrt() * f)
    }
}

/// `ln Φ(z)`, the log of the standard normal CDF, accurate in both tails.
#[must_use]
pub fn log_ndtr(z: f64) -> f64 {
    if z.is_nan() {
        return f64::NAN;
    }
    if z == f64::NEG_INFINITY {
        return f64::NEG_INFINITY;
    }
    let t = z.abs() * FRAC_1_SQRT_2;
    if z < 0.0 {
        // Φ(z) = ½·erfc(t) = ½·erfcx(t)·e^{−t²}.
        -t * t + erfcx(t).ln() - LN_2
    } else {
        (-0.5 * erfcx(t) * (-t * t).exp()).ln_1p()
    }
}

/// `Φ(z)`, the standard normal CDF.
#[must_use]
pub fn ndtr(z: f64) -> f64 {
    if z < 0.0 {
        log_ndtr(z).exp()
    } else {
        -(log_ndtr(z).exp_m1())
    }
}

/// `ln (Φ(b) − Φ(a))`: the log probability of `[a, b]` under the standard normal (`−∞` when empty).
#[must_use]
pub fn log_mass(a: f64, b: f64) -> f64 {
    if a.is_nan() || b.is_nan() || a >= b {
        return f64::NEG_INFINITY;
    }
    let (width, middle) = (b - a, 0.5 * (a + b));
    if width * middle.abs().max(1.0) <= NARROW {
        // ∫ φ over a narrow interval: φ at its middle times its width, corrected by the Taylor
        // series of φ (the next term is below 1e-11 relative); no CDF needed.
        let (w2, m2) = (width * width, middle * middle);
        let series = 1.0 + w2 * (m2 - 1.0) / 24.0 + w2 * w2 * (m2 * m2 - 6.0 * m2 + 3.0) / 1920.0;
        return log_pdf(middle) + width.ln() + series.ln();
    }
    if b <= 0.0 {
        let (la, lb) = (log_ndtr(a), log_ndtr(b));
        lb + (-(la - lb).exp_m1()).ln()
    } else if a >= 0.0 {
        // The right tail is the mirrored left tail, where the CDF keeps its precision.
        log_mass(-b, -a)
    } else {
        (-(ndtr(a) + ndtr(-b))).ln_1p()
    }
}

/// `ln φ(z)`, the log density of the standard normal.
#[must_use]
pub fn log_pdf(z: f64) -> f64 {
    -0.5 * z * z - LN_SQRT_2PI
}

/// `ln (eᵖ + e^q)` without overflow.
fn log_add_exp(p: f64, q: f64) -> f64 {
    let m = p.max(q);
    if m == f64::NEG_INFINITY {
        return m;
    }
    m + ((p - m).exp() + (q - m).exp()).ln()
}

/// The `z` with `ln Φ(z) = y` (`y ≤ 0`): Newton's method on the concave `ln Φ`, started from a
/// logistic approximation of the normal CDF (or the Gaussian tail for very small `y`), always in
/// the left half, where `ln Φ` has its precision.
fn ndtri_exp(y: f64) -> f64 {
    if y.is_nan() {
        return f64::NAN;
    }
    if y >= 0.0 {
        return f64::INFINITY;
    }
    if y == f64::NEG_INFINITY {
        return f64::NEG_INFINITY;
    }
    if y > -LN_2 {
        // Φ(z) > ½: solve Φ(−z) = 1 − e^y instead.
        return -ndtri_exp((-y.exp_m1()).ln());
    }
    let mut z = if y < -5.0 {
        -(-2.0 * (y + LN_SQRT_2PI)).sqrt()
    } else {
        -(3.0_f64.sqrt() / PI) * (-y).exp_m1().ln()
    };
    for _ in 0..100 {
        let lz = log_ndtr(z);
        // d ln Φ/dz = φ/Φ; from the left Newton's steps on a concave function never overshoot.
        let step = (lz - y) * (lz - log_pdf(z)).exp();
        if !step.is_finite() {
            break;
        }
        z -= step;
        if step.abs() <= 1e-14 * z.abs().max(1.0) {
            break;
        }
    }
    z
}

/// The `q`-quantile (`0 ≤ q ≤ 1`) of the standard normal truncated to `[a, b]`.
#[must_use]
pub fn ppf(q: f64, a: f64, b: f64) -> f64 {
    if a.is_nan() || b.is_nan() || a >= b {
        return a;
    }
    let q = if q.is_nan() { 0.5 } else { q.clamp(0.0, 1.0) };
    if q == 0.0 {
        return a;
    }
    if q == 1.0 {
        return b;
    }
    let mass = log_mass(a, b);
    let z = if a < 0.0 {
        ndtri_exp(log_add_exp(log_ndtr(a), q.ln() + mass))
    } else {
        -ndtri_exp(log_add_exp(log_ndtr(-b), (-q).ln_1p() + mass))
    };
    if z.is_nan() { a } else { z.clamp(a, b) }
}

#[cfg(test)]
mod tests {
    use super::*;

    // Reference values from mpmath (40 digits), which SciPy 1.17 agrees with:
    //
    //     import mpmath as mp; mp.mp.dps = 40; Phi = mp.ncdf
    //     [mp.log(Phi(z)) for z in [-40, -8, -1.5, 0.5, 3, 9]]
    //     [mp.log(Phi(b) - Phi(a)) for a, b in [(-1, 1), (2, 2.1), (-9, -8.9), (0.3, 0.31),
    //                                           (-5, -4.999), (7, 7.001), (-0.02, 0.03)]]
    //     # the q-quantile of N(0, 1) truncated to [a, b]:
    //     #   bisect Phi(z) = Phi(a) + q (Phi(b) - Phi(a))
    //     # for (q, a, b) in [(0.3, -1, 2), (0.9, 0.5, 4), (0.5, -30, -29), (0.01, -0.2, 0.1)]
    //     from scipy.stats import truncnorm
    //     [truncnorm.logpdf(x, a, b) for x, a, b in [(0.3, -1, 2), (3.9, 0.5, 4)]]

    fn close(actual: f64, expected: f64, rel: f64) {
        assert!(
            (actual - expected).abs() <= rel * expected.abs().max(1e-300),
            "{actual} vs {expected}"
        );
    }

    #[test]
    fn log_cdf_matches_scipy_in_both_tails() {
        let cases = [
            (-40.0, -804.608_442_013_753_8),
            (-8.0, -35.013_437_159_914_55),
            (-1.5, -2.705_944_400_823_89),
            (0.0, -std::f64::consts::LN_2),
            (0.5, -0.368_946_415_288_656_4),
            (3.0, -0.001_350_809_964_748_193_8),
            (9.0, -1.128_588_405_953_840_6e-19),
        ];
        for (z, expected) in cases {
            close(log_ndtr(z), expected, 1e-12);
        }
    }

    #[test]
    fn interval_masses_match_scipy_also_far_in_a_tail() {
        close(log_mass(-1.0, 1.0), -0.381_715_146_302_126_07, 1e-12);
        close(log_mass(2.0, 2.1), -5.321_440_377_608_29, 1e-11);
        close(log_mass(-9.0, -8.9), -43.240_045_099_011_12, 1e-11);
        assert_eq!(log_mass(1.0, 1.0), f64::NEG_INFINITY);
        // Narrow intervals (read from the density at their middle).
        close(log_mass(0.3, 0.31), -5.570_624_998_249_641, 1e-11);
        close(log_mass(-5.0, -4.999), -20.324_192_937_395_05, 1e-11);
        close(log_mass(7.0, 7.001), -32.330_191_936_895_7, 1e-11);
        close(log_mass(-0.02, 0.03), -3.914_787_466_481_189, 1e-11);
    }

    #[test]
    fn quantiles_match_scipy_and_stay_inside_the_bounds() {
        close(ppf(0.3, -1.0, 2.0), -0.242_403_817_889_226_83, 1e-9);
        close(ppf(0.9, 0.5, 4.0), 1.867_982_458_784_454, 1e-9);
        close(ppf(0.5, -30.0, -29.0), -29.023_863_512_020_596, 1e-9);
        close(ppf(0.01, -0.2, 0.1), -0.196_955_537_581_674_73, 1e-9);
        assert_eq!(ppf(0.0, -1.0, 2.0), -1.0);
        assert_eq!(ppf(1.0, -1.0, 2.0), 2.0);
        for k in 0..=100 {
            let z = ppf(f64::from(k) / 100.0, 3.0, 3.5);
            assert!((3.0..=3.5).contains(&z), "{z}");
        }
    }

    #[test]
    fn quantile_inverts_the_cdf() {
        for (a, b) in [(-3.0, 3.0), (-0.5, 7.0), (5.0, 6.0), (-12.0, -11.0)] {
            for k in 1..20 {
                let q = f64::from(k) / 20.0;
                let z = ppf(q, a, b);
                let back = (log_mass(a, z) - log_mass(a, b)).exp();
                close(back, q, 1e-9);
            }
        }
    }

    #[test]
    fn the_tabled_error_function_equals_the_direct_one() {
        for k in 0..=5400 {
            let x = f64::from(k) * 0.005 + 0.001;
            close(erfcx(x), erfcx_direct(x), 1e-13);
        }
    }

    #[test]
    fn truncated_log_density_matches_scipy() {
        close(
            log_pdf(0.3) - log_mass(-1.0, 2.0),
            -0.763_772_238_880_210_1,
            1e-12,
        );
        close(
            log_pdf(3.9) - log_mass(0.5, 4.0),
            -7.347_924_116_784_693,
            1e-12,
        );
    }
}

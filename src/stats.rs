//! The standard normal distribution, shared by the `svr` stopping rule (Baker et al.'s
//! `Φ((y − δ − ŷ)/σ)`) and expected-improvement acquisitions: density [`pdf`] and distribution
//! [`cdf`] (through a Chebyshev fit of `erfc`, relative error below 1.2·10⁻⁷ everywhere).

/// `1/√(2π)`.
const INV_SQRT_2PI: f64 = 0.398_942_280_401_432_7;

/// The standard normal density φ(x).
#[must_use]
pub fn pdf(x: f64) -> f64 {
    INV_SQRT_2PI * (-0.5 * x * x).exp()
}

/// The standard normal distribution function Φ(x) = P(Z ≤ x).
#[must_use]
pub fn cdf(x: f64) -> f64 {
    0.5 * erfc(-x / std::f64::consts::SQRT_2)
}

/// The complementary error function (Numerical Recipes' `erfcc`: a Chebyshev fit of
/// `erfc(x)·exp(x²)`, fractional error < 1.2·10⁻⁷).
#[must_use]
pub fn erfc(x: f64) -> f64 {
    if x.is_nan() {
        return f64::NAN;
    }
    let z = x.abs();
    let t = 1.0 / (1.0 + 0.5 * z);
    let poly = -z * z - 1.265_512_23
        + t * (1.000_023_68
            + t * (0.374_091_96
                + t * (0.096_784_18
                    + t * (-0.186_288_06
                        + t * (0.278_868_07
                            + t * (-1.135_203_98
                                + t * (1.488_515_87 + t * (-0.822_152_23 + t * 0.170_872_77))))))));
    let r = t * poly.exp();
    if x >= 0.0 { r } else { 2.0 - r }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_tabulated_values() {
        // scipy.stats.norm.cdf([-3, -1.96, -1, 0, 0.5, 1, 1.96, 3, 8])
        let expected = [
            (-3.0, 0.001_349_898_031_630_094_5),
            (-1.96, 0.024_997_895_148_220_435),
            (-1.0, 0.158_655_253_931_457_05),
            (0.0, 0.5),
            (0.5, 0.691_462_461_274_013_1),
            (1.0, 0.841_344_746_068_542_9),
            (1.96, 0.975_002_104_851_779_6),
            (3.0, 0.998_650_101_968_369_9),
            (8.0, 0.999_999_999_999_999_3),
        ];
        for (x, p) in expected {
            assert!(
                (cdf(x) - p).abs() <= 1.2e-7 * p.max(1e-3),
                "Φ({x}) = {}",
                cdf(x)
            );
        }
        assert!((pdf(0.0) - INV_SQRT_2PI).abs() < 1e-15);
        assert!((pdf(1.0) - 0.241_970_724_519_143_37).abs() < 1e-15);
        assert!(cdf(-40.0) >= 0.0 && cdf(40.0) <= 1.0);
        assert!(cdf(f64::NAN).is_nan());
    }
}

//! Acquisition functions: how much a candidate with posterior mean `μ` and standard deviation `σ`
//! (of the standardised loss, lower better) is worth trying, given the best loss `y*` so far. Scores
//! are compared, never summed, so expected and probability of improvement are scored by their
//! logarithms: far from the data both underflow to zero in plain form, and their logarithms still
//! rank candidates.

use crate::plan::sampler::Acquisition;
use crate::stats::{cdf, pdf};

/// How many standard deviations below the mean the confidence bound (`ucb`) looks.
const KAPPA: f64 = 2.0;

/// The score of a candidate under `acquisition` (larger is better): expected improvement
/// `E[max(y* − f, 0)]` and probability of improvement `P(f < y*)` by their logarithms, the lower
/// confidence bound `μ − κσ` by its negation.
#[must_use]
pub fn score(acquisition: Acquisition, mean: f64, sd: f64, best: f64) -> f64 {
    let sd = sd.max(1e-12);
    let z = (best - mean) / sd;
    match acquisition {
        Acquisition::ExpectedImprovement => sd.ln() + log_h(z),
        Acquisition::ConfidenceBound => -(mean - KAPPA * sd),
        Acquisition::ProbabilityOfImprovement => log_cdf(z),
    }
}

/// Below this `z` the closed forms lose precision (φ(z) and z·Φ(z) cancel) and the asymptotic
/// series take over; at −12 their first omitted terms are below 10⁻⁵.
const TAIL: f64 = -12.0;

/// `ln(φ(z) + z·Φ(z))`, the logarithm of the expected improvement of a unit normal over `z`.
fn log_h(z: f64) -> f64 {
    if z > TAIL {
        (pdf(z) + z * cdf(z)).max(f64::MIN_POSITIVE).ln()
    } else {
        // With t = −z, Φ(z) = φ(z)·(1/t − 1/t³ + 3/t⁵ − 15/t⁷ + …), so
        // h(z) = φ(z)/t²·(1 − 3/t² + 15/t⁴ − 105/t⁶ + …).
        let t2 = z * z;
        -0.5 * t2 - 0.5 * (2.0 * std::f64::consts::PI).ln() - t2.ln()
            + (1.0 - 3.0 / t2 + 15.0 / (t2 * t2) - 105.0 / (t2 * t2 * t2)).ln()
    }
}

/// `ln Φ(z)`, with the tail `Φ(z) ≈ φ(z)/(−z)` for very negative `z`.
fn log_cdf(z: f64) -> f64 {
    if z > TAIL {
        cdf(z).max(f64::MIN_POSITIVE).ln()
    } else {
        let t2 = z * z;
        -0.5 * t2 - 0.5 * (2.0 * std::f64::consts::PI).ln() - (-z).ln()
            + (1.0 - 1.0 / t2 + 3.0 / (t2 * t2) - 15.0 / (t2 * t2 * t2)).ln()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn expected_improvement_matches_its_closed_form_and_its_tail_is_continuous() {
        let ei = |mean, sd, best| score(Acquisition::ExpectedImprovement, mean, sd, best);
        // μ = 0, σ = 1, y* = 0: EI = φ(0) = 0.39894.
        assert!((ei(0.0, 1.0, 0.0).exp() - 0.398_942).abs() < 1e-5);
        // Both sides of the switch to the asymptotic form agree.
        let (a, b) = (log_h(TAIL + 1e-9), log_h(TAIL - 1e-9));
        assert!((a - b).abs() < 1e-4, "{a} vs {b}");
        // Far in the tail it still ranks: a nearer mean is better.
        assert!(ei(30.0, 1.0, 0.0) > ei(40.0, 1.0, 0.0));
        assert!(ei(40.0, 1.0, 0.0).is_finite());
    }

    #[test]
    fn each_acquisition_prefers_a_lower_mean_at_equal_uncertainty() {
        for a in [
            Acquisition::ExpectedImprovement,
            Acquisition::ConfidenceBound,
            Acquisition::ProbabilityOfImprovement,
        ] {
            assert!(score(a, -1.0, 0.5, 0.0) > score(a, 1.0, 0.5, 0.0), "{a:?}");
        }
        // More uncertainty is worth more to EI and UCB when the mean is poor.
        let ei = Acquisition::ExpectedImprovement;
        assert!(score(ei, 1.0, 2.0, 0.0) > score(ei, 1.0, 0.5, 0.0));
        let (a, b) = (log_cdf(TAIL + 1e-9), log_cdf(TAIL - 1e-9));
        assert!((a - b).abs() < 1e-4, "{a} vs {b}");
        assert!(score(Acquisition::ProbabilityOfImprovement, 50.0, 1.0, 0.0).is_finite());
    }
}

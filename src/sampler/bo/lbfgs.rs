//! A small box-constrained quasi-Newton minimiser for the Gaussian process's kernel
//! hyperparameters: L-BFGS directions (two-loop recursion, a few pairs of memory) projected onto the
//! box, with a bisection line search for the weak Wolfe conditions (sufficient decrease and
//! curvature, so the curvature pairs stay positive). Deterministic; stops on a small projected gradient,
//! a stalled objective or the iteration limit.

/// Pairs of curvature memory.
const MEMORY: usize = 6;
/// Wolfe's sufficient-decrease and curvature constants.
const ARMIJO: f64 = 1e-4;
const CURVATURE: f64 = 0.9;
/// Trial steps per line search.
const LINE_STEPS: usize = 40;

/// A function returning its value and gradient.
pub type Objective<'f> = dyn FnMut(&[f64]) -> (f64, Vec<f64>) + 'f;

/// The result of [`minimise`].
#[derive(Debug, Clone, PartialEq)]
pub struct Minimum {
    /// Where the search ended.
    pub x: Vec<f64>,
    /// The objective there.
    pub value: f64,
}

/// Minimises `f` (returning the value and gradient; a non-finite value marks a point to avoid) from
/// `start` inside `lower ≤ x ≤ upper`, in at most `iterations` steps.
pub fn minimise(
    f: &mut Objective<'_>,
    start: &[f64],
    lower: &[f64],
    upper: &[f64],
    iterations: usize,
) -> Minimum {
    let project = |x: &mut [f64]| {
        for ((v, lo), hi) in x.iter_mut().zip(lower).zip(upper) {
            *v = v.clamp(*lo, *hi);
        }
    };
    let mut x = start.to_vec();
    project(&mut x);
    let (mut value, mut gradient) = f(&x);
    if !value.is_finite() {
        return Minimum { x, value };
    }
    let mut memory: Vec<(Vec<f64>, Vec<f64>, f64)> = Vec::with_capacity(MEMORY);
    for _ in 0..iterations {
        // The gradient with components pushing out of the box at an active bound removed.
        let free: Vec<f64> = gradient
            .iter()
            .zip(&x)
            .zip(lower.iter().zip(upper))
            .map(|((&g, &v), (&lo, &hi))| {
                if (v <= lo && g > 0.0) || (v >= hi && g < 0.0) {
                    0.0
                } else {
                    g
                }
            })
            .collect();
        if free.iter().map(|g| g.abs()).fold(0.0, f64::max) < 1e-6 {
            break;
        }
        let mut direction = two_loop(&free, &memory);
        for ((d, &g), (&v, (&lo, &hi))) in direction
            .iter_mut()
            .zip(&free)
            .zip(x.iter().zip(lower.iter().zip(upper)))
        {
            if g == 0.0 && ((v <= lo && *d < 0.0) || (v >= hi && *d > 0.0)) {
                *d = 0.0;
            }
        }
        let mut slope: f64 = direction.iter().zip(&gradient).map(|(d, g)| d * g).sum();
        if slope.is_nan() || slope >= 0.0 {
            memory.clear();
            direction = free.iter().map(|g| -g).collect();
            slope = direction.iter().zip(&gradient).map(|(d, g)| d * g).sum();
            if slope.is_nan() || slope >= 0.0 {
                break;
            }
        }
        let Some((next, next_value, next_gradient)) =
            line_search(f, &x, value, slope, &direction, &project)
        else {
            break;
        };
        let s: Vec<f64> = next.iter().zip(&x).map(|(a, b)| a - b).collect();
        let y: Vec<f64> = next_gradient
            .iter()
            .zip(&gradient)
            .map(|(a, b)| a - b)
            .collect();
        let sy: f64 = s.iter().zip(&y).map(|(a, b)| a * b).sum();
        if sy > 1e-12 {
            if memory.len() == MEMORY {
                memory.remove(0);
            }
            memory.push((s, y, 1.0 / sy));
        }
        let improvement = value - next_value;
        x = next;
        value = next_value;
        gradient = next_gradient;
        if improvement.abs() < 1e-9 * (1.0 + value.abs()) {
            break;
        }
    }
    Minimum { x, value }
}

/// A step along `direction` meeting the weak Wolfe conditions (or, failing the curvature condition
/// within [`LINE_STEPS`] tries, the last sufficient-decrease step found): `(x, f(x), ∇f(x))`.
fn line_search(
    f: &mut Objective<'_>,
    x: &[f64],
    value: f64,
    slope: f64,
    direction: &[f64],
    project: &dyn Fn(&mut [f64]),
) -> Option<(Vec<f64>, f64, Vec<f64>)> {
    let (mut low, mut high) = (0.0_f64, f64::INFINITY);
    let mut step = 1.0;
    let mut decreased = None;
    for _ in 0..LINE_STEPS {
        let mut next: Vec<f64> = x.iter().zip(direction).map(|(v, d)| v + step * d).collect();
        project(&mut next);
        let (v, g) = f(&next);
        if !(v.is_finite() && v <= value + ARMIJO * step * slope) {
            high = step;
        } else {
            let along: f64 = g.iter().zip(direction).map(|(a, b)| a * b).sum();
            if along >= CURVATURE * slope || next.iter().zip(x).all(|(a, b)| a == b) {
                return Some((next, v, g));
            }
            low = step;
            decreased = Some((next, v, g));
        }
        step = if high.is_finite() {
            0.5 * (low + high)
        } else {
            2.0 * low
        };
    }
    decreased
}

/// The L-BFGS direction `−H·g` from the curvature pairs `(s, y, 1/sᵀy)`.
fn two_loop(gradient: &[f64], memory: &[(Vec<f64>, Vec<f64>, f64)]) -> Vec<f64> {
    let dot = |a: &[f64], b: &[f64]| a.iter().zip(b).map(|(x, y)| x * y).sum::<f64>();
    let mut q = gradient.to_vec();
    let mut alphas = Vec::with_capacity(memory.len());
    for (s, y, rho) in memory.iter().rev() {
        let a = rho * dot(s, &q);
        for (qi, yi) in q.iter_mut().zip(y) {
            *qi -= a * yi;
        }
        alphas.push(a);
    }
    if let Some((s, y, _)) = memory.last() {
        let gamma = dot(s, y) / dot(y, y).max(1e-300);
        for qi in &mut q {
            *qi *= gamma;
        }
    }
    for ((s, y, rho), a) in memory.iter().zip(alphas.iter().rev()) {
        let b = rho * dot(y, &q);
        for (qi, si) in q.iter_mut().zip(s) {
            *qi += (a - b) * si;
        }
    }
    q.iter().map(|v| -v).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_minimum_of_rosenbrock() {
        let mut f = |x: &[f64]| {
            let (a, b) = (x[0], x[1]);
            let v = (1.0 - a).powi(2) + 100.0 * (b - a * a).powi(2);
            let g = vec![
                -2.0 * (1.0 - a) - 400.0 * a * (b - a * a),
                200.0 * (b - a * a),
            ];
            (v, g)
        };
        let m = minimise(&mut f, &[-1.2, 1.0], &[-5.0, -5.0], &[5.0, 5.0], 200);
        assert!(m.value < 1e-6, "{m:?}");
        assert!((m.x[0] - 1.0).abs() < 1e-2 && (m.x[1] - 1.0).abs() < 1e-2);
    }

    #[test]
    fn stays_inside_the_box() {
        // The unconstrained minimum (3, −2) lies outside; the constrained one is at (1, −1).
        let mut f = |x: &[f64]| {
            let v = (x[0] - 3.0).powi(2) + (x[1] + 2.0).powi(2);
            (v, vec![2.0 * (x[0] - 3.0), 2.0 * (x[1] + 2.0)])
        };
        let m = minimise(&mut f, &[0.0, 0.0], &[-1.0, -1.0], &[1.0, 1.0], 50);
        assert!(
            (m.x[0] - 1.0).abs() < 1e-9 && (m.x[1] + 1.0).abs() < 1e-9,
            "{m:?}"
        );
    }
}

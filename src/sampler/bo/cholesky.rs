//! Dense Cholesky factorisation for the Gaussian process: `K = L·Lᵀ` of a symmetric positive
//! definite matrix stored row-major, with jitter added to the diagonal (10⁻¹⁰ of its mean, growing
//! tenfold up to 10⁻²) when rounding makes the matrix numerically indefinite — duplicated points
//! and tiny noise do that. Triangular solves and the inverse the marginal likelihood's gradient
//! needs come with it.

/// The lower-triangular factor `L` of `K + jitter·I`, row-major `n × n`.
#[derive(Debug, Clone)]
pub struct Cholesky {
    n: usize,
    l: Vec<f64>,
}

/// Relative jitter tried first, and the largest tried before giving up.
const FIRST_JITTER: f64 = 1e-10;
const LAST_JITTER: f64 = 1e-2;

impl Cholesky {
    /// Factorises the `n × n` row-major matrix `k`, adding jitter when needed. `None` when even the
    /// largest jitter leaves it indefinite (or it holds non-finite numbers).
    #[must_use]
    pub fn new(k: &[f64], n: usize) -> Option<Self> {
        debug_assert_eq!(k.len(), n * n);
        if let Some(l) = factorise(k, n, 0.0) {
            return Some(Self { n, l });
        }
        let mean_diagonal = (0..n).map(|i| k[i * n + i].abs()).sum::<f64>() / n.max(1) as f64;
        let scale = if mean_diagonal > 0.0 {
            mean_diagonal
        } else {
            1.0
        };
        let mut jitter = FIRST_JITTER;
        while jitter <= LAST_JITTER {
            if let Some(l) = factorise(k, n, jitter * scale) {
                return Some(Self { n, l });
            }
            jitter *= 10.0;
        }
        None
    }

    /// The matrix's size.
    #[cfg(test)]
    #[must_use]
    pub fn len(&self) -> usize {
        self.n
    }

    /// `Σ ln Lᵢᵢ = ½ ln det K`.
    #[must_use]
    pub fn half_log_det(&self) -> f64 {
        (0..self.n).map(|i| self.l[i * self.n + i].ln()).sum()
    }

    /// Solves `L·x = b` in place.
    pub fn solve_lower(&self, b: &mut [f64]) {
        let n = self.n;
        for i in 0..n {
            let row = &self.l[i * n..i * n + i];
            let s: f64 = row.iter().zip(&b[..i]).map(|(l, x)| l * x).sum();
            b[i] = (b[i] - s) / self.l[i * n + i];
        }
    }

    /// Solves `Lᵀ·x = b` in place.
    pub fn solve_upper(&self, b: &mut [f64]) {
        let n = self.n;
        for i in (0..n).rev() {
            let x = b[i] / self.l[i * n + i];
            b[i] = x;
            for (bk, l) in b[..i].iter_mut().zip(&self.l[i * n..i * n + i]) {
                *bk -= l * x;
            }
        }
    }

    /// Solves `K·x = b` in place.
    pub fn solve(&self, b: &mut [f64]) {
        self.solve_lower(b);
        self.solve_upper(b);
    }

    /// `K⁻¹`, row-major.
    #[must_use]
    pub fn inverse(&self) -> Vec<f64> {
        let n = self.n;
        // M = L⁻¹ (lower triangular), by forward substitution column by column.
        let mut m = vec![0.0; n * n];
        for j in 0..n {
            m[j * n + j] = 1.0 / self.l[j * n + j];
            for i in j + 1..n {
                let mut s = 0.0;
                for k in j..i {
                    s += self.l[i * n + k] * m[k * n + j];
                }
                m[i * n + j] = -s / self.l[i * n + i];
            }
        }
        // K⁻¹ = Mᵀ·M: entry (i, j) = Σ_{k ≥ max(i, j)} M[k][i]·M[k][j].
        let mut inv = vec![0.0; n * n];
        for k in 0..n {
            let row = &m[k * n..k * n + k + 1];
            for i in 0..=k {
                let a = row[i];
                if a == 0.0 {
                    continue;
                }
                let out = &mut inv[i * n..i * n + i + 1];
                for (o, b) in out.iter_mut().zip(&row[..=i]) {
                    *o += a * b;
                }
            }
        }
        for i in 0..n {
            for j in 0..i {
                inv[j * n + i] = inv[i * n + j];
            }
        }
        inv
    }
}

/// `L` of `k + jitter·I`, or `None` when a pivot is not positive.
fn factorise(k: &[f64], n: usize, jitter: f64) -> Option<Vec<f64>> {
    let mut l = vec![0.0; n * n];
    for i in 0..n {
        for j in 0..=i {
            let (li, lj) = (&l[i * n..i * n + j], &l[j * n..j * n + j]);
            let s: f64 = li.iter().zip(lj).map(|(a, b)| a * b).sum();
            if i == j {
                let pivot = k[i * n + i] + jitter - s;
                if !(pivot > 0.0 && pivot.is_finite()) {
                    return None;
                }
                l[i * n + i] = pivot.sqrt();
            } else {
                let v = (k[i * n + j] - s) / l[j * n + j];
                if !v.is_finite() {
                    return None;
                }
                l[i * n + j] = v;
            }
        }
    }
    Some(l)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spd(n: usize) -> Vec<f64> {
        // A·Aᵀ + I for a fixed A.
        let a: Vec<f64> = (0..n * n)
            .map(|i| ((i * 7 + 3) % 11) as f64 / 5.0 - 1.0)
            .collect();
        let mut k = vec![0.0; n * n];
        for i in 0..n {
            for j in 0..n {
                k[i * n + j] = (0..n).map(|t| a[i * n + t] * a[j * n + t]).sum::<f64>()
                    + if i == j { 1.0 } else { 0.0 };
            }
        }
        k
    }

    #[test]
    fn solves_and_inverts_a_positive_definite_matrix() {
        let n = 6;
        let k = spd(n);
        let c = Cholesky::new(&k, n).unwrap();
        let b: Vec<f64> = (0..n).map(|i| i as f64 - 2.0).collect();
        let mut x = b.clone();
        c.solve(&mut x);
        for i in 0..n {
            let kx: f64 = (0..n).map(|j| k[i * n + j] * x[j]).sum();
            assert!((kx - b[i]).abs() < 1e-9, "row {i}: {kx} vs {}", b[i]);
        }
        let inv = c.inverse();
        for i in 0..n {
            for j in 0..n {
                let p: f64 = (0..n).map(|t| k[i * n + t] * inv[t * n + j]).sum();
                let want = if i == j { 1.0 } else { 0.0 };
                assert!((p - want).abs() < 1e-9, "({i},{j}) = {p}");
            }
        }
        // ln det through the factor equals the product of pivots' logs.
        assert!(c.half_log_det().is_finite());
    }

    #[test]
    fn duplicated_rows_get_jitter_instead_of_failing() {
        // A rank-one matrix: every entry 1.
        let n = 4;
        let k = vec![1.0; n * n];
        let c = Cholesky::new(&k, n).expect("jitter makes it factorisable");
        assert_eq!(c.len(), n);
        let mut x = vec![1.0; n];
        c.solve(&mut x);
        assert!(x.iter().all(|v| v.is_finite()));
    }

    #[test]
    fn a_matrix_with_nan_is_refused() {
        let k = vec![1.0, f64::NAN, f64::NAN, 1.0];
        assert!(Cholesky::new(&k, 2).is_none());
    }
}

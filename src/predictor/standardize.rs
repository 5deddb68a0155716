//! Column standardisation fitted on training rows (mean 0, standard deviation 1; a constant column
//! keeps scale 1), applied unchanged to rows predicted later.

/// Per-column means and scales.
#[derive(Debug, Clone, PartialEq)]
pub struct Standardizer {
    mean: Vec<f64>,
    scale: Vec<f64>,
}

impl Standardizer {
    /// The statistics of `rows` (all the same length).
    #[must_use]
    pub fn fit(rows: &[Vec<f64>]) -> Self {
        let width = rows.first().map_or(0, Vec::len);
        #[allow(clippy::cast_precision_loss)]
        let n = rows.len().max(1) as f64;
        let mean: Vec<f64> = (0..width)
            .map(|j| rows.iter().map(|r| r[j]).sum::<f64>() / n)
            .collect();
        let scale = (0..width)
            .map(|j| {
                let var = rows.iter().map(|r| (r[j] - mean[j]).powi(2)).sum::<f64>() / n;
                if var.sqrt() > 1e-12 { var.sqrt() } else { 1.0 }
            })
            .collect();
        Self { mean, scale }
    }

    /// `row` standardised (columns past the fitted width are dropped, missing ones are 0).
    #[must_use]
    pub fn transform(&self, row: &[f64]) -> Vec<f64> {
        (0..self.mean.len())
            .map(|j| (row.get(j).copied().unwrap_or(self.mean[j]) - self.mean[j]) / self.scale[j])
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_get_zero_mean_unit_spread_and_constants_stay_finite() {
        let rows = vec![vec![1.0, 5.0], vec![3.0, 5.0]];
        let s = Standardizer::fit(&rows);
        assert_eq!(s.transform(&rows[0]), vec![-1.0, 0.0]);
        assert_eq!(s.transform(&rows[1]), vec![1.0, 0.0]);
        assert_eq!(s.transform(&[2.0, 7.0]), vec![0.0, 2.0]);
    }
}

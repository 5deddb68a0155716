//! A task as HyperSTAR's encoder reads it: its training rows (features, flattened for images) and
//! their classes, drawn in random batches of rows and, for wide data, of feature columns — the
//! encoder averages over both, so a batch is an unbiased look at the whole table.

use candle_core::{Device, Tensor};
use rand::rngs::StdRng;
use rand::seq::index::sample;
use sha2::{Digest, Sha256};

use super::MetaError;
use crate::train::data::{Examples, Targets};

/// How many meta-features [`TaskRows::meta_features`] gives.
pub const META_FEATURES: usize = 4;

/// The rows of a classification task.
#[derive(Debug, Clone)]
pub struct TaskRows {
    features: Vec<f32>,
    width: usize,
    labels: Vec<u32>,
    classes: usize,
}

impl TaskRows {
    /// The rows of `examples`, which must be classes.
    ///
    /// # Errors
    /// When the task is a regression, or has no rows or no features.
    pub fn from_examples(examples: &Examples) -> Result<Self, MetaError> {
        let Targets::Classes { labels, classes } = &examples.targets else {
            return Err(MetaError::new(
                "HyperSTAR encodes classification tasks; this dataset's targets are values",
            ));
        };
        Self::new(
            examples.inputs.clone(),
            examples.width(),
            labels.clone(),
            *classes,
        )
    }

    /// Rows of `width` features each (row-major) with their classes `0..classes`.
    ///
    /// # Errors
    /// When there are no rows or no features, or the sizes disagree.
    pub fn new(
        features: Vec<f32>,
        width: usize,
        labels: Vec<u32>,
        classes: usize,
    ) -> Result<Self, MetaError> {
        if width == 0 || labels.is_empty() || features.len() != width * labels.len() {
            return Err(MetaError::new(format!(
                "a task needs rows with features: {} values for {} rows of {width}",
                features.len(),
                labels.len()
            )));
        }
        if labels.iter().any(|&l| l as usize >= classes) {
            return Err(MetaError::new("a class label is out of range"));
        }
        Ok(Self {
            features,
            width,
            labels,
            classes,
        })
    }

    /// Rows.
    #[must_use]
    pub fn len(&self) -> usize {
        self.labels.len()
    }

    /// Whether there are no rows (never: [`TaskRows::new`] refuses it).
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.labels.is_empty()
    }

    /// Features per row.
    #[must_use]
    pub fn width(&self) -> usize {
        self.width
    }

    /// Classes.
    #[must_use]
    pub fn classes(&self) -> usize {
        self.classes
    }

    /// The task's meta-features, each roughly in `[0, 1]`: `ln(rows)/8`, `ln(features)/5`,
    /// `ln(classes)/3` and the share of the most frequent class (Feurer et al.'s simplest ones,
    /// which a batch of 64 rows cannot show).
    #[must_use]
    #[allow(clippy::cast_precision_loss, clippy::cast_possible_truncation)]
    pub fn meta_features(&self) -> [f32; META_FEATURES] {
        let mut counts = vec![0usize; self.classes.max(1)];
        for &l in &self.labels {
            counts[l as usize] += 1;
        }
        let majority = counts.iter().copied().max().unwrap_or(0) as f64 / self.len() as f64;
        [
            ((self.len() as f64).ln() / 8.0) as f32,
            ((self.width as f64).ln() / 5.0) as f32,
            ((self.classes.max(1) as f64).ln() / 3.0) as f32,
            majority as f32,
        ]
    }

    /// The sha256 of the rows and classes (little-endian values), naming the data a model saw.
    #[must_use]
    pub fn sha256(&self) -> String {
        let mut hash = Sha256::new();
        hash.update((self.width as u64).to_le_bytes());
        for v in &self.features {
            hash.update(v.to_le_bytes());
        }
        for l in &self.labels {
            hash.update(l.to_le_bytes());
        }
        format!("{:x}", hash.finalize())
    }

    /// A batch of at most `rows` rows and `columns` feature columns, drawn without replacement:
    /// features `[n, d]` and one-hot classes `[n, k]`.
    ///
    /// # Errors
    /// When the tensors cannot be made.
    pub fn batch(
        &self,
        rows: usize,
        columns: usize,
        rng: &mut StdRng,
        device: &Device,
    ) -> candle_core::Result<(Tensor, Tensor)> {
        let n = rows.min(self.len()).max(1);
        let d = columns.min(self.width).max(1);
        let mut picked_rows = sample(rng, self.len(), n).into_vec();
        picked_rows.sort_unstable();
        let mut picked_columns = sample(rng, self.width, d).into_vec();
        picked_columns.sort_unstable();
        let mut x = Vec::with_capacity(n * d);
        let mut y = vec![0f32; n * self.classes];
        for (i, &r) in picked_rows.iter().enumerate() {
            let row = &self.features[r * self.width..(r + 1) * self.width];
            x.extend(picked_columns.iter().map(|&c| row[c]));
            y[i * self.classes + self.labels[r] as usize] = 1.0;
        }
        Ok((
            Tensor::from_vec(x, (n, d), device)?,
            Tensor::from_vec(y, (n, self.classes), device)?,
        ))
    }
}

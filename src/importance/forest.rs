//! A seeded random forest of regression trees (CART, as scikit-learn's `RandomForestRegressor`
//! grows them with Optuna's fANOVA settings): each tree is fitted on a bootstrap sample of the
//! points, splitting every node on the feature and threshold that most reduce the squared error,
//! all features considered in a random order, thresholds halfway between neighbouring values. The
//! trees are read by [`super::fanova`], which decomposes each one's variance.

use rand::Rng;
use rand::rngs::StdRng;
use rand::seq::SliceRandom;

use crate::seed;

/// How the forest grows (Optuna's `FanovaImportanceEvaluator` defaults).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ForestOptions {
    /// Trees in the forest.
    pub trees: usize,
    /// Deepest a tree grows (the root is depth 0).
    pub max_depth: usize,
    /// Fewest points a node needs to be split.
    pub min_samples_split: usize,
    /// Fewest points each side of a split keeps.
    pub min_samples_leaf: usize,
    /// The seed of the bootstrap samples and feature orders.
    pub seed: u64,
}

impl Default for ForestOptions {
    fn default() -> Self {
        ForestOptions {
            trees: 64,
            max_depth: 64,
            min_samples_split: 2,
            min_samples_leaf: 1,
            seed: 0,
        }
    }
}

/// A node of a regression tree.
#[derive(Debug, Clone, PartialEq)]
pub enum Node {
    /// A leaf predicting the mean of its points.
    Leaf {
        /// The prediction.
        value: f64,
    },
    /// Points with `x[feature] <= threshold` go left, the others right.
    Split {
        /// The feature split on.
        feature: usize,
        /// The threshold.
        threshold: f64,
        /// The left child's index.
        left: usize,
        /// The right child's index.
        right: usize,
    },
}

/// A regression tree; node 0 is the root, and every child comes after its parent.
#[derive(Debug, Clone, PartialEq)]
pub struct Tree {
    /// The nodes.
    pub nodes: Vec<Node>,
}

impl Tree {
    /// The prediction at `x`.
    #[must_use]
    pub fn predict(&self, x: &[f64]) -> f64 {
        let mut index = 0;
        loop {
            match self.nodes[index] {
                Node::Leaf { value } => return value,
                Node::Split {
                    feature,
                    threshold,
                    left,
                    right,
                } => index = if x[feature] <= threshold { left } else { right },
            }
        }
    }
}

/// Fits `options.trees` trees on the rows `x` (every row the same length) and targets `y`. Tree
/// `t` draws from its own stream of the seed, so the forest does not depend on the order trees
/// are grown in.
#[must_use]
pub fn fit(x: &[Vec<f64>], y: &[f64], options: &ForestOptions) -> Vec<Tree> {
    if x.is_empty() {
        return Vec::new();
    }
    (0..options.trees)
        .map(|t| {
            let mut rng = seed::derived_rng(options.seed ^ seed::IMPORTANCE, t as u64);
            let sample: Vec<usize> = (0..x.len()).map(|_| rng.random_range(0..x.len())).collect();
            let mut grower = Grower {
                x,
                y,
                options,
                rng,
                nodes: Vec::new(),
            };
            grower.grow(sample, 0);
            Tree {
                nodes: grower.nodes,
            }
        })
        .collect()
}

/// One tree being grown.
struct Grower<'a> {
    x: &'a [Vec<f64>],
    y: &'a [f64],
    options: &'a ForestOptions,
    rng: StdRng,
    nodes: Vec<Node>,
}

/// The best split of a node found so far.
struct Best {
    feature: usize,
    threshold: f64,
    /// `Σ_left² / n_left + Σ_right² / n_right`: the larger, the smaller the squared error.
    score: f64,
}

impl Grower<'_> {
    /// Grows the subtree of the points `sample` at `depth`; returns its root's index.
    fn grow(&mut self, sample: Vec<usize>, depth: usize) -> usize {
        let index = self.nodes.len();
        #[allow(clippy::cast_precision_loss)]
        let mean = sample.iter().map(|&i| self.y[i]).sum::<f64>() / sample.len() as f64;
        self.nodes.push(Node::Leaf { value: mean });
        let pure = sample.iter().all(|&i| self.y[i] == self.y[sample[0]]);
        if pure || depth >= self.options.max_depth || sample.len() < self.options.min_samples_split
        {
            return index;
        }
        let Some(best) = self.best_split(&sample) else {
            return index;
        };
        let (left, right): (Vec<usize>, Vec<usize>) = sample
            .into_iter()
            .partition(|&i| self.x[i][best.feature] <= best.threshold);
        let left = self.grow(left, depth + 1);
        let right = self.grow(right, depth + 1);
        self.nodes[index] = Node::Split {
            feature: best.feature,
            threshold: best.threshold,
            left,
            right,
        };
        index
    }

    /// The split that most reduces the squared error, or `None` when no feature separates the
    /// points with `min_samples_leaf` on each side.
    fn best_split(&mut self, sample: &[usize]) -> Option<Best> {
        let features = self.x.first().map_or(0, Vec::len);
        let mut order: Vec<usize> = (0..features).collect();
        order.shuffle(&mut self.rng);
        let total: f64 = sample.iter().map(|&i| self.y[i]).sum();
        let n = sample.len();
        let min_leaf = self.options.min_samples_leaf.max(1);
        let mut best: Option<Best> = None;
        let mut sorted = sample.to_vec();
        for feature in order {
            sorted.sort_by(|&a, &b| self.x[a][feature].total_cmp(&self.x[b][feature]));
            let mut left_sum = 0.0;
            for k in 0..n - 1 {
                left_sum += self.y[sorted[k]];
                let here = self.x[sorted[k]][feature];
                let next = self.x[sorted[k + 1]][feature];
                let (n_left, n_right) = (k + 1, n - k - 1);
                if here >= next || n_left < min_leaf || n_right < min_leaf {
                    continue;
                }
                #[allow(clippy::cast_precision_loss)]
                let score = left_sum * left_sum / n_left as f64
                    + (total - left_sum).powi(2) / n_right as f64;
                if best.as_ref().is_none_or(|b| score > b.score) {
                    let mut threshold = 0.5 * (here + next);
                    // Halfway may round up to `next`; keep the threshold below it.
                    if threshold >= next {
                        threshold = here;
                    }
                    best = Some(Best {
                        feature,
                        threshold,
                        score,
                    });
                }
            }
        }
        best
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_tree_fits_a_step_exactly() {
        let x: Vec<Vec<f64>> = (0..20).map(|i| vec![f64::from(i) / 20.0, 0.5]).collect();
        let y: Vec<f64> = x
            .iter()
            .map(|r| if r[0] < 0.5 { 1.0 } else { 3.0 })
            .collect();
        let options = ForestOptions {
            trees: 4,
            ..ForestOptions::default()
        };
        for tree in fit(&x, &y, &options) {
            // The bootstrap may miss points near the step, but far from it every tree is exact.
            assert_eq!(tree.predict(&[0.1, 0.5]), 1.0);
            assert_eq!(tree.predict(&[0.9, 0.5]), 3.0);
            // The constant feature is never split on.
            assert!(
                tree.nodes
                    .iter()
                    .all(|n| !matches!(n, Node::Split { feature: 1, .. }))
            );
        }
    }

    #[test]
    fn children_come_after_their_parent() {
        let x: Vec<Vec<f64>> = (0..30)
            .map(|i| vec![f64::from(i % 7), f64::from(i % 5)])
            .collect();
        let y: Vec<f64> = x.iter().map(|r| r[0] * r[1]).collect();
        for tree in fit(&x, &y, &ForestOptions::default()) {
            for (index, node) in tree.nodes.iter().enumerate() {
                if let Node::Split { left, right, .. } = node {
                    assert!(*left > index && *right > index);
                }
            }
        }
    }
}

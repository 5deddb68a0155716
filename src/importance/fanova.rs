//! Functional ANOVA of one regression tree (Hutter, Hoos and Leyton-Brown 2014): the tree is a
//! piecewise-constant function over a box of encoded features; its variance over the box (every
//! point equally likely) and the variance of its marginal over a set of features — the tree
//! averaged over every other feature — are computed exactly from the tree's cells, as the
//! authors' `fanova` and Optuna's `_FanovaTree` do. [`super::importances`] divides one by the other
//! for each parameter and averages over the forest.

use super::forest::{Node, Tree};

/// A box: `[low, high]` for every feature.
type Region = Vec<(f64, f64)>;

/// The volume of a box.
fn volume(region: &[(f64, f64)]) -> f64 {
    region.iter().map(|(low, high)| high - low).product()
}

/// A tree prepared for variance decomposition.
#[derive(Debug, Clone)]
pub struct TreeAnova<'a> {
    tree: &'a Tree,
    /// The feature box the tree is defined on.
    bounds: Region,
    /// For every node: the mean prediction over its cell, and its cell's volume.
    statistics: Vec<(f64, f64)>,
    /// For every feature: the cells its thresholds cut the bounds into, as (midpoint, width).
    cells: Vec<Vec<(f64, f64)>>,
    /// For every node: which features its subtree splits on.
    splits_below: Vec<Vec<bool>>,
}

impl<'a> TreeAnova<'a> {
    /// Prepares `tree`, defined on the box `bounds`.
    #[must_use]
    pub fn new(tree: &'a Tree, bounds: &[(f64, f64)]) -> Self {
        let n = tree.nodes.len();
        let features = bounds.len();
        let mut regions: Vec<Region> = vec![Vec::new(); n];
        regions[0] = bounds.to_vec();
        let mut thresholds: Vec<Vec<f64>> = vec![Vec::new(); features];
        // Children come after their parent, so one pass forward gives every node its cell.
        for index in 0..n {
            if let Node::Split {
                feature,
                threshold,
                left,
                right,
            } = tree.nodes[index]
            {
                let mut below = regions[index].clone();
                below[feature].1 = threshold;
                let mut above = regions[index].clone();
                above[feature].0 = threshold;
                regions[left] = below;
                regions[right] = above;
                thresholds[feature].push(threshold);
            }
        }
        // And one pass backward gives every node its children's statistics.
        let mut statistics = vec![(0.0, 0.0); n];
        let mut splits_below = vec![vec![false; features]; n];
        for index in (0..n).rev() {
            match tree.nodes[index] {
                Node::Leaf { value } => statistics[index] = (value, volume(&regions[index])),
                Node::Split {
                    feature,
                    left,
                    right,
                    ..
                } => {
                    let (lv, lw) = statistics[left];
                    let (rv, rw) = statistics[right];
                    let weight = lw + rw;
                    let value = if weight > 0.0 {
                        (lv * lw + rv * rw) / weight
                    } else {
                        0.5 * (lv + rv)
                    };
                    statistics[index] = (value, weight);
                    let mut below: Vec<bool> = splits_below[left]
                        .iter()
                        .zip(&splits_below[right])
                        .map(|(a, b)| *a || *b)
                        .collect();
                    below[feature] = true;
                    splits_below[index] = below;
                }
            }
        }
        let cells = thresholds
            .into_iter()
            .zip(bounds)
            .map(|(mut cuts, &(low, high))| {
                cuts.sort_by(f64::total_cmp);
                cuts.dedup();
                let mut edges = vec![low];
                edges.extend(cuts);
                edges.push(high);
                edges
                    .windows(2)
                    .map(|w| (0.5 * (w[0] + w[1]), w[1] - w[0]))
                    .collect()
            })
            .collect();
        TreeAnova {
            tree,
            bounds: bounds.to_vec(),
            statistics,
            cells,
            splits_below,
        }
    }

    /// The variance of the tree's prediction over the box.
    #[must_use]
    pub fn variance(&self) -> f64 {
        let leaves = self
            .tree
            .nodes
            .iter()
            .enumerate()
            .filter(|(_, node)| matches!(node, Node::Leaf { .. }))
            .map(|(index, _)| self.statistics[index]);
        weighted_variance(leaves)
    }

    /// The variance of the marginal over `features`: for every cell of the grid their thresholds
    /// make, the tree averaged over the other features, weighted by the cell's size.
    #[must_use]
    pub fn marginal_variance(&self, features: &[usize]) -> f64 {
        let mut points = Vec::new();
        let mut sample: Vec<Option<f64>> = vec![None; self.bounds.len()];
        self.each_cell(features, 0, 1.0, &mut sample, &mut points);
        weighted_variance(points.into_iter()).max(0.0)
    }

    /// Visits every cell of the grid over `features[k..]`, pushing (marginal value, weight).
    fn each_cell(
        &self,
        features: &[usize],
        k: usize,
        size: f64,
        sample: &mut Vec<Option<f64>>,
        out: &mut Vec<(f64, f64)>,
    ) {
        let Some(&feature) = features.get(k) else {
            if let Some((value, weight)) = self.marginal_at(sample) {
                out.push((value, weight * size));
            }
            return;
        };
        for &(midpoint, width) in &self.cells[feature] {
            sample[feature] = Some(midpoint);
            self.each_cell(features, k + 1, size * width, sample, out);
        }
        sample[feature] = None;
    }

    /// The tree's mean over the features `sample` leaves open, with the others fixed at their
    /// values, and the volume that mean is taken over. Walks from the root: a split on a fixed
    /// feature follows its side; a split whose subtree touches no fixed feature is a whole
    /// marginal already computed; otherwise both children are visited.
    fn marginal_at(&self, sample: &[Option<f64>]) -> Option<(f64, f64)> {
        // The open features span their whole range: only the fixed ones are narrowed.
        let start: Region = self
            .bounds
            .iter()
            .zip(sample)
            .map(|(&bound, fixed)| if fixed.is_some() { bound } else { (0.0, 1.0) })
            .collect();
        let mut stack = vec![(0usize, start)];
        let mut value_sum = 0.0;
        let mut weight_sum = 0.0;
        while let Some((index, region)) = stack.pop() {
            if let Node::Split {
                feature,
                threshold,
                left,
                right,
            } = self.tree.nodes[index]
            {
                if let Some(x) = sample[feature] {
                    let mut next = region;
                    if x <= threshold {
                        next[feature].1 = threshold;
                        stack.push((left, next));
                    } else {
                        next[feature].0 = threshold;
                        stack.push((right, next));
                    }
                    continue;
                }
                let touches_fixed = self.splits_below[index]
                    .iter()
                    .zip(sample)
                    .any(|(splits, fixed)| *splits && fixed.is_some());
                if touches_fixed {
                    stack.push((left, region.clone()));
                    stack.push((right, region));
                    continue;
                }
            }
            let (value, weight) = self.statistics[index];
            let weight = weight / volume(&region);
            value_sum += value * weight;
            weight_sum += weight;
        }
        (weight_sum > 0.0).then(|| (value_sum / weight_sum, weight_sum))
    }
}

/// The weighted variance of `(value, weight)` pairs (0 when the weights sum to 0).
fn weighted_variance(points: impl Iterator<Item = (f64, f64)> + Clone) -> f64 {
    let (sum, total) = points
        .clone()
        .fold((0.0, 0.0), |(s, t), (v, w)| (s + v * w, t + w));
    if total <= 0.0 {
        return 0.0;
    }
    let mean = sum / total;
    points.map(|(v, w)| w * (v - mean).powi(2)).sum::<f64>() / total
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `f(x, y) = 2·[x > 0.5] + [y > 0.25]` as a tree over the unit square.
    fn additive() -> Tree {
        Tree {
            nodes: vec![
                Node::Split {
                    feature: 0,
                    threshold: 0.5,
                    left: 1,
                    right: 4,
                },
                Node::Split {
                    feature: 1,
                    threshold: 0.25,
                    left: 2,
                    right: 3,
                },
                Node::Leaf { value: 0.0 },
                Node::Leaf { value: 1.0 },
                Node::Split {
                    feature: 1,
                    threshold: 0.25,
                    left: 5,
                    right: 6,
                },
                Node::Leaf { value: 2.0 },
                Node::Leaf { value: 3.0 },
            ],
        }
    }

    #[test]
    fn an_additive_tree_splits_its_variance_exactly() {
        let tree = additive();
        let anova = TreeAnova::new(&tree, &[(0.0, 1.0), (0.0, 1.0)]);
        // Var(2·B(½)) = 1, Var(B(¾)) = 3/16, and they add up.
        assert!((anova.marginal_variance(&[0]) - 1.0).abs() < 1e-12);
        assert!((anova.marginal_variance(&[1]) - 3.0 / 16.0).abs() < 1e-12);
        assert!((anova.variance() - 19.0 / 16.0).abs() < 1e-12);
        assert!((anova.marginal_variance(&[0, 1]) - anova.variance()).abs() < 1e-12);
    }
}

//! The transforms of a dataset pipeline, applied to the rows a source read: `take`, `subsample` and
//! `scale` on all rows in the order written, then `split` (or `split(val = 0.2, seed = 0)` when the
//! pipeline has none), then `standardize` with statistics of the train split only. Produces the
//! [`Data`] the trainer consumes.
//!
//! Randomness comes from `StdRng` seeded by the step's `seed`, so the same pipeline always gives the
//! same rows. A stratified split gives each class its share of the validation and test rows (within
//! one row); each part keeps the shuffled order.

use rand::SeedableRng;
use rand::rngs::StdRng;
use rand::seq::SliceRandom;

use super::{Data, DataError, Examples, Targets};
use crate::plan::Step;
use crate::space::Value;

/// Applies a pipeline's transforms to every row of the source and splits the result.
///
/// # Errors
/// A transform that leaves no rows, a split that leaves the train, validation or test part empty,
/// more than one `split`, an unknown transform.
pub fn apply(all: Examples, transforms: &[Step]) -> Result<Data, DataError> {
    let mut rows = all;
    let mut split: Option<Split> = None;
    let mut standardize = false;
    for step in transforms {
        match step.name.as_str() {
            "take" => {
                let n = required(step, "n", Step::int)?;
                take(&mut rows, usize::try_from(n).unwrap_or(0));
            }
            "subsample" => {
                let fraction = required(step, "fraction", Step::number)?;
                rows = subsample(&rows, fraction, seed(step))?;
            }
            "scale" => {
                let factor = required(step, "factor", Step::number)?;
                scale(&mut rows, factor);
            }
            "split" => {
                if split.is_some() {
                    return Err(DataError::new("a dataset pipeline can split only once")
                        .with_help("keep one `split(...)`"));
                }
                split = Some(Split::from_step(step));
            }
            "standardize" => standardize = true,
            other => {
                return Err(DataError::new(format!(
                    "unknown dataset transform `{other}`"
                )));
            }
        }
    }
    if rows.is_empty() {
        return Err(DataError::new("the dataset has no rows"));
    }
    let mut data = split.unwrap_or_default().apply(&rows)?;
    if standardize {
        standardize_by_train(&mut data);
    }
    Ok(data)
}

/// A required argument of a step.
fn required<T>(
    step: &Step,
    name: &str,
    get: impl Fn(&Step, &str) -> Option<T>,
) -> Result<T, DataError> {
    get(step, name)
        .ok_or_else(|| DataError::new(format!("`{}` needs the argument `{name}`", step.name)))
}

/// A step's `seed`, 0 when absent.
fn seed(step: &Step) -> u64 {
    step.int("seed").map_or(0, i64::unsigned_abs)
}

/// `fraction` of `n` rows, rounded to the nearest row.
#[allow(
    clippy::cast_precision_loss,
    clippy::cast_possible_truncation,
    clippy::cast_sign_loss
)]
fn fraction_of(n: usize, fraction: f64) -> usize {
    ((n as f64) * fraction.clamp(0.0, 1.0)).round() as usize
}

/// Keeps the first `n` rows.
fn take(rows: &mut Examples, n: usize) {
    let n = n.min(rows.len());
    rows.inputs.truncate(n * rows.width());
    match &mut rows.targets {
        Targets::Classes { labels, .. } => labels.truncate(n),
        Targets::Values { values, outputs } => values.truncate(n * *outputs),
    }
}

/// Keeps a random `fraction` of the rows, in their original order.
fn subsample(rows: &Examples, fraction: f64, seed: u64) -> Result<Examples, DataError> {
    let count = fraction_of(rows.len(), fraction);
    if count == 0 {
        return Err(DataError::new(format!(
            "subsample(fraction = {fraction}) of {} rows keeps none",
            rows.len()
        )));
    }
    let mut rng = StdRng::seed_from_u64(seed);
    let mut kept = rand::seq::index::sample(&mut rng, rows.len(), count).into_vec();
    kept.sort_unstable();
    Ok(select(rows, &kept))
}

/// Multiplies every input value by `factor`.
#[allow(clippy::cast_possible_truncation)]
fn scale(rows: &mut Examples, factor: f64) {
    let factor = factor as f32;
    for value in &mut rows.inputs {
        *value *= factor;
    }
}

/// The rows at `indices`, in that order.
fn select(rows: &Examples, indices: &[usize]) -> Examples {
    let width = rows.width();
    let mut inputs = Vec::with_capacity(indices.len() * width);
    for &row in indices {
        inputs.extend_from_slice(&rows.inputs[row * width..(row + 1) * width]);
    }
    let targets = match &rows.targets {
        Targets::Classes { labels, classes } => Targets::Classes {
            labels: indices.iter().map(|&row| labels[row]).collect(),
            classes: *classes,
        },
        Targets::Values { values, outputs } => {
            let mut selected = Vec::with_capacity(indices.len() * outputs);
            for &row in indices {
                selected.extend_from_slice(&values[row * outputs..(row + 1) * outputs]);
            }
            Targets::Values {
                values: selected,
                outputs: *outputs,
            }
        }
    };
    Examples {
        inputs,
        input_shape: rows.input_shape.clone(),
        targets,
    }
}

/// `split(val, test, seed, stratify)`.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Split {
    val: f64,
    test: f64,
    seed: u64,
    stratify: bool,
}

impl Default for Split {
    fn default() -> Self {
        Self {
            val: 0.2,
            test: 0.0,
            seed: 0,
            stratify: true,
        }
    }
}

impl Split {
    fn from_step(step: &Step) -> Self {
        let default = Self::default();
        Self {
            val: step.number("val").unwrap_or(default.val),
            test: step.number("test").unwrap_or(default.test),
            seed: seed(step),
            stratify: !matches!(step.args.get("stratify"), Some(Value::Bool(false))),
        }
    }

    /// Shuffles the rows and deals them into train, validation and test.
    fn apply(self, rows: &Examples) -> Result<Data, DataError> {
        let total = rows.len();
        let val_rows = fraction_of(total, self.val);
        let test_rows = fraction_of(total, self.test);
        let call = if self.test > 0.0 {
            format!("split(val = {}, test = {})", self.val, self.test)
        } else {
            format!("split(val = {})", self.val)
        };
        let empty = |part: &str| {
            DataError::new(format!(
                "{call} of {total} rows leaves the {part} set empty"
            ))
        };
        if val_rows == 0 {
            return Err(empty("validation").with_help("use a larger `val` or more rows"));
        }
        if self.test > 0.0 && test_rows == 0 {
            return Err(empty("test").with_help("use a larger `test` or more rows"));
        }
        if val_rows + test_rows >= total {
            return Err(empty("train").with_help("use smaller `val` and `test` fractions"));
        }

        let (groups, group_count) = match &rows.targets {
            Targets::Classes { labels, classes } if self.stratify => {
                let groups: Vec<usize> = labels.iter().map(|&l| l as usize).collect();
                let count = groups.iter().max().map_or(0, |&g| g + 1).max(*classes);
                (groups, count)
            }
            _ => (vec![0; total], 1),
        };
        let mut sizes = vec![0; group_count];
        for &group in &groups {
            sizes[group] += 1;
        }
        let mut val_left = apportion(val_rows, &sizes, &sizes);
        let room: Vec<usize> = sizes.iter().zip(&val_left).map(|(s, v)| s - v).collect();
        let mut test_left = apportion(test_rows, &sizes, &room);

        let mut order: Vec<usize> = (0..total).collect();
        order.shuffle(&mut StdRng::seed_from_u64(self.seed));
        let (mut train, mut val, mut test) = (Vec::new(), Vec::new(), Vec::new());
        for row in order {
            let group = groups[row];
            if val_left[group] > 0 {
                val_left[group] -= 1;
                val.push(row);
            } else if test_left[group] > 0 {
                test_left[group] -= 1;
                test.push(row);
            } else {
                train.push(row);
            }
        }
        Ok(Data {
            train: select(rows, &train),
            val: select(rows, &val),
            test: (!test.is_empty()).then(|| select(rows, &test)),
        })
    }
}

/// Shares `total` among groups in proportion to `sizes` (largest remainder), giving no group more
/// than its `room`. The rooms must add up to at least `total`.
fn apportion(total: usize, sizes: &[usize], room: &[usize]) -> Vec<usize> {
    let all: usize = sizes.iter().sum();
    if all == 0 {
        return vec![0; sizes.len()];
    }
    let mut shares: Vec<usize> = sizes
        .iter()
        .zip(room)
        .map(|(&size, &room)| (total * size / all).min(room))
        .collect();
    let mut by_remainder: Vec<usize> = (0..sizes.len()).collect();
    by_remainder.sort_by_key(|&g| std::cmp::Reverse(total * sizes[g] % all));
    let mut left = total - shares.iter().sum::<usize>();
    while left > 0 {
        let before = left;
        for &group in &by_remainder {
            if left > 0 && shares[group] < room[group] {
                shares[group] += 1;
                left -= 1;
            }
        }
        if left == before {
            break;
        }
    }
    shares
}

/// Scales each input position to mean 0 and standard deviation 1 with the train split's statistics;
/// a constant position is only centred.
#[allow(clippy::cast_precision_loss, clippy::cast_possible_truncation)]
fn standardize_by_train(data: &mut Data) {
    let width = data.train.width();
    let count = data.train.len().max(1) as f64;
    let mut sums = vec![0f64; width];
    for row in data.train.inputs.chunks_exact(width) {
        for (sum, &value) in sums.iter_mut().zip(row) {
            *sum += f64::from(value);
        }
    }
    let means: Vec<f64> = sums.iter().map(|sum| sum / count).collect();
    let mut squares = vec![0f64; width];
    for row in data.train.inputs.chunks_exact(width) {
        for ((square, &mean), &value) in squares.iter_mut().zip(&means).zip(row) {
            let deviation = f64::from(value) - mean;
            *square += deviation * deviation;
        }
    }
    let scales: Vec<f32> = squares
        .iter()
        .map(|square| {
            let std = (square / count).sqrt();
            if std > 0.0 { (1.0 / std) as f32 } else { 1.0 }
        })
        .collect();
    let means: Vec<f32> = means.iter().map(|&mean| mean as f32).collect();
    let parts = [
        Some(&mut data.train),
        Some(&mut data.val),
        data.test.as_mut(),
    ];
    for part in parts.into_iter().flatten() {
        for row in part.inputs.chunks_exact_mut(width) {
            for ((value, &mean), &scale) in row.iter_mut().zip(&means).zip(&scales) {
                *value = (*value - mean) * scale;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;

    fn step(name: &str, args: &[(&str, Value)]) -> Step {
        Step {
            name: name.to_owned(),
            args: args
                .iter()
                .map(|(k, v)| ((*k).to_owned(), v.clone()))
                .collect::<BTreeMap<_, _>>(),
        }
    }

    fn split(val: f64, test: f64, seed: i64, stratify: bool) -> Step {
        step(
            "split",
            &[
                ("val", Value::Float(val)),
                ("test", Value::Float(test)),
                ("seed", Value::Int(seed)),
                ("stratify", Value::Bool(stratify)),
            ],
        )
    }

    /// `n` rows of two features `[i, 2i]` labelled by `label(i)`.
    fn classes(n: usize, label: impl Fn(usize) -> u32, classes: usize) -> Examples {
        Examples {
            inputs: (0..n).flat_map(|i| [i as f32, 2.0 * i as f32]).collect(),
            input_shape: vec![2],
            targets: Targets::Classes {
                labels: (0..n).map(label).collect(),
                classes,
            },
        }
    }

    fn labels(examples: &Examples) -> &[u32] {
        match &examples.targets {
            Targets::Classes { labels, .. } => labels,
            Targets::Values { .. } => panic!("expected classes"),
        }
    }

    fn first_features(examples: &Examples) -> Vec<f32> {
        examples.inputs.chunks(2).map(|row| row[0]).collect()
    }

    #[test]
    fn same_seed_same_split_and_rows_keep_their_labels() {
        let all = classes(100, |i| u32::from(i % 3 == 0), 2);
        let first = apply(all.clone(), &[split(0.2, 0.1, 7, true)]).unwrap();
        let again = apply(all.clone(), &[split(0.2, 0.1, 7, true)]).unwrap();
        let other = apply(all, &[split(0.2, 0.1, 8, true)]).unwrap();
        assert_eq!(first, again);
        assert_ne!(first.val, other.val);
        assert_eq!(first.train.len() + first.val.len(), 90);
        let test = first.test.unwrap();
        assert_eq!(test.len(), 10);
        for part in [&first.train, &first.val, &test] {
            for (row, &label) in part.inputs.chunks(2).zip(labels(part)) {
                assert_eq!(label, u32::from(row[0] as usize % 3 == 0));
                assert_eq!(row[1], 2.0 * row[0]);
            }
        }
    }

    #[test]
    fn stratified_split_keeps_class_proportions() {
        let all = classes(100, |i| u32::from(i >= 80), 2);
        let data = apply(all.clone(), &[split(0.25, 0.0, 3, true)]).unwrap();
        let ones = labels(&data.val).iter().filter(|&&l| l == 1).count();
        assert_eq!(data.val.len(), 25);
        assert_eq!(ones, 5);
        assert!(data.test.is_none());

        let counts: Vec<usize> = (0..10)
            .map(|seed| {
                let data = apply(all.clone(), &[split(0.25, 0.0, seed, false)]).unwrap();
                labels(&data.val).iter().filter(|&&l| l == 1).count()
            })
            .collect();
        assert!(counts.iter().any(|&c| c != 5), "{counts:?}");
    }

    #[test]
    fn default_split_is_a_fifth_for_validation() {
        let data = apply(classes(50, |i| (i % 5) as u32, 5), &[]).unwrap();
        assert_eq!(data.val.len(), 10);
        assert_eq!(data.train.len(), 40);
        for class in 0..5 {
            assert_eq!(labels(&data.val).iter().filter(|&&l| l == class).count(), 2);
        }
    }

    #[test]
    fn regression_split_shuffles_values_with_rows() {
        let all = Examples {
            inputs: (0..20).map(|i| i as f32).collect(),
            input_shape: vec![1],
            targets: Targets::Values {
                values: (0..20).flat_map(|i| [i as f32, -(i as f32)]).collect(),
                outputs: 2,
            },
        };
        let data = apply(all, &[split(0.25, 0.0, 1, true)]).unwrap();
        assert_eq!(data.val.len(), 5);
        let Targets::Values { values, outputs } = &data.val.targets else {
            panic!("expected values");
        };
        assert_eq!(*outputs, 2);
        for (input, pair) in data.val.inputs.iter().zip(values.chunks(2)) {
            assert_eq!(pair, [*input, -*input]);
        }
    }

    #[test]
    fn standardize_uses_train_statistics_only() {
        let mut all = classes(200, |i| (i % 2) as u32, 2);
        // A constant third feature: centred, not divided by zero.
        all.inputs = all
            .inputs
            .chunks(2)
            .flat_map(|row| [row[0], row[1] * row[1], 5.0])
            .collect();
        all.input_shape = vec![3];
        let data = apply(all, &[step("standardize", &[]), split(0.3, 0.0, 4, true)]).unwrap();
        let mean = |examples: &Examples, feature: usize| {
            let column: Vec<f64> = examples
                .inputs
                .chunks(3)
                .map(|row| f64::from(row[feature]))
                .collect();
            column.iter().sum::<f64>() / column.len() as f64
        };
        for feature in 0..2 {
            assert!(mean(&data.train, feature).abs() < 1e-5);
            let variance = data
                .train
                .inputs
                .chunks(3)
                .map(|row| f64::from(row[feature]).powi(2))
                .sum::<f64>()
                / data.train.len() as f64;
            assert!((variance - 1.0).abs() < 1e-4, "{variance}");
            assert!(mean(&data.val, feature) != 0.0);
        }
        assert!(data.train.inputs.chunks(3).all(|row| row[2] == 0.0));
        assert!(data.val.inputs.chunks(3).all(|row| row[2] == 0.0));
    }

    #[test]
    fn take_subsample_and_scale_apply_in_order_before_the_split() {
        let all = classes(100, |i| (i % 2) as u32, 2);
        let pipeline = [
            step("take", &[("n", Value::Int(40))]),
            step(
                "subsample",
                &[("fraction", Value::Float(0.5)), ("seed", Value::Int(0))],
            ),
            step("scale", &[("factor", Value::Float(0.5))]),
            split(0.25, 0.0, 0, true),
        ];
        let data = apply(all.clone(), &pipeline).unwrap();
        assert_eq!(data.train.len() + data.val.len(), 20);
        let mut kept: Vec<f32> = first_features(&data.train);
        kept.extend(first_features(&data.val));
        // Taken from the first 40 rows, then halved.
        assert!(kept.iter().all(|&v| v < 20.0 && (v * 2.0).fract() == 0.0));

        let mut taken = all.clone();
        take(&mut taken, 500);
        assert_eq!(taken, all);
        let sampled = subsample(&all, 0.3, 9).unwrap();
        assert_eq!(sampled, subsample(&all, 0.3, 9).unwrap());
        assert_eq!(sampled.len(), 30);
        let order = first_features(&sampled);
        assert!(order.windows(2).all(|w| w[0] < w[1]));
    }

    #[test]
    fn splits_leaving_a_part_empty_are_errors() {
        let all = classes(4, |i| (i % 2) as u32, 2);
        let error = apply(all.clone(), &[split(0.1, 0.0, 0, true)]).unwrap_err();
        assert!(
            error.message.contains("validation set empty"),
            "{}",
            error.message
        );
        let error = apply(all.clone(), &[split(0.5, 0.1, 0, true)]).unwrap_err();
        assert!(
            error.message.contains("test set empty"),
            "{}",
            error.message
        );
        let error = apply(all.clone(), &[split(0.5, 0.5, 0, true)]).unwrap_err();
        assert!(
            error.message.contains("train set empty"),
            "{}",
            error.message
        );
        let error = apply(all, &[split(0.5, 0.0, 0, true), split(0.5, 0.0, 0, true)]).unwrap_err();
        assert!(error.message.contains("only once"), "{}", error.message);
    }

    #[test]
    fn apportion_is_proportional_and_respects_room() {
        assert_eq!(apportion(25, &[80, 20], &[80, 20]), vec![20, 5]);
        assert_eq!(apportion(3, &[1, 1, 1, 1], &[1, 1, 1, 1]), vec![1, 1, 1, 0]);
        assert_eq!(apportion(4, &[5, 5], &[1, 5]), vec![1, 3]);
        assert_eq!(apportion(0, &[5, 5], &[5, 5]), vec![0, 0]);
    }
}

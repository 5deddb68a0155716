//! Baker et al.'s features for predicting a learning curve's value at a later epoch: the time series
//! (the curve so far, its first and second differences), the architecture (parameter and layer
//! counts, supplied by the caller) and the hyperparameters (each searched parameter at its position
//! in `[0, 1]` on its own scale; an unordered `choice` one-hot; an inactive parameter all zeros with
//! a flag, so conditional spaces give every trial the same columns).

use crate::space::{Config, SearchSpace, unit};

/// Appends the time-series features of a curve prefix `y₁..y_τ`: the values, then `y_{i+1} − y_i`,
/// then the second differences. Non-finite values count as 0.
pub fn push_curve(prefix: &[f64], out: &mut Vec<f64>) {
    let y: Vec<f64> = prefix
        .iter()
        .map(|v| if v.is_finite() { *v } else { 0.0 })
        .collect();
    out.extend_from_slice(&y);
    let first: Vec<f64> = y.windows(2).map(|w| w[1] - w[0]).collect();
    out.extend_from_slice(&first);
    out.extend(first.windows(2).map(|w| w[1] - w[0]));
}

/// The hyperparameter features of `config` in `space`: for each searched parameter in order, an
/// activity flag and its position in `[0, 1]` (or, for a `choice`, one column per category).
#[must_use]
pub fn hyperparameters(space: &SearchSpace, config: &Config) -> Vec<f64> {
    let mut out = Vec::new();
    for p in &space.params {
        let value = config.get(&p.name);
        out.push(if value.is_some() { 1.0 } else { 0.0 });
        if unit::is_categorical(&p.distribution) {
            let hot = value.and_then(|v| unit::category_index(&p.distribution, v));
            out.extend(
                (0..unit::category_count(&p.distribution))
                    .map(|k| if hot == Some(k) { 1.0 } else { 0.0 }),
            );
        } else {
            out.push(
                value
                    .and_then(|v| unit::to_unit(&p.distribution, v))
                    .unwrap_or(0.0),
            );
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::space::{Distribution, Param, Term, Value};

    #[test]
    fn a_curve_gives_values_then_differences() {
        let mut out = Vec::new();
        push_curve(&[0.5, 0.7, 0.8, f64::NAN], &mut out);
        let expected = [0.5, 0.7, 0.8, 0.0, 0.2, 0.1, -0.8, -0.1, -0.9];
        assert_eq!(out.len(), expected.len());
        for (a, b) in out.iter().zip(expected) {
            assert!((a - b).abs() < 1e-12, "{out:?}");
        }
    }

    #[test]
    fn conditional_and_categorical_parameters_keep_their_columns() {
        let space = SearchSpace {
            params: vec![
                Param {
                    name: "train.optimizer".into(),
                    distribution: Distribution::Choice {
                        values: vec![Value::Str("sgd".into()), Value::Str("adam".into())],
                    },
                    condition: None,
                    doc: None,
                },
                Param {
                    name: "train.momentum".into(),
                    distribution: Distribution::Uniform {
                        low: 0.0,
                        high: 0.5,
                        step: None,
                    },
                    condition: Some(Term::Const {
                        value: Value::Bool(true),
                    }),
                    doc: None,
                },
            ],
            ..SearchSpace::default()
        };
        let with: Config = [
            ("train.optimizer".to_string(), Value::Str("sgd".into())),
            ("train.momentum".to_string(), Value::Float(0.25)),
        ]
        .into_iter()
        .collect();
        let without: Config = [("train.optimizer".to_string(), Value::Str("adam".into()))]
            .into_iter()
            .collect();
        assert_eq!(
            hyperparameters(&space, &with),
            vec![1.0, 1.0, 0.0, 1.0, 0.5]
        );
        assert_eq!(
            hyperparameters(&space, &without),
            vec![1.0, 0.0, 1.0, 0.0, 0.0]
        );
    }
}

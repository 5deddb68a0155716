//! The unit-interval encoding of a parameter: where a value sits in `[0, 1]` on its distribution's
//! scale (log for `loguniform` and `log = true`), and back, rounding integers and quantised values
//! and snapping to the nearest of a finite list. Model-based samplers (`bo`, `tpe`) search in this
//! encoding; unordered `choice` parameters are categorical and have no position.

use crate::space::{Distribution, Value};

/// Whether the parameter is unordered (`choice`): a model treats it as categories, not a position.
#[must_use]
pub fn is_categorical(d: &Distribution) -> bool {
    matches!(d, Distribution::Choice { .. })
}

/// Whether the distribution has a single possible value (nothing for a model to learn).
#[must_use]
pub fn is_single_value(d: &Distribution) -> bool {
    d.cardinality() == Some(1)
        || (!is_categorical(d) && d.bounds().is_some_and(|(low, high)| low == high))
}

/// The number of categories of a `choice` (0 for any other distribution).
#[must_use]
pub fn category_count(d: &Distribution) -> usize {
    match d {
        Distribution::Choice { values } => values.len(),
        _ => 0,
    }
}

/// The index of `v` among a `choice`'s values.
#[must_use]
pub fn category_index(d: &Distribution, v: &Value) -> Option<usize> {
    match d {
        Distribution::Choice { values } => values.iter().position(|c| c.loosely_equals(v)),
        _ => None,
    }
}

/// The value of category `index` of a `choice`.
#[must_use]
pub fn category(d: &Distribution, index: usize) -> Option<Value> {
    match d {
        Distribution::Choice { values } => values.get(index).cloned(),
        _ => None,
    }
}

/// Where `v` sits in `[0, 1]`: linear or log position in a range (integers span `[low − ½, high + ½]`
/// so every integer owns an equal share), the centre of its slot for `ordinal` and `bases`
/// (`(k + ½)/n`). `None` for a `choice` or a value outside the domain's type.
#[must_use]
pub fn to_unit(d: &Distribution, v: &Value) -> Option<f64> {
    match d {
        Distribution::Choice { .. } => None,
        Distribution::Ordinal { values } => {
            let k = values.iter().position(|c| c.loosely_equals(v))?;
            Some(slot_centre(k, values.len()))
        }
        Distribution::Bases { values, .. } => {
            let x = v.as_f64()?;
            let k = nearest(values, x)?;
            Some(slot_centre(k, values.len()))
        }
        _ => {
            let (lo, hi) = range(d)?;
            let x = transform(d, v.as_f64()?);
            Some(if hi > lo {
                ((x - lo) / (hi - lo)).clamp(0.0, 1.0)
            } else {
                0.5
            })
        }
    }
}

/// The value at position `u` (clamped to `[0, 1]`): the inverse of [`to_unit`], rounded to the
/// domain (integers and steps rounded and kept inside the bounds, lists snapped to a slot). For a
/// `choice`, `u` picks a slot like an ordinal.
#[must_use]
pub fn from_unit(d: &Distribution, u: f64) -> Value {
    let u = if u.is_finite() {
        u.clamp(0.0, 1.0)
    } else {
        0.5
    };
    match d {
        Distribution::Choice { values } | Distribution::Ordinal { values } => {
            values[slot(u, values.len())].clone()
        }
        Distribution::Bases { values, .. } => Value::Float(values[slot(u, values.len())]),
        Distribution::Uniform { low, high, step } => {
            let x = low + u * (high - low);
            match step {
                Some(q) if *q > 0.0 => Value::Float(on_step(x, *low, *high, *q)),
                _ => Value::Float(x.clamp(*low, *high)),
            }
        }
        Distribution::LogUniform { low, high } => {
            let x = (low.ln() + u * (high.ln() - low.ln())).exp();
            Value::Float(x.clamp(*low, *high))
        }
        Distribution::Int {
            low, high, step, ..
        } => {
            let (lo, hi) = range(d).unwrap_or((0.0, 1.0));
            let t = lo + u * (hi - lo);
            let x = if matches!(d, Distribution::Int { log: true, .. }) {
                t.exp()
            } else {
                t
            };
            let step = (*step).max(1);
            #[allow(clippy::cast_possible_truncation, clippy::cast_precision_loss)]
            let k = ((x - *low as f64) / step as f64).round() as i64;
            Value::Int((low + k * step).clamp(*low, low + ((high - low) / step) * step))
        }
    }
}

/// The grid point `low + k·step` nearest `x` that lies in `[low, high]` (the grid of
/// `uniform(low, high, step)`, which need not reach `high`).
#[must_use]
pub fn on_step(x: f64, low: f64, high: f64, step: f64) -> f64 {
    let last = ((high - low) / step + 1e-9).floor();
    low + ((x - low) / step).round().clamp(0.0, last) * step
}

/// The transformed bounds of a numeric range: `ln` for log scales, integers widened by ½.
#[allow(clippy::cast_precision_loss)]
fn range(d: &Distribution) -> Option<(f64, f64)> {
    match d {
        Distribution::Uniform { low, high, .. } => Some((*low, *high)),
        Distribution::LogUniform { low, high } => Some((low.ln(), high.ln())),
        Distribution::Int {
            low,
            high,
            log: true,
            ..
        } => Some(((*low as f64 - 0.5).max(0.5).ln(), (*high as f64 + 0.5).ln())),
        Distribution::Int { low, high, .. } => Some((*low as f64 - 0.5, *high as f64 + 0.5)),
        _ => None,
    }
}

/// A value on the range's transformed scale.
fn transform(d: &Distribution, x: f64) -> f64 {
    match d {
        Distribution::LogUniform { .. } | Distribution::Int { log: true, .. } => x.max(1e-300).ln(),
        _ => x,
    }
}

/// The slot of `u` among `n` equal slots.
#[allow(
    clippy::cast_possible_truncation,
    clippy::cast_sign_loss,
    clippy::cast_precision_loss
)]
fn slot(u: f64, n: usize) -> usize {
    ((u * n as f64) as usize).min(n.saturating_sub(1))
}

#[allow(clippy::cast_precision_loss)]
fn slot_centre(k: usize, n: usize) -> f64 {
    (k as f64 + 0.5) / n as f64
}

/// The index of the value nearest `x`.
fn nearest(values: &[f64], x: f64) -> Option<usize> {
    values
        .iter()
        .enumerate()
        .min_by(|a, b| (a.1 - x).abs().total_cmp(&(b.1 - x).abs()))
        .map(|(k, _)| k)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn log_ranges_round_trip_and_halve_in_log_space() {
        let d = Distribution::LogUniform {
            low: 1e-4,
            high: 1.0,
        };
        let mid = from_unit(&d, 0.5).as_f64().unwrap();
        assert!((mid - 1e-2).abs() < 1e-12, "{mid}");
        let u = to_unit(&d, &Value::Float(1e-3)).unwrap();
        assert!((u - 0.25).abs() < 1e-12, "{u}");
    }

    #[test]
    fn integers_own_equal_shares_and_respect_step() {
        let d = Distribution::Int {
            low: 1,
            high: 4,
            log: false,
            step: 1,
        };
        let counts = (0..400).fold([0; 4], |mut c, i| {
            let v = from_unit(&d, (f64::from(i) + 0.5) / 400.0)
                .as_i64()
                .unwrap();
            c[usize::try_from(v - 1).unwrap()] += 1;
            c
        });
        assert_eq!(counts, [100; 4]);
        let stepped = Distribution::Int {
            low: 0,
            high: 10,
            log: false,
            step: 4,
        };
        for i in 0..=20 {
            let v = from_unit(&stepped, f64::from(i) / 20.0).as_i64().unwrap();
            assert!([0, 4, 8].contains(&v), "{v}");
        }
    }

    #[test]
    fn every_value_of_a_finite_domain_round_trips() {
        let domains = [
            Distribution::Ordinal {
                values: vec![Value::Int(8), Value::Int(16), Value::Int(32)],
            },
            Distribution::Bases {
                values: vec![0.001, 0.01, 0.1],
                log: true,
            },
            Distribution::Int {
                low: 2,
                high: 300,
                log: true,
                step: 1,
            },
            Distribution::Uniform {
                low: 0.0,
                high: 1.0,
                step: Some(0.25),
            },
        ];
        for d in &domains {
            for v in d.finite_values().unwrap() {
                let u = to_unit(d, &v).unwrap();
                assert!((0.0..=1.0).contains(&u));
                assert!(from_unit(d, u).loosely_equals(&v), "{d:?} {v:?} {u}");
            }
        }
    }

    #[test]
    fn steps_that_do_not_reach_the_upper_bound_stay_on_their_grid() {
        let d = Distribution::Uniform {
            low: 0.0,
            high: 1.0,
            step: Some(0.4),
        };
        for i in 0..=10 {
            let v = from_unit(&d, f64::from(i) / 10.0).as_f64().unwrap();
            assert!([0.0, 0.4, 0.8].iter().any(|g| (g - v).abs() < 1e-12), "{v}");
        }
    }

    #[test]
    fn choices_are_categories_without_a_position() {
        let d = Distribution::Choice {
            values: vec![Value::Str("sgd".into()), Value::Str("adam".into())],
        };
        assert!(is_categorical(&d));
        assert_eq!(to_unit(&d, &Value::Str("adam".into())), None);
        assert_eq!(category_index(&d, &Value::Str("adam".into())), Some(1));
        assert_eq!(category(&d, 0), Some(Value::Str("sgd".into())));
        assert_eq!(category_count(&d), 2);
    }
}

//! How the TPE sampler sees a parameter's values: a position in the unit encoding
//! ([`crate::space::unit`]) for continuous ranges, the cell a discrete value owns there (integers,
//! steps, `ordinal`, `bases`), or a category index (`choice`). The Parzen estimator
//! ([`super::parzen`]) reads these [`Point`]s; the sampler turns drawn points back into values.

use crate::space::unit::{
    category, category_count, category_index, from_unit, is_single_value, to_unit,
};
use crate::space::{Distribution, Value};

use super::parzen::{Axis, Point};

/// The encoding of one parameter.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Encoding {
    /// A single possible value: nothing to model.
    Fixed,
    /// A real range: a density at a position.
    Continuous,
    /// Finitely many ordered values: a mass over each value's cell.
    Discrete,
    /// Unordered values.
    Categorical(usize),
}

impl Encoding {
    /// The encoding of `d`.
    #[must_use]
    pub fn of(d: &Distribution) -> Self {
        if is_single_value(d) {
            return Encoding::Fixed;
        }
        match d {
            Distribution::Choice { values } => Encoding::Categorical(values.len()),
            Distribution::Uniform { step: Some(q), .. } if *q > 0.0 => Encoding::Discrete,
            Distribution::Uniform { .. } | Distribution::LogUniform { .. } => Encoding::Continuous,
            Distribution::Int { .. }
            | Distribution::Ordinal { .. }
            | Distribution::Bases { .. } => Encoding::Discrete,
        }
    }

    /// The estimator's axis for this encoding (`None` when fixed).
    #[must_use]
    pub fn axis(self) -> Option<Axis> {
        match self {
            Encoding::Fixed => None,
            Encoding::Continuous | Encoding::Discrete => Some(Axis::Numeric),
            Encoding::Categorical(n) => Some(Axis::Categorical(n)),
        }
    }
}

/// Where `v` lies for the estimator; `None` when it is not a value of `d` (or `d` is fixed).
#[must_use]
pub fn encode(d: &Distribution, encoding: Encoding, v: &Value) -> Option<Point> {
    if v.as_f64().is_some_and(|x| !x.is_finite()) {
        return None;
    }
    match encoding {
        Encoding::Fixed => None,
        Encoding::Categorical(_) => category_index(d, v).map(Point::Category),
        Encoding::Continuous => to_unit(d, v).filter(|u| u.is_finite()).map(Point::At),
        Encoding::Discrete => {
            let centre = to_unit(d, v).filter(|u| u.is_finite())?;
            let (low, high) = cell(d, v, centre)?;
            Some(Point::Cell { low, high, centre })
        }
    }
}

/// The value a drawn point stands for (rounded to the domain).
#[must_use]
pub fn decode(d: &Distribution, point: Point) -> Value {
    match point {
        Point::At(u) | Point::Cell { centre: u, .. } => from_unit(d, u),
        Point::Category(k) => category(d, k.min(category_count(d).saturating_sub(1)))
            .unwrap_or_else(|| from_unit(d, 0.5)),
    }
}

/// The unit interval a discrete value owns: every position that [`from_unit`] rounds to it.
fn cell(d: &Distribution, v: &Value, centre: f64) -> Option<(f64, f64)> {
    let unit = |x: f64| to_unit(d, &Value::Float(x));
    match d {
        Distribution::Ordinal { values } => slot(centre, values.len()),
        Distribution::Bases { values, .. } => slot(centre, values.len()),
        Distribution::Int {
            low, high, step, ..
        } => {
            #[allow(clippy::cast_precision_loss)]
            let (low, high, step) = (*low as f64, *high as f64, (*step).max(1) as f64);
            let x = v.as_f64()?;
            let below = if x - step < low {
                0.0
            } else {
                unit(x - step / 2.0)?
            };
            let above = if x + step > high {
                1.0
            } else {
                unit(x + step / 2.0)?
            };
            Some((below, above))
        }
        Distribution::Uniform {
            low,
            high,
            step: Some(q),
        } => {
            let x = v.as_f64()?;
            let slack = q * 1e-6;
            let below = if x - q < low - slack {
                0.0
            } else {
                unit(x - q / 2.0)?
            };
            let above = if x + q > high + slack {
                1.0
            } else {
                unit(x + q / 2.0)?
            };
            Some((below, above))
        }
        _ => None,
    }
}

/// The slot of `n` equal slots centred on `centre`.
fn slot(centre: f64, n: usize) -> Option<(f64, f64)> {
    #[allow(clippy::cast_precision_loss)]
    let half = 0.5 / n.max(1) as f64;
    Some(((centre - half).max(0.0), (centre + half).min(1.0)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn discrete() -> Vec<Distribution> {
        vec![
            Distribution::Int {
                low: 0,
                high: 10,
                log: false,
                step: 4,
            },
            Distribution::Int {
                low: 1,
                high: 300,
                log: true,
                step: 1,
            },
            Distribution::Uniform {
                low: 0.0,
                high: 1.0,
                step: Some(0.4),
            },
            Distribution::Ordinal {
                values: vec![Value::Int(8), Value::Int(16), Value::Int(32)],
            },
            Distribution::Bases {
                values: vec![1e-3, 1e-2, 1e-1],
                log: true,
            },
        ]
    }

    #[test]
    fn every_position_lies_in_the_cell_of_the_value_it_rounds_to() {
        for d in &discrete() {
            assert_eq!(Encoding::of(d), Encoding::Discrete, "{d:?}");
            for k in 0..=1000 {
                let u = f64::from(k) / 1000.0;
                let v = decode(d, Point::At(u));
                let Some(Point::Cell { low, high, centre }) = encode(d, Encoding::Discrete, &v)
                else {
                    panic!("{d:?}: {v:?} has no cell");
                };
                assert!(
                    low <= u && u <= high,
                    "{d:?}: {u} outside {low}..{high} of {v:?}"
                );
                assert!(low <= centre && centre <= high, "{d:?}: {v:?}");
            }
        }
    }

    #[test]
    fn integer_cells_follow_the_step_and_end_at_the_bounds() {
        // int(0, 10, step = 4) spans [−½, 10½]: 0 owns up to 2, 4 up to 6, and 8 the rest.
        let d = &discrete()[0];
        let cell = |x: i64| match encode(d, Encoding::Discrete, &Value::Int(x)) {
            Some(Point::Cell { low, high, .. }) => (low, high),
            other => panic!("{other:?}"),
        };
        let close = |a: (f64, f64), b: (f64, f64)| (a.0 - b.0).abs() + (a.1 - b.1).abs() < 1e-12;
        assert!(close(cell(0), (0.0, 2.5 / 11.0)), "{:?}", cell(0));
        assert!(close(cell(4), (2.5 / 11.0, 6.5 / 11.0)), "{:?}", cell(4));
        assert!(close(cell(8), (6.5 / 11.0, 1.0)), "{:?}", cell(8));
    }

    #[test]
    fn single_values_are_fixed_and_choices_categorical() {
        let one = Distribution::Int {
            low: 3,
            high: 3,
            log: false,
            step: 1,
        };
        assert_eq!(Encoding::of(&one), Encoding::Fixed);
        let choice = Distribution::Choice {
            values: vec![Value::Str("a".into()), Value::Str("b".into())],
        };
        assert_eq!(Encoding::of(&choice), Encoding::Categorical(2));
        assert_eq!(
            encode(&choice, Encoding::Categorical(2), &Value::Str("b".into())),
            Some(Point::Category(1))
        );
        assert_eq!(
            decode(&choice, Point::Category(7)),
            Value::Str("b".into()),
            "out-of-range categories clamp"
        );
        let lr = Distribution::LogUniform {
            low: 1e-4,
            high: 1.0,
        };
        assert_eq!(Encoding::of(&lr), Encoding::Continuous);
        assert_eq!(
            encode(&lr, Encoding::Continuous, &Value::Float(f64::NAN)),
            None
        );
    }
}

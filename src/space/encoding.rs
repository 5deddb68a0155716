//! How a model sees a configuration (`bo`'s Gaussian process, HyperSTAR's configuration embedding):
//! a point in `[0, 1]^D`. A numeric parameter
//! (ranges, integers, steps, `ordinal`, `bases`) takes one coordinate, its unit position on its
//! scale ([`crate::space::unit`]: log for log ranges, integers and steps at their rounded values); an
//! unordered `choice` of `k` values takes `k` one-hot coordinates; a parameter with a `when`
//! condition adds an activity coordinate (1 active, 0 inactive), and while inactive its other
//! coordinates sit at a fixed neutral value, so two configurations that differ only in an inactive
//! parameter are the same point. Parameters with a single possible value take no coordinate.

use crate::space::unit::{
    category_count, category_index, is_categorical, is_single_value, to_unit,
};
use crate::space::{Config, SearchSpace};

/// Where an inactive numeric parameter sits.
const NEUTRAL: f64 = 0.5;

/// The coordinates of one parameter.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Slot {
    /// No coordinate (a single possible value).
    Constant,
    /// One coordinate at `offset`.
    Numeric { offset: usize },
    /// `count` one-hot coordinates from `offset`.
    Categorical { offset: usize, count: usize },
}

/// The encoding of a search space's parameters.
#[derive(Debug, Clone)]
pub struct Encoder {
    slots: Vec<Slot>,
    /// The activity coordinate of each conditional parameter.
    activity: Vec<Option<usize>>,
    dims: usize,
}

impl Encoder {
    /// The encoding of `space`'s parameters (in definition order).
    #[must_use]
    pub fn new(space: &SearchSpace) -> Self {
        let mut dims = 0;
        let mut slots = Vec::with_capacity(space.params.len());
        let mut activity = Vec::with_capacity(space.params.len());
        for p in &space.params {
            let slot = if is_single_value(&p.distribution) {
                Slot::Constant
            } else if is_categorical(&p.distribution) {
                let count = category_count(&p.distribution);
                dims += count;
                Slot::Categorical {
                    offset: dims - count,
                    count,
                }
            } else {
                dims += 1;
                Slot::Numeric { offset: dims - 1 }
            };
            let flag = (p.condition.is_some() && slot != Slot::Constant).then(|| {
                dims += 1;
                dims - 1
            });
            slots.push(slot);
            activity.push(flag);
        }
        Self {
            slots,
            activity,
            dims,
        }
    }

    /// The number of coordinates.
    #[must_use]
    pub fn dims(&self) -> usize {
        self.dims
    }

    /// The point of `config` (a parameter absent from it is inactive; a value outside its domain's
    /// type counts as absent).
    #[must_use]
    pub fn encode(&self, space: &SearchSpace, config: &Config) -> Vec<f64> {
        let mut point = vec![0.0; self.dims];
        for ((p, slot), flag) in space.params.iter().zip(&self.slots).zip(&self.activity) {
            let value = config.get(&p.name);
            match *slot {
                Slot::Constant => {}
                Slot::Numeric { offset } => {
                    point[offset] = value
                        .and_then(|v| to_unit(&p.distribution, v))
                        .filter(|u| u.is_finite())
                        .unwrap_or(NEUTRAL);
                }
                Slot::Categorical { offset, count } => {
                    if let Some(k) = value.and_then(|v| category_index(&p.distribution, v)) {
                        point[offset + k.min(count - 1)] = 1.0;
                    }
                }
            }
            if let Some(f) = flag {
                point[*f] = if value.is_some() { 1.0 } else { 0.0 };
            }
        }
        point
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::space::{Distribution, Param, Term, Value};

    fn param(name: &str, distribution: Distribution, condition: Option<Term>) -> Param {
        Param {
            name: name.into(),
            distribution,
            condition,
            doc: None,
        }
    }

    fn space() -> SearchSpace {
        SearchSpace {
            params: vec![
                param(
                    "lr",
                    Distribution::LogUniform {
                        low: 1e-4,
                        high: 1.0,
                    },
                    None,
                ),
                param(
                    "opt",
                    Distribution::Choice {
                        values: vec![Value::Str("sgd".into()), Value::Str("adam".into())],
                    },
                    None,
                ),
                param(
                    "momentum",
                    Distribution::Uniform {
                        low: 0.0,
                        high: 1.0,
                        step: None,
                    },
                    Some(Term::param("opt")),
                ),
                param(
                    "one",
                    Distribution::Ordinal {
                        values: vec![Value::Int(3)],
                    },
                    None,
                ),
            ],
            fixed: vec![],
            derived: vec![],
            forbidden: vec![],
        }
    }

    #[test]
    fn numeric_one_hot_and_activity_coordinates() {
        let s = space();
        let e = Encoder::new(&s);
        // lr, opt×2, momentum + its activity flag; `one` has a single value.
        assert_eq!(e.dims(), 5);
        let mut c = Config::new();
        c.insert("lr".into(), Value::Float(1e-2));
        c.insert("opt".into(), Value::Str("adam".into()));
        c.insert("momentum".into(), Value::Float(0.9));
        c.insert("one".into(), Value::Int(3));
        let p = e.encode(&s, &c);
        assert!(
            (p[0] - 0.5).abs() < 1e-12,
            "log scale: 1e-2 is halfway: {p:?}"
        );
        assert_eq!(&p[1..3], &[0.0, 1.0]);
        assert!((p[3] - 0.9).abs() < 1e-12);
        assert_eq!(p[4], 1.0);
        c.remove("momentum");
        let q = e.encode(&s, &c);
        assert_eq!((q[3], q[4]), (NEUTRAL, 0.0));
        // An inactive parameter's value does not matter: absent is absent.
        let mut d = c.clone();
        d.insert("lr".into(), Value::Float(1e-2));
        assert_eq!(e.encode(&s, &d), q);
    }
}

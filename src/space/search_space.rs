//! A study's search space: searched parameters (with their activity conditions), fixed values, derived
//! values and `forbid` rules, all addressed by full path (`train.lr`, `model.width`). Built by the
//! semantic stage; the plan lists it; samplers draw from it.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::space::{Distribution, Term, Value};

/// One searched parameter.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Param {
    /// Full path: `train.lr`.
    pub name: String,
    /// Its domain.
    pub distribution: Distribution,
    /// It exists only while this holds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub condition: Option<Term>,
    /// Its doc comment.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub doc: Option<String>,
}

/// A constant setting (`epochs = 27`), possibly conditional.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Fixed {
    /// Full path.
    pub name: String,
    /// Its value.
    pub value: Value,
    /// It exists only while this holds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub condition: Option<Term>,
}

/// A value computed from others (`warmup = 0.1 * epochs`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Derived {
    /// Full path.
    pub name: String,
    /// The expression.
    pub expression: Term,
    /// It exists only while this holds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub condition: Option<Term>,
}

/// Everything a sampler needs to see of a study's configurations.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct SearchSpace {
    /// Searched parameters, in definition order (a condition only reads earlier ones).
    pub params: Vec<Param>,
    /// Constant settings.
    pub fixed: Vec<Fixed>,
    /// Computed settings.
    pub derived: Vec<Derived>,
    /// Combinations removed by `forbid`.
    pub forbidden: Vec<Term>,
}

/// A configuration: parameter path → value (inactive parameters absent).
pub type Config = BTreeMap<String, Value>;

/// Enumerations stop past this many configurations.
const ENUMERATION_CAP: u64 = 1_000_000;

/// The number of configurations of a finite space.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct GridSize {
    /// Configurations (exact, or an upper bound).
    pub configurations: u64,
    /// Whether conditions and `forbid` were applied exactly.
    pub exact: bool,
}

impl SearchSpace {
    /// The parameter with this path.
    #[must_use]
    pub fn param(&self, name: &str) -> Option<&Param> {
        self.params.iter().find(|p| p.name == name)
    }

    /// The first continuous parameter, if any (a grid cannot cover it).
    #[must_use]
    pub fn first_continuous(&self) -> Option<&Param> {
        self.params
            .iter()
            .find(|p| p.distribution.finite_values().is_none())
    }

    /// The grid's size when every parameter is finite; exact (conditions and `forbid` applied) when
    /// the product is at most a million.
    #[must_use]
    pub fn grid_size(&self) -> Option<GridSize> {
        let product = self.grid_product()?;
        if product > ENUMERATION_CAP {
            return Some(GridSize {
                configurations: product,
                exact: false,
            });
        }
        let mut count = 0;
        self.for_each_allowed(&mut |_| count += 1);
        Some(GridSize {
            configurations: count,
            exact: true,
        })
    }

    /// Every configuration of a finite space, in order (conditions and `forbid` applied); `None` when
    /// a parameter is continuous or there are more than a million.
    #[must_use]
    pub fn grid(&self) -> Option<Vec<Config>> {
        if self.grid_product()? > ENUMERATION_CAP {
            return None;
        }
        let mut out = Vec::new();
        self.for_each_allowed(&mut |config| out.push(config.clone()));
        Some(out)
    }

    /// The product of the parameters' value counts, when every one is finite.
    fn grid_product(&self) -> Option<u64> {
        self.params.iter().try_fold(1_u64, |product, p| {
            Some(product.saturating_mul(p.distribution.cardinality()?))
        })
    }

    /// Visits every configuration of a finite space that no `forbid` rule removes.
    fn for_each_allowed(&self, visit: &mut dyn FnMut(&Config)) {
        let domains: Vec<Vec<Value>> = self
            .params
            .iter()
            .map(|p| p.distribution.finite_values().unwrap_or_default())
            .collect();
        self.enumerate(
            &self.params,
            &domains,
            &mut Config::new(),
            0,
            &mut |config| {
                if !self.is_forbidden(config) {
                    visit(config);
                }
                true
            },
        );
    }

    /// A configuration built in definition order: each parameter whose `when` condition holds on
    /// the values chosen before it gets `choose(index, parameter)`; inactive ones are left out.
    /// Every sampler draws through this, so conditions are evaluated one way.
    pub fn build(&self, mut choose: impl FnMut(usize, &Param) -> Value) -> Config {
        let mut config = Config::new();
        for (i, p) in self.params.iter().enumerate() {
            let active = p.condition.as_ref().is_none_or(|c| {
                let complete = self.complete(&config);
                c.holds(&|n| complete.get(n).cloned())
            });
            if active {
                config.insert(p.name.clone(), choose(i, p));
            }
        }
        config
    }

    /// Adds the fixed values (whose conditions hold) and the derived values to sampled parameters:
    /// everything a trial reads.
    #[must_use]
    pub fn complete(&self, sampled: &Config) -> Config {
        let mut config = sampled.clone();
        for f in &self.fixed {
            let lookup = |n: &str| config.get(n).cloned();
            if f.condition.as_ref().is_none_or(|c| c.holds(&lookup)) {
                config.insert(f.name.clone(), f.value.clone());
            }
        }
        for d in &self.derived {
            let lookup = |n: &str| config.get(n).cloned();
            if d.condition.as_ref().is_none_or(|c| c.holds(&lookup)) {
                if let Some(v) = d.expression.eval(&lookup) {
                    config.insert(d.name.clone(), v);
                }
            }
        }
        config
    }

    /// Whether `config` is removed by a `forbid` rule.
    #[must_use]
    pub fn is_forbidden(&self, config: &Config) -> bool {
        let lookup = |name: &str| {
            config
                .get(name)
                .cloned()
                .or_else(|| self.fixed_value(name, config))
        };
        self.forbidden.iter().any(|rule| rule.holds(&lookup))
    }

    fn fixed_value(&self, name: &str, config: &Config) -> Option<Value> {
        let lookup = |n: &str| config.get(n).cloned();
        if let Some(f) = self.fixed.iter().find(|f| f.name == name) {
            return f
                .condition
                .as_ref()
                .is_none_or(|c| c.holds(&lookup))
                .then(|| f.value.clone());
        }
        let d = self.derived.iter().find(|d| d.name == name)?;
        d.expression.eval(&lookup)
    }

    /// Visits every combination of `params` (each from `domains`), skipping inactive parameters.
    /// The visitor returns `false` to stop.
    fn enumerate(
        &self,
        params: &[Param],
        domains: &[Vec<Value>],
        config: &mut Config,
        index: usize,
        visit: &mut dyn FnMut(&Config) -> bool,
    ) -> bool {
        let Some(param) = params.get(index) else {
            return visit(config);
        };
        let lookup = |n: &str| config.get(n).cloned();
        let active = param.condition.as_ref().is_none_or(|c| c.holds(&lookup));
        if !active {
            return self.enumerate(params, domains, config, index + 1, visit);
        }
        for value in &domains[index] {
            config.insert(param.name.clone(), value.clone());
            if !self.enumerate(params, domains, config, index + 1, visit) {
                config.remove(&param.name);
                return false;
            }
        }
        config.remove(&param.name);
        true
    }

    /// Decides whether `forbid` removes every configuration. `Some(true)`: provably empty;
    /// `Some(false)`: a configuration survives; `None`: not decidable here (a rule does arithmetic on
    /// continuous parameters, or too many combinations).
    #[must_use]
    pub fn is_empty(&self) -> Option<bool> {
        if self.forbidden.is_empty() {
            return Some(false);
        }
        // The parameters the rules read, with those their conditions read, in definition order.
        let mut relevant: Vec<&str> = self
            .forbidden
            .iter()
            .flat_map(Term::params)
            .filter(|n| self.param(n).is_some())
            .collect();
        let mut i = 0;
        while i < relevant.len() {
            if let Some(cond) = self.param(relevant[i]).and_then(|p| p.condition.as_ref()) {
                for n in cond.params() {
                    if self.param(n).is_some() && !relevant.contains(&n) {
                        relevant.push(n);
                    }
                }
            }
            i += 1;
        }
        let params: Vec<Param> = self
            .params
            .iter()
            .filter(|p| relevant.contains(&p.name.as_str()))
            .cloned()
            .collect();
        let mut domains = Vec::with_capacity(params.len());
        let mut product: u64 = 1;
        for p in &params {
            let values = self.representatives(p)?;
            product = product.saturating_mul(values.len() as u64);
            domains.push(values);
        }
        if product > ENUMERATION_CAP {
            return None;
        }
        let mut survivor = false;
        self.enumerate(&params, &domains, &mut Config::new(), 0, &mut |config| {
            survivor = !self.is_forbidden(config);
            !survivor
        });
        Some(!survivor)
    }

    /// Values of `param` that stand for all of them as far as the rules and conditions can tell: the
    /// finite domain, or for a continuous range the bounds, every constant it is compared with, and a
    /// point between each pair (comparisons with constants are constant between those points).
    fn representatives(&self, param: &Param) -> Option<Vec<Value>> {
        if let Some(values) = param.distribution.finite_values() {
            if values.len() <= 10_000 {
                return Some(values);
            }
        }
        let (low, high) = param.distribution.bounds()?;
        let mut points = vec![low, high];
        let rules = self
            .forbidden
            .iter()
            .chain(self.params.iter().filter_map(|p| p.condition.as_ref()));
        for rule in rules {
            if !collect_thresholds(rule, &param.name, &mut points) {
                return None;
            }
        }
        points.retain(|p| (low..=high).contains(p));
        points.sort_by(f64::total_cmp);
        points.dedup();
        let mut all = points.clone();
        all.extend(points.windows(2).map(|w| f64::midpoint(w[0], w[1])));
        all.sort_by(f64::total_cmp);
        let integer = matches!(param.distribution, Distribution::Int { .. });
        Some(
            all.into_iter()
                .map(|x| {
                    #[allow(clippy::cast_possible_truncation)]
                    if integer {
                        Value::Int(x.round() as i64)
                    } else {
                        Value::Float(x)
                    }
                })
                .collect(),
        )
    }
}

/// Adds the constants that `name` is compared with in `term`; `false` when `name` appears in a way
/// that is not a plain comparison with a constant (then representatives cannot decide).
fn collect_thresholds(term: &Term, name: &str, out: &mut Vec<f64>) -> bool {
    match term {
        Term::Const { .. } => true,
        Term::Param { name: n } => n != name,
        Term::List { items } => items.iter().all(|i| collect_thresholds(i, name, out)),
        Term::Unary { operand, .. } => collect_thresholds(operand, name, out),
        Term::Chain { first, rest } if rest.len() == 1 && rest[0].binary.is_comparison() => {
            match (first.as_ref(), &rest[0].term) {
                (Term::Param { name: n }, other) | (other, Term::Param { name: n })
                    if n == name =>
                {
                    match other.as_const().and_then(Value::as_f64) {
                        Some(c) => {
                            out.push(c);
                            true
                        }
                        None => other.as_const().is_some() || !other.params().contains(name),
                    }
                }
                _ => term.operands().all(|t| collect_thresholds(t, name, out)),
            }
        }
        Term::Chain { rest, .. } if rest[0].binary.is_logical() => {
            term.operands().all(|t| collect_thresholds(t, name, out))
        }
        Term::Chain { .. } => !term.params().contains(name),
    }
}

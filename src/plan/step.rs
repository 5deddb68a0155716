//! [`Step`]: a built-in applied with its arguments, defaults filled from the catalogue — how the
//! checker (`crate::semantic`) hands a dataset step, a sampler, a scheduler… to the plan. The plan
//! lowers the searching and training ones into typed values once (`SamplerPlan`, …); a `Step` is
//! also their serialised form, so the plan's JSON keeps `{ "name": …, "args": … }`.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::catalogue::{self, Builtin, Family};
use crate::space::Value;

/// A built-in applied with its arguments (defaults filled): a dataset step, a sampler, a scheduler….
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Step {
    /// The built-in's name.
    pub name: String,
    /// Every argument, named.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub args: BTreeMap<String, Value>,
}

impl Step {
    /// A step with no arguments.
    #[must_use]
    pub fn bare(name: &str) -> Self {
        Self {
            name: name.to_owned(),
            args: BTreeMap::new(),
        }
    }

    /// A numeric argument.
    #[must_use]
    pub fn number(&self, name: &str) -> Option<f64> {
        self.args.get(name).and_then(Value::as_f64)
    }

    /// An integer argument.
    #[must_use]
    pub fn int(&self, name: &str) -> Option<i64> {
        self.args.get(name).and_then(Value::as_i64)
    }

    /// A string argument.
    #[must_use]
    pub fn string(&self, name: &str) -> Option<&str> {
        self.args.get(name).and_then(Value::as_str)
    }
}

impl Step {
    /// A step with these arguments.
    #[must_use]
    pub fn with(name: &str, args: impl IntoIterator<Item = (&'static str, Value)>) -> Self {
        Self {
            name: name.to_owned(),
            args: args.into_iter().map(|(k, v)| (k.to_owned(), v)).collect(),
        }
    }
}

/// A step's arguments as a typed value reads them when the plan is lowered: an argument the step
/// lacks takes the catalogue's default (a plan stored by an older hps may lack one added since), so
/// no default is written twice; a value of the wrong type is an error naming the step.
pub struct StepArgs<'a> {
    step: &'a Step,
    builtin: &'static Builtin,
}

impl<'a> StepArgs<'a> {
    /// The arguments of `step`, a member of `family`.
    ///
    /// # Errors
    /// When the catalogue has no such built-in in that family.
    pub fn new(step: &'a Step, family: Family) -> Result<Self, String> {
        let builtin = catalogue::lookup(family, &step.name).ok_or_else(|| {
            let members: Vec<&str> = catalogue::names(family).collect();
            format!(
                "`{}` is not a {}; {}s: {}",
                step.name,
                family.noun(),
                family.noun(),
                members.join(", ")
            )
        })?;
        Ok(Self { step, builtin })
    }

    /// The built-in's name.
    #[must_use]
    pub fn name(&self) -> &'static str {
        self.builtin.name
    }

    /// The argument, or its default; `None` when neither exists.
    #[must_use]
    pub fn value(&self, name: &str) -> Option<Value> {
        self.step.args.get(name).cloned().or_else(|| {
            self.builtin
                .arg(name)
                .and_then(|spec| catalogue::default_value(spec.default))
        })
    }

    fn wrong(&self, name: &str, what: &str, value: Option<&Value>) -> String {
        match value {
            Some(v) => format!("`{}({name} = {v})` needs {what}", self.builtin.name),
            None => format!("`{}` needs `{name}`: {what}", self.builtin.name),
        }
    }

    /// A number.
    ///
    /// # Errors
    /// When absent or not a number.
    pub fn number(&self, name: &str) -> Result<f64, String> {
        let value = self.value(name);
        value
            .as_ref()
            .and_then(Value::as_f64)
            .ok_or_else(|| self.wrong(name, "a number", value.as_ref()))
    }

    /// A number, when given (its default may be `none`).
    ///
    /// # Errors
    /// When given and not a number.
    pub fn optional_number(&self, name: &str) -> Result<Option<f64>, String> {
        self.value(name)
            .map(|v| {
                v.as_f64()
                    .ok_or_else(|| self.wrong(name, "a number", Some(&v)))
            })
            .transpose()
    }

    /// An integer of at least `min`.
    ///
    /// # Errors
    /// When absent, not an integer, or below `min`.
    pub fn integer_from(&self, name: &str, min: u64) -> Result<u64, String> {
        let value = self.value(name);
        value
            .as_ref()
            .and_then(Value::as_i64)
            .and_then(|i| u64::try_from(i).ok())
            .filter(|&i| i >= min)
            .ok_or_else(|| self.wrong(name, &format!("an integer ≥ {min}"), value.as_ref()))
    }

    /// `true` or `false`.
    ///
    /// # Errors
    /// When absent or not a boolean.
    pub fn boolean(&self, name: &str) -> Result<bool, String> {
        match self.value(name) {
            Some(Value::Bool(b)) => Ok(b),
            other => Err(self.wrong(name, "`true` or `false`", other.as_ref())),
        }
    }

    /// A string or symbol.
    ///
    /// # Errors
    /// When absent or not a string.
    pub fn text(&self, name: &str) -> Result<String, String> {
        match self.value(name) {
            Some(Value::Str(s)) => Ok(s),
            other => Err(self.wrong(name, "a string", other.as_ref())),
        }
    }

    /// One of `options`, by the symbol the language writes.
    ///
    /// # Errors
    /// When absent or not one of them.
    pub fn symbol<T: Copy>(&self, name: &str, options: &[(&str, T)]) -> Result<T, String> {
        let value = self.value(name);
        value
            .as_ref()
            .and_then(Value::as_str)
            .and_then(|s| options.iter().find(|(o, _)| *o == s).map(|(_, t)| *t))
            .ok_or_else(|| {
                let names: Vec<String> = options.iter().map(|(o, _)| format!("`{o}`")).collect();
                self.wrong(
                    name,
                    &format!("one of {}", names.join(", ")),
                    value.as_ref(),
                )
            })
    }
}

/// The symbol `options` writes for `value`.
#[must_use]
pub fn symbol_of<T: PartialEq>(options: &[(&'static str, T)], value: &T) -> Value {
    let name = options
        .iter()
        .find(|(_, t)| t == value)
        .map_or("", |(name, _)| name);
    Value::Str(name.to_owned())
}

/// A number as a typed value writes it back into a step: integral values as integers (`eta = 3`,
/// `offset = 0`), others as reals, so the plan prints numbers as people write them.
#[must_use]
pub fn number_value(x: f64) -> Value {
    #[allow(clippy::cast_possible_truncation)]
    if x.fract() == 0.0 && x.abs() < 9e15 {
        Value::Int(x as i64)
    } else {
        Value::Float(x)
    }
}

/// A count as a value.
#[must_use]
pub fn count_value(n: usize) -> Value {
    Value::Int(i64::try_from(n).unwrap_or(i64::MAX))
}

#[cfg(test)]
mod tests {
    use std::fmt::Debug;

    use super::*;
    use crate::catalogue::ArgType;
    use crate::plan::{DevicePlan, MetricsFormat, SamplerPlan, SchedulerKind, StoppingPlan};
    use crate::plan::{StrategyPlan, scheduler::Rungs};

    /// A value a required argument of type `ty` accepts.
    fn sample(name: &str, ty: ArgType) -> Value {
        match ty {
            ArgType::Int | ArgType::Number => Value::Int(if name == "max" { 9 } else { 2 }),
            ArgType::Bool => Value::Bool(true),
            _ => Value::Str(String::from("sample")),
        }
    }

    /// The step the checker makes of `name` called with no optional argument: every default
    /// filled from the catalogue, required ones given a sample.
    fn checked_bare(family: Family, name: &str) -> Step {
        let builtin = catalogue::lookup(family, name).unwrap();
        let mut step = Step::bare(name);
        for spec in builtin.args {
            let value = match spec.default {
                Some(text) => catalogue::default_value(Some(text)),
                None => Some(sample(spec.name, spec.ty)),
            };
            if let Some(value) = value {
                step.args.insert(spec.name.to_owned(), value);
            }
        }
        step
    }

    /// Every member of `family` lowers to a `T` that reads each argument and takes each missing
    /// one's default from the catalogue (so no default is written anywhere else), and writes back
    /// the step it came from.
    fn defaults_come_from_the_catalogue<T>(family: Family)
    where
        T: TryFrom<Step, Error = String> + Into<Step> + Clone + PartialEq + Debug,
    {
        for name in catalogue::names(family) {
            let checked = checked_bare(family, name);
            let typed = T::try_from(checked.clone()).unwrap_or_else(|e| panic!("{name}: {e}"));
            let back: Step = typed.clone().into();
            assert_eq!(back.name, checked.name);
            assert_eq!(
                back.args.keys().collect::<Vec<_>>(),
                checked.args.keys().collect::<Vec<_>>(),
                "{name}: arguments written back"
            );
            for (key, value) in &checked.args {
                assert!(
                    back.args[key].loosely_equals(value),
                    "{name}({key}): {value} became {}",
                    back.args[key]
                );
            }
            // Optional arguments left out take the catalogue's defaults.
            let mut required = Step::bare(name);
            for spec in catalogue::lookup(family, name).unwrap().args {
                if spec.default.is_none() {
                    required
                        .args
                        .insert(spec.name.to_owned(), sample(spec.name, spec.ty));
                }
            }
            assert_eq!(T::try_from(required), Ok(typed), "{name}");
            // Every argument is read: each one changed from its default is written back changed.
            for spec in catalogue::lookup(family, name).unwrap().args {
                let Some(changed) = checked.args.get(spec.name).and_then(|v| other(spec.ty, v))
                else {
                    continue;
                };
                let mut step = checked.clone();
                step.args.insert(spec.name.to_owned(), changed.clone());
                let back: Step = T::try_from(step)
                    .unwrap_or_else(|e| panic!("{name}: {e}"))
                    .into();
                assert!(
                    back.args[spec.name].loosely_equals(&changed),
                    "{name}({}): {changed} was not read",
                    spec.name
                );
            }
        }
    }

    /// A value of type `ty` other than `value`.
    fn other(ty: ArgType, value: &Value) -> Option<Value> {
        match (ty, value) {
            (ArgType::Symbol(options), Value::Str(s)) => options
                .iter()
                .find(|o| *o != s)
                .map(|o| Value::Str((*o).to_owned())),
            (_, Value::Int(i)) => Some(Value::Int(i + 1)),
            (_, Value::Float(x)) => Some(Value::Float(x / 2.0 + 0.125)),
            (_, Value::Bool(b)) => Some(Value::Bool(!b)),
            (_, Value::Str(s)) => Some(Value::Str(format!("{s}-other"))),
            (_, Value::List(_)) => None,
        }
    }

    #[test]
    fn every_lowered_value_takes_its_defaults_from_the_catalogue() {
        defaults_come_from_the_catalogue::<SamplerPlan>(Family::Sampler);
        defaults_come_from_the_catalogue::<SchedulerKind>(Family::Scheduler);
        defaults_come_from_the_catalogue::<StoppingPlan>(Family::Stopping);
        defaults_come_from_the_catalogue::<StrategyPlan>(Family::Strategy);
        defaults_come_from_the_catalogue::<DevicePlan>(Family::Device);
        defaults_come_from_the_catalogue::<MetricsFormat>(Family::Metrics);
    }

    #[test]
    fn a_value_of_the_wrong_type_or_a_member_of_another_family_is_refused() {
        let mut bad = Step::bare("hyperband");
        bad.args
            .insert(String::from("max"), Value::Str("nine".into()));
        let error = SchedulerKind::try_from(bad).unwrap_err();
        assert!(error.contains("`hyperband(max = nine)` needs"), "{error}");
        assert!(SamplerPlan::try_from(Step::bare("hyperband")).is_err());
        let rungs = SchedulerKind::try_from(checked_bare(Family::Scheduler, "asha")).unwrap();
        assert_eq!(
            rungs,
            SchedulerKind::Asha(Rungs {
                min: 1,
                max: 9,
                eta: 3.0
            })
        );
    }
}

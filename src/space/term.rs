//! Resolved expressions over parameters: conditions (`when`), `forbid` rules, derived values
//! (`warmup = 0.1 * epochs`) and architecture arguments. Names are full parameter paths. The semantic
//! stage builds them; the plan serialises them; samplers and the trainer evaluate them.

use std::collections::BTreeSet;
use std::fmt;

use serde::{Deserialize, Serialize};

use crate::space::Value;
use crate::space::operator::{BinaryOp, UnaryOp};

/// An expression whose names are resolved.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "op", rename_all = "snake_case")]
pub enum Term {
    /// A constant.
    Const {
        /// The value.
        value: Value,
    },
    /// A parameter's value, by full path.
    Param {
        /// The parameter's path.
        name: String,
    },
    /// `-x`, `not x`.
    Unary {
        /// The operator.
        unary: UnaryOp,
        /// The operand.
        operand: Box<Term>,
    },
    /// `a + b`, `a == b`, `a in [...]`.
    Binary {
        /// The operator.
        binary: BinaryOp,
        /// Left operand.
        lhs: Box<Term>,
        /// Right operand.
        rhs: Box<Term>,
    },
    /// `[a, b]` whose items may be parameters.
    List {
        /// The items.
        items: Vec<Term>,
    },
}

impl Term {
    /// A constant term.
    #[must_use]
    pub fn constant(value: Value) -> Self {
        Term::Const { value }
    }

    /// A reference to a parameter.
    #[must_use]
    pub fn param(name: impl Into<String>) -> Self {
        Term::Param { name: name.into() }
    }

    /// `a and b`.
    #[must_use]
    pub fn and(self, other: Term) -> Self {
        Term::Binary {
            binary: BinaryOp::And,
            lhs: Box::new(self),
            rhs: Box::new(other),
        }
    }

    /// `not a`.
    #[must_use]
    pub fn negate(self) -> Self {
        Term::Unary {
            unary: UnaryOp::Not,
            operand: Box::new(self),
        }
    }

    /// The parameters it reads.
    #[must_use]
    pub fn params(&self) -> BTreeSet<&str> {
        let mut out = BTreeSet::new();
        self.collect_params(&mut out);
        out
    }

    fn collect_params<'a>(&'a self, out: &mut BTreeSet<&'a str>) {
        match self {
            Term::Const { .. } => {}
            Term::Param { name } => {
                out.insert(name);
            }
            Term::Unary { operand, .. } => operand.collect_params(out),
            Term::Binary { lhs, rhs, .. } => {
                lhs.collect_params(out);
                rhs.collect_params(out);
            }
            Term::List { items } => items.iter().for_each(|i| i.collect_params(out)),
        }
    }

    /// The constant value, when the term is one.
    #[must_use]
    pub fn as_const(&self) -> Option<&Value> {
        match self {
            Term::Const { value } => Some(value),
            _ => None,
        }
    }

    /// Replaces every parameter reference that `lookup` knows.
    #[must_use]
    pub fn substitute(&self, lookup: &dyn Fn(&str) -> Option<Term>) -> Term {
        match self {
            Term::Const { .. } => self.clone(),
            Term::Param { name } => lookup(name).unwrap_or_else(|| self.clone()),
            Term::Unary { unary, operand } => Term::Unary {
                unary: *unary,
                operand: Box::new(operand.substitute(lookup)),
            },
            Term::Binary { binary, lhs, rhs } => Term::Binary {
                binary: *binary,
                lhs: Box::new(lhs.substitute(lookup)),
                rhs: Box::new(rhs.substitute(lookup)),
            },
            Term::List { items } => Term::List {
                items: items.iter().map(|i| i.substitute(lookup)).collect(),
            },
        }
    }

    /// Evaluates with parameter values from `lookup`. `None` when a parameter has no value (it is
    /// inactive) or the operation does not apply; a comparison with no value is false.
    #[must_use]
    pub fn eval(&self, lookup: &dyn Fn(&str) -> Option<Value>) -> Option<Value> {
        match self {
            Term::Const { value } => Some(value.clone()),
            Term::Param { name } => lookup(name),
            Term::List { items } => items
                .iter()
                .map(|i| i.eval(lookup))
                .collect::<Option<_>>()
                .map(Value::List),
            Term::Unary { unary, operand } => {
                let v = operand.eval(lookup);
                match unary {
                    UnaryOp::Not => Some(Value::Bool(!truthy(v.as_ref()))),
                    UnaryOp::Neg => match v? {
                        Value::Int(i) => i.checked_neg().map(Value::Int),
                        Value::Float(f) => Some(Value::Float(-f)),
                        _ => None,
                    },
                }
            }
            Term::Binary { binary, lhs, rhs } => {
                let op = *binary;
                if op == BinaryOp::And {
                    return Some(Value::Bool(
                        truthy(lhs.eval(lookup).as_ref()) && truthy(rhs.eval(lookup).as_ref()),
                    ));
                }
                if op == BinaryOp::Or {
                    return Some(Value::Bool(
                        truthy(lhs.eval(lookup).as_ref()) || truthy(rhs.eval(lookup).as_ref()),
                    ));
                }
                let (l, r) = (lhs.eval(lookup), rhs.eval(lookup));
                if op.is_comparison() {
                    return Some(Value::Bool(match (l, r) {
                        (Some(l), Some(r)) => compare(op, &l, &r),
                        _ => false,
                    }));
                }
                arithmetic(op, &l?, &r?)
            }
        }
    }

    /// Evaluates a condition: true only when it evaluates to `true`.
    #[must_use]
    pub fn holds(&self, lookup: &dyn Fn(&str) -> Option<Value>) -> bool {
        truthy(self.eval(lookup).as_ref())
    }
}

fn truthy(v: Option<&Value>) -> bool {
    matches!(v, Some(Value::Bool(true)))
}

/// `l OP r` for a comparison operator.
#[must_use]
pub fn compare(op: BinaryOp, l: &Value, r: &Value) -> bool {
    match op {
        BinaryOp::Eq => l.loosely_equals(r),
        BinaryOp::Ne => !l.loosely_equals(r),
        BinaryOp::In => match r {
            Value::List(items) => items.iter().any(|i| i.loosely_equals(l)),
            _ => false,
        },
        _ => {
            let ordering = match (l.as_f64(), r.as_f64()) {
                (Some(a), Some(b)) => a.partial_cmp(&b),
                _ => match (l, r) {
                    (Value::Str(a), Value::Str(b)) => Some(a.cmp(b)),
                    _ => None,
                },
            };
            let Some(ordering) = ordering else {
                return false;
            };
            match op {
                BinaryOp::Lt => ordering.is_lt(),
                BinaryOp::Le => ordering.is_le(),
                BinaryOp::Gt => ordering.is_gt(),
                BinaryOp::Ge => ordering.is_ge(),
                _ => false,
            }
        }
    }
}

/// `l OP r` for an arithmetic operator; integers stay integers where exact.
#[must_use]
pub fn arithmetic(op: BinaryOp, l: &Value, r: &Value) -> Option<Value> {
    if let (Value::Int(a), Value::Int(b)) = (l, r) {
        let exact = match op {
            BinaryOp::Add => a.checked_add(*b),
            BinaryOp::Sub => a.checked_sub(*b),
            BinaryOp::Mul => a.checked_mul(*b),
            BinaryOp::Pow => u32::try_from(*b).ok().and_then(|b| a.checked_pow(b)),
            _ => None,
        };
        if let Some(v) = exact {
            return Some(Value::Int(v));
        }
    }
    let (a, b) = (l.as_f64()?, r.as_f64()?);
    let v = match op {
        BinaryOp::Add => a + b,
        BinaryOp::Sub => a - b,
        BinaryOp::Mul => a * b,
        BinaryOp::Div => a / b,
        BinaryOp::Pow => a.powf(b),
        _ => return None,
    };
    v.is_finite().then_some(Value::Float(v))
}

impl fmt::Display for Term {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.write(f, 0)
    }
}

impl Term {
    fn write(&self, f: &mut fmt::Formatter<'_>, outer: u8) -> fmt::Result {
        match self {
            Term::Const { value } => write!(f, "{value}"),
            Term::Param { name } => f.write_str(name),
            Term::List { items } => {
                f.write_str("[")?;
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    item.write(f, 0)?;
                }
                f.write_str("]")
            }
            Term::Unary { unary, operand } => {
                let own = if *unary == UnaryOp::Not { 3 } else { 7 };
                if own < outer {
                    f.write_str("(")?;
                }
                f.write_str(unary.symbol())?;
                operand.write(f, own)?;
                if own < outer {
                    f.write_str(")")?;
                }
                Ok(())
            }
            Term::Binary { binary, lhs, rhs } => {
                let own = binary.precedence();
                if own < outer {
                    f.write_str("(")?;
                }
                lhs.write(f, own)?;
                write!(f, " {} ", binary.symbol())?;
                rhs.write(f, own + 1)?;
                if own < outer {
                    f.write_str(")")?;
                }
                Ok(())
            }
        }
    }
}

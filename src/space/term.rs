//! Resolved expressions over parameters: conditions (`when`), `forbid` rules, derived values
//! (`warmup = 0.1 * epochs`) and architecture arguments. Names are full parameter paths. The semantic
//! stage builds them; the plan serialises them; samplers and the trainer evaluate them.
//!
//! Operators of one binding strength form one flat [`Term::Chain`] (`a and b and c`, `x + y - z`),
//! as in the syntax tree, so a long chain is long, not deep: no walk over a term recurses once per
//! operator. In the plan a chain of one operator is written as `binary` (`lhs`, `rhs`), longer ones
//! as `chain` (`first`, `rest`); both are read back.

use std::collections::BTreeSet;
use std::fmt;

use serde::{Deserialize, Serialize};

use crate::space::Value;
use crate::space::operator::{BinaryOp, UnaryOp};

/// An expression whose names are resolved.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(from = "TermRepr", into = "TermRepr")]
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
    /// `a + b - c`, `a == b`, `a and b and c`, `a in [...]`: operands joined by operators of one
    /// binding strength, grouped left to right (`**` to the right). `rest` is never empty.
    Chain {
        /// The first operand.
        first: Box<Term>,
        /// Each further operator with the operand after it.
        rest: Vec<Link>,
    },
    /// `[a, b]` whose items may be parameters.
    List {
        /// The items.
        items: Vec<Term>,
    },
}

/// One operator of a [`Term::Chain`] and the operand after it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Link {
    /// The operator.
    pub binary: BinaryOp,
    /// The operand after it.
    pub term: Term,
}

/// How a [`Term`] is written in a plan: [`Term`]'s forms, with a one-operator chain as `binary`.
#[derive(Serialize, Deserialize)]
#[serde(tag = "op", rename_all = "snake_case")]
enum TermRepr {
    Const {
        value: Value,
    },
    Param {
        name: String,
    },
    Unary {
        unary: UnaryOp,
        operand: Box<Term>,
    },
    Binary {
        binary: BinaryOp,
        lhs: Box<Term>,
        rhs: Box<Term>,
    },
    Chain {
        first: Box<Term>,
        rest: Vec<Link>,
    },
    List {
        items: Vec<Term>,
    },
}

impl From<TermRepr> for Term {
    fn from(repr: TermRepr) -> Self {
        match repr {
            TermRepr::Const { value } => Term::Const { value },
            TermRepr::Param { name } => Term::Param { name },
            TermRepr::Unary { unary, operand } => Term::Unary { unary, operand },
            TermRepr::Binary { binary, lhs, rhs } => Term::binary(*lhs, binary, *rhs),
            TermRepr::Chain { first, rest } => Term::Chain { first, rest },
            TermRepr::List { items } => Term::List { items },
        }
    }
}

impl From<Term> for TermRepr {
    fn from(term: Term) -> Self {
        match term {
            Term::Const { value } => TermRepr::Const { value },
            Term::Param { name } => TermRepr::Param { name },
            Term::Unary { unary, operand } => TermRepr::Unary { unary, operand },
            Term::Chain { first, mut rest } if rest.len() == 1 => {
                let Link { binary, term } = rest.remove(0);
                TermRepr::Binary {
                    binary,
                    lhs: first,
                    rhs: Box::new(term),
                }
            }
            Term::Chain { first, rest } => TermRepr::Chain { first, rest },
            Term::List { items } => TermRepr::List { items },
        }
    }
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

    /// `first OP term OP term …`; `rest` must not be empty.
    #[must_use]
    pub fn chain(first: Term, rest: Vec<Link>) -> Self {
        Term::Chain {
            first: Box::new(first),
            rest,
        }
    }

    /// `lhs OP rhs`.
    #[must_use]
    pub fn binary(lhs: Term, binary: BinaryOp, rhs: Term) -> Self {
        Term::chain(lhs, vec![Link { binary, term: rhs }])
    }

    /// `self OP term`: appended to `self` when it is a chain of `OP`'s strength that groups to the
    /// left (`(a - b) - c` is the chain `a - b - c`), so a chain built one operand at a time stays
    /// flat; otherwise a new chain of two.
    #[must_use]
    pub fn extended(self, binary: BinaryOp, term: Term) -> Self {
        match self {
            Term::Chain { first, mut rest }
                if !binary.is_right_associative()
                    && rest[0].binary.precedence() == binary.precedence() =>
            {
                rest.push(Link { binary, term });
                Term::Chain { first, rest }
            }
            lhs => Term::binary(lhs, binary, term),
        }
    }

    /// `a and b`; an `and` chain grows instead of nesting.
    #[must_use]
    pub fn and(self, other: Term) -> Self {
        self.extended(BinaryOp::And, other)
    }

    /// `not a`.
    #[must_use]
    pub fn negate(self) -> Self {
        Term::Unary {
            unary: UnaryOp::Not,
            operand: Box::new(self),
        }
    }

    /// The operands of a chain, in order (the term itself when it is not one).
    pub fn operands(&self) -> impl Iterator<Item = &Term> {
        let (first, rest): (&Term, &[Link]) = match self {
            Term::Chain { first, rest } => (first, rest),
            _ => (self, &[]),
        };
        std::iter::once(first).chain(rest.iter().map(|link| &link.term))
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
            Term::Chain { .. } => self.operands().for_each(|t| t.collect_params(out)),
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
            Term::Chain { first, rest } => Term::Chain {
                first: Box::new(first.substitute(lookup)),
                rest: rest
                    .iter()
                    .map(|link| Link {
                        binary: link.binary,
                        term: link.term.substitute(lookup),
                    })
                    .collect(),
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
            Term::Chain { rest, .. } if rest[0].binary.is_right_associative() => {
                let mut values: Vec<Option<Value>> =
                    self.operands().map(|t| t.eval(lookup)).collect();
                let mut acc = values.pop().flatten();
                for (link, lhs) in rest.iter().rev().zip(values.into_iter().rev()) {
                    let rhs = acc.take();
                    acc = apply(link.binary, lhs, || rhs);
                }
                acc
            }
            Term::Chain { first, rest } => rest.iter().fold(first.eval(lookup), |acc, link| {
                apply(link.binary, acc, || link.term.eval(lookup))
            }),
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

/// `l OP r` on the operands' values (`None` for an operand with no value); `r` is evaluated only
/// when needed (`and` after a false, `or` after a true skip it).
fn apply(op: BinaryOp, l: Option<Value>, r: impl FnOnce() -> Option<Value>) -> Option<Value> {
    match op {
        BinaryOp::And => Some(Value::Bool(truthy(l.as_ref()) && truthy(r().as_ref()))),
        BinaryOp::Or => Some(Value::Bool(truthy(l.as_ref()) || truthy(r().as_ref()))),
        _ if op.is_comparison() => Some(Value::Bool(match (l, r()) {
            (Some(l), Some(r)) => compare(op, &l, &r),
            _ => false,
        })),
        _ => arithmetic(op, &l?, &r()?),
    }
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
                grouped(f, own < outer, |f| {
                    f.write_str(unary.symbol())?;
                    operand.write(f, own)
                })
            }
            Term::Chain { first, rest } => {
                let own = rest[0].binary.precedence();
                grouped(f, own < outer, |f| {
                    // A chain's operands are never chains of the same strength unless grouped.
                    first.write(f, own + 1)?;
                    for link in rest {
                        write!(f, " {} ", link.binary.symbol())?;
                        link.term.write(f, own + 1)?;
                    }
                    Ok(())
                })
            }
        }
    }
}

/// Writes `body`, in parentheses when `parenthesised`.
fn grouped(
    f: &mut fmt::Formatter<'_>,
    parenthesised: bool,
    body: impl FnOnce(&mut fmt::Formatter<'_>) -> fmt::Result,
) -> fmt::Result {
    if parenthesised {
        f.write_str("(")?;
    }
    body(f)?;
    if parenthesised {
        f.write_str(")")?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn int(i: i64) -> Term {
        Term::constant(Value::Int(i))
    }

    #[test]
    fn a_chain_folds_left_and_a_power_chain_right() {
        let minus = Term::Chain {
            first: Box::new(int(10)),
            rest: vec![
                Link {
                    binary: BinaryOp::Sub,
                    term: int(3),
                },
                Link {
                    binary: BinaryOp::Sub,
                    term: int(2),
                },
            ],
        };
        assert_eq!(minus.eval(&|_| None), Some(Value::Int(5)));
        assert_eq!(minus.to_string(), "10 - 3 - 2");
        let power = Term::Chain {
            first: Box::new(int(2)),
            rest: vec![
                Link {
                    binary: BinaryOp::Pow,
                    term: int(3),
                },
                Link {
                    binary: BinaryOp::Pow,
                    term: int(2),
                },
            ],
        };
        assert_eq!(power.eval(&|_| None), Some(Value::Int(512)));
        let grouped = Term::binary(
            Term::binary(int(2), BinaryOp::Pow, int(3)),
            BinaryOp::Pow,
            int(2),
        );
        assert_eq!(grouped.eval(&|_| None), Some(Value::Int(64)));
        assert_eq!(grouped.to_string(), "(2 ** 3) ** 2");
    }

    #[test]
    fn and_grows_one_chain() {
        let p = |n: &str| Term::binary(Term::param(n), BinaryOp::Eq, int(1));
        let all = p("a").and(p("b")).and(p("c"));
        let Term::Chain { rest, .. } = &all else {
            panic!("not a chain: {all:?}");
        };
        assert_eq!(rest.len(), 2);
        assert_eq!(all.to_string(), "a == 1 and b == 1 and c == 1");
        let values = |name: &str| (name != "c").then_some(Value::Int(1));
        assert!(!all.holds(&values));
        assert!(all.holds(&|_| Some(Value::Int(1))));
    }

    #[test]
    fn and_and_or_stop_at_the_first_deciding_operand() {
        let read = std::cell::RefCell::new(Vec::new());
        let lookup = |name: &str| {
            read.borrow_mut().push(name.to_owned());
            Some(Value::Bool(name == "yes"))
        };
        let all = Term::param("no")
            .and(Term::param("a"))
            .and(Term::param("b"));
        assert!(!all.holds(&lookup));
        assert_eq!(*read.borrow(), ["no"]);
        read.borrow_mut().clear();
        let any = Term::param("yes").extended(BinaryOp::Or, Term::param("c"));
        assert!(any.holds(&lookup));
        assert_eq!(*read.borrow(), ["yes"]);
    }

    #[test]
    fn the_plan_writes_one_operator_as_binary_and_reads_both_forms() {
        let one = Term::binary(Term::param("x"), BinaryOp::Add, int(1));
        let json = serde_json::to_value(&one).unwrap();
        assert_eq!(json["op"], "binary");
        assert_eq!(serde_json::from_value::<Term>(json).unwrap(), one);
        let long = Term::param("a").and(Term::param("b")).and(Term::param("c"));
        let json = serde_json::to_string(&long).unwrap();
        assert!(json.contains(r#""op":"chain""#), "{json}");
        assert_eq!(serde_json::from_str::<Term>(&json).unwrap(), long);
    }

    #[test]
    fn a_long_chain_is_shallow_in_json() {
        let sum = (1..=1000).fold(int(0), |sum, i| sum.extended(BinaryOp::Add, int(i)));
        let Term::Chain { rest, .. } = &sum else {
            panic!("not a chain: {sum:?}");
        };
        assert_eq!(rest.len(), 1000);
        let json = serde_json::to_string(&sum).unwrap();
        let back: Term = serde_json::from_str(&json).expect("within serde_json's nesting limit");
        assert_eq!(back.eval(&|_| None), Some(Value::Int(500_500)));
    }
}

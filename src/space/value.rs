//! Constant values: what a parameter takes and what a constant expression folds to. Symbols (`sgd`) are
//! strings: `choice(sgd, adam)` is `choice("sgd", "adam")`. Durations are seconds.

use std::fmt;

use serde::{Deserialize, Serialize};

/// A constant.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Value {
    /// `true` / `false`.
    Bool(bool),
    /// An integer.
    Int(i64),
    /// A real number (also durations, in seconds).
    Float(f64),
    /// A string or symbol.
    Str(String),
    /// `[a, b]`.
    List(Vec<Value>),
}

impl Value {
    /// The value as people read it in tables, summaries and progress lines: a real number to four
    /// decimals (`0.0078`), or to three significant digits below 0.001 (`5.131e-4`); others as
    /// written.
    #[must_use]
    pub fn short(&self) -> String {
        match self {
            Value::Float(x) if x.abs() < 1e-3 && *x != 0.0 => format!("{x:.3e}"),
            Value::Float(x) => format!("{x:.4}"),
            other => other.to_string(),
        }
    }

    /// The value as a real number, when it is numeric.
    #[must_use]
    pub fn as_f64(&self) -> Option<f64> {
        match self {
            #[allow(clippy::cast_precision_loss)]
            Value::Int(i) => Some(*i as f64),
            Value::Float(f) => Some(*f),
            _ => None,
        }
    }

    /// The value as an integer, when it is one (a float with no fraction counts).
    #[must_use]
    pub fn as_i64(&self) -> Option<i64> {
        match self {
            Value::Int(i) => Some(*i),
            #[allow(clippy::cast_possible_truncation)]
            Value::Float(f) if f.fract() == 0.0 && f.abs() < 9e15 => Some(*f as i64),
            _ => None,
        }
    }

    /// The value as a string, when it is one.
    #[must_use]
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::Str(s) => Some(s),
            _ => None,
        }
    }

    /// The type's name as users read it.
    #[must_use]
    pub fn type_name(&self) -> &'static str {
        match self {
            Value::Bool(_) => "bool",
            Value::Int(_) => "int",
            Value::Float(_) => "float",
            Value::Str(_) => "string",
            Value::List(_) => "list",
        }
    }

    /// Equality across int/float (`3 == 3.0`).
    #[must_use]
    pub fn loosely_equals(&self, other: &Value) -> bool {
        match (self.as_f64(), other.as_f64()) {
            (Some(a), Some(b)) => a == b,
            _ => self == other,
        }
    }

    /// The value as [`Value::loosely_equals`] sees it: two values are loosely equal exactly when
    /// their keys are, so a hash set finds a repeated value without comparing it with every other.
    /// `None` for a value holding NaN, which equals nothing.
    #[must_use]
    pub fn loose_key(&self) -> Option<Key> {
        match self.as_f64() {
            Some(x) => float_bits(x).map(Key::Number),
            None => self.strict_key(),
        }
    }

    /// The key of a list item, compared as `==` does (`1` and `1.0` differ inside a list).
    fn strict_key(&self) -> Option<Key> {
        Some(match self {
            Value::Bool(b) => Key::Bool(*b),
            Value::Int(i) => Key::Int(*i),
            Value::Float(x) => Key::Float(float_bits(*x)?),
            Value::Str(s) => Key::Str(s.clone()),
            Value::List(items) => {
                Key::List(items.iter().map(Value::strict_key).collect::<Option<_>>()?)
            }
        })
    }
}

/// A value's identity under [`Value::loosely_equals`] (see [`Value::loose_key`]).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Key {
    /// A number, int or float, by the bits of its float value.
    Number(u64),
    /// An integer inside a list.
    Int(i64),
    /// A float inside a list, by its bits.
    Float(u64),
    /// `true` / `false`.
    Bool(bool),
    /// A string or symbol.
    Str(String),
    /// A list, item by item.
    List(Vec<Key>),
}

/// The bits of `x` with `-0.0` as `0.0` (they are equal); `None` for NaN (equal to nothing).
fn float_bits(x: f64) -> Option<u64> {
    (!x.is_nan()).then(|| (x + 0.0).to_bits())
}

/// Whether `text` can be written without quotes (a symbol).
fn is_symbol(text: &str) -> bool {
    let mut chars = text.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
        && !crate::keywords::is_keyword(text)
}

impl fmt::Display for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Value::Bool(b) => write!(f, "{b}"),
            Value::Int(i) => write!(f, "{i}"),
            Value::Float(x) => write!(f, "{}", format_float(*x)),
            Value::Str(s) if is_symbol(s) => f.write_str(s),
            Value::Str(s) => write!(f, "{s:?}"),
            Value::List(items) => {
                f.write_str("[")?;
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    write!(f, "{item}")?;
                }
                f.write_str("]")
            }
        }
    }
}

/// Shortest faithful text of a float: `0.001` → `0.001`, `1e-5` → `1e-5`, `2` → `2.0`.
#[must_use]
pub fn format_float(x: f64) -> String {
    if x != 0.0 && (x.abs() < 1e-3 || x.abs() >= 1e7) {
        let s = format!("{x:e}");
        return s;
    }
    let s = format!("{x}");
    if s.contains(['.', 'e', 'i', 'N']) {
        s
    } else {
        format!("{s}.0")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loose_keys_agree_with_loose_equality() {
        let values = [
            Value::Int(1),
            Value::Float(1.0),
            Value::Float(-0.0),
            Value::Int(0),
            Value::Float(f64::NAN),
            Value::Bool(true),
            Value::Str("1".into()),
            Value::List(vec![Value::Int(1)]),
            Value::List(vec![Value::Float(1.0)]),
            Value::List(vec![Value::Float(-0.0)]),
            Value::List(vec![Value::Float(0.0)]),
            Value::List(vec![Value::Float(f64::NAN)]),
        ];
        for a in &values {
            for b in &values {
                let keys_equal =
                    matches!((a.loose_key(), b.loose_key()), (Some(x), Some(y)) if x == y);
                assert_eq!(keys_equal, a.loosely_equals(b), "{a:?} {b:?}");
            }
        }
    }
}

//! A catalogue default, written as the language writes a constant (`8`, `1e-3`, `ei`, `"epoch"`,
//! `[32, 32]`, `true`), read into a [`Value`] without the parser: the catalogue sits below the
//! language's front end, and the plan reads defaults too. A test in `crate::semantic` checks that
//! every default of the catalogue reads the same here as through the language.

use crate::space::Value;

/// The value of a catalogue default; `None` for `none` (the argument is absent) and for no default.
#[must_use]
pub fn default_value(default: Option<&str>) -> Option<Value> {
    let text = default?.trim();
    if text == "none" {
        return None;
    }
    literal(text)
}

fn literal(text: &str) -> Option<Value> {
    if let Some(items) = text.strip_prefix('[').and_then(|t| t.strip_suffix(']')) {
        return items
            .split(',')
            .map(str::trim)
            .filter(|item| !item.is_empty())
            .map(literal)
            .collect::<Option<Vec<_>>>()
            .map(Value::List);
    }
    if let Some(quoted) = text.strip_prefix('"').and_then(|t| t.strip_suffix('"')) {
        return Some(Value::Str(quoted.to_owned()));
    }
    match text {
        "true" => return Some(Value::Bool(true)),
        "false" => return Some(Value::Bool(false)),
        _ => {}
    }
    if text.starts_with(|c: char| c.is_ascii_digit() || c == '-' || c == '.') {
        // As the language reads a number: integral unless written with a point or an exponent.
        if !text.contains(['.', 'e', 'E']) {
            if let Ok(i) = text.parse::<i64>() {
                return Some(Value::Int(i));
            }
        }
        return text.parse::<f64>().ok().map(Value::Float);
    }
    let symbol = text.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
    symbol.then(|| Value::Str(text.to_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_read_as_the_language_writes_them() {
        assert_eq!(default_value(Some("8")), Some(Value::Int(8)));
        assert_eq!(default_value(Some("0.0")), Some(Value::Float(0.0)));
        assert_eq!(default_value(Some("1e-3")), Some(Value::Float(0.001)));
        assert_eq!(default_value(Some("ei")), Some(Value::Str("ei".into())));
        assert_eq!(
            default_value(Some("\"epoch\"")),
            Some(Value::Str("epoch".into()))
        );
        assert_eq!(
            default_value(Some("[32, 32]")),
            Some(Value::List(vec![Value::Int(32), Value::Int(32)]))
        );
        assert_eq!(default_value(Some("false")), Some(Value::Bool(false)));
        assert_eq!(default_value(Some("none")), None);
        assert_eq!(default_value(None), None);
        assert_eq!(default_value(Some("a b")), None);
    }
}

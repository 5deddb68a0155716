//! How a program reports metrics on stdout: [`MetricFormat`] is `metrics = jsonl` (one JSON object
//! per line, Python's `NaN` and `Infinity` tolerated) or `metrics = regex("…")` (named groups), and
//! [`MetricReader`] turns each line that carries metrics into [`EpochMetrics`]. Used by
//! [`super::CommandTrainer`] while it supervises the program.

use std::collections::BTreeMap;

use regex::Regex;
use serde_json::Value as Json;

use crate::plan::MetricsFormat;
use crate::trial::EpochMetrics;

/// How the program reports metrics on stdout.
#[derive(Debug)]
pub(super) enum MetricFormat {
    /// One JSON object per line with a numeric `epoch`.
    Jsonl,
    /// Lines matching a pattern whose named groups are metrics.
    Pattern {
        pattern: Regex,
        /// Whether the pattern has an `epoch` group (else epochs are counted).
        names_epoch: bool,
    },
}

impl MetricFormat {
    /// The reader of a plan's `metrics = …` format.
    pub(super) fn new(format: &MetricsFormat) -> Result<Self, String> {
        match format {
            MetricsFormat::Jsonl => Ok(Self::Jsonl),
            MetricsFormat::Regex { pattern: text } => {
                let pattern = Regex::new(text).map_err(|error| {
                    format!("the metrics pattern is not a valid regular expression: {error}")
                })?;
                let names: Vec<&str> = pattern.capture_names().flatten().collect();
                if !names.iter().any(|name| *name != "epoch") {
                    return Err(format!(
                        "the metrics pattern `{text}` has no named group; name one per metric: (?P<val_loss>[0-9.eE+-]+)"
                    ));
                }
                let names_epoch = names.contains(&"epoch");
                Ok(Self::Pattern {
                    pattern,
                    names_epoch,
                })
            }
        }
    }

    /// Why a program that printed nothing this format reads failed, and what to print instead.
    pub(super) fn no_metrics_reason(&self) -> String {
        match self {
            Self::Jsonl => String::from(
                "reported no metrics; print one JSON object per line such as {\"epoch\": 1, \"val_loss\": 0.4}",
            ),
            Self::Pattern { pattern, .. } => {
                format!("reported no metrics; no line of its output matched `{pattern}`")
            }
        }
    }
}

/// Turns stdout lines into epoch reports.
pub(super) struct MetricReader<'format> {
    format: &'format MetricFormat,
    /// The last epoch counted, for patterns without an `epoch` group.
    counted_epoch: u32,
}

impl<'format> MetricReader<'format> {
    pub(super) fn new(format: &'format MetricFormat, start_epoch: u32) -> Self {
        Self {
            format,
            counted_epoch: start_epoch,
        }
    }

    /// The report `line` carries, if any.
    pub(super) fn read(&mut self, line: &str) -> Option<EpochMetrics> {
        match self.format {
            MetricFormat::Jsonl => parse_json_line(line),
            MetricFormat::Pattern {
                pattern,
                names_epoch,
            } => {
                let captures = pattern.captures(line)?;
                let mut values = BTreeMap::new();
                let mut epoch = None;
                for name in pattern.capture_names().flatten() {
                    let Some(text) = captures.name(name) else {
                        continue;
                    };
                    if name == "epoch" {
                        epoch = epoch_from_text(text.as_str());
                    } else if let Ok(value) = text.as_str().trim().parse::<f64>() {
                        values.insert(name.to_owned(), value);
                    }
                }
                if values.is_empty() {
                    return None;
                }
                let epoch = if *names_epoch {
                    epoch?
                } else {
                    self.counted_epoch = self.counted_epoch.saturating_add(1);
                    self.counted_epoch
                };
                Some(EpochMetrics { epoch, values })
            }
        }
    }
}

/// `3` or `3.0` as an epoch number.
fn epoch_from_text(text: &str) -> Option<u32> {
    let text = text.trim();
    text.parse::<u32>()
        .ok()
        .or_else(|| epoch_from_number(text.parse::<f64>().ok()?))
}

/// A whole, non-negative number as an epoch.
fn epoch_from_number(number: f64) -> Option<u32> {
    if number.fract() != 0.0 || !(0.0..=f64::from(u32::MAX)).contains(&number) {
        return None;
    }
    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
    Some(number as u32)
}

/// Non-finite numbers as Python's `json` writes them, and the strings they are read as.
const NON_FINITE: [(&str, &str, f64); 3] = [
    ("-Infinity", "\u{0}hps:-Infinity", f64::NEG_INFINITY),
    ("Infinity", "\u{0}hps:Infinity", f64::INFINITY),
    ("NaN", "\u{0}hps:NaN", f64::NAN),
];

/// The report a JSON line carries: an object with a numeric `epoch`; every other number is a
/// metric, nested objects giving dotted names (`{"val": {"loss": 0.4}}` → `val.loss`).
fn parse_json_line(line: &str) -> Option<EpochMetrics> {
    let text = line.trim();
    if !text.starts_with('{') {
        return None;
    }
    let object = match serde_json::from_str::<Json>(text) {
        Ok(Json::Object(object)) => object,
        Ok(_) => return None,
        // A diverged Python program prints `NaN`, which is not JSON.
        Err(_) => match serde_json::from_str::<Json>(&quote_non_finite(text)) {
            Ok(Json::Object(object)) => object,
            _ => return None,
        },
    };
    let epoch = match object.get("epoch")? {
        Json::Number(number) => epoch_from_number(number.as_f64()?)?,
        _ => return None,
    };
    let mut values = BTreeMap::new();
    for (name, value) in &object {
        if name != "epoch" {
            collect_numbers(name, value, &mut values);
        }
    }
    Some(EpochMetrics { epoch, values })
}

/// Adds every number under `value` to `values`, named by its dotted path.
fn collect_numbers(name: &str, value: &Json, values: &mut BTreeMap<String, f64>) {
    match value {
        Json::Number(number) => {
            if let Some(number) = number.as_f64() {
                values.insert(name.to_owned(), number);
            }
        }
        Json::String(text) => {
            if let Some((_, _, number)) = NON_FINITE.iter().find(|(_, quoted, _)| quoted == text) {
                values.insert(name.to_owned(), *number);
            }
        }
        Json::Object(object) => {
            for (key, inner) in object {
                collect_numbers(&format!("{name}.{key}"), inner, values);
            }
        }
        _ => {}
    }
}

/// `text` with `NaN`, `Infinity` and `-Infinity` outside strings turned into marked strings.
fn quote_non_finite(text: &str) -> String {
    let mut quoted = String::with_capacity(text.len() + 16);
    let mut in_string = false;
    let mut escaped = false;
    let mut rest = text;
    while let Some(c) = rest.chars().next() {
        if !in_string {
            if let Some((token, marked, _)) =
                NON_FINITE.iter().find(|(t, _, _)| rest.starts_with(t))
            {
                quoted.push_str(&serde_json::Value::String((*marked).to_owned()).to_string());
                rest = &rest[token.len()..];
                continue;
            }
        }
        if in_string {
            if escaped {
                escaped = false;
            } else if c == '\\' {
                escaped = true;
            } else if c == '"' {
                in_string = false;
            }
        } else if c == '"' {
            in_string = true;
        }
        quoted.push(c);
        rest = &rest[c.len_utf8()..];
    }
    quoted
}

#[cfg(test)]
mod tests {
    use crate::plan::MetricsFormat;

    use super::{MetricFormat, parse_json_line};

    fn regex(pattern: &str) -> MetricsFormat {
        MetricsFormat::Regex {
            pattern: pattern.to_owned(),
        }
    }

    #[test]
    fn json_lines_tolerate_python_nan_and_nest_names() {
        let metrics = parse_json_line(
            r#" {"epoch": 2, "val": {"loss": NaN, "acc": 0.5}, "x": -Infinity, "s": "NaN"} "#,
        )
        .unwrap();
        assert_eq!(metrics.epoch, 2);
        assert!(metrics.values["val.loss"].is_nan());
        assert_eq!(metrics.values["val.acc"], 0.5);
        assert_eq!(metrics.values["x"], f64::NEG_INFINITY);
        assert!(!metrics.values.contains_key("s"));
        assert_eq!(parse_json_line("epoch 2 loss 0.4"), None);
        assert_eq!(parse_json_line(r#"{"loss": 0.4}"#), None);
        assert_eq!(parse_json_line(r#"{"epoch": 1.5, "loss": 0.4}"#), None);
        assert_eq!(
            parse_json_line(r#"{"epoch": 3.0}"#).map(|m| m.epoch),
            Some(3)
        );
    }

    #[test]
    fn a_pattern_must_compile_and_name_a_group() {
        assert!(
            MetricFormat::new(&regex("(unclosed"))
                .unwrap_err()
                .contains("not a valid regular expression")
        );
        assert!(
            MetricFormat::new(&regex("loss=[0-9]+"))
                .unwrap_err()
                .contains("no named group")
        );
    }
}

//! The argv template of `command("python train.py --lr {lr}")`: [`parse_template`] splits it into
//! arguments of literal text and `{name}` placeholders when the trainer is built, and
//! [`fill_template`] writes a trial's values into it before each run. Used by
//! [`super::CommandTrainer`].

use std::path::Path;

use crate::space::Value;
use crate::trial::{TrialFailure, TrialRun, keys_named};

/// One argument of the template: literal text and placeholders, concatenated.
pub(super) type ArgumentTemplate = Vec<Piece>;

/// A run of literal text or a `{name}` placeholder.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Piece {
    Text(String),
    Placeholder(String),
}

/// Splits `template` into arguments: whitespace separates them, double quotes group (`"a b"` is
/// one argument), `{name}` is a placeholder.
pub(super) fn parse_template(template: &str) -> Result<Vec<ArgumentTemplate>, String> {
    let mut arguments = Vec::new();
    // `Some` once the current argument has begun (`""` is an empty argument).
    let mut current: Option<ArgumentTemplate> = None;
    let mut text = String::new();
    let mut quoted = false;
    let mut chars = template.chars();
    while let Some(c) = chars.next() {
        match c {
            '"' => {
                quoted = !quoted;
                current.get_or_insert_with(Vec::new);
            }
            c if c.is_whitespace() && !quoted => {
                if let Some(mut pieces) = current.take() {
                    push_text(&mut pieces, &mut text);
                    arguments.push(pieces);
                }
            }
            '{' => {
                let pieces = current.get_or_insert_with(Vec::new);
                push_text(pieces, &mut text);
                let mut name = String::new();
                loop {
                    match chars.next() {
                        Some('}') => break,
                        Some(c) => name.push(c),
                        None => {
                            return Err(String::from(
                                "a `{` in the command is not closed; placeholders look like `{lr}`",
                            ));
                        }
                    }
                }
                let name = name.trim();
                if name.is_empty() {
                    return Err(String::from(
                        "the command has an empty placeholder `{}`; name a parameter: `{lr}`",
                    ));
                }
                pieces.push(Piece::Placeholder(name.to_owned()));
            }
            c => {
                current.get_or_insert_with(Vec::new);
                text.push(c);
            }
        }
    }
    if quoted {
        return Err(String::from("a `\"` in the command is not closed"));
    }
    if let Some(mut pieces) = current {
        push_text(&mut pieces, &mut text);
        arguments.push(pieces);
    }
    if arguments.is_empty() {
        return Err(String::from("the command is empty"));
    }
    Ok(arguments)
}

/// The placeholder names of `template`, in order (the checker verifies each names a parameter).
///
/// # Errors
/// When the template is not well formed (an unclosed `{` or `"`, an empty `{}`, no program).
pub fn placeholders(template: &str) -> Result<Vec<String>, String> {
    Ok(parse_template(template)?
        .into_iter()
        .flatten()
        .filter_map(|piece| match piece {
            Piece::Placeholder(name) => Some(name),
            Piece::Text(_) => None,
        })
        .collect())
}

/// Moves pending literal text into `pieces`.
fn push_text(pieces: &mut ArgumentTemplate, text: &mut String) {
    if !text.is_empty() {
        pieces.push(Piece::Text(std::mem::take(text)));
    }
}

/// The argv for `run`, placeholders filled.
pub(super) fn fill_template(
    arguments: &[ArgumentTemplate],
    run: &TrialRun,
    trial_dir: &Path,
) -> Result<Vec<String>, TrialFailure> {
    arguments
        .iter()
        .map(|pieces| {
            let mut argument = String::new();
            for piece in pieces {
                match piece {
                    Piece::Text(text) => argument.push_str(text),
                    Piece::Placeholder(name) => {
                        argument.push_str(&placeholder_value(name, run, trial_dir)?);
                    }
                }
            }
            Ok(argument)
        })
        .collect()
}

/// The text a placeholder stands for in `run`.
fn placeholder_value(name: &str, run: &TrialRun, trial_dir: &Path) -> Result<String, TrialFailure> {
    match keys_named(&run.config, name).as_slice() {
        [key] => {
            if let Some(value) = run.config.get(*key) {
                return Ok(argument_text(value));
            }
        }
        [] => {}
        several => {
            return Err(TrialFailure::new(format!(
                "the command's `{{{name}}}` is ambiguous: it could be {}; write the full path",
                several.join(" or ")
            )));
        }
    }
    match name {
        "epochs" => Ok(run.max_epochs.to_string()),
        "trial" => Ok(run.number.to_string()),
        "seed" => Ok(run.seed.to_string()),
        "dir" => Ok(trial_dir.display().to_string()),
        _ => {
            let known: Vec<&str> = run.config.keys().map(String::as_str).collect();
            Err(TrialFailure {
                reason: format!("the command reads `{{{name}}}`, which this trial does not have"),
                detail: Some(format!(
                    "the trial's values: {}; also {{epochs}}, {{trial}}, {{seed}}, {{dir}}",
                    if known.is_empty() {
                        String::from("none")
                    } else {
                        known.join(", ")
                    }
                )),
            })
        }
    }
}

/// A value as a program argument: strings raw, numbers and booleans as hps writes them.
pub(super) fn argument_text(value: &Value) -> String {
    match value {
        Value::Str(text) => text.clone(),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::{Piece, parse_template};

    #[test]
    fn templates_split_on_whitespace_with_quotes_grouping() {
        let pieces = parse_template(r#"  python "my script.py"  --lr={lr} "" "#).unwrap();
        assert_eq!(
            pieces,
            vec![
                vec![Piece::Text("python".to_owned())],
                vec![Piece::Text("my script.py".to_owned())],
                vec![
                    Piece::Text("--lr=".to_owned()),
                    Piece::Placeholder("lr".to_owned())
                ],
                vec![],
            ]
        );
        assert!(
            parse_template("python \"train.py")
                .unwrap_err()
                .contains("not closed")
        );
        assert!(
            parse_template("python {lr")
                .unwrap_err()
                .contains("not closed")
        );
        assert!(
            parse_template("python {}")
                .unwrap_err()
                .contains("empty placeholder")
        );
        assert!(parse_template("   ").unwrap_err().contains("empty"));
    }
}

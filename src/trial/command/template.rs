//! Filling a command's argv template (parsed by `crate::plan::command_template`) with a trial's
//! values before each run: [`fill_template`]. Used by [`super::CommandTrainer`].

use std::path::Path;

use crate::plan::command_template::{ArgumentTemplate, Piece};
use crate::space::Value;
use crate::trial::{TrialFailure, TrialRun, keys_named};

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

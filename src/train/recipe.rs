//! A trial's training recipe, read from its configuration (`train.*`): optimiser, learning rate and
//! its schedule, batch size, momentum, weight decay. A key the configuration lacks takes the
//! catalogue's default (`crate::catalogue::TRAIN_KEYS`), the one place defaults are written. Read by
//! the Candle trainer before each trial.

use crate::catalogue::{default_value, train_key};
use crate::space::{Config, Value};
use crate::train::optim::Rule;
use crate::train::schedule::{Kind, Schedule};
use crate::trial::TrialFailure;

/// The recipe of one trial.
#[derive(Debug, Clone, PartialEq)]
pub struct Recipe {
    /// The optimiser's update rule.
    pub rule: Rule,
    /// Examples per step.
    pub batch_size: usize,
    /// SGD's momentum.
    pub momentum: f64,
    /// The L2 penalty (decoupled for AdamW).
    pub weight_decay: f64,
    /// The learning rate over epochs.
    pub schedule: Schedule,
}

/// The value of `train.key` in `config`, or the catalogue's default for `key`.
fn value(config: &Config, key: &str) -> Option<Value> {
    config
        .get(&format!("train.{key}"))
        .cloned()
        .or_else(|| train_key(key).and_then(|spec| default_value(spec.default)))
}

impl Recipe {
    /// The recipe of `config`, whose schedule spans `epochs` epochs.
    ///
    /// # Errors
    /// An optimiser the trainer does not know.
    pub fn from(config: &Config, epochs: u32) -> Result<Self, TrialFailure> {
        let number = |key: &str| value(config, key).and_then(|v| v.as_f64()).unwrap_or(0.0);
        let text = |key: &str| {
            value(config, key)
                .and_then(|v| v.as_str().map(str::to_owned))
                .unwrap_or_default()
        };
        let optimizer = text("optimizer");
        let rule = Rule::named(&optimizer)
            .ok_or_else(|| TrialFailure::new(format!("unknown optimizer `{optimizer}`")))?;
        let kind = match text("schedule").as_str() {
            "cosine" => Kind::Cosine,
            #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
            "step" => Kind::Step {
                step_size: number("step_size").max(1.0) as u32,
                gamma: number("gamma"),
            },
            _ => Kind::Constant,
        };
        #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
        let batch_size = number("batch_size").max(1.0) as usize;
        Ok(Self {
            rule,
            batch_size,
            momentum: number("momentum"),
            weight_decay: number("weight_decay"),
            schedule: Schedule {
                lr: number("lr"),
                kind,
                warmup: number("warmup"),
                epochs,
            },
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_empty_recipe_takes_the_documented_defaults() {
        let recipe = Recipe::from(&Config::new(), 10).unwrap();
        assert_eq!(
            recipe,
            Recipe {
                rule: Rule::named("adam").unwrap(),
                batch_size: 64,
                momentum: 0.0,
                weight_decay: 0.0,
                schedule: Schedule {
                    lr: 1e-3,
                    kind: Kind::Constant,
                    warmup: 0.0,
                    epochs: 10,
                },
            }
        );
        let mut config = Config::new();
        config.insert("train.schedule".into(), Value::Str("step".into()));
        config.insert("train.lr".into(), Value::Float(0.1));
        let stepped = Recipe::from(&config, 30).unwrap();
        assert_eq!(
            stepped.schedule.kind,
            Kind::Step {
                step_size: 10,
                gamma: 0.1
            }
        );
        assert_eq!(stepped.schedule.lr, 0.1);
        config.insert("train.optimizer".into(), Value::Str("lion".into()));
        assert!(Recipe::from(&config, 30).is_err());
    }
}

//! The AutoHAS controller: one categorical distribution `softmax(θ)` per searched parameter — an
//! architecture choice, a `choice`/`ordinal` hyperparameter, or the bases of a `bases(…)` one — that
//! samples configurations and learns from their rewards by REINFORCE with a moving-average
//! baseline and an entropy bonus. Its result is the most probable value of each parameter and, for
//! `bases`, the mixture `Σ pᵢ·bᵢ`. Plain arithmetic: the controller has a few dozen numbers.

use rand::Rng;
use rand::rngs::StdRng;
use serde::{Deserialize, Serialize};

use crate::space::{Config, Distribution, SearchSpace, Value};

/// The weight of the baseline's past in its moving average: `b ← 0.9·b + 0.1·R`.
const BASELINE_DECAY: f64 = 0.9;
/// Draws before a sampled configuration removed by `forbid` is given up on.
const FORBIDDEN_TRIES: usize = 256;

/// One searched parameter's distribution.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Choice {
    /// The parameter's full path.
    pub name: String,
    /// Its values, in the space's order.
    pub values: Vec<Value>,
    /// `θ`: the distribution is `softmax(θ)`.
    pub logits: Vec<f64>,
    /// A `bases(…)` parameter: its result is the mixture of its values.
    pub bases: bool,
}

/// The controller's whole state.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Controller {
    /// One distribution per searched parameter, in the space's order.
    pub choices: Vec<Choice>,
    /// The moving average of rewards (none before the first).
    pub baseline: Option<f64>,
    /// The moving average of the squared advantage, which scales it.
    #[serde(default)]
    pub spread: f64,
    learning_rate: f64,
    entropy: f64,
}

/// One sampled configuration and the index drawn for each parameter (none where inactive).
#[derive(Debug, Clone, PartialEq)]
pub struct Sample {
    /// The configuration (searched parameters only).
    pub config: Config,
    /// The value index of each choice, in [`Controller::choices`]' order.
    pub picks: Vec<Option<usize>>,
}

impl Choice {
    /// `softmax(θ)`.
    #[must_use]
    pub fn probabilities(&self) -> Vec<f64> {
        let max = self
            .logits
            .iter()
            .copied()
            .fold(f64::NEG_INFINITY, f64::max);
        let exp: Vec<f64> = self.logits.iter().map(|l| (l - max).exp()).collect();
        let sum: f64 = exp.iter().sum();
        exp.iter().map(|e| e / sum).collect()
    }

    /// The most probable value's index (the first on ties).
    #[must_use]
    pub fn leading(&self) -> usize {
        let p = self.probabilities();
        (0..p.len()).fold(0, |best, i| if p[i] > p[best] { i } else { best })
    }

    /// `Σ pᵢ·bᵢ` over numeric values.
    #[must_use]
    pub fn mixture(&self) -> f64 {
        self.probabilities()
            .iter()
            .zip(&self.values)
            .map(|(p, v)| p * v.as_f64().unwrap_or(0.0))
            .sum()
    }

    /// The result: the mixture for bases, the most probable value otherwise.
    #[must_use]
    pub fn result(&self) -> Value {
        if self.bases {
            Value::Float(self.mixture())
        } else {
            self.values[self.leading()].clone()
        }
    }
}

impl Controller {
    /// A uniform controller over every searched parameter of `space`.
    ///
    /// # Errors
    /// The first parameter with no finite set of values (a continuous range), by name.
    pub fn new(space: &SearchSpace, learning_rate: f64, entropy: f64) -> Result<Self, String> {
        let choices = space
            .params
            .iter()
            .map(|p| {
                let values = p
                    .distribution
                    .finite_values()
                    .ok_or_else(|| p.name.clone())?;
                Ok(Choice {
                    name: p.name.clone(),
                    logits: vec![0.0; values.len()],
                    values,
                    bases: matches!(p.distribution, Distribution::Bases { .. }),
                })
            })
            .collect::<Result<_, String>>()?;
        Ok(Self {
            choices,
            baseline: None,
            spread: 0.0,
            learning_rate,
            entropy,
        })
    }

    /// Draws a configuration: from the controller's distributions, or uniformly when `uniform`
    /// (warm-up). Conditions are applied as every sampler applies them; a configuration removed by
    /// `forbid` is drawn again.
    ///
    /// # Errors
    /// When every draw is forbidden.
    pub fn sample(
        &self,
        space: &SearchSpace,
        rng: &mut StdRng,
        uniform: bool,
    ) -> Result<Sample, String> {
        for _ in 0..FORBIDDEN_TRIES {
            let mut picks = vec![None; self.choices.len()];
            let config = space.build(|i, _| {
                let choice = &self.choices[i];
                let k = if uniform {
                    rng.random_range(0..choice.values.len())
                } else {
                    draw(&choice.probabilities(), rng.random::<f64>())
                };
                picks[i] = Some(k);
                choice.values[k].clone()
            });
            if !space.is_forbidden(&space.complete(&config)) {
                return Ok(Sample { config, picks });
            }
        }
        Err(format!(
            "{FORBIDDEN_TRIES} configurations in a row were removed by `forbid`"
        ))
    }

    /// One REINFORCE step for a sample that earned `reward`: `θ += η·(A·∇log π + λ·∇H)` for each
    /// parameter the sample set, with the advantage `A = (R − b)/s` scaled by `s²`, a moving average
    /// of `(R − b)²` updated first (so `|A| ≤ √10` and `η` means the same whatever the reward's
    /// scale — accuracy or loss); then `b ← 0.9·b + 0.1·R` (the first reward sets `b`).
    pub fn update(&mut self, picks: &[Option<usize>], reward: f64) {
        let baseline = *self.baseline.get_or_insert(reward);
        let deviation = reward - baseline;
        self.spread = BASELINE_DECAY * self.spread + (1.0 - BASELINE_DECAY) * deviation * deviation;
        let advantage = if self.spread > 0.0 {
            deviation / self.spread.sqrt()
        } else {
            0.0
        };
        for (choice, pick) in self.choices.iter_mut().zip(picks) {
            let Some(k) = *pick else { continue };
            let p = choice.probabilities();
            let entropy: f64 = -p
                .iter()
                .filter(|&&q| q > 0.0)
                .map(|q| q * q.ln())
                .sum::<f64>();
            for (j, logit) in choice.logits.iter_mut().enumerate() {
                let log_grad = f64::from(u8::from(j == k)) - p[j];
                let entropy_grad = if p[j] > 0.0 {
                    -p[j] * (p[j].ln() + entropy)
                } else {
                    0.0
                };
                *logit += self.learning_rate * (advantage * log_grad + self.entropy * entropy_grad);
            }
        }
        self.baseline = Some(BASELINE_DECAY * baseline + (1.0 - BASELINE_DECAY) * reward);
    }

    /// The search's result: each active parameter's [`Choice::result`], conditions applied.
    #[must_use]
    pub fn result(&self, space: &SearchSpace) -> Config {
        space.build(|i, _| self.choices[i].result())
    }

    /// The leading value of each parameter, for progress lines: `name=value` (bases as `≈mixture`).
    #[must_use]
    pub fn describe(&self) -> String {
        self.choices
            .iter()
            .map(|c| {
                let short = c.name.rsplit('.').next().unwrap_or(&c.name);
                if c.bases {
                    format!("{short}≈{}", short_number(c.mixture()))
                } else {
                    let p = c.probabilities()[c.leading()];
                    format!("{short}={} ({:.0}%)", c.values[c.leading()], p * 100.0)
                }
            })
            .collect::<Vec<_>>()
            .join(", ")
    }
}

/// Four significant digits: `0.02884`, `2.798e-3`.
fn short_number(x: f64) -> String {
    if x != 0.0 && x.abs() < 0.01 {
        format!("{x:.3e}")
    } else {
        format!("{x:.4}")
    }
}

/// The index `u ∈ [0, 1)` falls on in the cumulative distribution `p`.
fn draw(p: &[f64], u: f64) -> usize {
    let mut cumulative = 0.0;
    for (i, q) in p.iter().enumerate() {
        cumulative += q;
        if u < cumulative {
            return i;
        }
    }
    p.len() - 1
}

#[cfg(test)]
mod tests {
    use rand::SeedableRng;

    use super::*;
    use crate::space::Param;

    fn space() -> SearchSpace {
        SearchSpace {
            params: vec![
                Param {
                    name: String::from("train.lr"),
                    distribution: Distribution::Bases {
                        values: vec![0.001, 0.01, 0.1],
                        log: true,
                    },
                    condition: None,
                    doc: None,
                },
                Param {
                    name: String::from("model.choose_1"),
                    distribution: Distribution::Choice {
                        values: vec![Value::Int(0), Value::Int(1), Value::Int(2)],
                    },
                    condition: None,
                    doc: None,
                },
            ],
            ..SearchSpace::default()
        }
    }

    /// A toy problem whose reward is 1 for the second basis and the third alternative, else a
    /// noisy 0.3: the controller puts most of its mass there, and the mixture follows the basis.
    #[test]
    fn the_controller_converges_to_the_rewarded_choices() {
        let space = space();
        let mut controller = Controller::new(&space, 0.1, 1e-3).unwrap();
        let mut rng = StdRng::seed_from_u64(5);
        for _ in 0..2000 {
            let sample = controller.sample(&space, &mut rng, false).unwrap();
            let good = sample.picks == [Some(1), Some(2)];
            let reward = if good {
                1.0
            } else {
                0.3 + 0.1 * rng.random::<f64>()
            };
            controller.update(&sample.picks, reward);
        }
        let lr = &controller.choices[0];
        let block = &controller.choices[1];
        assert_eq!(lr.leading(), 1);
        assert_eq!(block.leading(), 2);
        assert!(lr.probabilities()[1] > 0.8, "{:?}", lr.probabilities());
        assert!(
            block.probabilities()[2] > 0.8,
            "{:?}",
            block.probabilities()
        );
        let result = controller.result(&space);
        let mixed = result["train.lr"].as_f64().unwrap();
        assert!((mixed - lr.mixture()).abs() < 1e-15);
        assert!(mixed > 0.005 && mixed < 0.03, "{mixed}");
        assert_eq!(result["model.choose_1"], Value::Int(2));
    }

    #[test]
    fn the_mixture_is_the_probability_weighted_sum_of_the_bases() {
        let choice = Choice {
            name: String::from("train.lr"),
            values: vec![Value::Float(1.0), Value::Float(10.0), Value::Float(100.0)],
            logits: vec![0.0, 1.0, 2.0],
            bases: true,
        };
        let p = choice.probabilities();
        assert!((p.iter().sum::<f64>() - 1.0).abs() < 1e-12);
        assert!((choice.mixture() - (p[0] + 10.0 * p[1] + 100.0 * p[2])).abs() < 1e-12);
        assert_eq!(choice.result(), Value::Float(choice.mixture()));
    }

    /// With no advantage (every reward the same), only the entropy bonus moves `θ`: towards uniform.
    #[test]
    fn equal_rewards_leave_only_the_entropy_bonus_which_flattens() {
        let space = space();
        let mut controller = Controller::new(&space, 0.5, 0.1).unwrap();
        controller.choices[1].logits = vec![2.0, 0.0, 0.0];
        let before = controller.choices[1].probabilities()[0];
        for _ in 0..50 {
            controller.update(&[None, Some(1)], 0.5);
        }
        let after = controller.choices[1].probabilities()[0];
        assert!(after < before, "{before} → {after}");
        assert_eq!(
            controller.choices[0].logits,
            vec![0.0; 3],
            "unpicked: untouched"
        );
    }

    #[test]
    fn a_continuous_parameter_is_refused_by_name() {
        let mut space = space();
        space.params[0].distribution = Distribution::LogUniform {
            low: 1e-3,
            high: 1e-1,
        };
        assert_eq!(Controller::new(&space, 0.1, 0.0).unwrap_err(), "train.lr");
    }

    #[test]
    fn the_same_seed_draws_the_same_samples() {
        let space = space();
        let controller = Controller::new(&space, 0.1, 0.0).unwrap();
        let draws = |seed| {
            let mut rng = StdRng::seed_from_u64(seed);
            (0..20)
                .map(|_| controller.sample(&space, &mut rng, false).unwrap().picks)
                .collect::<Vec<_>>()
        };
        assert_eq!(draws(3), draws(3));
        assert_ne!(draws(3), draws(4));
    }
}

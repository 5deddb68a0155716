//! Random search: every parameter drawn independently in its own scale (log-uniform for `loguniform`
//! and `int(…, log = true)`, quantised for `step`), conditions honoured in definition order, and
//! forbidden combinations redrawn.

use rand::Rng;
use rand::rngs::StdRng;

use crate::sampler::{Observation, Sampler};
use crate::seed::{self, sampler_rng};
use crate::space::{Config, Distribution, SearchSpace, Value};

/// Redraws before a forbidden space is declared exhausted.
const MAX_DRAWS: usize = 10_000;

/// Independent uniform draws.
pub struct RandomSampler {
    space: SearchSpace,
    seed: u64,
}

impl RandomSampler {
    /// A sampler over `space` seeded by the study's `seed`.
    #[must_use]
    pub fn new(space: SearchSpace, seed: u64) -> Self {
        Self { space, seed }
    }
}

impl Sampler for RandomSampler {
    fn ask(&mut self, number: u64, _history: &[Observation]) -> Result<Option<Config>, String> {
        let mut rng = sampler_rng(self.seed, seed::RANDOM_SAMPLER, number);
        for _ in 0..MAX_DRAWS {
            let config = draw(&self.space, &mut rng);
            if !self.space.is_forbidden(&self.space.complete(&config)) {
                return Ok(Some(config));
            }
        }
        Err(format!(
            "every one of {MAX_DRAWS} random draws was forbidden; loosen the `forbid` rules"
        ))
    }
}

/// One configuration: each active parameter drawn from its distribution.
pub fn draw(space: &SearchSpace, rng: &mut StdRng) -> Config {
    space.build(|_, p| value(&p.distribution, rng))
}

/// One draw from a distribution.
pub fn value(d: &Distribution, rng: &mut StdRng) -> Value {
    match d {
        Distribution::Uniform { low, high, step } => {
            let x = rng.random_range(*low..=*high);
            match step {
                Some(q) if *q > 0.0 => {
                    Value::Float(crate::space::unit::on_step(x, *low, *high, *q))
                }
                _ => Value::Float(x),
            }
        }
        Distribution::LogUniform { low, high } => {
            Value::Float(rng.random_range(low.ln()..=high.ln()).exp())
        }
        Distribution::Int {
            low,
            high,
            log: true,
            step,
        } => {
            #[allow(clippy::cast_precision_loss)]
            let (lo, hi) = ((*low as f64 - 0.5).max(0.5).ln(), (*high as f64 + 0.5).ln());
            #[allow(clippy::cast_possible_truncation)]
            let x = rng.random_range(lo..hi).exp().round() as i64;
            let step = (*step).max(1);
            Value::Int((low + ((x - low) / step) * step).clamp(*low, *high))
        }
        Distribution::Int {
            low, high, step, ..
        } => {
            let step = (*step).max(1);
            let k = rng.random_range(0..=(high - low) / step);
            Value::Int(low + k * step)
        }
        Distribution::Choice { values } | Distribution::Ordinal { values } => {
            values[rng.random_range(0..values.len())].clone()
        }
        Distribution::Bases { values, .. } => {
            Value::Float(values[rng.random_range(0..values.len())])
        }
    }
}

//! What the model-based samplers' tests share: a plan around a parameter block, a sequential run
//! against a loss, and the Branin function.

use crate::plan::Plan;
use crate::sampler::{Observation, Sampler};
use crate::space::{Config, SearchSpace, Value};
use crate::storage::TrialState;

/// Parameters of every kind: ranges, log scales, integers, steps, choices, ordinals, a condition.
pub const MIXED: &str = "
    x     = uniform(-3, 3)
    lr    = loguniform(1e-4, 1)
    units = int(2, 64, log = true)
    k     = int(0, 10, step = 4)
    q     = uniform(0, 1, step = 0.25)
    opt   = choice(sgd, adam)
    size  = ordinal(8, 16, 32)
    when opt == sgd { momentum = uniform(0, 0.9) }
";

/// A `custom` study minimising `loss` over `params` with `sampler` (seed 5).
pub fn plan(params: &str, sampler: &str, extra: &str) -> Plan {
    let source = format!(
        "study t {{
  trial     = custom
  params    = {{ {params}
{extra} }}
  train     = {{ epochs = 1 }}
  objective = minimize loss
  budget    {{ trials = 100 }}
  sampler   = {sampler}
  seed      = 5
}}"
    );
    crate::embed::Study::from_source("t.hps", &source)
        .unwrap()
        .plan()
        .clone()
}

/// A complete trial of `config` with `loss` after one epoch.
pub fn complete(space: &SearchSpace, config: &Config, loss: f64) -> Observation {
    Observation {
        config: space.complete(config),
        state: TrialState::Complete,
        curve: vec![loss],
        predicted: None,
    }
}

/// `trials` trials of `sampler` on `loss`, one after another.
pub fn run(
    sampler: &mut dyn Sampler,
    space: &SearchSpace,
    trials: u64,
    loss: &dyn Fn(&Config) -> f64,
) -> Vec<Observation> {
    let mut history = Vec::new();
    for n in 0..trials {
        let config = sampler.ask(n, &history).unwrap().unwrap();
        assert!(!space.is_forbidden(&space.complete(&config)), "{config:?}");
        history.push(complete(space, &config, loss(&config)));
    }
    history
}

/// The value of search parameter `name`.
pub fn get<'c>(config: &'c Config, name: &str) -> Option<&'c Value> {
    config.get(&format!("params.{name}"))
}

/// The numeric value of search parameter `name`.
pub fn num(config: &Config, name: &str) -> f64 {
    get(config, name).unwrap().as_f64().unwrap()
}

/// Branin's domain, as `.hps` parameters …
pub const BRANIN_SPACE: &str = "x = uniform(-5, 10)\n y = uniform(0, 15)";
/// … and its minimum.
pub const BRANIN_MINIMUM: f64 = 0.397_887;

/// Branin's function of a config's `x` and `y`.
pub fn branin(c: &Config) -> f64 {
    let (x, y) = (num(c, "x"), num(c, "y"));
    let pi = std::f64::consts::PI;
    let b = 5.1 / (4.0 * pi * pi);
    let t = 1.0 / (8.0 * pi);
    (y - b * x * x + 5.0 / pi * x - 6.0).powi(2) + 10.0 * (1.0 - t) * x.cos() + 10.0
}

/// The lowest value in `history`.
pub fn best(history: &[Observation]) -> f64 {
    history
        .iter()
        .filter_map(Observation::value)
        .fold(f64::INFINITY, f64::min)
}

//! Maximising the acquisition over the mixed space: random configurations (the random sampler's
//! draws, so conditions hold) followed by a local search from the best of them and from the best
//! observed trials — each step tries neighbours that change one active parameter (a Gaussian step
//! on a numeric one's unit scale, another category for a `choice`) and moves to the best one while
//! it improves. Candidates a `forbid` rule removes, and points already tried or pending, are
//! skipped.

use std::collections::HashSet;

use rand::Rng;
use rand::rngs::StdRng;
use rand_distr::{Distribution as _, Normal};

use crate::sampler::random;
use crate::space::unit::{
    category, category_count, category_index, from_unit, is_categorical, to_unit,
};
use crate::space::{Config, SearchSpace};

use crate::space::encoding::Encoder;

/// Random configurations scored first.
const RANDOM_CANDIDATES: usize = 1000;
/// Local searches started, from the best random candidates.
const LOCAL_STARTS: usize = 4;
/// Steps per local search, and neighbours tried per step.
const LOCAL_STEPS: usize = 15;
const NEIGHBOURS: usize = 10;
/// The spread of a numeric parameter's first steps on its unit scale; it shrinks fivefold (down to
/// [`SMALLEST_STEP_SD`]) each time no neighbour improves, so the search ends precise.
const STEP_SD: f64 = 0.1;
const SMALLEST_STEP_SD: f64 = 0.004;

/// The acquisition search over one space.
pub struct Search<'a> {
    pub space: &'a SearchSpace,
    pub encoder: &'a Encoder,
    /// Encoded points not to propose again (tried and pending trials).
    pub seen: HashSet<Vec<u64>>,
}

/// A scored candidate.
struct Scored {
    config: Config,
    score: f64,
}

impl Search<'_> {
    /// The key of an encoded point in [`Search::seen`].
    #[must_use]
    pub fn key(point: &[f64]) -> Vec<u64> {
        point.iter().map(|v| v.to_bits()).collect()
    }

    /// The configuration with the largest `score` found, starting local searches also from
    /// `incumbents`; `None` when every candidate was forbidden or already seen.
    pub fn maximise(
        &self,
        score: &dyn Fn(&[f64]) -> f64,
        incumbents: &[&Config],
        rng: &mut StdRng,
    ) -> Option<Config> {
        let mut pool: Vec<Scored> = Vec::new();
        for _ in 0..RANDOM_CANDIDATES {
            let config = random::draw(self.space, rng);
            if let Some(s) = self.score(&config, score) {
                pool.push(Scored { config, score: s });
            }
        }
        pool.sort_by(|a, b| b.score.total_cmp(&a.score));
        let mut starts: Vec<Scored> = pool.drain(..pool.len().min(LOCAL_STARTS)).collect();
        for config in incumbents {
            // An incumbent is seen, so it is only a starting point: its score is −∞.
            starts.push(Scored {
                config: (*config).clone(),
                score: f64::NEG_INFINITY,
            });
        }
        let mut best: Option<Scored> = None;
        for start in starts {
            let found = self.climb(start, score, rng);
            if found.score.is_finite() && best.as_ref().is_none_or(|b| found.score > b.score) {
                best = Some(found);
            }
        }
        best.map(|b| b.config)
    }

    /// The score of a candidate, or `None` when it may not be proposed.
    fn score(&self, config: &Config, score: &dyn Fn(&[f64]) -> f64) -> Option<f64> {
        let point = self.encoder.encode(self.space, config);
        if self.seen.contains(&Self::key(&point)) {
            return None;
        }
        if self.space.is_forbidden(&self.space.complete(config)) {
            return None;
        }
        Some(score(&point)).filter(|s| !s.is_nan())
    }

    /// Hill-climbing from `start` through neighbours.
    fn climb(&self, start: Scored, score: &dyn Fn(&[f64]) -> f64, rng: &mut StdRng) -> Scored {
        let mut current = start;
        let mut spread = STEP_SD;
        for _ in 0..LOCAL_STEPS {
            let mut improved: Option<Scored> = None;
            for _ in 0..NEIGHBOURS {
                let Some(config) = neighbour(self.space, &current.config, spread, rng) else {
                    return current;
                };
                if let Some(s) = self.score(&config, score) {
                    let threshold = improved.as_ref().map_or(current.score, |b| b.score);
                    if s > threshold {
                        improved = Some(Scored { config, score: s });
                    }
                }
            }
            match improved {
                Some(next) => current = next,
                None if spread > SMALLEST_STEP_SD => spread /= 5.0,
                None => break,
            }
        }
        current
    }
}

/// `base` with one active parameter changed — a numeric one by a Gaussian step of s.d. `spread` on
/// its unit scale — and conditional parameters that change activity added from a random draw or
/// removed. `None` when no parameter can change.
#[must_use]
pub fn neighbour(
    space: &SearchSpace,
    base: &Config,
    spread: f64,
    rng: &mut StdRng,
) -> Option<Config> {
    let movable: Vec<usize> = space
        .params
        .iter()
        .enumerate()
        .filter(|(_, p)| {
            base.contains_key(&p.name)
                && p.distribution.cardinality() != Some(1)
                && p.distribution
                    .bounds()
                    .is_none_or(|(low, high)| low < high || is_categorical(&p.distribution))
        })
        .map(|(i, _)| i)
        .collect();
    if movable.is_empty() {
        return None;
    }
    let changed = movable[rng.random_range(0..movable.len())];
    let p = &space.params[changed];
    let old = &base[&p.name];
    let new = if is_categorical(&p.distribution) {
        let n = category_count(&p.distribution);
        let k = category_index(&p.distribution, old).unwrap_or(0);
        let shift = rng.random_range(1..n.max(2));
        category(&p.distribution, (k + shift) % n.max(1))?
    } else {
        let u = to_unit(&p.distribution, old).unwrap_or(0.5);
        let normal = Normal::new(0.0, spread).ok()?;
        let mut value = old.clone();
        for _ in 0..8 {
            value = from_unit(&p.distribution, u + normal.sample(rng));
            if !value.loosely_equals(old) {
                break;
            }
        }
        value
    };
    Some(space.build(|i, q| {
        if i == changed {
            new.clone()
        } else if let Some(v) = base.get(&q.name) {
            v.clone()
        } else {
            random::value(&q.distribution, rng)
        }
    }))
}

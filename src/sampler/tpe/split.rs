//! The split of a study's history into the good trials, from which the TPE sampler builds `l(x)`,
//! and the rest, from which it builds `g(x)`. Points come from [`crate::sampler::training_set`]
//! (one fidelity, losses lower-better); the best `γ(n) = min(⌈n/10⌉, 25)` of its `n` points are
//! good. Every other training point is bad, and so are trials a scheduler or stopping rule ended
//! before the training set's fidelity (Optuna's pruned trials) and pending trials (Optuna's
//! constant liar, so parallel workers spread out).

use crate::sampler::Observation;
use crate::space::Config;
use crate::storage::TrialState;

/// The most good trials, whatever the history's size.
const MAX_GOOD: usize = 25;

/// One trial the densities learn from.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Row<'h> {
    /// Its configuration.
    pub config: &'h Config,
    /// Whether it is one of the good trials.
    pub good: bool,
}

/// The number of good trials among `n` points: `min(⌈0.1·n⌉, 25)` (Optuna's `default_gamma`).
#[must_use]
pub fn gamma(n: usize) -> usize {
    n.div_ceil(10).min(MAX_GOOD)
}

/// The rows of `history` (in trial order) given its `training` points (drawn from `history`, in
/// its order, by [`crate::sampler::training_set`]).
#[must_use]
pub fn split<'h>(history: &'h [Observation], training: &[(&'h Config, f64)]) -> Vec<Row<'h>> {
    // Where each training point sits in the history (both are in trial order).
    let mut index = Vec::with_capacity(training.len());
    let mut cursor = 0;
    for (config, _) in training {
        while cursor < history.len() && !std::ptr::eq(&history[cursor].config, *config) {
            cursor += 1;
        }
        index.push(cursor);
    }
    let mut ranked: Vec<usize> = (0..training.len()).collect();
    ranked.sort_by(|&a, &b| training[a].1.total_cmp(&training[b].1).then(a.cmp(&b)));
    let mut good = vec![false; history.len()];
    let mut trained = vec![false; history.len()];
    for (rank, &k) in ranked.iter().enumerate() {
        if let Some(i) = index.get(k).copied().filter(|&i| i < history.len()) {
            trained[i] = true;
            good[i] = rank < gamma(training.len());
        }
    }
    history
        .iter()
        .enumerate()
        .filter(|(i, o)| {
            trained[*i]
                || o.is_pending()
                || matches!(o.state, TrialState::Stopped | TrialState::Awaiting)
        })
        .map(|(i, o)| Row {
            config: &o.config,
            good: good[i],
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::Direction;
    use crate::sampler::training_set;
    use crate::space::Value;

    fn trial(x: f64, state: TrialState, curve: &[f64]) -> Observation {
        Observation {
            config: Config::from([("x".to_owned(), Value::Float(x))]),
            state,
            curve: curve.to_vec(),
            predicted: None,
        }
    }

    // Optuna's rule (optuna/samplers/_tpe/sampler.py):
    //
    //     def default_gamma(x): return min(math.ceil(0.1 * x), 25)
    //     [default_gamma(n) for n in [1, 9, 10, 11, 20, 21, 100, 249, 250, 251, 1000]]
    //     # [1, 1, 1, 2, 2, 3, 10, 25, 25, 25, 25]
    #[test]
    fn gamma_follows_optuna() {
        let ns = [1, 9, 10, 11, 20, 21, 100, 249, 250, 251, 1000];
        let expected = [1, 1, 1, 2, 2, 3, 10, 25, 25, 25, 25];
        assert_eq!(ns.map(gamma), expected);
    }

    #[test]
    fn the_best_tenth_is_good_and_pending_and_stopped_trials_are_bad() {
        let mut history: Vec<Observation> = (0..20)
            .map(|k| {
                let loss = f64::from((k * 7) % 20);
                trial(f64::from(k), TrialState::Complete, &[1.0, loss])
            })
            .collect();
        history.push(trial(100.0, TrialState::Running, &[]));
        history.push(trial(101.0, TrialState::Stopped, &[5.0]));
        history.push(trial(102.0, TrialState::Failed, &[]));
        history.push(trial(103.0, TrialState::Queued, &[]));
        let training = training_set(&history, Direction::Minimize, 10);
        assert_eq!(training.len(), 20);
        let rows = split(&history, &training);
        let x = |r: &Row| r.config["x"].as_f64().unwrap();
        let good: Vec<f64> = rows.iter().filter(|r| r.good).map(x).collect();
        // Losses 0 and 1 belong to k = 0 and k = 3 ((3·7) mod 20 = 1).
        assert_eq!(good, [0.0, 3.0]);
        let bad: Vec<f64> = rows.iter().filter(|r| !r.good).map(x).collect();
        assert_eq!(bad.len(), 18 + 3);
        assert!(bad.contains(&100.0) && bad.contains(&101.0) && bad.contains(&103.0));
        assert!(!bad.contains(&102.0), "failed trials teach nothing");
    }

    #[test]
    fn maximised_objectives_rank_the_largest_values_first() {
        let history: Vec<Observation> = (0..10)
            .map(|k| trial(f64::from(k), TrialState::Complete, &[f64::from(k)]))
            .collect();
        let training = training_set(&history, Direction::Maximize, 10);
        let rows = split(&history, &training);
        let good: Vec<&Row> = rows.iter().filter(|r| r.good).collect();
        assert_eq!(good.len(), 1);
        assert_eq!(good[0].config["x"], Value::Float(9.0));
    }
}

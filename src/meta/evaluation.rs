//! How well a ranking finds a task's best configurations, and the leave-one-task-out estimate of a
//! predictor trained on a corpus: each task (with the tasks it must be held out together with —
//! the same data under two names inflates the estimate) is ranked by a predictor trained on the
//! others, and scored by AP@10 against its true top ten (Mittal et al. §4). Used by
//! `hps meta train --leave-one-task-out`, which writes the scores into the model's header, and by
//! `benches/hyperstar_loto.rs`.

use candle_core::Device;

use super::MetaError;
use super::corpus::matches;
use super::network::Settings;
use super::ranking::{order, scores};
use super::training::{MetaTask, TrainOptions, train};

/// Random batches of a held-out task's rows its scores are averaged over (as `hyperstar` ranks).
pub const BATCHES: usize = 16;

/// AP@10 of `ranking` (indexes, best first) against the `relevant` indexes: the mean, over the
/// first ten ranks, of the precision at each rank that holds a relevant index (divided by 10).
#[must_use]
pub fn ap_at_10(ranking: &[usize], relevant: &[bool]) -> f64 {
    let (mut hits, mut sum) = (0.0, 0.0);
    for (k, &i) in ranking.iter().take(10).enumerate() {
        if relevant.get(i).copied().unwrap_or(false) {
            hits += 1.0;
            #[allow(clippy::cast_precision_loss)]
            let rank = (k + 1) as f64;
            sum += hits / rank;
        }
    }
    sum / 10.0
}

/// Which of `scores` are in the true top ten (ties by index, as [`order`] breaks them).
#[must_use]
pub fn top_ten(scores: &[f64]) -> Vec<bool> {
    let mut relevant = vec![false; scores.len()];
    for i in order(scores).into_iter().take(10) {
        relevant[i] = true;
    }
    relevant
}

/// The leave-one-task-out AP@10 of each task: a predictor with `settings` and `options` trained on
/// every other task (less those a group in `together` holds out with it: each group is a list of
/// name patterns, `*` any run of characters) ranks the task's configurations from its rows.
/// `progress` hears of each task once it is scored.
///
/// # Errors
/// When a fold has nothing to learn from, or on a Candle failure.
pub fn leave_one_task_out(
    tasks: &[MetaTask],
    config_dims: usize,
    settings: Settings,
    options: &TrainOptions,
    together: &[Vec<String>],
    device: &Device,
    progress: &mut dyn FnMut(usize, &str, f64),
) -> Result<Vec<(String, f64)>, MetaError> {
    let grouped = |a: &str, b: &str| {
        together.iter().any(|group| {
            let holds = |name: &str| group.iter().any(|p| matches(p, name));
            holds(a) && holds(b)
        })
    };
    let mut out = Vec::with_capacity(tasks.len());
    for (i, task) in tasks.iter().enumerate() {
        let others: Vec<MetaTask> = tasks
            .iter()
            .enumerate()
            .filter(|(j, other)| *j != i && !grouped(&task.name, &other.name))
            .map(|(_, other)| other.clone())
            .collect();
        let predictor = train(
            &others,
            config_dims,
            settings,
            options,
            device,
            &mut |_, _| {},
        )?;
        let predicted = scores(
            &predictor,
            &task.rows,
            &task.configs,
            BATCHES,
            options.seed,
            device,
        )
        .map_err(|e| MetaError::new(format!("ranking `{}`: {e}", task.name)))?;
        let ap = ap_at_10(&order(&predicted), &top_ten(&task.scores));
        progress(i + 1, &task.name, ap);
        out.push((task.name.clone(), ap));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::{ap_at_10, top_ten};

    #[test]
    fn ap_at_10_rewards_relevant_configurations_ranked_early() {
        let relevant = top_ten(&(0..20).map(f64::from).collect::<Vec<_>>());
        // The true top ten are 10..20; a ranking that puts them first scores 1.
        let perfect: Vec<usize> = (10..20).rev().chain(0..10).collect();
        assert!((ap_at_10(&perfect, &relevant) - 1.0).abs() < 1e-12);
        let worst: Vec<usize> = (0..20).collect();
        assert!(ap_at_10(&worst, &relevant).abs() < 1e-12);
        // One relevant configuration at rank 2: precision 1/2, over 10.
        let one: Vec<usize> = [0, 19].into_iter().chain(1..19).collect();
        assert!((ap_at_10(&one, &relevant) - 0.05).abs() < 1e-12);
    }
}

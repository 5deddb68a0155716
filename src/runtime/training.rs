//! One claimed trial trained to the end of its stage: its folder, the epoch it resumes from (its
//! checkpoint, or the epochs it recorded when the trainer keeps its own state), the sink its epochs
//! go to, and its outcome written back to the store and shown. Used by every strategy that trains
//! ordinary trials.

use std::path::PathBuf;

use super::RunError;
use super::outcome::outcome;
use super::progress::searched;
use super::reported::ReportedMetrics;
use super::sink::{Judge, StoreSink};
use super::strategy::StudyRun;
use crate::plan::TrainerPlan;
use crate::space::Config;
use crate::storage::{Storage, StoreError, TrialRecord, TrialState};
use crate::trial::TrialRun;

use super::checkpoints::CHECKPOINT;
use super::failures;

/// Trains `trial` (claimed from `store`) to its target epochs: the scheduler's when it placed the
/// trial in a rung, else its recipe's. `judge` may end it early; `horizon` is the most epochs any
/// trial trains (a trial whose target is below it waits for its rung).
///
/// # Errors
/// When the store fails.
pub fn train_trial(
    study: &StudyRun<'_>,
    store: &mut dyn Storage,
    trial: &TrialRecord,
    judge: Option<&dyn Judge>,
    horizon: Option<u32>,
) -> Result<(), RunError> {
    let folder = trial_folder(study, trial.number);
    let target = trial
        .target_epochs
        .unwrap_or_else(|| recipe_epochs(&trial.params));
    let (start_epoch, dir) = if study.trainer.writes_checkpoints() {
        study.checkpoints.restore(store, trial, &folder, target)?
    } else {
        study.checkpoints.bring_back(store, trial, &folder)?;
        (trial.epochs.min(target.saturating_sub(1)), folder)
    };
    let run = TrialRun {
        number: trial.number,
        config: trial.params.clone(),
        seed: trial.seed,
        max_epochs: target,
        start_epoch,
        dir: dir.clone(),
        stop: std::sync::Arc::clone(study.budget.stop_flag()),
    };
    let objective = &study.plan.objective.metric;
    let objective_seen = trial.value.is_some()
        || (start_epoch > 0
            && store
                .objective_curves(trial.study_id, objective)?
                .get(&trial.number)
                .is_some_and(|curve| curve.iter().any(|v| v.is_finite())));
    let mut sink = StoreSink {
        study,
        store,
        trial,
        checkpoint: dir.join(CHECKPOINT),
        target,
        judge,
        last_value: trial.value,
        recorded: trial.epochs,
        reserved: trial.epochs,
        stopped: None,
        error: None,
        reported: ReportedMetrics::new(objective_seen),
        retrained: 0,
    };
    let mut end = study.trainer.train(&run, &mut sink);
    match sink.error.take() {
        // Cut off from the store for longer than its lease, this worker lost the trial to the
        // queue (and perhaps to another worker): whatever it trained since is not recorded.
        Some(StoreError::Lost(_)) => {
            study.progress.note(&format!(
                "trial {:>4} went back to the queue while this worker was cut off from the store (its lease ran out); left to the worker that claims it",
                trial.number
            ));
            return Ok(());
        }
        Some(e) => return Err(RunError::Store(e)),
        None => {}
    }
    if let Ok(done) = &end {
        if let Some(failure) = sink
            .reported
            .missing_objective(done, start_epoch, objective)
        {
            study.progress.warn_once(
                "objective",
                &format!(
                    "trial {} {}\n  every trial that does not report `{objective}` fails: rename the metric its trainer reports, or the study's `objective`",
                    trial.number, failure.reason
                ),
            );
            end = Err(failure);
        }
    }
    let value = sink.last_value;
    let stopped = sink.stopped.take();
    let retrained = sink.retrained;
    let rung_below_last = trial.bracket.is_some() && horizon.is_some_and(|h| target < h);
    let result = outcome(
        &end,
        stopped.as_ref(),
        target,
        rung_below_last,
        sink.recorded,
    );
    let early = stopped.as_ref().map(|(p, at)| {
        study.progress.stop_early(target.saturating_sub(*at));
        format!(
            "stopped early (predicted {:.4} ± {:.4} against {:.4})",
            p.value, p.sigma, p.reference
        )
    });
    store.finish_trial(trial.id, result.state, result.reason.as_deref())?;
    if matches!(result.state, TrialState::Stopped | TrialState::Failed) {
        study.checkpoints.forget(store, trial.id, &dir)?;
    }
    let resumes = if result.state != TrialState::Queued {
        Resume::Ended
    } else if study.trainer.writes_checkpoints() {
        match store.checkpoint(trial.id)? {
            Some((epoch, _)) => Resume::Checkpoint(epoch),
            None => Resume::FromScratch,
        }
    } else {
        Resume::Trainer {
            command: matches!(study.plan.trainer, TrainerPlan::Command { .. }),
            started_over: retrained > 0,
        }
    };
    show(
        study,
        trial,
        &result,
        value,
        &resumes,
        retrained,
        early.as_deref(),
    );
    Ok(())
}

/// How an interrupted trial goes on next run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Resume {
    /// It did not end interrupted.
    Ended,
    /// From the hps checkpoint written after this epoch.
    Checkpoint(u32),
    /// From scratch: its trainer writes hps checkpoints, and none was written.
    FromScratch,
    /// Its trainer restores its own state (a `command` through `HPS_START_EPOCH`); or starts over,
    /// as it did this run.
    Trainer { command: bool, started_over: bool },
}

/// The line for trial `number`, interrupted after `epochs`: what the next run does with it — never a
/// checkpoint it does not have.
fn interrupted(number: u64, epochs: u32, resume: Resume) -> String {
    let next = match resume {
        Resume::Checkpoint(epoch) => {
            format!("it resumes from its checkpoint (epoch {epoch}) next run")
        }
        Resume::Ended | Resume::FromScratch => String::from("it starts again next run"),
        Resume::Trainer {
            started_over: true, ..
        } => String::from("next run starts it again, and its trainer starts over"),
        Resume::Trainer { command: true, .. } => {
            format!("next run starts its program with HPS_START_EPOCH={epochs}")
        }
        Resume::Trainer { command: false, .. } => {
            format!("next run asks its trainer to go on after epoch {epochs}")
        }
    };
    format!("trial {number:>4} interrupted after {epochs} epochs; {next}")
}

/// The folder of trial `number` of the study.
#[must_use]
pub fn trial_folder(study: &StudyRun<'_>, number: u64) -> PathBuf {
    study.trials_dir.join(format!("{number:04}"))
}

/// The most epochs a trial trains without a scheduler's target: its `train.epochs`, or the
/// catalogue's default.
pub(super) fn recipe_epochs(config: &Config) -> u32 {
    crate::trial::recipe_epochs(config)
        .or_else(|| {
            crate::catalogue::train_key("epochs")
                .and_then(|k| crate::catalogue::default_value(k.default))
                .and_then(|v| v.as_i64())
                .and_then(|e| u32::try_from(e).ok())
        })
        .unwrap_or(1)
        .max(1)
}

/// Tells the user how the trial ended, and counts it when it ended for good.
fn show(
    study: &StudyRun<'_>,
    trial: &TrialRecord,
    result: &super::outcome::Outcome,
    value: Option<f64>,
    resume: &Resume,
    retrained: u32,
    early: Option<&str>,
) {
    let searched = searched(study.plan, &trial.params);
    let (number, epochs) = (trial.number, result.epochs);
    let place = trial.bracket.map(|b| (b, trial.rung));
    // Epochs are counted as trained: those a trainer trained twice are said.
    let again_text = format!(
        "its trainer started over: {retrained} epoch{} trained again",
        if retrained == 1 { "" } else { "s" }
    );
    let again: Vec<&str> = if retrained > 0 {
        vec![again_text.as_str()]
    } else {
        Vec::new()
    };
    match result.state {
        TrialState::Queued => study.progress.note(&interrupted(number, epochs, *resume)),
        TrialState::Failed => {
            study.count_finished();
            let stored = result.reason.as_deref().unwrap_or("failed");
            let reason = stored.lines().next().unwrap_or("failed");
            // The last lines of the trainer's stderr say why; its log holds the rest.
            let detail = failures::tail(stored, 3);
            study.progress.finished(
                number,
                &format!("failed ({reason})"),
                None,
                epochs,
                place,
                &searched,
                &detail,
            );
            if let Some(why) = study.failures.failed(stored) {
                study.budget.give_up();
                let first = why.lines().next().unwrap_or_default();
                study
                    .progress
                    .note(&format!("{first}; no new trial starts"));
            }
        }
        _ if result.awaits_rung() => {
            study.failures.succeeded();
            study.progress.finished(
                number,
                "reached",
                value,
                epochs,
                place,
                &searched,
                &again[..],
            );
        }
        state => {
            study.count_finished();
            study.failures.succeeded();
            // A stopping rule's verdict is the trial's outcome, said once, with why.
            let outcome = early.unwrap_or(state.as_str());
            study
                .progress
                .finished(number, outcome, value, epochs, place, &searched, &again[..]);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_interrupted_trial_is_never_promised_a_checkpoint_it_lacks() {
        assert_eq!(
            interrupted(3, 2, Resume::Checkpoint(2)),
            "trial    3 interrupted after 2 epochs; it resumes from its checkpoint (epoch 2) next run"
        );
        let line = |resume| interrupted(3, 2, resume);
        assert!(!line(Resume::FromScratch).contains("checkpoint"));
        let command = line(Resume::Trainer {
            command: true,
            started_over: false,
        });
        assert!(command.ends_with("next run starts its program with HPS_START_EPOCH=2"));
        let over = line(Resume::Trainer {
            command: true,
            started_over: true,
        });
        assert!(over.ends_with("its trainer starts over"), "{over}");
        for resume in [
            Resume::FromScratch,
            Resume::Trainer {
                command: false,
                started_over: false,
            },
        ] {
            assert!(!line(resume).contains("checkpoint"));
        }
    }
}

//! Where a trial's checkpoint lives between its epochs, so that a promoted or re-queued trial
//! resumes on whichever worker claims it: in its trial folder, recorded by path (the default with a
//! store file, whose folder every worker of one machine sees, and with `--artifacts DIR`, a folder
//! every machine mounts), or as bytes in the store itself (the default with a database server,
//! which needs nothing else shared; the trial folder is then a scratch copy). A trial that ended
//! without completing — stopped, not promoted, failed — has its checkpoint removed unless asked to
//! keep it; a complete trial keeps its trained network — all of them, or the best `k`
//! (`--keep-best k`, applied when a run ends; trials that may still be promoted are never
//! touched). Used by `training`, `search` and the session.

use std::path::{Path, PathBuf};

use crate::plan::Direction;
use crate::storage::{Storage, StoreError, TrialRecord, TrialState};

/// The checkpoint's file name inside a trial's folder.
pub use crate::train::trainer::CHECKPOINT;

/// Where checkpoints are kept.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CheckpointHome {
    /// In the trial's folder; the store records the path.
    Folder,
    /// In the store, as bytes.
    Store,
}

/// The checkpoints of one run.
#[derive(Debug, Clone, Copy)]
pub struct Checkpoints {
    /// Where they are kept.
    pub home: CheckpointHome,
    /// Keep the checkpoints of trials that ended without completing.
    pub keep: bool,
}

/// Writes `bytes` as the checkpoint in `folder`, atomically (a partial file is renamed).
fn write_into(folder: &Path, bytes: &[u8]) -> Result<(), StoreError> {
    std::fs::create_dir_all(folder).map_err(|e| io("write", folder, &e))?;
    let file = folder.join(CHECKPOINT);
    let partial = folder.join(format!("{CHECKPOINT}.restoring"));
    std::fs::write(&partial, bytes).map_err(|e| io("write", &partial, &e))?;
    std::fs::rename(&partial, &file).map_err(|e| io("write", &file, &e))
}

fn io(what: &str, path: &Path, e: &std::io::Error) -> StoreError {
    StoreError::Database(format!(
        "cannot {what} the checkpoint {}: {e}",
        path.display()
    ))
}

impl Checkpoints {
    /// Records the checkpoint a trainer wrote at `file` after `epoch` (nothing when it wrote none).
    ///
    /// # Errors
    /// When the store fails or the file cannot be read.
    pub fn save(
        &self,
        store: &mut dyn Storage,
        trial_id: i64,
        epoch: u32,
        file: &Path,
    ) -> Result<(), StoreError> {
        if !file.exists() {
            return Ok(());
        }
        match self.home {
            CheckpointHome::Folder => {
                let absolute = std::path::absolute(file).unwrap_or_else(|_| file.to_path_buf());
                store.set_checkpoint(trial_id, epoch, &absolute.display().to_string())
            }
            CheckpointHome::Store => {
                let bytes = std::fs::read(file).map_err(|e| io("read", file, &e))?;
                store.set_checkpoint_data(trial_id, epoch, &bytes)
            }
        }
    }

    /// The epoch `trial` resumes from towards `target`, and the folder it trains in: its recorded
    /// checkpoint's (copied from the store into `folder` when kept there), or 0 in `folder`.
    ///
    /// # Errors
    /// When the store fails or the checkpoint cannot be written into the folder.
    pub fn restore(
        &self,
        store: &dyn Storage,
        trial: &TrialRecord,
        folder: &Path,
        target: u32,
    ) -> Result<(u32, PathBuf), StoreError> {
        if let Some((epoch, bytes)) = store.checkpoint_data(trial.id)? {
            if epoch >= target {
                return Ok((0, folder.to_path_buf()));
            }
            write_into(folder, &bytes)?;
            return Ok((epoch, folder.to_path_buf()));
        }
        match store.checkpoint(trial.id)? {
            Some((epoch, path))
                if !path.is_empty() && Path::new(&path).exists() && epoch < target =>
            {
                // The trial goes on in the folder its checkpoint is in: a store written before
                // trial folders were kept per store has it in the old `hps-trials/<study>/<trial>/`.
                let home = Path::new(&path)
                    .parent()
                    .map_or_else(|| folder.to_path_buf(), Path::to_path_buf);
                Ok((epoch, home))
            }
            _ => Ok((0, folder.to_path_buf())),
        }
    }

    /// Puts the checkpoint a program saved itself (a `command` trainer's
    /// `$HPS_TRIAL_DIR/checkpoint.safetensors`, in any format) back into `folder` when the store
    /// keeps it, so that the program finds it on whichever machine resumes the trial. Such a
    /// trainer resumes from the epochs it recorded, whatever the checkpoint holds.
    ///
    /// # Errors
    /// When the store fails or the file cannot be written.
    pub fn bring_back(
        &self,
        store: &dyn Storage,
        trial: &TrialRecord,
        folder: &Path,
    ) -> Result<(), StoreError> {
        if self.home == CheckpointHome::Store && trial.epochs > 0 {
            if let Some((_, bytes)) = store.checkpoint_data(trial.id)? {
                write_into(folder, &bytes)?;
            }
        }
        Ok(())
    }

    /// Removes the checkpoint of a trial that ended without completing (unless kept): the store's
    /// record, its bytes, and the file.
    ///
    /// # Errors
    /// When the store fails.
    pub fn forget(
        &self,
        store: &mut dyn Storage,
        trial_id: i64,
        folder: &Path,
    ) -> Result<(), StoreError> {
        if self.keep {
            return Ok(());
        }
        if let Some((_, path)) = store.checkpoint(trial_id)? {
            if !path.is_empty() {
                let _ = std::fs::remove_file(&path);
            }
        }
        let _ = std::fs::remove_file(folder.join(CHECKPOINT));
        store.remove_checkpoint(trial_id)
    }

    /// Removes the checkpoints of complete trials outside the best `k` of the study `study_id`
    /// (by value; trials without one go first); returns how many it removed. Trials that have
    /// not completed — running, queued, awaiting a rung — keep theirs.
    ///
    /// # Errors
    /// When the store fails.
    pub fn keep_best(
        &self,
        store: &mut dyn Storage,
        study_id: i64,
        direction: Direction,
        k: u32,
    ) -> Result<u64, StoreError> {
        let mut complete: Vec<TrialRecord> = store
            .trials(study_id)?
            .into_iter()
            .filter(|t| t.state == TrialState::Complete)
            .collect();
        complete.sort_by(|a, b| super::best_first(direction, a, b));
        let mut removed = 0;
        for trial in complete
            .iter()
            .skip(usize::try_from(k).unwrap_or(usize::MAX))
        {
            if let Some((_, path)) = store.checkpoint(trial.id)? {
                if !path.is_empty() {
                    let _ = std::fs::remove_file(&path);
                }
                store.remove_checkpoint(trial.id)?;
                removed += 1;
            }
        }
        Ok(removed)
    }
}

//! Candle's element-wise worker pool, kept out of training. Candle 0.11.1 runs every element-wise op
//! on 64 Ki values or more (the digits CNN's first activations are exactly 64 Ki) on a pool of its
//! own, `candle-bp-*` threads that spin between ops while the calling thread spins until they finish.
//! The pool has one thread fewer than `CANDLE_NUM_THREADS`, else `RAYON_NUM_THREADS`, else the
//! physical cores; it is built once per process from the environment, with no API to size it; it
//! ignores the rayon pool a trial trains in and is shared by all `parallel = N` workers.
//! `CANDLE_NUM_THREADS=1` gives it no threads: each op runs on its caller's thread.
//!
//! Setting a variable inside the process takes `unsafe` (`std::env::set_var`, edition 2024), which
//! hps forbids. So [`restart_without_pool`], which `hps run` and `hps meta` call before anything
//! else, replaces the process (Unix `exec`: same pid, same arguments, same standard streams) with
//! itself once, the variable set to 1, unless the user has set it. Trial commands get the user's
//! environment back ([`restore_for_trial`]).

use std::process::Command;

/// The variable Candle sizes its element-wise pool by.
const VARIABLE: &str = "CANDLE_NUM_THREADS";

/// Set beside [`VARIABLE`] when hps set it, so that trial commands do not inherit it.
const SET_BY_HPS: &str = "HPS_SET_CANDLE_NUM_THREADS";

/// Replaces this process with itself, Candle's element-wise pool off, unless `CANDLE_NUM_THREADS`
/// is set (by the user, or by this restart). Returns only when there is no restart: the variable was
/// set, the platform has no `exec` (anything but Unix), or `exec` failed (then training goes on with
/// Candle's pool, slower, and a warning says so).
pub fn restart_without_pool() {
    if std::env::var_os(VARIABLE).is_some() {
        return;
    }
    #[cfg(unix)]
    {
        use std::os::unix::process::CommandExt;

        let mut arguments = std::env::args_os();
        let error = match std::env::current_exe() {
            Ok(exe) => {
                let mut command = Command::new(exe);
                if let Some(name) = arguments.next() {
                    command.arg0(name);
                }
                command
                    .args(arguments)
                    .env(VARIABLE, "1")
                    .env(SET_BY_HPS, "1")
                    .exec()
            }
            Err(error) => error,
        };
        eprintln!(
            "warning: could not restart with {VARIABLE}=1 ({error}); Candle's element-wise pool \
             stays on, set {VARIABLE}=1 yourself to train faster"
        );
    }
}

/// Removes from a trial command's environment the `CANDLE_NUM_THREADS` that
/// [`restart_without_pool`] set, keeping one the user set.
pub fn restore_for_trial(command: &mut Command) {
    if std::env::var_os(SET_BY_HPS).is_some() {
        command.env_remove(VARIABLE).env_remove(SET_BY_HPS);
    }
}

//! The process environment training runs in: settings that Candle 0.11.1 and glibc's allocator
//! read from the environment only, with no API to set them.
//!
//! - `CANDLE_NUM_THREADS` sizes Candle's element-wise worker pool: every element-wise op on 64 Ki
//!   values or more (the digits CNN's first activations are exactly 64 Ki) runs on `candle-bp-*`
//!   threads that spin between ops while the calling thread spins until they finish. The pool has
//!   one thread fewer than the variable (else `RAYON_NUM_THREADS`, else the physical cores), ignores
//!   the rayon pool a trial trains in and is shared by all `parallel = N` workers. `1` turns it off:
//!   each op runs on its caller's thread.
//! - `RAYON_NUM_THREADS` is how many pieces Candle's CPU matrix multiply may split into, read again
//!   on every multiply; unset, Candle counts the physical cores by reading `/proc/cpuinfo` — on
//!   every multiply (6% of a digits CNN step; the MLP trained 1.4× faster once it was set). hps
//!   sets it to the cores the process may use, and [`split_only_large_multiplies`] keeps the small
//!   products hps trains whole (split, they ran slower on two threads than on one). It also sizes rayon's global pool,
//!   which hps never trains in: [`threads_per_trial`] sizes a pool of its own.
//! - `MALLOC_ARENA_MAX`, `MALLOC_MMAP_THRESHOLD_`, `MALLOC_TRIM_THRESHOLD_`, `MALLOC_TOP_PAD_`:
//!   every Candle op returns a fresh tensor, megabytes each for images, freed a moment later. By
//!   default glibc serves a worker thread from an arena of 64 MiB heaps that it unmaps when they
//!   empty and maps again on the next step, so a Fashion-MNIST CNN spent a fifth of its time in page
//!   faults. One arena (the main heap), allocations up to 32 MiB kept on it and 256 MiB of free
//!   memory kept rather than returned: the same peak memory, and 1.4× the Fashion-MNIST CNN's
//!   samples per second (`docs/benchmarks.md`). Other C libraries ignore these variables.
//!
//! Setting a variable inside the process takes `unsafe` (`std::env::set_var`, edition 2024), which
//! hps forbids. So [`restart_for_training`], which `hps run` and `hps meta` call before anything
//! else, replaces the process (Unix `exec`: same pid, same arguments, same standard streams) with
//! itself once, each variable the user has not set given hps's value. Trial commands get the user's
//! environment back ([`restore_for_trial`]).

use std::process::Command;

/// The variables hps sets for training, with their values.
fn variables() -> [(&'static str, String); 6] {
    let cores = std::thread::available_parallelism().map_or(1, usize::from);
    [
        ("CANDLE_NUM_THREADS", String::from("1")),
        ("RAYON_NUM_THREADS", cores.to_string()),
        ("MALLOC_ARENA_MAX", String::from("1")),
        ("MALLOC_MMAP_THRESHOLD_", (32 << 20).to_string()),
        ("MALLOC_TRIM_THRESHOLD_", (256 << 20).to_string()),
        ("MALLOC_TOP_PAD_", (64 << 20).to_string()),
    ]
}

/// Set after the restart: the names of the [`variables`] hps set (comma-separated, possibly none),
/// so that trial commands do not inherit them and the process does not restart twice.
const SET_BY_HPS: &str = "HPS_SET_TRAINING_VARIABLES";

/// Replaces this process with itself, each of the [`variables`] the user has not set given hps's
/// value. Returns only when there is no restart: this process is the restarted one, every
/// variable was set by the user, the platform has no `exec` (anything but Unix), or `exec` failed
/// (then training goes on with the defaults, slower, and a warning says so).
pub fn restart_for_training() {
    if std::env::var_os(SET_BY_HPS).is_some() {
        return;
    }
    let unset: Vec<(&str, String)> = variables()
        .into_iter()
        .filter(|(name, _)| std::env::var_os(name).is_none())
        .collect();
    if unset.is_empty() {
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
                let names: Vec<&str> = unset.iter().map(|(name, _)| *name).collect();
                command
                    .args(arguments)
                    .envs(unset.iter().map(|(name, value)| (*name, value.as_str())))
                    .env(SET_BY_HPS, names.join(","))
                    .exec()
            }
            Err(error) => error,
        };
        let settings: Vec<String> = unset.iter().map(|(n, v)| format!("{n}={v}")).collect();
        eprintln!(
            "warning: could not restart with {} ({error}); the defaults stay, set these \
             yourself to train faster",
            settings.join(" ")
        );
    }
}

/// The variables [`restart_for_training`] set (none when it did not restart).
fn set_by_hps() -> Vec<String> {
    std::env::var(SET_BY_HPS)
        .map(|names| {
            names
                .split(',')
                .filter(|n| !n.is_empty())
                .map(str::to_string)
                .collect()
        })
        .unwrap_or_default()
}

/// Removes from a trial command's environment the variables [`restart_for_training`] set, keeping
/// those the user set.
pub fn restore_for_trial(command: &mut Command) {
    for name in set_by_hps() {
        command.env_remove(name);
    }
    command.env_remove(SET_BY_HPS);
}

/// The compute threads of one trial when `parallel` trials run at once: one each when several run
/// (measured faster than sharing the cores, `docs/benchmarks.md`); a lone trial gets the
/// `RAYON_NUM_THREADS` the user set, else every core the process may use.
#[must_use]
pub fn threads_per_trial(parallel: usize) -> usize {
    if parallel > 1 {
        return 1;
    }
    let users = std::env::var("RAYON_NUM_THREADS")
        .ok()
        .filter(|_| !set_by_hps().iter().any(|n| n == "RAYON_NUM_THREADS"))
        .and_then(|v| v.parse::<usize>().ok())
        .filter(|&n| n > 0);
    users.unwrap_or_else(|| std::thread::available_parallelism().map_or(1, usize::from))
}

/// Runs `work` in a rayon pool of `threads` threads (hps's kernels split their work in the pool they
/// run in), or on this thread alone if the pool cannot be built.
pub fn in_pool<R: Send>(threads: usize, work: impl FnOnce() -> R + Send) -> R {
    match rayon::ThreadPoolBuilder::new().num_threads(threads).build() {
        Ok(pool) => pool.install(work),
        Err(_) => work(),
    }
}

/// Multiply-adds per block below which a matrix multiply runs on one thread (gemm splits a product
/// into blocks of at most a few hundred along the shared dimension). gemm's default, 48 · 48 · 256,
/// splits the digits MLP's 64 × 128 × 128 products, which then ran 13% slower on two threads than on
/// one; from 4 Mi up they stay whole while the Fashion-MNIST CNN's convolutions (64 × 25,088 × 288)
/// still split (`docs/benchmarks.md`, "Threads").
const SPLIT_ABOVE: usize = 4 << 20;

/// Sets when the CPU matrix multiplies Candle calls split over the trial's threads ([`SPLIT_ABOVE`]).
pub fn split_only_large_multiplies() {
    gemm::set_threading_threshold(SPLIT_ABOVE);
}

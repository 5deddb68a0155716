//! What the user sees while a study runs: an indicatif bar (trials done of the budget, epochs, elapsed
//! time and ETA, best value so far with its parameters — the study's, from the store, when a run
//! resumes it) on a terminal, and one plain line per finished trial otherwise (logs, CI); warnings
//! given once per run. Fed by the runtime's workers.

use std::collections::BTreeSet;
use std::io::IsTerminal;
use std::sync::Mutex;
use std::time::Duration;

use indicatif::{ProgressBar, ProgressStyle};

use crate::plan::{Direction, Plan};
use crate::space::Config;

/// The best trial so far.
#[derive(Debug, Clone)]
struct Best {
    value: f64,
    number: u64,
    params: String,
}

/// Progress of one run.
pub struct Progress {
    bar: Option<ProgressBar>,
    objective: String,
    direction: Direction,
    best: Mutex<Option<Best>>,
    /// Trials stopped early and the epochs they did not train.
    early: Mutex<(u64, u64)>,
    /// The kinds of warning already given this run.
    warned: Mutex<BTreeSet<&'static str>>,
    quiet: bool,
}

impl Progress {
    /// A display for a run of at most `trials` trials (`None`: unbounded). `quiet` prints nothing.
    #[must_use]
    pub fn new(trials: Option<u64>, objective: &str, direction: Direction, quiet: bool) -> Self {
        let bar = (!quiet && std::io::stderr().is_terminal()).then(|| {
            let bar = trials.map_or_else(ProgressBar::no_length, ProgressBar::new);
            let style = ProgressStyle::with_template(
                "{spinner} trials {pos}/{len} [{elapsed_precise} < {eta}] {wide_msg}",
            )
            .unwrap_or_else(|_| ProgressStyle::default_bar());
            bar.set_style(style);
            bar.enable_steady_tick(Duration::from_millis(200));
            bar
        });
        Self {
            bar,
            objective: objective.to_owned(),
            direction,
            best: Mutex::new(None),
            early: Mutex::new((0, 0)),
            warned: Mutex::new(BTreeSet::new()),
            quiet,
        }
    }

    /// Counts trials that were already finished before this run, and starts from the best of them
    /// (trial number, value, searched values), so that a resumed run's best is the study's.
    pub fn resume(&self, finished: u64, best: Option<(u64, f64, &Config)>) {
        if let Some(bar) = &self.bar {
            bar.set_position(finished);
        }
        if let Some((number, value, config)) = best {
            *self
                .best
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner) = Some(Best {
                value,
                number,
                params: short(config),
            });
        }
    }

    /// A trial reached an epoch.
    pub fn epoch(&self, number: u64, epoch: u32, max_epochs: u32, value: Option<f64>) {
        if let Some(bar) = &self.bar {
            let best = self.best_text();
            let value = value.map_or_else(String::new, |v| format!(" {} {v:.4}", self.objective));
            bar.set_message(format!(
                "{best} · #{number} epoch {epoch}/{max_epochs}{value}{}",
                self.early_text()
            ));
        }
    }

    /// A trial finished its stage: `outcome` is how ("complete", "reached" a rung, "stopped early
    /// at epoch 3 (…)"), `place` its bracket and rung under Hyperband, `config` its searched values,
    /// and `detail` lines shown under it (a failed program's last lines of stderr). The line is the
    /// trial's own — its outcome, value, epochs, place and parameters, cut to [`LINE_WIDTH`]
    /// columns — with the best value so far at its end.
    #[allow(clippy::too_many_arguments)]
    pub fn finished(
        &self,
        number: u64,
        outcome: &str,
        value: Option<f64>,
        epochs: u32,
        place: Option<(u32, u32)>,
        config: &Config,
        detail: &[&str],
    ) {
        if let Some(v) = value {
            let mut best = self
                .best
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            let better = best.as_ref().is_none_or(|b| match self.direction {
                Direction::Maximize => v > b.value,
                Direction::Minimize => v < b.value,
            });
            if better && outcome == "complete" {
                *best = Some(Best {
                    value: v,
                    number,
                    params: short(config),
                });
            }
        }
        let value = value.map_or_else(String::new, |v| format!(" · {} {v:.4}", self.objective));
        let place = place.map_or_else(String::new, |(b, r)| {
            let at = if outcome == "reached" { "" } else { " at" };
            format!("{at} rung {r}, bracket {b}")
        });
        let head = format!("trial {number:>4} {outcome}{place} · {epochs} ep{value}");
        let tail = match self.best_value() {
            Some((v, n)) => format!("  best {v:.4} #{n}"),
            None => String::new(),
        };
        let params = short(config);
        let room = LINE_WIDTH.saturating_sub(head.chars().count() + tail.chars().count() + 3);
        let mut line = if params.is_empty() || room < 8 {
            head
        } else {
            format!("{head} · {}", cut(&params, room))
        };
        line.push_str(&tail);
        for text in detail {
            line.push_str("\n           │ ");
            line.push_str(text);
        }
        match &self.bar {
            Some(bar) => {
                bar.inc(1);
                bar.println(line);
            }
            None if !self.quiet => show(&line),
            None => {}
        }
    }

    /// The best value so far and its trial.
    fn best_value(&self) -> Option<(f64, u64)> {
        self.best
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .as_ref()
            .map(|b| (b.value, b.number))
    }

    /// Counts a trial a stopping rule ended early, `saved` epochs before its stage's end (its line
    /// says why, [`Progress::finished`]).
    pub fn stop_early(&self, saved: u32) {
        let mut early = self
            .early
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        early.0 += 1;
        early.1 += u64::from(saved);
    }

    /// Trials stopped early so far and the epochs they did not train.
    #[must_use]
    pub fn stopped_early(&self) -> (u64, u64) {
        *self
            .early
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// ` · 3 stopped early (41 epochs saved)`, or nothing before the first.
    fn early_text(&self) -> String {
        let (trials, epochs) = self.stopped_early();
        if trials == 0 {
            String::new()
        } else {
            format!(" · {trials} stopped early ({epochs} epochs saved)")
        }
    }

    /// Prints a line without disturbing the bar.
    pub fn note(&self, line: &str) {
        match &self.bar {
            Some(bar) => bar.println(line),
            None if !self.quiet => show(line),
            None => {}
        }
    }

    /// Prints `warning: {text}` the first time a warning of this `kind` is given in the run: what
    /// every following trial would repeat (a misnamed objective, a program that does not resume)
    /// is said once, loudly, and then only recorded on the trials.
    pub fn warn_once(&self, kind: &'static str, text: &str) {
        let first = self
            .warned
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .insert(kind);
        if first {
            self.note(&format!("warning: {text}"));
        }
    }

    /// Removes the bar.
    pub fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }

    fn best_text(&self) -> String {
        let best = self
            .best
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        best.as_ref().map_or_else(
            || String::from("none yet"),
            |b| format!("{:.4} (#{} {})", b.value, b.number, b.params),
        )
    }
}

/// The values of `config` that the plan searches (not its fixed or derived ones).
#[must_use]
pub fn searched(plan: &Plan, config: &Config) -> Config {
    config
        .iter()
        .filter(|(k, _)| plan.parameters.iter().any(|p| &p.name == *k))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect()
}

/// The widest a trial's line is (its parameters are cut to fit), so that it stays one line beside
/// the status bar on a 100-column terminal.
pub const LINE_WIDTH: usize = 100;

/// `text` cut to `width` characters, ending in `…` when cut.
fn cut(text: &str, width: usize) -> String {
    if text.chars().count() <= width {
        return text.to_owned();
    }
    let mut out: String = text.chars().take(width.saturating_sub(1)).collect();
    out.push('…');
    out
}

/// `lr=0.0123 width=64`: the searched values, short names.
fn short(config: &Config) -> String {
    config
        .iter()
        .map(|(k, v)| {
            let name = k.rsplit('.').next().unwrap_or(k);
            format!("{name}={}", v.short())
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// Writes a progress line to stderr; a closed stderr (`hps run … 2>&1 | head`) is not an error —
/// the run goes on and the store records it.
fn show(line: &str) {
    use std::io::Write as _;
    let _ = writeln!(std::io::stderr().lock(), "{line}");
}

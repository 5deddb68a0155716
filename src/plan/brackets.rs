//! Successive-halving brackets and rungs, as in Li et al.'s Hyperband: `s_max = ⌊log_η(max/min)⌋`,
//! bracket `s` starts `n = ⌈(s_max+1)/(s+1) · η^s⌉` configurations at `r = max·η^(−s)` epochs, and rung
//! `i` keeps `⌊n·η^(−i)⌋` of them for `r·η^i` epochs. Read by the plan and the schedulers.

use serde::{Deserialize, Serialize};

/// One rung: how many configurations train to how many epochs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Rung {
    /// Configurations in the rung.
    pub configs: u64,
    /// Epochs each has trained when the rung ends.
    pub epochs: u64,
}

/// One bracket of successive halving.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Bracket {
    /// Hyperband's bracket index `s` (`s_max` is the most aggressive).
    pub s: u32,
    /// Rungs from the first (most configurations) to the last.
    pub rungs: Vec<Rung>,
    /// Epochs trained when promoted trials continue from their checkpoints: `Σ nᵢ·(rᵢ − rᵢ₋₁)`.
    pub epochs_trained: u64,
    /// Epochs trained if every promotion retrained from scratch: `Σ nᵢ·rᵢ` (what most tools do).
    pub epochs_from_scratch: u64,
}

impl Bracket {
    /// Configurations the bracket starts.
    #[must_use]
    pub fn trials(&self) -> u64 {
        self.rungs.first().map_or(0, |r| r.configs)
    }
}

/// `s_max`: the largest `s` with `min·η^s ≤ max` (exact, without floating-point logarithms).
#[must_use]
pub fn s_max(min: u64, max: u64, eta: f64) -> u32 {
    let mut s = 0;
    let mut r = min as f64;
    while r * eta <= max as f64 * (1.0 + 1e-12) && s < 64 {
        r *= eta;
        s += 1;
    }
    s
}

/// Hyperband's brackets, from `s_max` down to 0.
#[must_use]
pub fn hyperband(min: u64, max: u64, eta: f64) -> Vec<Bracket> {
    let s_max = s_max(min, max, eta);
    (0..=s_max)
        .rev()
        .map(|s| {
            let n = (f64::from(s_max + 1) / f64::from(s + 1) * eta.powi(s as i32) - 1e-9).ceil();
            bracket(s, n as u64, max, eta)
        })
        .collect()
}

/// Successive halving: Hyperband's most aggressive bracket alone.
#[must_use]
pub fn successive_halving(min: u64, max: u64, eta: f64) -> Vec<Bracket> {
    let s = s_max(min, max, eta);
    let n = eta.powi(s as i32).round() as u64;
    vec![bracket(s, n, max, eta)]
}

/// Bracket `s` starting `n` configurations, ending at `max` epochs.
#[must_use]
pub fn bracket(s: u32, n: u64, max: u64, eta: f64) -> Bracket {
    let mut rungs = Vec::with_capacity(s as usize + 1);
    for i in 0..=s {
        let configs = ((n as f64) * eta.powi(-(i as i32)) + 1e-9).floor() as u64;
        let epochs = ((max as f64) * eta.powi(i as i32 - s as i32))
            .round()
            .max(1.0) as u64;
        rungs.push(Rung {
            configs: configs.max(1),
            epochs,
        });
    }
    let mut trained = 0;
    let mut scratch = 0;
    let mut previous = 0;
    for r in &rungs {
        trained += r.configs * r.epochs.saturating_sub(previous);
        scratch += r.configs * r.epochs;
        previous = r.epochs;
    }
    Bracket {
        s,
        rungs,
        epochs_trained: trained,
        epochs_from_scratch: scratch,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hyperband_81_3_matches_li_et_al() {
        let brackets = hyperband(1, 81, 3.0);
        let starts: Vec<(u64, u64)> = brackets
            .iter()
            .map(|b| (b.rungs[0].configs, b.rungs[0].epochs))
            .collect();
        assert_eq!(starts, vec![(81, 1), (34, 3), (15, 9), (8, 27), (5, 81)]);
        let first: Vec<(u64, u64)> = brackets[0]
            .rungs
            .iter()
            .map(|r| (r.configs, r.epochs))
            .collect();
        assert_eq!(first, vec![(81, 1), (27, 3), (9, 9), (3, 27), (1, 81)]);
        let second: Vec<(u64, u64)> = brackets[1]
            .rungs
            .iter()
            .map(|r| (r.configs, r.epochs))
            .collect();
        assert_eq!(second, vec![(34, 3), (11, 9), (3, 27), (1, 81)]);
    }

    #[test]
    fn checkpoint_reuse_trains_fewer_epochs() {
        let b = &hyperband(1, 81, 3.0)[0];
        // 81·1 + 27·2 + 9·6 + 3·18 + 1·54
        assert_eq!(b.epochs_trained, 81 + 54 + 54 + 54 + 54);
        assert_eq!(b.epochs_from_scratch, 81 + 81 + 81 + 81 + 81);
    }

    #[test]
    fn s_max_is_exact_at_powers() {
        assert_eq!(s_max(1, 81, 3.0), 4);
        assert_eq!(s_max(1, 80, 3.0), 3);
        assert_eq!(s_max(1, 27, 3.0), 3);
        assert_eq!(s_max(5, 5, 3.0), 0);
    }
}

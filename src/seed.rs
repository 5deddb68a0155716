//! Every random stream hps draws from. A study's seed is split into independent streams by purpose
//! (SplitMix64 of the seed and a purpose), so the same file and seed give the same trials in any
//! order, with any number of workers, resumed or not: trial `n`'s configuration comes from the
//! sampler's stream for `n`, its seed from [`trial_seed`], and its weights, batch order and dropout
//! from streams of that trial seed. Nothing in hps draws from an unseeded source (`clippy.toml`
//! bans them), and Candle's own generator is not used at all.
//!
//! A leaf: samplers, the trainer and the runtime read it; it reads nothing of hps.

use rand::rngs::StdRng;
use rand::{RngCore, SeedableRng};

/// The random sampler's stream (XORed into the study's seed; the trial's number is the purpose).
pub const RANDOM_SAMPLER: u64 = 0x5A4D_504C_4552; // "SAMPLER"
/// The TPE sampler's stream.
pub const TPE_SAMPLER: u64 = 0x0054_5045_5F53_4D50; // "TPE_SMP"
/// The BO sampler's stream.
pub const BO_SAMPLER: u64 = 0x0000_424F_5F53_4D50; // "BO_SMP"
/// The random forest of parameter importances (fANOVA): bootstrap samples and feature orders.
pub const IMPORTANCE: u64 = 0x4641_4E4F_5641; // "FANOVA"
/// AutoHAS: the super-network's weights (with each tensor's name as the purpose) and each search
/// epoch's draws (with the epoch as the purpose).
pub const AUTOHAS: u64 = 0x0041_5554_4F48_4153; // "AUTOHAS"
/// A trial's initial weights, drawn from its trial seed. (Each epoch's batch order and dropout
/// masks use the epoch's index as the purpose: [`epoch_rng`].)
pub const WEIGHTS: u64 = u64::MAX;
/// Trial seeds, offset by the trial's number.
const TRIAL_SEEDS: u64 = 0x7472_6961_6C00;

/// A stream of random numbers for one purpose: SplitMix64 of the seed and the purpose.
#[must_use]
pub fn derived_rng(seed: u64, purpose: u64) -> StdRng {
    let mut z = seed ^ purpose.wrapping_mul(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    StdRng::seed_from_u64(z ^ (z >> 31))
}

/// A purpose named by text (a super-network's tensor by its name): FNV-1a of the bytes, the same
/// on every machine and in every build.
#[must_use]
pub fn name_purpose(name: &str) -> u64 {
    name.bytes().fold(0xCBF2_9CE4_8422_2325, |hash, byte| {
        (hash ^ u64::from(byte)).wrapping_mul(0x0100_0000_01B3)
    })
}

/// The stream a sampler draws trial `number`'s configuration from.
#[must_use]
pub fn sampler_rng(study_seed: u64, sampler: u64, number: u64) -> StdRng {
    derived_rng(study_seed ^ sampler, number)
}

/// The seed of trial `number` in a study seeded `seed`.
#[must_use]
pub fn trial_seed(seed: u64, number: u64) -> u64 {
    derived_rng(seed, number.wrapping_add(TRIAL_SEEDS)).next_u64()
}

/// The stream of a trial's epoch `epoch` (0-based): its batch order and dropout masks. Resumed
/// trials draw the same as uninterrupted ones.
#[must_use]
pub fn epoch_rng(trial_seed: u64, epoch: u32) -> StdRng {
    derived_rng(trial_seed, u64::from(epoch))
}

#[cfg(test)]
mod tests {
    use rand::Rng;

    use super::*;

    #[test]
    fn streams_are_reproducible_and_independent() {
        let draw = |mut rng: StdRng| -> Vec<u64> { (0..4).map(|_| rng.random()).collect() };
        assert_eq!(draw(derived_rng(1, 2)), draw(derived_rng(1, 2)));
        assert_ne!(draw(derived_rng(1, 2)), draw(derived_rng(1, 3)));
        assert_ne!(draw(derived_rng(1, 2)), draw(derived_rng(2, 2)));
        assert_ne!(
            draw(sampler_rng(5, RANDOM_SAMPLER, 0)),
            draw(sampler_rng(5, TPE_SAMPLER, 0))
        );
        assert_eq!(trial_seed(42, 3), trial_seed(42, 3));
        assert_ne!(trial_seed(42, 3), trial_seed(42, 4));
    }
}

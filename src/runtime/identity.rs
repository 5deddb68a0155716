//! A study's identity: what makes its trials comparable. A run whose plan hashes differently from
//! the stored study is refused (`hps::study_changed`); the budget, sampler, scheduler, stopping rule
//! and device may change between runs of one study. Read by [`super::Session::open`].

use crate::plan::Plan;

/// A fingerprint of what makes trials comparable: parameters, fixed and derived values, rules, model,
/// data, trainer, objective and seed (not the budget, sampler, scheduler or device, which a user may
/// change between runs of one study). FNV-1a over the canonical JSON.
#[must_use]
pub fn plan_hash(plan: &Plan) -> String {
    let identity = serde_json::json!({
        "parameters": plan.parameters,
        "fixed": plan.fixed,
        "derived": plan.derived,
        "forbidden": plan.forbidden,
        "model": plan.model.as_ref().map(|m| (&m.model, &m.layers)),
        "data": plan.data.as_ref().map(|d| (&d.source, &d.transforms)),
        "trainer": plan.trainer,
        "objective": plan.objective,
        "seed": plan.seed,
    });
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for byte in identity.to_string().bytes() {
        hash ^= u64::from(byte);
        hash = hash.wrapping_mul(0x0100_0000_01b3);
    }
    format!("{hash:016x}")
}

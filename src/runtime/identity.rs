//! A study's identity: what makes its trials comparable. A run whose plan hashes differently from
//! the stored study is refused (`hps::study_changed`); the budget, sampler, scheduler, stopping rule
//! and device may change between runs of one study. Read by [`super::Session::open`].

use crate::plan::Plan;

/// A fingerprint of what makes trials comparable: parameters, fixed and derived values, rules, model,
/// data, trainer, objective and seed (not the budget, sampler, scheduler or device, which a user may
/// change between runs of one study). FNV-1a over the canonical JSON.
#[must_use]
pub fn plan_hash(plan: &Plan) -> String {
    let identity = identity(plan);
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for byte in identity.to_string().bytes() {
        hash ^= u64::from(byte);
        hash = hash.wrapping_mul(0x0100_0000_01b3);
    }
    format!("{hash:016x}")
}

/// The parts of a plan its identity is made of, as JSON.
fn identity(plan: &Plan) -> serde_json::Value {
    serde_json::json!({
        "parameters": plan.parameters,
        "fixed": plan.fixed,
        "derived": plan.derived,
        "forbidden": plan.forbidden,
        "model": plan.model.as_ref().map(|m| (&m.model, &m.layers)),
        "data": plan.data.as_ref().map(|d| (&d.source, &d.transforms)),
        "trainer": plan.trainer,
        "objective": plan.objective,
        "seed": plan.seed,
    })
}

/// What differs between the identity of `stored` (the plan a study's trials ran with) and of
/// `plan`, in words: `parameter `params.x``, `the seed`. For `hps::study_changed`.
#[must_use]
pub fn changes(stored: &Plan, plan: &Plan) -> Vec<String> {
    let mut changes = Vec::new();
    let before: std::collections::BTreeMap<&str, &crate::plan::ParamPlan> = stored
        .parameters
        .iter()
        .map(|p| (p.name.as_str(), p))
        .collect();
    let after: std::collections::BTreeMap<&str, &crate::plan::ParamPlan> = plan
        .parameters
        .iter()
        .map(|p| (p.name.as_str(), p))
        .collect();
    for name in before
        .keys()
        .chain(after.keys())
        .collect::<std::collections::BTreeSet<_>>()
    {
        let json = |p: Option<&&crate::plan::ParamPlan>| p.map(|p| serde_json::to_value(p).ok());
        match (before.get(name), after.get(name)) {
            (Some(_), None) => changes.push(format!("parameter `{name}` removed")),
            (None, Some(_)) => changes.push(format!("parameter `{name}` added")),
            (b, a) if json(b) != json(a) => changes.push(format!("parameter `{name}`")),
            _ => {}
        }
    }
    let (old, new) = (identity(stored), identity(plan));
    for (key, words) in [
        ("fixed", "fixed values"),
        ("derived", "derived values"),
        ("forbidden", "forbid rules"),
        ("model", "the model"),
        ("data", "the data"),
        ("trainer", "the trainer"),
        ("objective", "the objective"),
        ("seed", "the seed"),
    ] {
        if old.get(key) != new.get(key) {
            changes.push(words.to_owned());
        }
    }
    changes
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_changes_name_what_differs() {
        let plan = |source: &str| {
            let study = crate::Study::from_source("s.hps", source).unwrap();
            study.plan().clone()
        };
        let a = plan(
            "study s {\n  trial = custom\n  params = { x = uniform(0, 1), y = int(1, 3) }\n  objective = minimize loss\n  seed = 1\n}\n",
        );
        let b = plan(
            "study s {\n  trial = custom\n  params = { x = uniform(0, 2), z = int(1, 3) }\n  objective = minimize loss\n  seed = 2\n}\n",
        );
        assert_eq!(
            changes(&a, &b),
            [
                "parameter `params.x`",
                "parameter `params.y` removed",
                "parameter `params.z` added",
                "the seed"
            ]
        );
        assert!(changes(&a, &a).is_empty());
    }
}

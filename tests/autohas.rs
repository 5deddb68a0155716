//! AutoHAS end to end through `hps run`: the search, its stored history, the retrained result,
//! reproducibility, resuming, and the errors only a run can find.

use std::path::Path;

use hps::autohas::state::{self, SearchState};
use hps::space::Value;
use hps::storage::{self, TrialState};

use crate::support::{hps, run_ok, stored_trials};

/// A small search: a two-way block choice, a dropout choice, learning rate and weight decay as
/// bases; 4 super-network epochs (1 of warm-up), then 4 of retraining.
const SOURCE: &str = r#"
dataset digits = builtin("digits") | split(val = 0.2, test = 0.2, seed = 7) | standardize()

arch net() {
  flatten()
  linear(32)
  relu()
  choose {
    { linear(32)  relu() }
  | { linear(16)  tanh()  linear(32)  relu() }
  }
  dropout(p = choose(0.0, 0.2))
  linear(outputs)
}

study s {
  data     = digits
  model    = net()
  train {
    optimizer    = sgd
    lr           = bases(loguniform(1e-2, 2e-1), k = 3)
    momentum     = 0.9
    weight_decay = bases(1e-5, 1e-3)
    batch_size   = 128
    epochs       = 4
  }
  strategy = autohas(controller_lr = 0.1, warmup = 1, retrain = true)
  budget   { epochs = 8 }
  seed     = 5
}
"#;

fn search_state(dir: &Path) -> SearchState {
    let store = storage::open(dir.join("hps.db").to_str().unwrap()).unwrap();
    let study = store.study("s").unwrap().unwrap();
    let bytes = store.sampler_state(study.id, state::KEY).unwrap().unwrap();
    state::decode_state(&bytes).unwrap()
}

fn run_source(dir: &Path, source: &str) {
    std::fs::write(dir.join("s.hps"), source).unwrap();
    run_ok(dir);
}

#[test]
fn autohas_searches_then_retrains_its_result_as_trial_0() {
    let dir = tempfile::tempdir().unwrap();
    run_source(dir.path(), SOURCE);
    let searched = search_state(dir.path());
    assert_eq!(searched.epochs, 4);
    assert_eq!(searched.history.len(), 4);
    assert!(searched.ended.is_none());
    let warmup = &searched.history[0];
    assert!(!warmup.searching && warmup.mean_reward.is_none());
    for record in &searched.history[1..] {
        assert!(record.searching);
        assert!(record.mean_reward.is_some_and(|r| (0.0..=1.0).contains(&r)));
        for p in record.probabilities.values() {
            assert!((p.iter().sum::<f64>() - 1.0).abs() < 1e-9, "{p:?}");
        }
        assert!(record.leading["val.accuracy"] > 0.3, "{record:?}");
    }
    // The controller learnt: after warm-up its distributions are no longer uniform.
    let last = &searched.history[3].probabilities;
    assert!(last["model.choose_1"][0] != 0.5, "{last:?}");

    let trials = stored_trials(dir.path(), "s");
    assert_eq!(trials.len(), 1);
    let result = &trials[0];
    assert_eq!(result.number, 0);
    assert_eq!(result.state, TrialState::Complete);
    assert_eq!(result.epochs, 4);
    assert!(result.value.is_some_and(|v| v > 0.8), "{result:?}");
    // The learning rate is the mixture of its bases under the final distribution.
    let lr = result.params["train.lr"].as_f64().unwrap();
    let p = &last["train.lr"];
    let lr_choice = &searched.controller.choices[2];
    assert_eq!(lr_choice.name, "train.lr");
    let bases: Vec<f64> = lr_choice
        .values
        .iter()
        .map(|v| v.as_f64().unwrap())
        .collect();
    assert_eq!(bases.len(), 3);
    assert!((bases[0] - 1e-2).abs() < 1e-12 && (bases[2] - 2e-1).abs() < 1e-12);
    let mixture: f64 = p.iter().zip(&bases).map(|(p, b)| p * b).sum();
    assert!((lr - mixture).abs() < 1e-12, "{lr} vs {mixture}");
    assert!(lr > bases[0] && lr < bases[2]);
    // The architecture is the most probable alternative.
    let choice = &last["model.choose_1"];
    let leading = i64::from(choice[1] > choice[0]);
    assert_eq!(result.params["model.choose_1"], Value::Int(leading));

    // `hps best` shows it, with its accuracy on the held-out rows, which `hps trials` and
    // `hps export` show too.
    let out = hps(dir.path(), &["best", "s"]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("trial 0"), "{text}");
    assert!(text.contains("train.lr"), "{text}");
    assert!(text.contains("held out: test.accuracy = 0."), "{text}");
    let out = hps(dir.path(), &["trials", "s"]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.lines().next().unwrap().contains("test.accuracy"),
        "{text}"
    );
    let out = hps(dir.path(), &["export", "s", "--format", "json"]);
    let export: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(export["test_metric"], "test.accuracy");
    // `hps report` plots how the controller's distributions moved, one plot per parameter.
    let out = hps(dir.path(), &["report", "s", "-o", "r.html"]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let html = std::fs::read_to_string(dir.path().join("r.html")).unwrap();
    let start = html
        .find("<section id=\"autohas\">")
        .expect("an AutoHAS section");
    let section = &html[start..start + html[start..].find("</section>").unwrap()];
    for name in [
        "model.choose_1",
        "model.dropout_1.p",
        "train.lr",
        "train.weight_decay",
    ] {
        assert!(section.contains(&format!("Controller: {name}")), "{name}");
    }
    assert!(section.contains("Rewards and the leading path"));
    // One line per alternative or basis (2 + 2 + 3 + 2), and three for the rewards.
    assert_eq!(section.matches("<polyline").count(), 12);
    assert!(
        export["test"]["0"].as_f64().is_some_and(|v| v > 0.5),
        "{export}"
    );
}

/// Same file and seed → the same search and result; a search stopped by the epoch budget and
/// resumed by a later run ends exactly where an uninterrupted one does.
#[test]
fn the_same_seed_searches_alike_and_a_resumed_search_equals_an_uninterrupted_one() {
    let whole = tempfile::tempdir().unwrap();
    run_source(whole.path(), SOURCE);
    let again = tempfile::tempdir().unwrap();
    run_source(again.path(), SOURCE);
    assert_eq!(search_state(whole.path()), search_state(again.path()));

    let resumed = tempfile::tempdir().unwrap();
    // Two super-network epochs, then the rest.
    run_source(resumed.path(), &SOURCE.replace("epochs = 8", "epochs = 2"));
    let halfway = search_state(resumed.path());
    assert_eq!(halfway.epochs, 2);
    assert!(stored_trials(resumed.path(), "s").is_empty());
    run_source(resumed.path(), SOURCE);
    assert_eq!(search_state(resumed.path()), search_state(whole.path()));
    let (a, b) = (
        stored_trials(whole.path(), "s"),
        stored_trials(resumed.path(), "s"),
    );
    assert_eq!(a[0].params, b[0].params);
    assert_eq!(a[0].value, b[0].value);
}

/// `autohas(steps = k)`: a sampled configuration trains `k` steps before the validation batch
/// rewards it, so a searching epoch updates the controller once per `k` steps (and once for the
/// steps left at its end); warm-up epochs never, and the default is one update per step.
#[test]
fn a_sampled_configuration_takes_its_steps_before_its_reward() {
    let dir = tempfile::tempdir().unwrap();
    run_source(dir.path(), SOURCE);
    let one = search_state(dir.path());
    let dir = tempfile::tempdir().unwrap();
    run_source(
        dir.path(),
        &SOURCE.replace("warmup = 1,", "warmup = 1, steps = 4,"),
    );
    let four = search_state(dir.path());
    for (state, k) in [(&one, 1), (&four, 4)] {
        assert_eq!(state.history.len(), 4);
        for record in &state.history {
            let expected = if record.searching {
                record.steps.div_ceil(k)
            } else {
                0
            };
            assert!(record.steps > 4, "{record:?}");
            assert_eq!(record.rewards, expected, "steps = {k}: {record:?}");
        }
    }
}

#[test]
fn without_retraining_the_result_is_scored_on_the_shared_weights() {
    let dir = tempfile::tempdir().unwrap();
    run_source(
        dir.path(),
        &SOURCE.replace("retrain = true", "retrain = false"),
    );
    let searched = search_state(dir.path());
    let trials = stored_trials(dir.path(), "s");
    assert_eq!(trials.len(), 1);
    assert_eq!(trials[0].state, TrialState::Complete);
    assert_eq!(
        trials[0].value,
        Some(searched.history[3].leading["val.accuracy"])
    );
}

/// A learning rate basis so large that SGD diverges: the search ends with a message, and the
/// result is what the controller had learnt before.
#[test]
fn a_diverging_search_ends_with_a_message_and_keeps_its_result() {
    let dir = tempfile::tempdir().unwrap();
    let source = SOURCE
        .replace("bases(loguniform(1e-2, 2e-1), k = 3)", "bases(1e6, 1e7)")
        .replace("retrain = true", "retrain = false");
    std::fs::write(dir.path().join("s.hps"), source).unwrap();
    let out = hps(dir.path(), &["run", "s.hps"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("the search diverged"), "{stderr}");
    let searched = search_state(dir.path());
    assert!(
        searched
            .ended
            .as_deref()
            .is_some_and(|e| e.contains("became")),
        "{searched:?}"
    );
    assert!(searched.epochs < 4);
}

#[test]
fn an_objective_autohas_cannot_reward_is_refused_at_the_strategy() {
    let dir = tempfile::tempdir().unwrap();
    let source = SOURCE.replace(
        "  seed     = 5",
        "  objective = minimize train.loss\n  seed = 5",
    );
    std::fs::write(dir.path().join("s.hps"), source).unwrap();
    let out = hps(dir.path(), &["run", "s.hps"]);
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("hps::unsupported"), "{stderr}");
    assert!(stderr.contains("AutoHAS rewards the objective"), "{stderr}");
    assert!(stderr.contains("strategy"), "{stderr}");
}

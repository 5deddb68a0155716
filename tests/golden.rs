//! Seeded studies against their recorded trials: the same file and seed must keep giving the same
//! trials — configurations, states, epochs, values, stop reasons, brackets and rungs — across
//! refactorings of the back end. Each study runs through the `hps` binary and is read back with
//! `hps export --format json`, so the test depends on nothing but the command line.
//!
//! The recordings are in `tests/golden/`. When a change is meant to alter what a seeded study does,
//! rerun with `HPS_BLESS=1` and say why in the commit.

use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::support::hps;

/// The reason a trial waiting for its rung carried before `awaiting` became a state of its own.
const OLD_AWAITING_REASON: &str = "waiting for its rung to finish";

fn golden_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden")
}

fn curves() -> String {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("benches/data/digits_curves.csv")
        .display()
        .to_string()
}

/// The trials of a study as the test compares them: what a seeded run decides, without ids and
/// timestamps. A trial waiting for its rung is `awaiting` however the store spelled it.
fn comparable(export: &Value) -> Vec<Value> {
    let trials = export["trials"]
        .as_array()
        .expect("the export lists trials");
    trials
        .iter()
        .map(|t| {
            let mut state = t["state"].clone();
            let mut error = t.get("error").cloned().unwrap_or(Value::Null);
            if state == "stopped" && error == OLD_AWAITING_REASON {
                state = Value::from("awaiting");
                error = Value::Null;
            }
            serde_json::json!({
                "number": t["number"],
                "state": state,
                "params": t["params"],
                "seed": t["seed"],
                "epochs": t["epochs"],
                "value": t.get("value").cloned().unwrap_or(Value::Null),
                "error": error,
                "bracket": t.get("bracket").cloned().unwrap_or(Value::Null),
                "rung": t.get("rung").cloned().unwrap_or(Value::Null),
                "target_epochs": t.get("target_epochs").cloned().unwrap_or(Value::Null),
                "predicted": t.get("predicted").cloned().unwrap_or(Value::Null),
            })
        })
        .collect()
}

/// Numbers equal to `tolerance` (relative), everything else exactly.
fn same(a: &Value, b: &Value, tolerance: f64) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => {
            let (x, y) = (x.as_f64().unwrap(), y.as_f64().unwrap());
            x == y || (x - y).abs() <= tolerance * x.abs().max(y.abs())
        }
        (Value::Array(x), Value::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(a, b)| same(a, b, tolerance))
        }
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len()
                && x.iter()
                    .all(|(k, v)| y.get(k).is_some_and(|w| same(v, w, tolerance)))
        }
        _ => a == b,
    }
}

/// Runs `source` as study `name` and compares its trials with `tests/golden/NAME.json` (written
/// instead when `HPS_BLESS` is set). Values may differ by `tolerance` (relative): Candle's matrix
/// kernels may round differently on another processor.
fn check(name: &str, source: &str, tolerance: f64) {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("s.hps"), source).unwrap();
    let out = hps(dir.path(), &["run", "s.hps", "-q"]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = hps(dir.path(), &["export", name, "--format", "json"]);
    assert_eq!(out.status.code(), Some(0));
    let export: Value = serde_json::from_slice(&out.stdout).unwrap();
    let trials = comparable(&export);
    assert!(!trials.is_empty());
    let path = golden_dir().join(format!("{name}.json"));
    if std::env::var_os("HPS_BLESS").is_some() {
        std::fs::create_dir_all(golden_dir()).unwrap();
        let text = serde_json::to_string_pretty(&trials).unwrap();
        std::fs::write(&path, format!("{text}\n")).unwrap();
        return;
    }
    let recorded: Vec<Value> = serde_json::from_str(
        &std::fs::read_to_string(&path)
            .unwrap_or_else(|e| panic!("{}: {e} (record it with HPS_BLESS=1)", path.display())),
    )
    .unwrap();
    assert_eq!(trials.len(), recorded.len(), "{name}: number of trials");
    for (now, then) in trials.iter().zip(&recorded) {
        assert!(
            same(now, then, tolerance),
            "{name}: trial {} differs from the recording\nnow:  {now}\nthen: {then}",
            then["number"]
        );
    }
}

/// Replayed curves under `bo` + Hyperband + ν-SVR stopping: every decision of the model-based
/// sampler, the scheduler (promotions, checkpoint resumes) and the stopping rule, with no training.
#[test]
fn a_replayed_bo_hyperband_svr_study_gives_the_recorded_trials() {
    let source = format!(
        r#"import "std/nets.hps"
study golden_replay_bo {{
  trial     = lookup("{curves}")
  model     = mlp(width = choice(16, 64, 256), depth = choice(1, 2, 3), drop = choice(0.0, 0.3))
  train     = {{ optimizer = choice(sgd, adam), lr = choice(0.0003, 0.001, 0.003, 0.01, 0.03, 0.1), epochs = 27 }}
  objective = maximize val.accuracy
  budget    {{ trials = 60 }}
  sampler   = bo(init = 6)
  scheduler = hyperband(min = 1, max = 27, eta = 3)
  stopping  = svr(min_curves = 6, threshold = 0.9)
  seed      = 5
}}
"#,
        curves = curves()
    );
    check("golden_replay_bo", &source, 0.0);
}

/// Replayed curves under `tpe` + ASHA, two trials at once being impossible to order, one worker.
#[test]
fn a_replayed_tpe_asha_study_gives_the_recorded_trials() {
    let source = format!(
        r#"import "std/nets.hps"
study golden_replay_tpe {{
  trial     = lookup("{curves}")
  model     = mlp(width = choice(16, 64, 256), depth = choice(1, 2, 3), drop = choice(0.0, 0.3))
  train     = {{ optimizer = choice(sgd, adam), lr = choice(0.0003, 0.001, 0.003, 0.01, 0.03, 0.1), epochs = 27 }}
  objective = maximize val.accuracy
  budget    {{ trials = 40, epochs = 300 }}
  sampler   = tpe(init = 5)
  scheduler = asha(min = 1, max = 27, eta = 3)
  seed      = 9
}}
"#,
        curves = curves()
    );
    check("golden_replay_tpe", &source, 0.0);
}

/// hps's own trainer on digits: an MLP under `tpe` + Hyperband (promoted trials resume from their
/// checkpoints).
#[test]
fn a_trained_mlp_study_gives_the_recorded_trials() {
    let source = r#"import "std/nets.hps"
dataset digits = builtin("digits") | split(val = 0.2, seed = 7) | standardize()
study golden_mlp {
  data      = digits
  model     = mlp(width = choice(16, 32), depth = int(1, 2), act = choice(relu, gelu, tanh), drop = choice(0.0, 0.2))
  train     = { optimizer = choice(sgd, adam, adamw), lr = loguniform(1e-3, 1e-1), batch_size = 64,
                epochs = 9, schedule = cosine }
  objective = maximize val.accuracy
  budget    { trials = 10 }
  sampler   = tpe(init = 4)
  scheduler = hyperband(min = 1, max = 9, eta = 3)
  seed      = 3
}
"#;
    check("golden_mlp", source, 1e-6);
}

/// hps's own trainer on digits as images: every layer kind (convolution, batch and layer
/// normalisation, pooling, dropout, a residual block with a projection, every activation).
#[test]
fn a_trained_cnn_with_every_layer_gives_the_recorded_trials() {
    let source = r#"dataset digits = builtin("digits") | split(val = 0.2, seed = 7) | standardize()
arch every_layer(act: layer = relu, channels: int = 8) {
  conv(channels, kernel = choose(3, 5))
  batchnorm()
  act()
  residual {
    conv(channels * 2, kernel = 3, padding = 1)
    silu()
  }
  maxpool(2)
  conv(8, kernel = 1, stride = 1, padding = valid)
  elu()
  avgpool(2)
  flatten()
  linear(16)
  layernorm()
  sigmoid()
  dropout(0.1)
  linear(16)
  tanh()
  gelu()
  identity()
  linear(outputs)
}
study golden_cnn {
  data      = digits
  model     = every_layer(act = choice(relu, gelu), channels = choice(4, 8))
  train     = { optimizer = choice(sgd, adamw), lr = 0.01, momentum = 0.9, weight_decay = 1e-4,
                batch_size = 128, epochs = 2, schedule = step, step_size = 1, gamma = 0.5 }
  objective = minimize val.loss
  budget    { trials = 3 }
  sampler   = random
  seed      = 4
}
"#;
    check("golden_cnn", source, 1e-6);
}

/// A strided convolution and global pooling, with a warm-up schedule.
#[test]
fn a_trained_pooled_cnn_gives_the_recorded_trials() {
    let source = r#"dataset digits = builtin("digits") | split(val = 0.2, seed = 7) | standardize()
arch pooled(channels: int = 8) {
  conv(channels, kernel = 3, stride = 2)
  relu()
  globalpool()
  linear(outputs)
}
study golden_pooled {
  data      = digits
  model     = pooled(channels = choice(4, 8))
  train     = { epochs = 2, warmup = 1 }
  budget    { trials = 2 }
  seed      = 4
}
"#;
    check("golden_pooled", source, 1e-6);
}

/// Max and average pooling trained with plain SGD, where the size of each pooling gradient shows in
/// the values (Adam and AdamW, which the other CNN studies draw, divide a uniform scale out of the
/// gradient), on sides that leave a row and a column no window covers (6×6 → 3×3 → 1×1).
#[test]
fn a_cnn_pooled_under_sgd_gives_the_recorded_trials() {
    let source = r#"dataset digits = builtin("digits") | split(val = 0.2, seed = 7) | standardize()
arch pools(channels: int = 4) {
  conv(channels, kernel = 3, padding = valid)
  relu()
  maxpool(2)
  avgpool(2)
  flatten()
  linear(outputs)
}
study golden_pools_sgd {
  data      = digits
  model     = pools(channels = choice(4, 8))
  train     = { optimizer = sgd, lr = 0.05, momentum = 0.9, batch_size = 64, epochs = 2 }
  objective = minimize val.loss
  budget    { trials = 2 }
  seed      = 5
}
"#;
    check("golden_pools_sgd", source, 1e-6);
}

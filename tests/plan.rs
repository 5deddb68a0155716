//! Plan lowering: the Hyperband bracket table of Li et al., the JSON schema, budgets and grids.

use hps::plan::Plan;
use hps::semantic::check_text;

fn plan_of(source: &str) -> Plan {
    let checked = check_text("test.hps", source, None);
    assert!(!checked.has_errors(), "{}", checked.render_plain(80));
    hps::lower::plan(&checked.program.studies[0], &checked.program)
}

const HYPERBAND_81: &str = r#"
import "std/nets.hps"
dataset d = builtin("digits") | split(val = 0.2)
study s {
  data = d
  model = mlp(width = choice(32, 64))
  train = { lr = loguniform(1e-4, 1e-1), epochs = 81 }
  scheduler = hyperband(min = 1, max = 81, eta = 3)
  budget { trials = 143 }
}
"#;

#[test]
fn hyperband_81_brackets_and_rungs_are_exact() {
    let plan = plan_of(HYPERBAND_81);
    let table: Vec<Vec<(u64, u64)>> = plan
        .scheduler
        .brackets
        .iter()
        .map(|b| b.rungs.iter().map(|r| (r.configs, r.epochs)).collect())
        .collect();
    assert_eq!(
        table,
        vec![
            vec![(81, 1), (27, 3), (9, 9), (3, 27), (1, 81)],
            vec![(34, 3), (11, 9), (3, 27), (1, 81)],
            vec![(15, 9), (5, 27), (1, 81)],
            vec![(8, 27), (2, 81)],
            vec![(5, 81)],
        ]
    );
    // One full iteration is exactly 143 trials.
    assert_eq!(plan.limits.max_trials, Some(143));
    let text = plan.render_text();
    assert!(text.contains("81×1 → 27×3 → 9×9 → 3×27 → 1×81"), "{text}");
    assert!(text.contains("5×81"), "{text}");
}

#[test]
fn json_plan_follows_the_documented_schema() {
    let plan = plan_of(HYPERBAND_81);
    let json: serde_json::Value =
        serde_json::from_str(&serde_json::to_string(&plan).unwrap()).unwrap();
    for key in [
        "schema",
        "hps_version",
        "study",
        "file",
        "seed",
        "objective",
        "data",
        "parameters",
        "fixed",
        "derived",
        "forbidden",
        "model",
        "trainer",
        "budget",
        "limits",
        "sampler",
        "scheduler",
        "stopping",
        "device",
        "store",
    ] {
        assert!(json.get(key).is_some(), "plan JSON lacks `{key}`");
    }
    assert_eq!(json["schema"], 1);
    assert_eq!(json["parameters"][0]["name"], "model.width");
    assert_eq!(json["parameters"][0]["distribution"]["kind"], "choice");
    assert_eq!(json["parameters"][1]["distribution"]["kind"], "loguniform");
    assert_eq!(json["scheduler"]["name"], "hyperband");
    assert_eq!(json["scheduler"]["brackets"][1]["rungs"][0]["configs"], 34);
    // width 32, default depth 2: 64·32+32 + 32·32+32 + 32·10+10.
    assert_eq!(json["model"]["smallest"]["parameters"], 3466);
    // The plan round-trips.
    let back: Plan = serde_json::from_value(json).unwrap();
    assert_eq!(back, plan);
}

#[test]
fn yaml_plan_round_trips() {
    let plan = plan_of(HYPERBAND_81);
    let yaml = serde_saphyr::to_string(&plan).unwrap();
    let back: Plan = serde_saphyr::from_str(&yaml).unwrap();
    assert_eq!(back.scheduler.brackets, plan.scheduler.brackets);
    assert_eq!(back.parameters.len(), plan.parameters.len());
}

#[test]
fn grid_size_applies_conditions_and_forbid() {
    let plan = plan_of(
        r#"
        study s {
          trial = command("prog {a} {b}")
          params = {
            a = choice(x, y, z)
            when a == x { b = int(1, 4) }
            forbid a == z
          }
          objective = maximize score
          sampler = grid
        }
        "#,
    );
    let grid = plan.grid.unwrap();
    // a = x: 4 values of b; a = y: 1; a = z: forbidden.
    assert_eq!((grid.configurations, grid.exact), (5, true));
}

#[test]
fn fifo_limits_follow_trials_and_epochs() {
    let plan = plan_of(
        r#"
        import "std/nets.hps"
        dataset d = builtin("digits")
        study s {
          data = d
          model = mlp()
          train = { epochs = 10 }
          budget { trials = 50, epochs = 120 }
        }
        "#,
    );
    assert_eq!(plan.scheduler.epochs_per_trial, Some(10));
    assert_eq!(plan.limits.max_trials, Some(12));
    assert_eq!(plan.limits.max_epochs, Some(120));
}

#[test]
fn bases_on_a_log_range_are_geometric() {
    let plan = plan_of(
        r#"
        study s {
          trial = command("prog {lr}")
          params = { lr = bases(loguniform(1e-4, 1), k = 5) }
          objective = minimize loss
        }
        "#,
    );
    let hps::space::Distribution::Bases { values, log } = &plan.parameters[0].distribution else {
        panic!("not bases");
    };
    assert!(*log);
    let expected = [1e-4, 1e-3, 1e-2, 1e-1, 1.0];
    for (v, e) in values.iter().zip(expected) {
        assert!((v / e - 1.0).abs() < 1e-9, "{values:?}");
    }
}

/// docs/language.md §2: a bare name of 4 characters or more next to a defined name is a typo; a
/// shorter one is a symbol.
#[test]
fn short_bare_names_are_symbols_and_longer_near_misses_are_typos() {
    let source = |value: &str| {
        format!(
            "study s {{\n  trial = command(\"run {{lr}} {{b}}\")\n  params = {{\n    lr = uniform(0, 1)\n    rate = uniform(0, 1)\n    b = {value}\n  }}\n  objective = minimize loss\n}}\n"
        )
    };
    let short = hps::semantic::check_text("s.hps", &source("lx"), None);
    assert!(!short.has_errors(), "{}", short.render_plain(80));
    let long = hps::semantic::check_text("s.hps", &source("ratw"), None);
    let typo = long
        .diagnostics
        .iter()
        .find(|d| d.code == hps::diagnostic::Code::UnknownName && d.message.contains("ratw"))
        .unwrap_or_else(|| panic!("{}", long.render_plain(80)));
    assert_eq!(typo.help.as_deref(), Some("did you mean `rate`?"));
}

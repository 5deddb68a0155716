//! HyperSTAR's predictor (`hps::meta`) on synthetic tasks whose best configuration depends on the
//! data: a model trained on some tasks ranks the right configurations first for unseen ones, which
//! the task-agnostic ranking cannot; the same seed gives the same model; the model file round-trips,
//! and a corrupt file or another search space is refused with a reason.

use candle_core::Device;
use hps::meta::evaluation::leave_one_task_out;
use hps::meta::ranking::{order, scores};
use hps::meta::training::{MetaTask, TrainOptions, standardise, train};
use hps::meta::{ModelFile, Settings, TaskRows};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use rand_distr::{Distribution, Normal};

/// Configurations `a ∈ 0..6`, `b ∈ 0..3`, encoded as their unit positions.
fn configs() -> Vec<(usize, usize, Vec<f32>)> {
    let mut out = Vec::new();
    for a in 0..6 {
        for b in 0..3 {
            #[allow(clippy::cast_precision_loss)]
            out.push((a, b, vec![a as f32 / 5.0, b as f32 / 2.0]));
        }
    }
    out
}

/// A task of the family `separable`: its rows (separable tasks have classes far apart in every
/// feature, the others none), and scores that favour large `a` on separable tasks and small `a`
/// on the others (`b` matters a little, the same way everywhere).
fn task(name: &str, separable: bool, seed: u64) -> MetaTask {
    let mut rng = StdRng::seed_from_u64(seed);
    let rows = rng.random_range(150..300);
    let width = rng.random_range(3..9);
    let noise = Normal::new(0.0, 1.0).unwrap();
    let mut features = Vec::new();
    let mut labels = Vec::new();
    for i in 0..rows {
        let label = u32::from(i % 2 == 0);
        labels.push(label);
        for _ in 0..width {
            let centre = if separable {
                if label == 1 { 2.0 } else { -2.0 }
            } else {
                0.0
            };
            #[allow(clippy::cast_possible_truncation)]
            features.push((centre + noise.sample(&mut rng)) as f32);
        }
    }
    let rows = TaskRows::new(features, width, labels, 2).unwrap();
    let best = if separable { 5.0 } else { 0.0 };
    let configs = configs();
    let scores = configs
        .iter()
        .map(|(a, b, _)| {
            #[allow(clippy::cast_precision_loss)]
            let (a, b) = (*a as f64, *b as f64);
            -(a - best).powi(2) - 0.3 * b + 0.05 * noise.sample(&mut rng)
        })
        .collect();
    MetaTask {
        name: name.to_owned(),
        rows,
        configs: configs.into_iter().map(|(_, _, v)| v).collect(),
        scores,
    }
}

fn options() -> TrainOptions {
    TrainOptions {
        steps: 400,
        ..TrainOptions::default()
    }
}

fn settings() -> Settings {
    Settings {
        hidden: 24,
        embedding: 8,
        rows: 48,
        columns: 8,
        ..Settings::default()
    }
}

fn training_tasks() -> Vec<MetaTask> {
    (0..8)
        .map(|i| task(&format!("train{i}"), i % 2 == 0, 100 + i))
        .collect()
}

fn predicted_order(model: &hps::meta::Predictor, task: &MetaTask) -> Vec<usize> {
    order(&scores(model, &task.rows, &task.configs, 8, 1, &Device::Cpu).unwrap())
}

#[test]
fn a_trained_model_ranks_an_unseen_tasks_best_configurations_first() {
    let tasks = training_tasks();
    let model = train(
        &tasks,
        2,
        settings(),
        &options(),
        &Device::Cpu,
        &mut |_, _| {},
    )
    .unwrap();
    let configs = configs();
    for (separable, seed) in [(true, 7), (false, 8), (true, 9), (false, 10)] {
        let unseen = task("unseen", separable, seed);
        let ranked = predicted_order(&model, &unseen);
        let top: Vec<usize> = ranked[..3].iter().map(|&i| configs[i].0).collect();
        let wanted = if separable { [4, 5] } else { [0, 1] };
        assert!(
            top.iter().all(|a| wanted.contains(a)),
            "separable = {separable}: the top three have a = {top:?}"
        );
    }
    // The task-agnostic ranking (mean standardised score over the training tasks) puts the same
    // configurations first for both kinds of task, so it is wrong for one of them.
    let targets: Vec<Vec<f32>> = tasks.iter().map(MetaTask::targets).collect();
    let mean: Vec<f64> = (0..configs.len())
        .map(|i| targets.iter().map(|t| f64::from(t[i])).sum::<f64>())
        .collect();
    let agnostic: Vec<usize> = order(&mean)[..3].iter().map(|&i| configs[i].0).collect();
    let right_for = |wanted: [usize; 2]| agnostic.iter().all(|a| wanted.contains(a));
    assert!(!(right_for([4, 5]) && right_for([0, 1])), "{agnostic:?}");
}

/// Leave-one-task-out: each task is ranked by a predictor trained on the others. With both kinds
/// of task among the others, every held-out task's best configurations come first; holding all
/// the separable tasks out together (`together`) leaves their predictors only the other kind, and
/// their scores fall — the grouping takes the partners out of training.
#[test]
fn leave_one_task_out_scores_each_task_by_a_predictor_trained_on_the_others() {
    let tasks = training_tasks();
    let run = |together: &[Vec<String>]| {
        let mut heard = Vec::new();
        let scores = leave_one_task_out(
            &tasks,
            2,
            settings(),
            &options(),
            together,
            &Device::Cpu,
            &mut |done, name, _| heard.push((done, name.to_owned())),
        )
        .unwrap();
        assert_eq!(heard.len(), tasks.len());
        scores
    };
    let alone = run(&[]);
    let names: Vec<&str> = alone.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(
        names,
        tasks.iter().map(|t| t.name.as_str()).collect::<Vec<_>>()
    );
    assert!(alone.iter().all(|(_, ap)| *ap > 0.6), "{alone:?}");
    let separable = vec![
        String::from("train0"),
        String::from("train2"),
        String::from("train4"),
        String::from("train6"),
    ];
    let grouped = run(&[separable]);
    let mean = |scores: &[(String, f64)], even: bool| {
        let picked: Vec<f64> = scores
            .iter()
            .enumerate()
            .filter(|(i, _)| (i % 2 == 0) == even)
            .map(|(_, (_, ap))| *ap)
            .collect();
        picked.iter().sum::<f64>() / 4.0
    };
    assert!(
        mean(&grouped, true) < mean(&alone, true) - 0.2,
        "alone {alone:?}, grouped {grouped:?}"
    );
}

#[test]
fn the_same_seed_gives_the_same_model_and_ranking() {
    let tasks = training_tasks();
    let short = TrainOptions {
        steps: 60,
        ..options()
    };
    let first = train(&tasks, 2, settings(), &short, &Device::Cpu, &mut |_, _| {}).unwrap();
    let second = train(&tasks, 2, settings(), &short, &Device::Cpu, &mut |_, _| {}).unwrap();
    let unseen = task("unseen", true, 7);
    let a = scores(&first, &unseen.rows, &unseen.configs, 4, 3, &Device::Cpu).unwrap();
    let b = scores(&second, &unseen.rows, &unseen.configs, 4, 3, &Device::Cpu).unwrap();
    assert_eq!(a, b);
    let other_seed = TrainOptions { seed: 1, ..short };
    let third = train(
        &tasks,
        2,
        settings(),
        &other_seed,
        &Device::Cpu,
        &mut |_, _| {},
    )
    .unwrap();
    let c = scores(&third, &unseen.rows, &unseen.configs, 4, 3, &Device::Cpu).unwrap();
    assert_ne!(a, c);
}

#[test]
fn standardised_targets_have_zero_mean_and_unit_spread() {
    let z = standardise(&[1.0, 2.0, 3.0, 4.0]);
    let mean: f32 = z.iter().sum::<f32>() / 4.0;
    let var: f32 = z.iter().map(|v| (v - mean).powi(2)).sum::<f32>() / 4.0;
    assert!(mean.abs() < 1e-6 && (var - 1.0).abs() < 1e-5, "{z:?}");
    assert_eq!(standardise(&[2.0, 2.0]), vec![0.0, 0.0]);
}

/// The search space of a small study, for the model file's signature.
fn space_of(source: &str) -> hps::space::SearchSpace {
    let checked = hps::semantic::check_text("s.hps", source, None);
    assert!(!checked.has_errors(), "{}", checked.render_plain(80));
    let study = &checked.program.studies[0];
    hps::lower::plan(study, &checked.program).search_space()
}

const STUDY: &str = "study s {\n  trial = command(\"run {a} {b}\")\n  params = {\n    a = choice(0, 1, 2, 3, 4, 5)\n    b = int(0, 2)\n  }\n  objective = maximize score\n}\n";

#[test]
fn the_model_file_round_trips_and_refuses_corrupt_files_and_other_spaces() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("m.hpsmeta");
    let tasks = training_tasks();
    let short = TrainOptions {
        steps: 20,
        ..options()
    };
    let predictor = train(&tasks, 2, settings(), &short, &Device::Cpu, &mut |_, _| {}).unwrap();
    let space = space_of(STUDY);
    let header = ModelFile::header(&space, &predictor, short, Vec::new());
    let model = ModelFile { header, predictor };
    model.save(&path).unwrap();
    let loaded = ModelFile::load(&path, &Device::Cpu).unwrap();
    assert_eq!(loaded.header, model.header);
    let unseen = task("unseen", true, 7);
    assert_eq!(
        scores(
            &model.predictor,
            &unseen.rows,
            &unseen.configs,
            2,
            0,
            &Device::Cpu
        )
        .unwrap(),
        scores(
            &loaded.predictor,
            &unseen.rows,
            &unseen.configs,
            2,
            0,
            &Device::Cpu
        )
        .unwrap()
    );
    loaded.check_space(&space).unwrap();
    // Another space: the parameter that differs is named.
    let other = space_of(&STUDY.replace("int(0, 2)", "int(0, 3)"));
    let error = loaded.check_space(&other).unwrap_err();
    assert!(error.message.contains("`params.b`"), "{}", error.message);
    let fewer = space_of(&STUDY.replace("    b = int(0, 2)\n", "").replace(" {b}", ""));
    let error = loaded.check_space(&fewer).unwrap_err();
    assert!(error.message.contains("2 parameters"), "{}", error.message);
    // A file cut short, a file of something else, a missing file.
    let bytes = std::fs::read(&path).unwrap();
    std::fs::write(&path, &bytes[..bytes.len() / 2]).unwrap();
    let Err(cut) = ModelFile::load(&path, &Device::Cpu) else {
        panic!("a cut file loaded")
    };
    assert!(
        cut.message.contains("is not an hps model"),
        "{}",
        cut.message
    );
    std::fs::write(&path, "hello").unwrap();
    assert!(ModelFile::load(&path, &Device::Cpu).is_err());
    let Err(missing) = ModelFile::load(&dir.path().join("none"), &Device::Cpu) else {
        panic!("a missing file loaded")
    };
    assert!(
        missing.message.contains("cannot read the model"),
        "{}",
        missing.message
    );
}

/// A study of `data` over `a ∈ {1, 2, 3}`, `b ∈ {x, y}` with the trainer `trial`.
fn grid_study(name: &str, data: &str, trial: &str, extra: &str) -> String {
    format!(
        "dataset d = builtin(\"digits\") | {data}\nstudy {name} {{\n  data      = d\n  trial     = {trial}\n  params    = {{\n    a = choice(1, 2, 3)\n    b = choice(x, y)\n  }}\n  train     = {{ epochs = 1 }}\n  objective = maximize score\n{extra}}}\n"
    )
}

/// `hps meta train` learns from a store's studies (two of them the same task: their scores are
/// averaged), `hps meta rank` prints a new study's ranking, and `hps run` with
/// `hyperstar(top = 3)` trains those three first, in that order, then searches on.
#[test]
fn meta_train_rank_and_run_work_from_the_command_line() {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("meta.db").display().to_string();
    let tasks = [
        ("table_one_s1", "subsample(0.2, seed = 1)", 1.0),
        ("table_one_s2", "subsample(0.2, seed = 1)", 1.0),
        ("table_two_s1", "subsample(0.2, seed = 2)", -1.0),
    ];
    for (name, data, sign) in tasks {
        let source = grid_study(name, data, "custom", "  sampler   = grid\n");
        hps::Study::from_source(&format!("{name}.hps"), &source)
            .unwrap()
            .optimize(&store, move |trial| {
                let a = trial.number("a")?;
                let b = if trial.text("b")? == "x" { 0.5 } else { 0.0 };
                trial.report(1, sign * a + b);
                Ok(())
            })
            .unwrap();
    }
    // A study of another name is left out by the pattern.
    let other = grid_study("other", "subsample(0.1, seed = 3)", "custom", "");
    hps::Study::from_source("other.hps", &other)
        .unwrap()
        .optimize(&store, |trial| {
            trial.report(1, 0.0);
            Ok(())
        })
        .unwrap();
    let model = dir.path().join("m.hpsmeta");
    let out = crate::support::hps(
        dir.path(),
        &[
            "meta",
            "train",
            "--storage",
            &store,
            "--studies",
            "table_*",
            "-o",
            "m.hpsmeta",
            "--steps",
            "40",
            "--leave-one-task-out",
        ],
    );
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let loaded = ModelFile::load(&model, &Device::Cpu).unwrap();
    let tasks: Vec<(usize, usize)> = loaded
        .header
        .tasks
        .iter()
        .map(|t| (t.configurations, t.classes))
        .collect();
    assert_eq!(tasks, vec![(6, 10), (6, 10)], "{:?}", loaded.header.tasks);
    // Its own leave-one-task-out scores, one per task, are in its header.
    let held_out: Vec<&str> = loaded
        .header
        .leave_one_task_out
        .iter()
        .map(|(name, _)| name.as_str())
        .collect();
    assert_eq!(held_out, ["table_one_s1", "table_two_s1"]);
    assert!(
        loaded
            .header
            .leave_one_task_out
            .iter()
            .all(|(_, ap)| (0.0..=1.0).contains(ap))
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("leave-one-task-out AP@10: mean"));

    // A new study ranked by the model, then run with it.
    std::fs::write(
        dir.path().join("score.sh"),
        "echo \"{\\\"epoch\\\": 1, \\\"score\\\": $1}\"\n",
    )
    .unwrap();
    let new = grid_study(
        "fresh",
        "subsample(0.2, seed = 4)",
        "command(\"sh score.sh {a}\")",
        "  sampler   = hyperstar(model = \"m.hpsmeta\", top = 3, then = random)\n  budget    { trials = 5 }\n",
    );
    std::fs::write(dir.path().join("new.hps"), &new).unwrap();
    let out = crate::support::hps(dir.path(), &["meta", "rank", "new.hps", "--top", "6"]);
    let ranking = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let lines: Vec<&str> = ranking.lines().skip(1).collect();
    assert_eq!(lines.len(), 6, "{ranking}");
    let out = crate::support::hps(dir.path(), &["run", "new.hps", "-q"]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let trials = crate::support::stored_trials(dir.path(), "fresh");
    assert_eq!(trials.len(), 5);
    for (trial, line) in trials.iter().zip(&lines[..3]) {
        let a = trial.params["params.a"].as_f64().unwrap();
        let b = trial.params["params.b"].as_str().unwrap().to_owned();
        assert!(
            line.contains(&format!("params.a = {a}")) && line.contains(&format!("params.b = {b}")),
            "trial {} ({a}, {b}) is not ranked {line}",
            trial.number
        );
    }
}

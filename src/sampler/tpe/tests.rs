//! The TPE sampler end to end: random first trials, domains and scales, conditions, `forbid`,
//! determinism, parallel (pending) trials, and search quality against random search.

use super::*;
use crate::plan::sampler::{SamplerPlan, TpeOptions};
use crate::plan::{Plan, Step};
use crate::sampler::testing::{
    BRANIN_MINIMUM, BRANIN_SPACE, MIXED, best, branin, complete, get, num, plan, run,
};
use crate::sampler::{SamplerContext, build, training_set};
use crate::space::Term;
use crate::storage::TrialState;

fn options(plan: &Plan) -> TpeOptions {
    match &plan.sampler {
        SamplerPlan::Tpe(options) => *options,
        other => panic!("not tpe: {other:?}"),
    }
}

fn tpe(plan: &Plan, multivariate: bool) -> TpeSampler {
    let mut options = options(plan);
    options.multivariate = multivariate;
    TpeSampler::new(
        plan.search_space(),
        plan.seed,
        plan.objective.direction,
        options,
    )
}

#[test]
fn plans_name_tpe_with_its_arguments() {
    let p = plan("x = uniform(0, 1)", "tpe(init = 5, candidates = 8)", "");
    let parsed = options(&p);
    assert_eq!((parsed.init, parsed.candidates), (5, 8));
    assert!(build(&SamplerContext::detached(&p)).unwrap().uses_history());
    let bare = plan("x = uniform(0, 1)", "tpe", "");
    // The documented defaults.
    assert_eq!(
        options(&bare),
        TpeOptions {
            init: 10,
            candidates: 24,
            multivariate: true
        }
    );
    assert_eq!(options(&bare), TpeOptions::default());
    let univariate = plan("x = uniform(0, 1)", "tpe(multivariate = false)", "");
    assert!(!options(&univariate).multivariate);
    let mut bad = Step::from(bare.sampler.clone());
    bad.args.insert("init".into(), Value::Int(0));
    assert!(SamplerPlan::try_from(bad).is_err());
    let mut bad = Step::from(bare.sampler.clone());
    bad.args.insert("multivariate".into(), Value::Int(1));
    assert!(SamplerPlan::try_from(bad).is_err());
}

#[test]
fn the_first_trials_and_those_without_enough_data_are_the_random_samplers() {
    let p = plan(MIXED, "tpe(init = 10)", "");
    let space = p.search_space();
    let mut sampler = build(&SamplerContext::detached(&p)).unwrap();
    let mut random = RandomSampler::new(space.clone(), p.seed);
    let mut history = Vec::new();
    for n in 0..10 {
        let config = sampler.ask(n, &history).unwrap().unwrap();
        assert_eq!(Some(config.clone()), random.ask(n, &history).unwrap());
        // Half of them fail: they give the model nothing.
        let mut o = complete(&space, &config, num(&config, "x"));
        if n % 2 == 0 {
            o.state = TrialState::Failed;
        }
        history.push(o);
    }
    let config = sampler.ask(10, &history).unwrap();
    assert_eq!(config, random.ask(10, &history).unwrap());
}

#[test]
fn values_stay_in_their_domains_and_scales() {
    let p = plan(MIXED, "tpe", "");
    let space = p.search_space();
    let loss = |c: &Config| (num(c, "x") - 1.0).powi(2) + num(c, "lr").ln().abs();
    for multivariate in [false, true] {
        let history = run(&mut tpe(&p, multivariate), &space, 50, &loss);
        for o in &history {
            let c = &o.config;
            assert!((-3.0..=3.0).contains(&num(c, "x")));
            assert!((1e-4..=1.0).contains(&num(c, "lr")));
            let units = get(c, "units").unwrap().as_i64().unwrap();
            assert!(matches!(get(c, "units"), Some(Value::Int(_))) && (2..=64).contains(&units));
            assert!(
                [0, 4, 8].contains(&get(c, "k").unwrap().as_i64().unwrap()),
                "{c:?}"
            );
            assert!([0.0, 0.25, 0.5, 0.75, 1.0].contains(&num(c, "q")), "{c:?}");
            assert!([8, 16, 32].contains(&get(c, "size").unwrap().as_i64().unwrap()));
            let opt = get(c, "opt").unwrap().as_str().unwrap();
            assert!(["sgd", "adam"].contains(&opt));
            assert_eq!(get(c, "momentum").is_some(), opt == "sgd", "{c:?}");
            if let Some(m) = get(c, "momentum") {
                assert!((0.0..=0.9).contains(&m.as_f64().unwrap()));
            }
        }
    }
}

/// `momentum` only exists under `sgd`; `sgd` is better, and best with momentum near 0.7.
fn momentum_loss(c: &Config) -> f64 {
    match get(c, "momentum") {
        Some(m) => (m.as_f64().unwrap() - 0.7).abs(),
        None => 0.5,
    }
}

#[test]
fn conditional_parameters_are_learnt_only_from_trials_where_they_are_active() {
    let p = plan(MIXED, "tpe", "");
    let space = p.search_space();
    let history = run(&mut tpe(&p, false), &space, 30, &momentum_loss);
    let training = training_set(&history, Direction::Minimize, 10);
    let rows = split::split(&history, &training);
    let model = Model::new(&space, &rows, TpeOptions::default());
    let j = space
        .params
        .iter()
        .position(|q| q.name == "params.momentum")
        .unwrap();
    let group = &model.groups[model.group_of[j].unwrap()];
    let active = history
        .iter()
        .filter(|o| get(&o.config, "momentum").is_some())
        .count();
    assert!(active > 0 && active < history.len());
    assert_eq!(group.good.observations() + group.bad.observations(), active);
    let x = space
        .params
        .iter()
        .position(|q| q.name == "params.x")
        .unwrap();
    let all = &model.groups[model.group_of[x].unwrap()];
    assert_eq!(all.good.observations() + all.bad.observations(), 30);
}

/// The mean distance of the late trials' momentum from 0.7, and how many trials had one.
fn late_momentum(history: &[Observation]) -> (f64, usize) {
    let late: Vec<f64> = history[30..]
        .iter()
        .filter_map(|o| get(&o.config, "momentum"))
        .map(|m| (m.as_f64().unwrap() - 0.7).abs())
        .collect();
    #[allow(clippy::cast_precision_loss)]
    let mean = late.iter().sum::<f64>() / late.len().max(1) as f64;
    (mean, late.len())
}

#[test]
fn conditional_parameters_converge_where_they_are_good() {
    // Summed over three seeds: [random, univariate, multivariate] × (mean distance, count).
    let mut totals = [(0.0, 0); 3];
    for seed in 0..3 {
        let mut p = plan(MIXED, "tpe", "");
        p.seed = seed;
        let space = p.search_space();
        let mut random = RandomSampler::new(space.clone(), seed);
        let runs = [
            run(&mut random, &space, 60, &momentum_loss),
            run(&mut tpe(&p, false), &space, 60, &momentum_loss),
            run(&mut tpe(&p, true), &space, 60, &momentum_loss),
        ];
        for (total, history) in totals.iter_mut().zip(&runs) {
            let (mean, count) = late_momentum(history);
            total.0 += mean;
            total.1 += count;
        }
    }
    eprintln!("momentum (random, univariate, multivariate): {totals:?}");
    for tpe in &totals[1..] {
        // More trials use sgd (the better optimiser), nearer the best momentum.
        assert!(tpe.1 > totals[0].1, "{totals:?}");
        assert!(tpe.0 < 0.7 * totals[0].0, "{totals:?}");
    }
}

#[test]
fn forbidden_proposals_are_redrawn() {
    let p = plan(
        "x = uniform(0, 1)\n y = uniform(0, 1)",
        "tpe",
        "forbid x > 0.5 and y > 0.5",
    );
    let space = p.search_space();
    // The optimum sits just inside the forbidden corner.
    let loss = |c: &Config| (num(c, "x") - 0.55).powi(2) + (num(c, "y") - 0.55).powi(2);
    for multivariate in [false, true] {
        // `run` asserts that no proposal is forbidden.
        let history = run(&mut tpe(&p, multivariate), &space, 60, &loss);
        let near = |h: &[Observation]| h.iter().filter(|o| loss(&o.config) < 0.02).count();
        let mut random = RandomSampler::new(space.clone(), p.seed);
        let baseline = near(&run(&mut random, &space, 60, &loss));
        eprintln!("forbid {multivariate}: {} vs {baseline}", near(&history));
        assert!(
            near(&history) > 2 * baseline,
            "{} vs {baseline}",
            near(&history)
        );
    }
}

#[test]
fn a_space_forbidden_everywhere_is_an_error_not_a_panic() {
    let p = plan("x = uniform(0, 1)", "tpe", "");
    let space = p.search_space();
    let history = run(&mut tpe(&p, false), &space, 10, &|c| num(c, "x"));
    let mut closed = space.clone();
    closed.forbidden.push(Term::constant(Value::Bool(true)));
    let mut sampler = TpeSampler::new(closed, 1, Direction::Minimize, TpeOptions::default());
    assert!(sampler.ask(10, &history).is_err());
}

#[test]
fn the_same_history_and_number_give_the_same_proposal() {
    let p = plan(MIXED, "tpe", "");
    let space = p.search_space();
    let loss = |c: &Config| (num(c, "x") - 1.0).powi(2) + momentum_loss(c);
    for multivariate in [false, true] {
        let mut sampler = tpe(&p, multivariate);
        let history = run(&mut sampler, &space, 30, &loss);
        let first = sampler.ask(30, &history).unwrap();
        assert_eq!(first, sampler.ask(30, &history).unwrap());
        assert_eq!(first, tpe(&p, multivariate).ask(30, &history).unwrap());
        assert_ne!(first, sampler.ask(31, &history).unwrap());
        // Resumed with the same trials, a fresh sampler replays the study.
        assert_eq!(history, run(&mut tpe(&p, multivariate), &space, 30, &loss));
    }
}

#[test]
fn pending_trials_push_parallel_proposals_away() {
    let p = plan("x = uniform(0, 1)", "tpe", "");
    let space = p.search_space();
    let loss = |c: &Config| (num(c, "x") - 0.3).abs();
    let mut sampler = tpe(&p, false);
    let mut history = run(&mut sampler, &space, 30, &loss);
    let alone: Vec<Config> = (31..51)
        .map(|n| sampler.ask(n, &history).unwrap().unwrap())
        .collect();
    let pending = sampler.ask(30, &history).unwrap().unwrap();
    history.push(Observation {
        config: pending.clone(),
        state: TrialState::Running,
        curve: Vec::new(),
        predicted: None,
    });
    let beside: Vec<Config> = (31..51)
        .map(|n| sampler.ask(n, &history).unwrap().unwrap())
        .collect();
    let distance = |cs: &[Config]| -> f64 {
        cs.iter()
            .map(|c| (num(c, "x") - num(&pending, "x")).abs())
            .sum()
    };
    assert!(
        distance(&beside) > distance(&alone),
        "{} vs {}",
        distance(&beside),
        distance(&alone)
    );
}

#[test]
fn tpe_beats_random_search_on_branin() {
    let mut regret = [0.0; 3];
    for seed in 0..8 {
        let mut p = plan(BRANIN_SPACE, "tpe", "");
        p.seed = seed;
        let space = p.search_space();
        let mut random = RandomSampler::new(space.clone(), seed);
        regret[0] += best(&run(&mut random, &space, 60, &branin)) - BRANIN_MINIMUM;
        regret[1] += best(&run(&mut tpe(&p, false), &space, 60, &branin)) - BRANIN_MINIMUM;
        regret[2] += best(&run(&mut tpe(&p, true), &space, 60, &branin)) - BRANIN_MINIMUM;
    }
    eprintln!("summed regret over 8 seeds (random, univariate, multivariate): {regret:?}");
    assert!(regret[1] < 0.5 * regret[0], "{regret:?}");
    assert!(regret[2] < 0.5 * regret[0], "{regret:?}");
}

#[test]
fn log_scale_parameters_are_searched_in_log_space() {
    let p = plan("lr = loguniform(1e-6, 1)", "tpe", "");
    let space = p.search_space();
    let target = 1e-5_f64.ln();
    let loss = |c: &Config| (num(c, "lr").ln() - target).abs();
    let near = |h: &[Observation]| h[20..].iter().filter(|o| o.value().unwrap() < 1.0).count();
    let history = run(&mut tpe(&p, false), &space, 40, &loss);
    // Random search lands within a factor e of 1e-5 in 2/13.8 of its draws (3 of 20).
    let mut random = RandomSampler::new(space.clone(), p.seed);
    let baseline = near(&run(&mut random, &space, 40, &loss));
    eprintln!("log: {} vs {baseline}", near(&history));
    assert!(
        near(&history) > 2 * baseline,
        "{} vs {baseline}",
        near(&history)
    );
}

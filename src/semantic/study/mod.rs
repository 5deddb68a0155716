//! `study` items: each field checked and resolved (dataset, architecture, recipe, parameters, trainer,
//! objective, budget, sampler, scheduler, stopping rule, strategy, device, seed), the search space
//! assembled under full paths, and the checks that span fields (a grid over continuous parameters,
//! an empty space, autohas beside a sampler, what the trainer needs). Produces a [`Study`] for
//! [`crate::semantic::check_loaded`].
//!
//! [`check`] walks the study's fields and holds the checks across them; each field's own check
//! lives in a submodule: `declaration` (names of datasets, spaces and architectures), `model`
//! (`model = ARCH(…)`), `group` (`train` and `params`), `trainer` (`trial = …` and its command
//! template), `objective`, `budget` and `family` (sampler, scheduler, stopping rule, strategy,
//! device, metrics format).

mod budget;
mod declaration;
mod family;
mod group;
mod model;
mod objective;
mod trainer;

use std::collections::{BTreeMap, HashMap, HashSet};

pub use crate::plan::command_template::TEMPLATE_BUILTINS;
pub use objective::BUILTIN_METRICS;

use crate::catalogue::{ArgSpec, Family, STUDY_FIELDS};
use crate::diagnostic::{Code, Diagnostic};
use crate::plan::{
    DevicePlan, Direction, Objective, SamplerPlan, SchedulerKind, StoppingPlan, StrategyPlan,
    TrainerPlan,
};
use crate::semantic::arch::CheckedArch;
use crate::semantic::args::check_value;
use crate::semantic::expr::constant;
use crate::semantic::load::LoadedFile;
use crate::semantic::program::{Dataset, Study};
use crate::semantic::scope::FileScope;
use crate::semantic::space_builder::SpaceBuilder;
use crate::suggest::did_you_mean;
use crate::syntax::Span;
use crate::syntax::ast::{Assign, Expr, ExprKind, Ident, Statement, StudyDecl};

/// What a study check reads besides the study itself.
pub struct Context<'a> {
    /// The study's file.
    pub file: &'a LoadedFile,
    /// The names it sees.
    pub scope: &'a FileScope<'a>,
    /// Every architecture, with or without errors, by declaration span.
    pub archs: &'a HashMap<Span, CheckedArch>,
    /// Checked datasets, by declaration span.
    pub datasets: &'a HashMap<Span, Dataset>,
    /// Display name of the file.
    pub file_name: &'a str,
}

/// Checks a study; declarations it uses are added to `used`.
pub fn check(
    decl: &StudyDecl,
    cx: &Context<'_>,
    used: &mut HashSet<Span>,
    diags: &mut Vec<Diagnostic>,
) -> Option<Study> {
    let before = diags.len();
    let mut fields: BTreeMap<&str, &Assign> = BTreeMap::new();
    let mut forbids = Vec::new();
    for statement in &decl.body.statements {
        match statement {
            Statement::Assign(assign) => {
                let name = assign.name.name.as_str();
                if !STUDY_FIELDS.iter().any(|f| f.name == name) {
                    diags.push(unknown_field(
                        "a study",
                        &assign.name,
                        STUDY_FIELDS.iter().map(|f| f.name),
                    ));
                } else if let Some(first) = fields.get(name) {
                    diags.push(
                        Diagnostic::error(
                            Code::DuplicateName,
                            assign.name.span,
                            format!("`{name}` is set twice"),
                        )
                        .with_label("set again here")
                        .with_related(first.name.span, "first set here")
                        .with_help("keep one"),
                    );
                } else {
                    fields.insert(name, assign);
                }
            }
            Statement::Forbid(f) => forbids.push(f),
            Statement::When(w) => diags.push(
                Diagnostic::error(
                    Code::Misplaced,
                    w.span,
                    "`when` blocks belong in a space, `train` or `params`",
                )
                .with_label("not allowed in a study")
                .with_help("move the conditional parameters into `params = { … }` or a space"),
            ),
        }
    }
    let field = |name: &str| fields.get(name).map(|a| &a.value);
    let mut builder = SpaceBuilder::new("model");

    let data = field("data").and_then(|e| declaration::dataset(e, cx, used, diags));
    let model = field("model").and_then(|e| model::check(e, cx, &mut builder, used, diags));
    builder.set_prefix("train");
    if let Some(e) = field("train") {
        group::add(e, cx, &mut builder, used, diags);
    }
    builder.set_prefix("params");
    if let Some(e) = field("params") {
        match &e.kind {
            ExprKind::List(items) => items
                .iter()
                .for_each(|i| group::add(i, cx, &mut builder, used, diags)),
            _ => group::add(e, cx, &mut builder, used, diags),
        }
    }
    let trainer = match field("trial") {
        Some(e) => trainer::check(e, cx, diags),
        None => Some(TrainerPlan::Builtin),
    };
    if matches!(trainer, Some(TrainerPlan::Builtin)) {
        group::check_train_keys(&mut builder, diags);
    }
    for f in &forbids {
        builder.add_forbid(&f.condition, f.span);
    }
    let resolved = builder.forbids(diags);
    let forbid_spans: Vec<Span> = resolved.iter().map(|(_, s)| *s).collect();
    let space = builder.to_space(resolved.into_iter().map(|(t, _)| t).collect());
    SpaceBuilder::check_not_empty(&space, &forbid_spans, diags);

    if let Some(TrainerPlan::Command { template, .. }) = &trainer {
        if let Some(e) = field("trial") {
            trainer::check_template(template, e, &builder, diags);
        }
    }
    let objective = match field("objective") {
        Some(e) => objective::check(e, matches!(trainer, Some(TrainerPlan::Builtin)), diags),
        None => Some(Objective {
            direction: Direction::Maximize,
            metric: String::from("val.accuracy"),
        }),
    };
    let budget =
        field("budget").map_or(Some(budget::default_budget()), |e| budget::check(e, diags));
    let sampler: Option<SamplerPlan> =
        family::typed(field("sampler"), Family::Sampler, "random", diags);
    let scheduler: Option<SchedulerKind> =
        family::typed(field("scheduler"), Family::Scheduler, "fifo", diags);
    let stopping: Option<StoppingPlan> =
        family::typed(field("stopping"), Family::Stopping, "none", diags);
    let device: Option<DevicePlan> = family::typed(field("device"), Family::Device, "auto", diags);
    let strategy: Option<StrategyPlan> =
        field("strategy").and_then(|e| family::typed(Some(e), Family::Strategy, "autohas", diags));
    let artifacts = field("artifacts").and_then(|e| artifacts_folder(e, diags));
    let seed = field("seed").and_then(|e| {
        let spec = ArgSpec {
            name: "seed",
            ty: crate::catalogue::ArgType::Int,
            bound: crate::catalogue::Bound::AtLeast(0.0),
            default: None,
            doc: "the seed of every random draw",
        };
        let v = constant(e, "`seed`", diags)?;
        check_value(&spec, "`seed`", &v, e.span, diags)
            .then(|| v.as_i64())
            .flatten()
    });

    // Checks across fields.
    if matches!(trainer, Some(TrainerPlan::Builtin)) {
        for (name, what) in [("data", "a dataset"), ("model", "an architecture")] {
            if !fields.contains_key(name) {
                diags.push(
                    Diagnostic::error(Code::MissingField, decl.name.span, format!("study `{}` has no `{name}`", decl.name.name))
                        .with_label(format!("needs `{name}`"))
                        .with_help(format!("the built-in trainer needs {what}: `{name} = …`; or set `trial = command(\"…\")`")),
                );
            }
        }
    }
    if let (Some(sampler), Some(field_expr)) = (&sampler, field("sampler")) {
        if *sampler == SamplerPlan::Grid {
            if let Some(p) = space.first_continuous() {
                let mut d = Diagnostic::error(Code::GridContinuous, field_expr.span, format!("a grid cannot cover `{}`, which is continuous", p.name))
                    .with_label("grid sampler")
                    .with_help("quantise it (`uniform(lo, hi, step = q)`), use `choice(…)`, or pick another sampler such as `random` or `bo`");
                if let Some(span) = builder.entry(&p.name).map(|e| e.span) {
                    d = d.with_related(span, "continuous parameter");
                }
                diags.push(d);
            }
        }
    }
    if let (Some(_), Some(strategy_expr)) = (&strategy, field("strategy")) {
        for other in ["sampler", "scheduler"] {
            if let Some(e) = field(other) {
                diags.push(
                    Diagnostic::error(
                        Code::Conflict,
                        e.span,
                        format!("`strategy = autohas` replaces the {other}"),
                    )
                    .with_label(format!("{other} would be ignored"))
                    .with_related(strategy_expr.span, "one-shot strategy")
                    .with_help(format!("remove `{other}`, or remove `strategy`")),
                );
            }
        }
    }
    if let (Some(StrategyPlan::Autohas(_)), Some(strategy_expr)) = (&strategy, field("strategy")) {
        // The controller learns a categorical distribution per parameter: a range has none.
        for p in space
            .params
            .iter()
            .filter(|p| p.distribution.finite_values().is_none())
        {
            let span = builder
                .entry(&p.name)
                .map_or(strategy_expr.span, |e| e.span);
            diags.push(
                Diagnostic::error(
                    Code::Conflict,
                    span,
                    format!("`{}` is continuous; AutoHAS learns a distribution over a finite set of values", p.name),
                )
                .with_label("continuous parameter")
                .with_related(strategy_expr.span, "one-shot strategy")
                .with_help(format!(
                    "give it categorical bases, whose learned mixture covers the range: `{} = bases({}, k = 5)`",
                    p.name.rsplit('.').next().unwrap_or(&p.name),
                    describe_range(&p.distribution)
                )),
            );
        }
    }
    if let (Some(scheduler), Some(e)) = (&scheduler, field("scheduler")) {
        family::check_scheduler(*scheduler, e, &builder, diags);
    }

    if diags[before..].iter().any(Diagnostic::is_error) {
        return None;
    }
    Some(Study {
        name: decl.name.name.clone(),
        doc: decl.doc.clone(),
        file: cx.file_name.to_owned(),
        span: decl.span,
        field_spans: fields
            .iter()
            .map(|(k, a)| ((*k).to_owned(), a.value.span))
            .collect(),
        param_spans: builder
            .entries
            .iter()
            .map(|e| (e.full.clone(), e.span))
            .collect(),
        space,
        data,
        model,
        trainer: trainer?,
        objective: objective?,
        budget: budget?,
        sampler: sampler?,
        scheduler: scheduler?,
        stopping: stopping?,
        strategy,
        device: device?,
        artifacts,
        seed: seed.map_or(0, |s| u64::try_from(s).unwrap_or(0)),
    })
}

/// `artifacts = "folder"`: a non-empty string.
fn artifacts_folder(e: &Expr, diags: &mut Vec<Diagnostic>) -> Option<String> {
    match &e.kind {
        ExprKind::Str(folder) if !folder.trim().is_empty() => Some(folder.clone()),
        _ => {
            diags.push(
                Diagnostic::error(
                    Code::TypeMismatch,
                    e.span,
                    "`artifacts` is the folder trial folders and checkpoints go in",
                )
                .with_label("not a folder name")
                .with_help("write a folder every worker's machine sees, in quotes: `artifacts = \"/shared/hps\"`"),
            );
            None
        }
    }
}

/// "`what` has no field `name`", with the closest known field or the list of them.
fn unknown_field<'a>(
    what: &str,
    name: &Ident,
    known: impl Iterator<Item = &'a str> + Clone,
) -> Diagnostic {
    let list: Vec<&str> = known.clone().collect();
    Diagnostic::error(
        Code::UnknownField,
        name.span,
        format!("{what} has no field `{}`", name.name),
    )
    .with_label("unknown field")
    .with_help(
        did_you_mean(&name.name, known).unwrap_or_else(|| format!("fields: {}", list.join(", "))),
    )
}

/// A continuous distribution as it is written: `loguniform(1e-4, 0.1)`.
fn describe_range(d: &crate::space::Distribution) -> String {
    use crate::space::{Distribution, format_float};
    match d {
        Distribution::LogUniform { low, high } => {
            format!(
                "loguniform({}, {})",
                format_float(*low),
                format_float(*high)
            )
        }
        Distribution::Uniform { low, high, .. } => {
            format!("uniform({}, {})", format_float(*low), format_float(*high))
        }
        other => other.kind_name().to_owned(),
    }
}

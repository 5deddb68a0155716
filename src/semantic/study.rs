//! `study` items: each field checked and resolved (dataset, architecture, recipe, parameters, trainer,
//! objective, budget, sampler, scheduler, stopping rule, strategy, device, seed), the search space
//! assembled under full paths, and the checks that span fields (a grid over continuous parameters,
//! an empty space, autohas beside a sampler, what the trainer needs). Produces a [`Study`].

use std::collections::{BTreeMap, HashMap, HashSet};

use crate::diagnostic::{Code, Diagnostic};
use crate::semantic::arch::{dist_type, not_an_activation, param_type, type_fits, value_type};
use crate::semantic::args::check_value;
use crate::semantic::builtins::{
    ACTIVATIONS, ArgSpec, BUDGET_FIELDS, Family, STUDY_FIELDS, TRAIN_DEFAULTS, TRAIN_KEYS,
};
use crate::semantic::dataset::{bare_step, default_value, step};
use crate::semantic::expr::constant;
use crate::semantic::load::LoadedFile;
use crate::semantic::program::{
    Arch, ArgValue, Budget, Dataset, Direction, LayerName, LayerNode, Model, Objective, Step,
    Study, Trainer,
};
use crate::semantic::scope::FileScope;
use crate::semantic::space_builder::{Entry, EntryKind, Mode, SpaceBuilder};
use crate::semantic::suggest::did_you_mean;
use crate::space::{Distribution, Term, Value};
use crate::syntax::Span;
use crate::syntax::ast::{
    Assign, Call, Expr, ExprKind, Ident, Item, Statement, StudyDecl, path_text,
};

/// Metrics the built-in trainer reports.
pub const BUILTIN_METRICS: &[&str] = &[
    "val.accuracy",
    "val.loss",
    "val.rmse",
    "train.loss",
    "train.accuracy",
    "train.rmse",
];

/// What a study check reads besides the study itself.
pub struct Context<'a> {
    /// The study's file.
    pub file: &'a LoadedFile,
    /// The names it sees.
    pub scope: &'a FileScope<'a>,
    /// Checked architectures, by declaration span.
    pub archs: &'a HashMap<Span, Arch>,
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

    let data = field("data").and_then(|e| dataset(e, cx, used, diags));
    let model = field("model").and_then(|e| model(e, cx, &mut builder, used, diags));
    builder.set_prefix("train");
    if let Some(e) = field("train") {
        group(e, cx, &mut builder, used, diags);
    }
    builder.set_prefix("params");
    if let Some(e) = field("params") {
        match &e.kind {
            ExprKind::List(items) => items
                .iter()
                .for_each(|i| group(i, cx, &mut builder, used, diags)),
            _ => group(e, cx, &mut builder, used, diags),
        }
    }
    let trainer = match field("trial") {
        Some(e) => trainer(e, cx, diags),
        None => Some(Trainer::Builtin),
    };
    if matches!(trainer, Some(Trainer::Builtin)) {
        check_train_keys(&mut builder, diags);
    }
    for f in &forbids {
        builder.add_forbid(&f.condition, f.span);
    }
    let resolved = builder.forbids(diags);
    let forbid_spans: Vec<Span> = resolved.iter().map(|(_, s)| *s).collect();
    let space = builder.to_space(resolved.into_iter().map(|(t, _)| t).collect());
    SpaceBuilder::check_not_empty(&space, &forbid_spans, diags);

    if let Some(Trainer::Command { template, .. }) = &trainer {
        if let Some(e) = field("trial") {
            check_template(template, e, &builder, diags);
        }
    }
    let objective = match field("objective") {
        Some(e) => objective(e, matches!(trainer, Some(Trainer::Builtin)), diags),
        None => Some(Objective {
            direction: Direction::Maximize,
            metric: String::from("val.accuracy"),
        }),
    };
    let budget = field("budget").map_or(Some(default_budget()), |e| budget(e, diags));
    let mut family_step = |name: &str, family: Family, default: &str| match field(name) {
        Some(e) => family_value(e, family, diags),
        None => Some(Step::bare(default)),
    };
    let sampler = family_step("sampler", Family::Sampler, "random");
    let scheduler = family_step("scheduler", Family::Scheduler, "fifo");
    let stopping = family_step("stopping", Family::Stopping, "none");
    let device = family_step("device", Family::Device, "auto");
    let strategy = field("strategy").and_then(|e| family_value(e, Family::Strategy, diags));
    let seed = field("seed").and_then(|e| {
        let spec = ArgSpec {
            name: "seed",
            ty: crate::semantic::builtins::ArgType::Int,
            bound: crate::semantic::builtins::Bound::AtLeast(0.0),
            default: None,
            doc: "the seed of every random draw",
        };
        let v = constant(e, "`seed`", diags)?;
        check_value(&spec, "`seed`", &v, e.span, diags)
            .then(|| v.as_i64())
            .flatten()
    });

    // Checks across fields.
    if matches!(trainer, Some(Trainer::Builtin)) {
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
        if sampler.name == "grid" {
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
    if let (Some(scheduler), Some(e)) = (&scheduler, field("scheduler")) {
        check_scheduler(scheduler, e, &builder, diags);
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
        seed: seed.map_or(0, |s| u64::try_from(s).unwrap_or(0)),
    })
}

fn default_budget() -> Budget {
    Budget {
        trials: Some(20),
        epochs: None,
        time_seconds: None,
        parallel: 1,
    }
}

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

fn single_name(expr: &Expr) -> Option<&Ident> {
    match &expr.kind {
        ExprKind::Path(path) if path.len() == 1 => path.first(),
        _ => None,
    }
}

/// Looks up an item of `kind` by name, reporting unknown names and items of another kind.
fn item<'a>(
    name: &Ident,
    kind: &str,
    cx: &Context<'a>,
    diags: &mut Vec<Diagnostic>,
) -> Option<&'a Item> {
    match cx.scope.get(&name.name) {
        Some(item) if item.kind() == kind => Some(item),
        Some(other) => {
            diags.push(
                Diagnostic::error(
                    Code::TypeMismatch,
                    name.span,
                    format!("`{}` is a {}, not a {kind}", name.name, other.kind()),
                )
                .with_label(format!("a {}", other.kind()))
                .with_related(other.name().map_or(name.span, |n| n.span), "declared here")
                .with_help(format!("name a {kind} here")),
            );
            None
        }
        None => {
            let names = cx.scope.names_of(kind);
            diags.push(
                Diagnostic::error(
                    Code::UnknownName,
                    name.span,
                    format!("unknown {kind} `{}`", name.name),
                )
                .with_label(format!("no {kind} of this name"))
                .with_help(
                    did_you_mean(&name.name, names.iter().copied()).unwrap_or_else(|| {
                        if names.is_empty() {
                            format!(
                                "declare it with `{kind} {} …`, or import a file that does",
                                name.name
                            )
                        } else {
                            format!("{kind}s in scope: {}", names.join(", "))
                        }
                    }),
                ),
            );
            None
        }
    }
}

fn dataset(
    expr: &Expr,
    cx: &Context<'_>,
    used: &mut HashSet<Span>,
    diags: &mut Vec<Diagnostic>,
) -> Option<String> {
    let Some(name) = single_name(expr) else {
        diags.push(
            Diagnostic::error(Code::TypeMismatch, expr.span, "`data` must name a dataset")
                .with_label("not a dataset name")
                .with_help("declare `dataset NAME = …` and write `data = NAME`"),
        );
        return None;
    };
    let Item::Dataset(decl) = item(name, "dataset", cx, diags)? else {
        return None;
    };
    used.insert(decl.span);
    cx.datasets.get(&decl.span).map(|d| d.name.clone())
}

fn model(
    expr: &Expr,
    cx: &Context<'_>,
    builder: &mut SpaceBuilder,
    used: &mut HashSet<Span>,
    diags: &mut Vec<Diagnostic>,
) -> Option<Model> {
    let call: &Call = match &expr.kind {
        ExprKind::Call(call) => call,
        ExprKind::Path(path) if path.len() == 1 => &Call {
            name: path[0].clone(),
            args: Vec::new(),
            span: expr.span,
        },
        _ => {
            diags.push(
                Diagnostic::error(
                    Code::TypeMismatch,
                    expr.span,
                    "`model` must call an architecture",
                )
                .with_label("not an architecture")
                .with_help("write `model = mlp(width = 64)`"),
            );
            return None;
        }
    };
    if crate::semantic::builtins::lookup(Family::Layer, &call.name.name).is_some()
        && cx.scope.get(&call.name.name).is_none()
    {
        diags.push(
            Diagnostic::error(Code::Misplaced, call.name.span, format!("`{}` is a layer; `model` needs an architecture", call.name.name))
                .with_label("a layer")
                .with_help("declare `arch NAME(…) { … }` or import \"std/nets.hps\" for mlp, small_cnn and resnet"),
        );
        return None;
    }
    let Item::Arch(decl) = item(&call.name, "arch", cx, diags)? else {
        return None;
    };
    used.insert(decl.span);
    let arch = cx.archs.get(&decl.span)?;
    // Bind the call's arguments to the architecture's parameters.
    let mut given: BTreeMap<&str, &Expr> = BTreeMap::new();
    for (index, arg) in call.args.iter().enumerate() {
        let param = match &arg.name {
            Some(n) => arch
                .params
                .iter()
                .find(|p| p.name == n.name)
                .ok_or_else(|| {
                    let names = arch.params.iter().map(|p| p.name.as_str());
                    Diagnostic::error(
                        Code::UnknownArgument,
                        n.span,
                        format!("`{}` has no parameter `{}`", arch.name, n.name),
                    )
                    .with_label("unknown parameter")
                    .with_help(
                        did_you_mean(&n.name, names.clone()).unwrap_or_else(|| {
                            format!(
                                "`{}` takes: {}",
                                arch.name,
                                names.collect::<Vec<_>>().join(", ")
                            )
                        }),
                    )
                }),
            None => arch.params.get(index).ok_or_else(|| {
                Diagnostic::error(
                    Code::TooManyArguments,
                    arg.span,
                    format!("`{}` takes {} parameters", arch.name, arch.params.len()),
                )
                .with_label("extra argument")
            }),
        };
        match param {
            Ok(p) => {
                if given.insert(p.name.as_str(), &arg.value).is_some() {
                    diags.push(
                        Diagnostic::error(
                            Code::DuplicateArgument,
                            arg.span,
                            format!("`{}` is given twice", p.name),
                        )
                        .with_label("given again here")
                        .with_help("remove one of them"),
                    );
                }
            }
            Err(d) => diags.push(d),
        }
    }
    let layer_params = layer_params(&arch.body);
    let mut bindings = BTreeMap::new();
    for p in &arch.params {
        let (value, span) = match given.get(p.name.as_str()) {
            Some(expr) => {
                let Some(v) =
                    crate::semantic::arch::arg_value(expr, &format!("`{}`", p.name), diags)
                else {
                    continue;
                };
                if let Some(declared) = param_type(p) {
                    let found = match &v {
                        ArgValue::Const(c) => value_type(c),
                        ArgValue::Dist(d) => dist_type(d),
                    };
                    if !type_fits(declared, found) {
                        diags.push(crate::semantic::arch::type_mismatch(
                            &p.name, declared, found, expr,
                        ));
                        continue;
                    }
                }
                if layer_params.contains(&p.name.as_str()) {
                    let values = match &v {
                        ArgValue::Const(c) => vec![c.clone()],
                        ArgValue::Dist(d) => d.finite_values().unwrap_or_default(),
                    };
                    for value in values {
                        if !value.as_str().is_some_and(|s| ACTIVATIONS.contains(&s)) {
                            diags.push(not_an_activation(&value.to_string(), expr.span));
                        }
                    }
                }
                (v, call_arg_span(call, &p.name, expr))
            }
            None => match &p.default {
                Some(v) => (v.clone(), call.name.span),
                None => {
                    diags.push(
                        Diagnostic::error(
                            Code::MissingArgument,
                            call.span,
                            format!("`{}` needs `{}`", arch.name, p.name),
                        )
                        .with_label(format!("`{}` missing", p.name))
                        .with_help(format!("pass it: `{}({} = …)`", arch.name, p.name)),
                    );
                    continue;
                }
            },
        };
        let kind = match value {
            ArgValue::Const(c) => EntryKind::Fixed(c),
            ArgValue::Dist(d) => EntryKind::Param(d),
        };
        push(builder, &p.name, kind, None, span);
        bindings.insert(p.name.clone(), Term::param(format!("model.{}", p.name)));
    }
    for choice in &arch.choices {
        let condition = choice
            .condition
            .as_ref()
            .map(|c| c.substitute(&|n| Some(Term::param(format!("model.{n}")))));
        push(
            builder,
            &choice.local,
            EntryKind::Param(choice.distribution.clone()),
            condition,
            choice.span,
        );
        bindings.insert(
            choice.local.clone(),
            Term::param(format!("model.{}", choice.local)),
        );
    }
    Some(Model {
        arch: arch.name.clone(),
        bindings,
    })
}

fn call_arg_span(call: &Call, name: &str, expr: &Expr) -> Span {
    call.args
        .iter()
        .find(|a| a.name.as_ref().is_some_and(|n| n.name == name))
        .map_or(expr.span, |a| a.span)
}

fn push(
    builder: &mut SpaceBuilder,
    local: &str,
    kind: EntryKind,
    condition: Option<Term>,
    span: Span,
) {
    builder.entries.push(Entry {
        local: local.to_owned(),
        full: format!("model.{local}"),
        kind,
        condition,
        span,
        value_span: span,
        doc: None,
    });
}

/// Architecture parameters used as layers (`act()`).
fn layer_params(body: &[LayerNode]) -> Vec<&str> {
    let mut out = Vec::new();
    for node in body {
        match node {
            LayerNode::Op {
                layer: LayerName::From(Term::Param { name }),
                ..
            } => out.push(name.as_str()),
            LayerNode::Op { .. } => {}
            LayerNode::Repeat { body, .. } | LayerNode::Residual { body } => {
                out.extend(layer_params(body));
            }
            LayerNode::Choose { alternatives, .. } => alternatives
                .iter()
                .for_each(|a| out.extend(layer_params(a))),
        }
    }
    out
}

/// `train` / `params`: a space, `SPACE { overrides }` or `{ … }`.
fn group(
    expr: &Expr,
    cx: &Context<'_>,
    builder: &mut SpaceBuilder,
    used: &mut HashSet<Span>,
    diags: &mut Vec<Diagnostic>,
) {
    let (base, overrides) = match &expr.kind {
        ExprKind::Path(path) => (Some(path), None),
        ExprKind::Record { base, block } => (base.as_ref(), Some(block)),
        _ => {
            diags.push(
                Diagnostic::error(Code::TypeMismatch, expr.span, "expected a space, `SPACE { … }` or `{ … }`")
                    .with_label("not a group of parameters")
                    .with_help("write `train = recipe`, `train = recipe { epochs = 20 }` or `train = { lr = 0.01 }`"),
            );
            return;
        }
    };
    if let Some(path) = base {
        let name = if path.len() == 1 {
            &path[0]
        } else {
            diags.push(
                Diagnostic::error(
                    Code::UnknownName,
                    path[0].span.to(path[path.len() - 1].span),
                    format!("`{}` is not a space name", path_text(path)),
                )
                .with_label("dotted name")
                .with_help("name a space declared with `space NAME { … }`"),
            );
            return;
        };
        if let Some(Item::Space(space)) = item(name, "space", cx, diags) {
            used.insert(space.span);
            builder.block(&space.body, Mode::Define, diags);
        }
    }
    if let Some(block) = overrides {
        builder.block(
            block,
            if base.is_some() {
                Mode::Override
            } else {
                Mode::Define
            },
            diags,
        );
    }
}

/// Training keys must be ones the built-in trainer reads; their values must fit. Missing keys get defaults.
fn check_train_keys(builder: &mut SpaceBuilder, diags: &mut Vec<Diagnostic>) {
    for entry in builder
        .entries
        .iter()
        .filter(|e| e.full.starts_with("train."))
    {
        let Some(spec) = TRAIN_KEYS.iter().find(|k| k.name == entry.local) else {
            let name = Ident {
                name: entry.local.clone(),
                span: entry.span,
            };
            diags.push(unknown_field(
                "a training recipe",
                &name,
                TRAIN_KEYS.iter().map(|k| k.name),
            ));
            continue;
        };
        let what = format!("`train.{}`", spec.name);
        let values = match &entry.kind {
            EntryKind::Fixed(v) => vec![v.clone()],
            EntryKind::Param(d) => d.finite_values().unwrap_or_else(|| match d.bounds() {
                #[allow(clippy::cast_possible_truncation)]
                Some((lo, hi)) if matches!(d, Distribution::Int { .. }) => {
                    vec![Value::Int(lo as i64), Value::Int(hi as i64)]
                }
                Some((lo, hi)) => vec![Value::Float(lo), Value::Float(hi)],
                None => Vec::new(),
            }),
            EntryKind::Derived(_) => Vec::new(),
        };
        for v in values {
            if !check_value(spec, &what, &v, entry.value_span, diags) {
                break;
            }
        }
    }
    for (key, default) in TRAIN_DEFAULTS {
        let full = format!("train.{key}");
        if builder.entry(&full).is_none() {
            if let Some(value) = default_value(Some(default)) {
                builder.entries.push(Entry {
                    local: (*key).to_owned(),
                    full,
                    kind: EntryKind::Fixed(value),
                    condition: None,
                    span: Span::default(),
                    value_span: Span::default(),
                    doc: None,
                });
            }
        }
    }
}

fn trainer(expr: &Expr, cx: &Context<'_>, diags: &mut Vec<Diagnostic>) -> Option<Trainer> {
    let bare;
    let call = match &expr.kind {
        ExprKind::Call(call) => call,
        ExprKind::Path(path) if path.len() == 1 => {
            bare = Call {
                name: path[0].clone(),
                args: Vec::new(),
                span: expr.span,
            };
            &bare
        }
        _ => {
            diags.push(
                Diagnostic::error(
                    Code::TypeMismatch,
                    expr.span,
                    "`trial` must be `command(…)`, `lookup(…)` or `custom`",
                )
                .with_label("not a trial kind")
                .with_help("write `trial = command(\"python train.py --lr {lr}\")`"),
            );
            return None;
        }
    };
    // `metrics` may be a call (`regex("…")`): read it apart from the constant arguments.
    let metrics_arg = call
        .args
        .iter()
        .find(|a| a.name.as_ref().is_some_and(|n| n.name == "metrics"));
    let rest = Call {
        args: call
            .args
            .iter()
            .filter(|a| !std::ptr::eq(*a, metrics_arg.map_or(std::ptr::null(), |m| m)))
            .cloned()
            .collect(),
        ..call.clone()
    };
    let step = step(&rest, Family::Trial, diags)?;
    match step.name.as_str() {
        "custom" => Some(Trainer::Custom),
        "command" => {
            let metrics = match metrics_arg.map(|a| &a.value) {
                None => Some(Step::bare("jsonl")),
                Some(e) => family_value(e, Family::Metrics, diags),
            }?;
            let template = step.string("template")?.to_owned();
            if template.trim().is_empty() {
                diags.push(
                    Diagnostic::error(Code::InvalidValue, call.span, "the command is empty")
                        .with_label("nothing to run")
                        .with_help("write the program and its arguments: `command(\"python train.py --lr {lr}\")`"),
                );
                return None;
            }
            Some(Trainer::Command {
                template,
                metrics,
                timeout_seconds: step.number("timeout"),
            })
        }
        "lookup" => {
            let relative = step.string("path")?;
            let path = cx
                .file
                .dir
                .as_ref()
                .map_or_else(|| relative.into(), |d| d.join(relative));
            if cx.file.dir.is_some() && !path.exists() {
                diags.push(
                    Diagnostic::error(
                        Code::DataNotFound,
                        call.args.first().map_or(call.span, |a| a.value.span),
                        format!("\"{relative}\" does not exist"),
                    )
                    .with_label(format!("looked for {}", path.display()))
                    .with_help("paths are relative to the .hps file"),
                );
                return None;
            }
            Some(Trainer::Lookup {
                path,
                epoch: step.string("epoch").unwrap_or("epoch").to_owned(),
            })
        }
        _ => None,
    }
}

/// Placeholders every command may use besides parameters (a parameter of the same name wins).
pub const TEMPLATE_BUILTINS: &[&str] = &["epochs", "trial", "seed", "dir"];

/// Every `{name}` in a command template must name a parameter (by shortest unambiguous suffix) or
/// one of [`TEMPLATE_BUILTINS`].
fn check_template(
    template: &str,
    expr: &Expr,
    builder: &SpaceBuilder,
    diags: &mut Vec<Diagnostic>,
) {
    let ExprKind::Call(call) = &expr.kind else {
        return;
    };
    let Some(arg) = call.args.first() else { return };
    let base = arg.value.span;
    let mut rest = template;
    let mut offset = 0;
    while let Some(open) = rest.find('{') {
        let Some(close) = rest[open..].find('}') else {
            diags.push(
                Diagnostic::error(
                    Code::InvalidValue,
                    base,
                    "a `{` in the command is not closed",
                )
                .with_label("unclosed placeholder")
                .with_help("placeholders look like `{lr}`"),
            );
            return;
        };
        let name = &rest[open + 1..open + close];
        let start = base.start + 1 + offset + open;
        let span = Span::new(base.file, start, (start + close + 1).min(base.end));
        let path: Vec<Ident> = name
            .split('.')
            .map(|s| Ident {
                name: s.to_owned(),
                span,
            })
            .collect();
        match crate::semantic::expr::Names::resolve(builder, &path) {
            Err(d) => diags.push(d),
            Ok(Some(_)) => {}
            Ok(None) if TEMPLATE_BUILTINS.contains(&name) => {}
            Ok(None) => {
                let known: Vec<String> = builder.entries.iter().map(|e| e.full.clone()).collect();
                let locals: Vec<&str> = builder.entries.iter().map(|e| e.local.as_str()).collect();
                diags.push(
                    Diagnostic::error(
                        Code::UnknownName,
                        span,
                        format!("the command reads `{name}`, which is not a parameter"),
                    )
                    .with_label("unknown parameter")
                    .with_help(
                        did_you_mean(name, locals.iter().copied())
                            .or_else(|| did_you_mean(name, known.iter().map(String::as_str)))
                            .unwrap_or_else(|| {
                                if known.is_empty() {
                                    String::from("this study defines no parameters: add them with `params = { … }`")
                                } else {
                                    format!("parameters: {}", known.join(", "))
                                }
                            }),
                    ),
                );
            }
        }
        offset += open + close + 1;
        rest = &rest[open + close + 1..];
    }
}

fn objective(expr: &Expr, builtin_trainer: bool, diags: &mut Vec<Diagnostic>) -> Option<Objective> {
    let ExprKind::Objective { maximize, metric } = &expr.kind else {
        diags.push(
            Diagnostic::error(
                Code::TypeMismatch,
                expr.span,
                "`objective` must be `maximize METRIC` or `minimize METRIC`",
            )
            .with_label("no direction")
            .with_help("write `objective = maximize val.accuracy`"),
        );
        return None;
    };
    let name = path_text(metric);
    if builtin_trainer && !BUILTIN_METRICS.contains(&name.as_str()) {
        let span = metric[0].span.to(metric[metric.len() - 1].span);
        diags.push(
            Diagnostic::error(
                Code::UnknownName,
                span,
                format!("the built-in trainer reports no metric `{name}`"),
            )
            .with_label("unknown metric")
            .with_help(
                did_you_mean(&name, BUILTIN_METRICS.iter().copied())
                    .unwrap_or_else(|| format!("metrics: {}", BUILTIN_METRICS.join(", "))),
            ),
        );
        return None;
    }
    Some(Objective {
        direction: if *maximize {
            Direction::Maximize
        } else {
            Direction::Minimize
        },
        metric: name,
    })
}

fn budget(expr: &Expr, diags: &mut Vec<Diagnostic>) -> Option<Budget> {
    let ExprKind::Record { base: None, block } = &expr.kind else {
        diags.push(
            Diagnostic::error(
                Code::TypeMismatch,
                expr.span,
                "`budget` must be `{ trials, epochs, time, parallel }`",
            )
            .with_label("not a budget")
            .with_help("write `budget { trials = 40, time = 30m }`"),
        );
        return None;
    };
    let mut budget = Budget {
        trials: None,
        epochs: None,
        time_seconds: None,
        parallel: 1,
    };
    let mut seen: HashMap<&str, Span> = HashMap::new();
    let before = diags.len();
    for statement in &block.statements {
        let Statement::Assign(a) = statement else {
            diags.push(
                Diagnostic::error(
                    Code::Misplaced,
                    block.span,
                    "a budget holds only `name = value` fields",
                )
                .with_label("not a field")
                .with_help("write `budget { trials = 40, time = 30m }`"),
            );
            continue;
        };
        let Some(spec) = BUDGET_FIELDS.iter().find(|f| f.name == a.name.name) else {
            diags.push(unknown_field(
                "a budget",
                &a.name,
                BUDGET_FIELDS.iter().map(|f| f.name),
            ));
            continue;
        };
        if let Some(first) = seen.insert(spec.name, a.name.span) {
            diags.push(
                Diagnostic::error(
                    Code::DuplicateName,
                    a.name.span,
                    format!("`{}` is set twice", spec.name),
                )
                .with_label("set again here")
                .with_related(first, "first set here")
                .with_help("keep one"),
            );
            continue;
        }
        let what = format!("`budget.{}`", spec.name);
        let Some(value) = constant(&a.value, &what, diags) else {
            continue;
        };
        if !check_value(spec, &what, &value, a.value.span, diags) {
            continue;
        }
        let as_count = value.as_i64().and_then(|v| u64::try_from(v).ok());
        match spec.name {
            "trials" => budget.trials = as_count,
            "epochs" => budget.epochs = as_count,
            "time" => budget.time_seconds = value.as_f64(),
            _ => budget.parallel = as_count.unwrap_or(1),
        }
    }
    (diags.len() == before).then_some(budget)
}

/// A bare name (`random`) or a call (`bo(init = 8)`) of a family's built-in.
fn family_value(expr: &Expr, family: Family, diags: &mut Vec<Diagnostic>) -> Option<Step> {
    match &expr.kind {
        ExprKind::Call(call) => step(call, family, diags),
        ExprKind::Path(path) if path.len() == 1 => bare_step(&path[0], family, diags),
        _ => {
            let members: Vec<&str> = crate::semantic::builtins::names(family).collect();
            diags.push(
                Diagnostic::error(
                    Code::TypeMismatch,
                    expr.span,
                    format!("expected a {}", family.noun()),
                )
                .with_label(format!("not a {}", family.noun()))
                .with_help(format!("{}s: {}", family.noun(), members.join(", "))),
            );
            None
        }
    }
}

fn check_scheduler(
    scheduler: &Step,
    expr: &Expr,
    builder: &SpaceBuilder,
    diags: &mut Vec<Diagnostic>,
) {
    let (Some(min), Some(max)) = (scheduler.int("min"), scheduler.int("max")) else {
        return;
    };
    if min > max {
        diags.push(
            Diagnostic::error(
                Code::InvalidRange,
                expr.span,
                format!(
                    "`{}` needs min ≤ max, found min = {min} and max = {max}",
                    scheduler.name
                ),
            )
            .with_label("min above max")
            .with_help("min is the fewest epochs a trial trains, max the most"),
        );
        return;
    }
    if let Some(Entry {
        kind: EntryKind::Fixed(v),
        span,
        ..
    }) = builder.entry("train.epochs")
    {
        if let Some(epochs) = v.as_i64() {
            if epochs != max && *span != Span::default() {
                diags.push(
                    Diagnostic::warning(
                        Code::Conflict,
                        expr.span,
                        format!(
                            "the scheduler trains up to {max} epochs, `train.epochs` says {epochs}"
                        ),
                    )
                    .with_label(format!("max = {max}"))
                    .with_related(*span, format!("epochs = {epochs}"))
                    .with_help("the scheduler's `max` decides; make them agree to avoid surprises"),
                );
            }
        }
    }
}

//! `dataset` items: the source and each transform checked against the catalogue, defaults filled,
//! files checked for existence, a CSV's `target` checked against its header. Produces [`Dataset`]s for studies and the plan.

use std::path::Path;

use crate::catalogue::{self, BUILTIN_DATASETS, Builtin, Family};
use crate::diagnostic::{Code, Diagnostic};
use crate::input_file;
use crate::plan::Step;
use crate::semantic::args::{bind, check_value};
use crate::semantic::expr::constant;
use crate::semantic::program::Dataset;
use crate::suggest::did_you_mean;
use crate::syntax::ast::{Call, DatasetDecl};

/// Checks a dataset declaration; `dir` is where its relative paths resolve.
pub fn check(
    decl: &DatasetDecl,
    dir: Option<&Path>,
    diags: &mut Vec<Diagnostic>,
) -> Option<Dataset> {
    let source = step(&decl.source, Family::Source, diags);
    let transforms: Vec<Option<Step>> = decl
        .transforms
        .iter()
        .map(|t| step(t, Family::Transform, diags))
        .collect();
    let source = source?;
    check_source(&source, &decl.source, dir, diags);
    let transforms: Vec<Step> = transforms.into_iter().collect::<Option<_>>()?;
    for (t, call) in transforms.iter().zip(&decl.transforms) {
        if t.name == "split" {
            let val = t.number("val").unwrap_or(0.0);
            let test = t.number("test").unwrap_or(0.0);
            if val + test >= 1.0 {
                diags.push(
                    Diagnostic::error(
                        Code::InvalidValue,
                        call.span,
                        "`val` and `test` together leave no training rows",
                    )
                    .with_label(format!("val + test = {}", val + test))
                    .with_help("keep val + test below 1"),
                );
            }
        }
    }
    Some(Dataset {
        name: decl.name.name.clone(),
        doc: decl.doc.clone(),
        source,
        transforms,
        dir: dir.map(Path::to_path_buf),
        span: decl.span,
    })
}

/// A call of a built-in of `family`, bound and checked, with defaults filled.
pub fn step(call: &Call, family: Family, diags: &mut Vec<Diagnostic>) -> Option<Step> {
    let Some(builtin) = catalogue::lookup(family, &call.name.name) else {
        diags.push(unknown_builtin(family, &call.name.name, call.name.span));
        return None;
    };
    let before = diags.len();
    let bound = bind(builtin, call, diags);
    let mut step = Step::bare(builtin.name);
    for spec in builtin.args {
        let value = match bound.named.get(spec.name) {
            Some(expr) => {
                let what = format!("`{}` of `{}`", spec.name, builtin.name);
                let Some(value) = constant(expr, &what, diags) else {
                    continue;
                };
                if !check_value(spec, &what, &value, expr.span, diags) {
                    continue;
                }
                Some(value)
            }
            None => catalogue::default_value(spec.default),
        };
        if let Some(value) = value {
            step.args.insert(spec.name.to_owned(), value);
        }
    }
    (diags.len() == before).then_some(step)
}

/// A bare name in a field such as `sampler = random`: the built-in called with no arguments.
pub fn bare_step(
    name: &crate::syntax::ast::Ident,
    family: Family,
    diags: &mut Vec<Diagnostic>,
) -> Option<Step> {
    let call = Call {
        name: name.clone(),
        args: Vec::new(),
        span: name.span,
    };
    step(&call, family, diags)
}

/// `X` is not a member of `family`.
#[must_use]
pub fn unknown_builtin(family: Family, name: &str, span: crate::syntax::Span) -> Diagnostic {
    let members: Vec<&str> = catalogue::names(family).collect();
    if let Some(other) = catalogue::any_named(name) {
        return Diagnostic::error(
            Code::Misplaced,
            span,
            format!(
                "`{name}` is a {}, not a {}",
                other.family.noun(),
                family.noun()
            ),
        )
        .with_label(format!("a {}", other.family.noun()))
        .with_help(format!("{}s: {}", family.noun(), members.join(", ")));
    }
    Diagnostic::error(
        Code::UnknownFunction,
        span,
        format!("unknown {} `{name}`", family.noun()),
    )
    .with_label(format!("not a {}", family.noun()))
    .with_help(
        did_you_mean(name, members.iter().copied())
            .unwrap_or_else(|| format!("{}s: {}", family.noun(), members.join(", "))),
    )
}

fn check_source(source: &Step, call: &Call, dir: Option<&Path>, diags: &mut Vec<Diagnostic>) {
    let arg_span = |name: &str, index: usize| {
        call.args
            .iter()
            .enumerate()
            .find(|(i, a)| a.name.as_ref().map_or(*i == index, |n| n.name == name))
            .map_or(call.span, |(_, a)| a.value.span)
    };
    let builtin: &Builtin =
        catalogue::lookup(Family::Source, &source.name).expect("checked source");
    if source.name == "builtin" {
        if let Some(name) = source.string("name") {
            if !BUILTIN_DATASETS.contains(&name) {
                diags.push(
                    Diagnostic::error(
                        Code::InvalidValue,
                        arg_span("name", 0),
                        format!("hps ships no dataset \"{name}\""),
                    )
                    .with_label("unknown built-in dataset")
                    .with_help(
                        did_you_mean(name, BUILTIN_DATASETS.iter().copied()).unwrap_or_else(|| {
                            format!("built-in datasets: {}", BUILTIN_DATASETS.join(", "))
                        }),
                    ),
                );
            }
        }
        return;
    }
    let Some(dir) = dir else { return };
    for (index, spec) in builtin.args.iter().enumerate() {
        if !matches!(spec.name, "path" | "images" | "labels") {
            continue;
        }
        let Some(relative) = source.string(spec.name) else {
            continue;
        };
        let full = dir.join(relative);
        if !full.exists() {
            diags.push(
                Diagnostic::error(
                    Code::DataNotFound,
                    arg_span(spec.name, index),
                    format!("\"{relative}\" does not exist"),
                )
                .with_label(format!("looked for {}", full.display()))
                .with_help("paths are relative to the .hps file"),
            );
            continue;
        }
        // `folder(path)` reads a folder; every other source reads one regular file, never a
        // device or a pipe (`/dev/zero` would be read until memory runs out).
        let wrong_kind = if source.name == "folder" {
            (!full.is_dir()).then_some(("a file", "a folder with one sub-folder per class"))
        } else {
            input_file::irregular_kind(&full).map(|kind| (kind, "a regular file"))
        };
        if let Some((kind, wanted)) = wrong_kind {
            diags.push(
                Diagnostic::error(
                    Code::DataNotFound,
                    arg_span(spec.name, index),
                    format!("\"{relative}\" is {kind}, not {wanted}"),
                )
                .with_label(format!("{}(…) reads {wanted} here", source.name))
                .with_help(format!(
                    "name {wanted}; paths are relative to the .hps file"
                )),
            );
        } else if source.name == "csv" {
            let target_index = builtin.args.iter().position(|a| a.name == "target");
            let target_span = target_index.map_or(call.span, |i| arg_span("target", i));
            check_csv_target(source, relative, &full, target_span, diags);
        }
    }
}

/// A CSV with a header must name its `target` among its columns: read the header (only) and
/// report a target it lacks at the argument, with the columns found (`hps run` would refuse the
/// file; `hps check` and the editor say it first).
fn check_csv_target(
    source: &Step,
    relative: &str,
    full: &Path,
    span: crate::syntax::Span,
    diags: &mut Vec<Diagnostic>,
) {
    let header = source
        .args
        .get("header")
        .is_none_or(|v| *v == crate::space::Value::Bool(true));
    let Some(target) = source.string("target").filter(|_| header) else {
        return;
    };
    // A file that cannot be read is `hps run`'s to report, with the reason it has then.
    let Ok(columns) = crate::plan::data_shape::csv_columns(full) else {
        return;
    };
    if columns.iter().any(|c| c == target) {
        return;
    }
    let listed = columns
        .iter()
        .map(|c| format!("`{c}`"))
        .collect::<Vec<_>>()
        .join(", ");
    let help = match did_you_mean(target, columns.iter().map(String::as_str)) {
        Some(hint) => format!("{hint} (the header names {listed})"),
        None => format!("the header names {listed}"),
    };
    diags.push(
        Diagnostic::error(
            Code::InvalidValue,
            span,
            format!("\"{relative}\" has no column \"{target}\""),
        )
        .with_label("not a column of the file's header")
        .with_help(help),
    );
}

#[cfg(test)]
mod tests {
    use crate::catalogue::{self, BUDGET_FIELDS, TRAIN_KEYS};
    use crate::semantic::expr::constant;
    use crate::space::Value;
    use crate::syntax::ast::{Item, Statement};

    /// `text` read as the language reads a constant.
    fn through_the_language(text: &str) -> Option<Value> {
        let (file, errors) = crate::syntax::parse(
            crate::syntax::FileId(0),
            &format!("space d {{ v = {text} }}"),
        );
        assert!(errors.is_empty(), "`{text}` does not parse");
        let Some(Item::Space(space)) = file.items.first() else {
            panic!("no space");
        };
        let Some(Statement::Assign(assign)) = space.body.statements.first() else {
            panic!("no assignment");
        };
        constant(&assign.value, "default", &mut Vec::new())
    }

    #[test]
    fn every_catalogue_default_reads_as_the_language_reads_it() {
        let specs = catalogue::all()
            .flat_map(|b| b.args.iter())
            .chain(BUDGET_FIELDS)
            .chain(TRAIN_KEYS);
        let mut checked = 0;
        for spec in specs {
            let Some(text) = spec.default.filter(|t| *t != "none") else {
                continue;
            };
            assert_eq!(
                catalogue::default_value(Some(text)),
                through_the_language(text),
                "the default of `{}`",
                spec.name
            );
            checked += 1;
        }
        assert!(checked > 30, "only {checked} defaults checked");
    }
}

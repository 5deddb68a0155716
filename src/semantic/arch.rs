//! `arch` items: parameters typed, every layer checked against the catalogue, choices inside the body
//! (`conv(…, kernel = choose(3, 5))`, `choose { … }`) named by occurrence. Produces an [`Arch`] that a
//! study's `model` instantiates and the plan walks to count parameters.

use std::collections::{BTreeMap, HashMap};

use crate::catalogue::default_value;
use crate::catalogue::{self, ACTIVATIONS, ARCH_TYPES, ArgSpec, ArgType, Bound, Family};
use crate::diagnostic::{Code, Diagnostic};
use crate::plan::model::{LayerName, LayerNode, OUTPUTS};
use crate::semantic::args::{article, bind, check_value, choice_of};
use crate::semantic::distribution::{distribution, is_distribution};
use crate::semantic::expr::{Names, constant, lower};
use crate::semantic::program::{Arch, ArchParam, ArgValue, LocalChoice};
use crate::space::{Distribution, Term, Value};
use crate::suggest::did_you_mean;
use crate::syntax::ast::{ArchDecl, Call, Expr, ExprKind, Ident, Layer, path_text};

/// An architecture declaration once checked.
#[derive(Debug, Clone)]
pub enum CheckedArch {
    /// No error: a study may instantiate it.
    Clean(Arch),
    /// Errors were reported; this holds the parameters and layers that checked, so that a study's
    /// `model = …` can still check the arguments it passes.
    Broken(Arch),
}

impl CheckedArch {
    /// The architecture, whole or as far as it checked.
    #[must_use]
    pub fn arch(&self) -> &Arch {
        match self {
            Self::Clean(arch) | Self::Broken(arch) => arch,
        }
    }

    /// The architecture when it has no error.
    #[must_use]
    pub fn clean(&self) -> Option<&Arch> {
        match self {
            Self::Clean(arch) => Some(arch),
            Self::Broken(_) => None,
        }
    }
}

/// Checks an architecture declaration.
pub fn check(decl: &ArchDecl, diags: &mut Vec<Diagnostic>) -> CheckedArch {
    let before = diags.len();
    let mut checker = ArchChecker::default();
    for p in &decl.params {
        checker.param(p, diags);
    }
    let body = checker.layers(&decl.body, None, diags);
    let arch = Arch {
        name: decl.name.name.clone(),
        doc: decl.doc.clone(),
        params: checker.params,
        body,
        choices: checker.choices,
    };
    if diags.len() == before {
        CheckedArch::Clean(arch)
    } else {
        CheckedArch::Broken(arch)
    }
}

/// The type of an architecture parameter: declared, or that of its default.
#[must_use]
pub fn param_type(param: &ArchParam) -> Option<&str> {
    if let Some(ty) = &param.ty {
        return Some(ty);
    }
    match param.default.as_ref()? {
        ArgValue::Const(v) => Some(value_type(v)),
        ArgValue::Dist(d) => Some(dist_type(d)),
    }
}

/// A constant's type as an arch parameter type.
#[must_use]
pub fn value_type(value: &Value) -> &'static str {
    match value {
        Value::Int(_) => "int",
        Value::Float(_) => "float",
        Value::Bool(_) => "bool",
        Value::Str(_) | Value::List(_) => "str",
    }
}

/// A distribution's value type as an arch parameter type.
#[must_use]
pub fn dist_type(d: &Distribution) -> &'static str {
    match d.value_type() {
        "int" => "int",
        "bool" => "bool",
        "string" | "mixed" => "str",
        _ => "float",
    }
}

/// Whether a value of type `found` may be given for a parameter of type `declared`.
#[must_use]
pub fn type_fits(declared: &str, found: &str) -> bool {
    declared == found
        || (declared == "float" && found == "int")
        || (declared == "layer" && found == "str")
}

#[derive(Default)]
struct ArchChecker {
    params: Vec<ArchParam>,
    choices: Vec<LocalChoice>,
    occurrences: HashMap<String, usize>,
    spans: HashMap<String, Ident>,
}

impl ArchChecker {
    fn param(&mut self, p: &crate::syntax::ast::ArchParam, diags: &mut Vec<Diagnostic>) {
        if let Some(first) = self.spans.get(&p.name.name) {
            diags.push(
                Diagnostic::error(
                    Code::DuplicateName,
                    p.name.span,
                    format!("parameter `{}` is declared twice", p.name.name),
                )
                .with_label("declared again here")
                .with_related(first.span, "first declared here")
                .with_help("rename one of them"),
            );
            return;
        }
        if p.name.name == OUTPUTS {
            diags.push(
                Diagnostic::error(
                    Code::DuplicateName,
                    p.name.span,
                    "`outputs` is set by the dataset",
                )
                .with_label("reserved name")
                .with_help("`outputs` is the number of classes or targets; pick another name"),
            );
            return;
        }
        let ty = p.ty.as_ref().and_then(|t| {
            if ARCH_TYPES.contains(&t.name.as_str()) {
                Some(t.name.clone())
            } else {
                diags.push(
                    Diagnostic::error(
                        Code::UnknownName,
                        t.span,
                        format!("unknown type `{}`", t.name),
                    )
                    .with_label("not a type")
                    .with_help(
                        did_you_mean(&t.name, ARCH_TYPES.iter().copied())
                            .unwrap_or_else(|| format!("types: {}", ARCH_TYPES.join(", "))),
                    ),
                );
                None
            }
        });
        let default = p
            .default
            .as_ref()
            .and_then(|expr| arg_value(expr, &format!("the default of `{}`", p.name.name), diags));
        if let (Some(ty), Some(default), Some(expr)) = (&ty, &default, &p.default) {
            let found = match default {
                ArgValue::Const(v) => value_type(v),
                ArgValue::Dist(d) => dist_type(d),
            };
            if !type_fits(ty, found) {
                diags.push(type_mismatch(&p.name.name, ty, found, expr));
            }
        }
        self.spans.insert(p.name.name.clone(), p.name.clone());
        self.params.push(ArchParam {
            name: p.name.name.clone(),
            ty,
            default,
        });
    }

    fn param_named(&self, name: &str) -> Option<&ArchParam> {
        self.params.iter().find(|p| p.name == name)
    }

    fn layers(
        &mut self,
        layers: &[Layer],
        condition: Option<&Term>,
        diags: &mut Vec<Diagnostic>,
    ) -> Vec<LayerNode> {
        layers
            .iter()
            .filter_map(|l| self.layer(l, condition, diags))
            .collect()
    }

    fn next_occurrence(&mut self, name: &str) -> usize {
        let n = self.occurrences.entry(name.to_owned()).or_insert(0);
        *n += 1;
        *n
    }

    fn layer(
        &mut self,
        layer: &Layer,
        condition: Option<&Term>,
        diags: &mut Vec<Diagnostic>,
    ) -> Option<LayerNode> {
        match layer {
            Layer::Call(call) => self.call(call, condition, diags),
            Layer::Repeat { count, body, .. } => {
                let n = self.next_occurrence("repeat");
                let spec = ArgSpec {
                    name: "count",
                    ty: ArgType::Int,
                    bound: Bound::AtLeast(0.0),
                    default: None,
                    doc: "how many times",
                };
                let count = self.arg_term(count, "repeat", n, &spec, condition, diags);
                let body = self.layers(body, condition, diags);
                Some(LayerNode::Repeat {
                    count: count?,
                    body,
                })
            }
            Layer::Residual { body, .. } => Some(LayerNode::Residual {
                body: self.layers(body, condition, diags),
            }),
            Layer::Choose { alternatives, span } => {
                let n = self.next_occurrence("choose");
                let local = format!("choose_{n}");
                if alternatives.len() < 2 {
                    diags.push(
                        Diagnostic::error(
                            Code::EmptyChoice,
                            *span,
                            "`choose` needs at least two alternatives",
                        )
                        .with_label("nothing to choose")
                        .with_help(
                            "separate alternatives with `|`: `choose { conv(16) | identity() }`",
                        ),
                    );
                }
                #[allow(clippy::cast_possible_wrap)]
                let values = (0..alternatives.len())
                    .map(|i| Value::Int(i as i64))
                    .collect();
                self.choices.push(LocalChoice {
                    local: local.clone(),
                    distribution: Distribution::Choice { values },
                    condition: condition.cloned(),
                    span: *span,
                });
                let alternatives = alternatives
                    .iter()
                    .enumerate()
                    .map(|(i, alt)| {
                        #[allow(clippy::cast_possible_wrap)]
                        let chosen = Term::binary(
                            Term::param(local.clone()),
                            crate::syntax::ast::BinaryOp::Eq,
                            Term::constant(Value::Int(i as i64)),
                        );
                        let cond = match condition {
                            Some(c) => c.clone().and(chosen),
                            None => chosen,
                        };
                        self.layers(alt, Some(&cond), diags)
                    })
                    .collect();
                Some(LayerNode::Choose {
                    choice: local,
                    alternatives,
                })
            }
        }
    }

    fn call(
        &mut self,
        call: &Call,
        condition: Option<&Term>,
        diags: &mut Vec<Diagnostic>,
    ) -> Option<LayerNode> {
        let name = &call.name.name;
        if let Some(param) = self.param_named(name) {
            if let Some(arg) = call.args.first() {
                diags.push(
                    Diagnostic::error(
                        Code::TooManyArguments,
                        arg.span,
                        format!("`{name}()` names an activation and takes no arguments"),
                    )
                    .with_label("extra argument")
                    .with_help("activation layers take no arguments"),
                );
                return None;
            }
            if let Some(ty) = param_type(param) {
                if !matches!(ty, "layer" | "str") {
                    diags.push(
                        Diagnostic::error(
                            Code::TypeMismatch,
                            call.name.span,
                            format!("`{name}` is {} and cannot be used as a layer", article(ty)),
                        )
                        .with_label("not a layer")
                        .with_help(format!(
                            "a parameter used as a layer holds an activation: {}",
                            ACTIVATIONS.join(", ")
                        )),
                    );
                    return None;
                }
            }
            if let Some(ArgValue::Const(Value::Str(s))) = &param.default {
                if !ACTIVATIONS.contains(&s.as_str()) {
                    diags.push(not_an_activation(s, call.name.span));
                }
            }
            return Some(LayerNode::Op {
                layer: LayerName::From(Term::param(name.clone())),
                args: BTreeMap::new(),
            });
        }
        let Some(builtin) = catalogue::lookup(Family::Layer, name) else {
            diags.push(self.unknown_layer(&call.name));
            return None;
        };
        let n = self.next_occurrence(name);
        let bound = bind(builtin, call, diags);
        let mut args = BTreeMap::new();
        for spec in builtin.args {
            let term = match bound.named.get(spec.name) {
                Some(expr) => self.arg_term(expr, name, n, spec, condition, diags),
                None => default_value(spec.default).map(Term::constant),
            };
            if let Some(term) = term {
                args.insert(spec.name.to_owned(), term);
            }
        }
        Some(LayerNode::Op {
            layer: LayerName::Fixed(name.clone()),
            args,
        })
    }

    fn unknown_layer(&self, name: &Ident) -> Diagnostic {
        if let Some(other) = catalogue::any_named(&name.name) {
            return Diagnostic::error(
                Code::Misplaced,
                name.span,
                format!("`{}` is a {}, not a layer", name.name, other.family.noun()),
            )
            .with_label(format!("a {}", other.family.noun()))
            .with_help("distributions go in arguments: `conv(16, kernel = choose(3, 5))`");
        }
        let mut candidates: Vec<&str> = catalogue::names(Family::Layer).collect();
        candidates.extend(self.params.iter().map(|p| p.name.as_str()));
        Diagnostic::error(
            Code::UnknownFunction,
            name.span,
            format!("unknown layer `{}`", name.name),
        )
        .with_label("not a layer")
        .with_help(did_you_mean(&name.name, candidates).unwrap_or_else(|| {
            format!(
                "layers: {}",
                catalogue::names(Family::Layer)
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        }))
    }

    /// An argument of a layer (or a repeat count) as a term; a distribution becomes a local choice.
    fn arg_term(
        &mut self,
        expr: &Expr,
        layer: &str,
        n: usize,
        spec: &ArgSpec,
        condition: Option<&Term>,
        diags: &mut Vec<Diagnostic>,
    ) -> Option<Term> {
        let what = format!("`{}` of `{layer}`", spec.name);
        if let ExprKind::Call(call) = &expr.kind {
            if !is_distribution(call) {
                diags.push(crate::semantic::space_builder::unknown_distribution(
                    &call.name,
                ));
                return None;
            }
            let dist = distribution(call, diags)?;
            if let Some(values) = dist.finite_values() {
                if !values
                    .iter()
                    .all(|v| check_value(spec, &what, v, expr.span, diags))
                {
                    return None;
                }
            } else if let Some((lo, hi)) = dist.bounds() {
                if spec.ty == ArgType::Int {
                    diags.push(
                        Diagnostic::error(
                            Code::TypeMismatch,
                            expr.span,
                            format!(
                                "{what} must be an integer, but `{}` draws real numbers",
                                call.name.name
                            ),
                        )
                        .with_label("real-valued")
                        .with_help("use `int(lo, hi)` or `choose(a, b)`"),
                    );
                    return None;
                }
                let _ = check_value(spec, &what, &Value::Float(lo), expr.span, diags)
                    && check_value(spec, &what, &Value::Float(hi), expr.span, diags);
            }
            let local = if layer == "repeat" {
                format!("repeat_{n}")
            } else {
                format!("{layer}_{n}.{}", spec.name)
            };
            self.choices.push(LocalChoice {
                local: local.clone(),
                distribution: dist,
                condition: condition.cloned(),
                span: expr.span,
            });
            return Some(Term::param(local));
        }
        let term = lower(expr, &*self, diags)?;
        match &term {
            Term::Const { value } => {
                check_value(spec, &what, value, expr.span, diags).then_some(term)
            }
            Term::Param { name } => {
                let declared = self.param_named(name).and_then(param_type);
                let fits = match (declared, spec.ty) {
                    (None, _) | (_, ArgType::Any) => true,
                    (Some(t), ArgType::Int) => t == "int",
                    (Some(t), ArgType::Number) => matches!(t, "int" | "float"),
                    (Some(t), ArgType::Bool) => t == "bool",
                    (Some(t), ArgType::Padding) => matches!(t, "int" | "str"),
                    (Some(t), _) => t == "str",
                };
                if !fits {
                    diags.push(
                        Diagnostic::error(
                            Code::TypeMismatch,
                            expr.span,
                            format!(
                                "{what} must be {}, but `{name}` is {}",
                                spec.ty.describe(),
                                article(declared.unwrap_or("?"))
                            ),
                        )
                        .with_label("wrong type")
                        .with_help(format!("declare `{name}` with a fitting type")),
                    );
                    return None;
                }
                Some(term)
            }
            _ => Some(term),
        }
    }
}

impl Names for ArchChecker {
    fn resolve(&self, path: &[Ident]) -> Result<Option<Term>, Diagnostic> {
        let name = path_text(path);
        if name == OUTPUTS || self.param_named(&name).is_some() {
            return Ok(Some(Term::param(name)));
        }
        Ok(None)
    }

    fn known(&self) -> Vec<String> {
        self.params
            .iter()
            .map(|p| p.name.clone())
            .chain([OUTPUTS.to_owned()])
            .collect()
    }
}

/// A parameter's value: a constant or a distribution.
pub fn arg_value(expr: &Expr, what: &str, diags: &mut Vec<Diagnostic>) -> Option<ArgValue> {
    if let ExprKind::Call(call) = &expr.kind {
        if is_distribution(call) {
            return distribution(call, diags).map(ArgValue::Dist);
        }
        diags.push(crate::semantic::space_builder::unknown_distribution(
            &call.name,
        ));
        return None;
    }
    constant(expr, what, diags).map(ArgValue::Const)
}

/// A value of the wrong type for an arch parameter. A list where one value is declared is the
/// habit of sweep configurations (W&B's `values: [16, 32]`): the help writes the `choice(…)` that
/// searches them.
#[must_use]
pub fn type_mismatch(name: &str, declared: &str, found: &str, expr: &Expr) -> Diagnostic {
    if let ExprKind::List(items) = &expr.kind {
        let written: Option<Vec<String>> = items.iter().map(literal).collect();
        let help = match written {
            Some(values) if !values.is_empty() => choice_of(&values),
            _ => format!(
                "give `{name}` {}, or search over values with `choice(…)`",
                article(declared)
            ),
        };
        return Diagnostic::error(
            Code::TypeMismatch,
            expr.span,
            format!("`{name}` is declared {declared}, but this is a list"),
        )
        .with_label("a list")
        .with_help(help);
    }
    let help = match (declared, found) {
        ("int", "float") => String::from("use `int(lo, hi)` or integer values"),
        _ => format!("give `{name}` {}", article(declared)),
    };
    Diagnostic::error(
        Code::TypeMismatch,
        expr.span,
        format!(
            "`{name}` is declared {declared}, but this is {}",
            article(found)
        ),
    )
    .with_label(article(found))
    .with_help(help)
}

/// A literal as it is written (`16`, `0.5`, `"relu"`, `relu`), for help that rewrites it.
fn literal(expr: &Expr) -> Option<String> {
    match &expr.kind {
        ExprKind::Number {
            value,
            integer: true,
        } => Some(format!("{value}")),
        ExprKind::Number { value, .. } => Some(format!("{value:?}")),
        ExprKind::Str(text) => Some(format!("{text:?}")),
        ExprKind::Bool(value) => Some(value.to_string()),
        ExprKind::Path(path) => Some(path_text(path)),
        _ => None,
    }
}

/// A value that should name an activation.
#[must_use]
pub fn not_an_activation(value: &str, span: crate::syntax::Span) -> Diagnostic {
    Diagnostic::error(
        Code::InvalidValue,
        span,
        format!("`{value}` is not an activation"),
    )
    .with_label("used as a layer")
    .with_help(
        did_you_mean(value, ACTIVATIONS.iter().copied())
            .unwrap_or_else(|| format!("activations: {}", ACTIVATIONS.join(", "))),
    )
}

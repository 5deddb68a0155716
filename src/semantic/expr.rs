//! Lowers AST expressions to resolved [`Term`]s: names become parameter references through a
//! [`Names`] scope, unknown bare names become symbols (strings), constants fold. Used by every check
//! pass that reads a value.

use crate::diagnostic::{Code, Diagnostic};
use crate::space::{Link, Term, Value};
use crate::suggest::did_you_mean;
use crate::syntax::ast::{BinaryOp, Expr, ExprKind, Ident, path_text};

/// The names an expression may read.
pub trait Names {
    /// The term a (dotted) name stands for; `Ok(None)` when it names nothing here.
    ///
    /// # Errors
    /// When the name is ambiguous, or names something that cannot be read here.
    fn resolve(&self, path: &[Ident]) -> Result<Option<Term>, Diagnostic>;

    /// Names in scope, for "did you mean".
    fn known(&self) -> Vec<String>;
}

/// A scope with no names: every bare name is a symbol.
pub struct NoNames;

impl Names for NoNames {
    fn resolve(&self, _: &[Ident]) -> Result<Option<Term>, Diagnostic> {
        Ok(None)
    }

    fn known(&self) -> Vec<String> {
        Vec::new()
    }
}

/// Lowers `expr`; problems go to `diags` and give `None`.
pub fn lower(expr: &Expr, names: &dyn Names, diags: &mut Vec<Diagnostic>) -> Option<Term> {
    match &expr.kind {
        ExprKind::Number { value, integer } => match number(*value, *integer) {
            Ok(value) => Some(Term::constant(value)),
            Err(d) => {
                diags.push(d.at(expr.span));
                None
            }
        },
        ExprKind::Duration(seconds) => Some(Term::constant(Value::Float(*seconds))),
        ExprKind::Str(s) => Some(Term::constant(Value::Str(s.clone()))),
        ExprKind::Bool(b) => Some(Term::constant(Value::Bool(*b))),
        ExprKind::Path(path) => lower_name(path, names, diags),
        ExprKind::List(items) => {
            let items: Option<Vec<Term>> = items.iter().map(|i| lower(i, names, diags)).collect();
            let items = items?;
            match items
                .iter()
                .map(|t| t.as_const().cloned())
                .collect::<Option<Vec<Value>>>()
            {
                Some(values) => Some(Term::constant(Value::List(values))),
                None => Some(Term::List { items }),
            }
        }
        ExprKind::Unary { op, operand } => {
            let operand = lower(operand, names, diags)?;
            fold_or_keep(
                Term::Unary {
                    unary: *op,
                    operand: Box::new(operand),
                },
                expr,
                diags,
            )
        }
        ExprKind::Chain { first, rest } => {
            let (first, rest) = lower_chain(first, rest, diags, |_, operand, diags| {
                lower(operand, names, diags)
            })?;
            fold_or_keep(Term::chain(first, rest), expr, diags)
        }
        ExprKind::Call(call) => {
            diags.push(
                Diagnostic::error(
                    Code::Misplaced,
                    call.span,
                    format!("`{}(…)` cannot be used inside an expression", call.name.name),
                )
                .with_label("not allowed here")
                .with_help("a distribution must be the whole value of a parameter: `lr = loguniform(1e-4, 1)`"),
            );
            None
        }
        ExprKind::Record { .. } => {
            diags.push(
                Diagnostic::error(
                    Code::Misplaced,
                    expr.span,
                    "a `{ … }` group is not allowed here",
                )
                .with_label("not allowed here")
                .with_help(
                    "groups of parameters belong in `train`, `params`, `budget` or a `space`",
                ),
            );
            None
        }
        ExprKind::Objective { .. } => {
            diags.push(
                Diagnostic::error(
                    Code::Misplaced,
                    expr.span,
                    "`maximize`/`minimize` belongs to `objective`",
                )
                .with_label("not allowed here")
                .with_help("write `objective = maximize val.accuracy` in a study"),
            );
            None
        }
    }
}

/// Lowers a chain's operands with `each` (given each operand's place, 0 for the first) into the
/// parts of a [`Term::Chain`] (see [`Term::chain`]): every operand, so that every problem is reported,
/// and the right side of each `in` checked. `None` when any operand fails.
pub fn lower_chain(
    first: &Expr,
    rest: &[(BinaryOp, Expr)],
    diags: &mut Vec<Diagnostic>,
    mut each: impl FnMut(usize, &Expr, &mut Vec<Diagnostic>) -> Option<Term>,
) -> Option<(Term, Vec<Link>)> {
    let first_term = each(0, first, diags);
    let mut links = Some(Vec::with_capacity(rest.len()));
    for (place, (op, operand)) in rest.iter().enumerate() {
        let term = each(place + 1, operand, diags).and_then(|term| {
            check_in_operand(*op, &term, operand)
                .map_err(|d| diags.push(d))
                .ok()
                .map(|()| term)
        });
        links = links.zip(term).map(|(mut links, term): (Vec<Link>, Term)| {
            links.push(Link { binary: *op, term });
            links
        });
    }
    Some((first_term?, links?))
}

/// The largest integer literal: every integer up to it is exact as a float too (2^53 − 1).
const MAX_INTEGER: f64 = 9_007_199_254_740_991.0;

/// A number literal's value: an integer literal is an integer. One too large to be exact, or any
/// literal too large to be a float (hundreds of digits), is an error, not a silent infinity.
fn number(value: f64, integer: bool) -> Result<Value, TooLarge> {
    if !value.is_finite() {
        return Err(TooLarge::Float);
    }
    if !integer {
        return Ok(Value::Float(value));
    }
    if value > MAX_INTEGER {
        return Err(TooLarge::Integer);
    }
    #[allow(clippy::cast_possible_truncation)]
    Ok(Value::Int(value as i64))
}

/// A number literal too large for its type.
enum TooLarge {
    Integer,
    Float,
}

impl TooLarge {
    fn at(self, span: crate::syntax::Span) -> Diagnostic {
        let (message, label, help) = match self {
            TooLarge::Integer => (
                "this integer is too large",
                "above 9007199254740991",
                "integers are at most 2^53 - 1 = 9007199254740991; for a large real number write a float such as `1e20`",
            ),
            TooLarge::Float => (
                "this number is too large",
                "above 1.8e308",
                "numbers are at most about 1.8e308",
            ),
        };
        Diagnostic::error(Code::InvalidValue, span, message)
            .with_label(label)
            .with_help(help)
    }
}

fn lower_name(path: &[Ident], names: &dyn Names, diags: &mut Vec<Diagnostic>) -> Option<Term> {
    match names.resolve(path) {
        Err(d) => {
            diags.push(d);
            None
        }
        Ok(Some(term)) => Some(term),
        Ok(None) => {
            let span = path[0].span.to(path[path.len() - 1].span);
            let text = path_text(path);
            let known = names.known();
            // A bare name one edit from a defined name is a typo, not a symbol (short names excepted:
            // `x` next to `a` is a symbol).
            let suggestion = (text.chars().count() >= 4)
                .then(|| did_you_mean(&text, known.iter().map(String::as_str)))
                .flatten();
            if path.len() > 1 || suggestion.is_some() {
                diags.push(
                    Diagnostic::error(Code::UnknownName, span, format!("`{text}` is not defined"))
                        .with_label("unknown name")
                        .with_help(suggestion.unwrap_or_else(|| {
                            String::from("a dotted name must be a parameter, such as `train.lr`")
                        })),
                );
                return None;
            }
            Some(Term::constant(Value::Str(text)))
        }
    }
}

/// Folds a term without parameters to its constant; keeps it otherwise.
fn fold_or_keep(term: Term, expr: &Expr, diags: &mut Vec<Diagnostic>) -> Option<Term> {
    if !term.params().is_empty() || matches!(term, Term::List { .. }) {
        return Some(term);
    }
    if let Some(value) = term.eval(&|_| None) {
        return Some(Term::constant(value));
    }
    diags.push(
        Diagnostic::error(
            Code::InvalidValue,
            expr.span,
            format!("`{term}` cannot be computed"),
        )
        .with_label("no value")
        .with_help("arithmetic works on numbers; check for a division by zero or an overflow"),
    );
    None
}

/// Lowers an expression that must be constant. `what` names it in the message.
pub fn constant(expr: &Expr, what: &str, diags: &mut Vec<Diagnostic>) -> Option<Value> {
    if let ExprKind::Call(call) = &expr.kind {
        let noun =
            crate::catalogue::any_named(&call.name.name).map_or("a call", |b| b.family.noun());
        diags.push(
            Diagnostic::error(
                Code::Misplaced,
                expr.span,
                format!("{what} must be a fixed value, not {noun}"),
            )
            .with_label("must be fixed")
            .with_help("only parameters of `model`, `train`, `params` and spaces may vary"),
        );
        return None;
    }
    let term = lower(expr, &NoNames, diags)?;
    term.as_const().cloned()
}

/// `x in …` needs a list on its right.
///
/// # Errors
/// The diagnostic, at the right-hand side, when it is not a list.
fn check_in_operand(op: BinaryOp, rhs: &Term, rhs_expr: &Expr) -> Result<(), Diagnostic> {
    let is_list = matches!(
        rhs,
        Term::List { .. }
            | Term::Const {
                value: Value::List(_)
            }
    );
    if op != BinaryOp::In || is_list {
        return Ok(());
    }
    Err(Diagnostic::error(
        Code::TypeMismatch,
        rhs_expr.span,
        "`in` needs a list on its right",
    )
    .with_label("not a list")
    .with_help("write `x in [a, b]`"))
}

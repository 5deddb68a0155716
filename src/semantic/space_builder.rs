//! Builds a search space from statements: `space` bodies, `train`/`params` groups with overrides, and
//! a study's `forbid` rules. Entries get full paths (`train.lr`); conditions from `when` blocks are
//! attached; duplicates, bad values and conditions are reported. Consumed by the study check.

use std::collections::BTreeSet;

use crate::catalogue::{self, Family};
use crate::diagnostic::{Code, Diagnostic};
use crate::semantic::condition::{ConditionScope, lower_condition};
use crate::semantic::distribution::{distribution, is_distribution};
use crate::semantic::expr::{Names, lower};
use crate::space::{Derived, Distribution, Fixed, Param, SearchSpace, Term, Value};
use crate::suggest::did_you_mean;
use crate::syntax::Span;
use crate::syntax::ast::{Block, Expr, ExprKind, Ident, Statement, path_text};

/// What an entry holds.
#[derive(Debug, Clone, PartialEq)]
pub enum EntryKind {
    /// A searched parameter.
    Param(Distribution),
    /// A constant.
    Fixed(Value),
    /// Computed from parameters.
    Derived(Term),
}

/// One named value of a space.
#[derive(Debug, Clone)]
pub struct Entry {
    /// Name inside its group: `lr`.
    pub local: String,
    /// Full path: `train.lr`.
    pub full: String,
    /// What it holds.
    pub kind: EntryKind,
    /// It exists only while this holds.
    pub condition: Option<Term>,
    /// Where its name is written.
    pub span: Span,
    /// Where its value is written.
    pub value_span: Span,
    /// Its doc comment.
    pub doc: Option<String>,
}

/// Whether assignments define new names or may replace existing ones.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// A name may be assigned once.
    Define,
    /// An assignment replaces an existing entry of the same name (`SPACE { overrides }`).
    Override,
}

/// Collects entries and `forbid` rules.
#[derive(Debug, Default)]
pub struct SpaceBuilder {
    /// Entries in definition order.
    pub entries: Vec<Entry>,
    forbids: Vec<(Expr, Span)>,
    prefix: String,
    /// Names assigned anywhere in the blocks being read (to tell "later" from "undefined").
    pending_names: BTreeSet<String>,
}

impl SpaceBuilder {
    /// A builder whose entries are named `prefix.local` (or `local` when the prefix is empty).
    #[must_use]
    pub fn new(prefix: &str) -> Self {
        Self {
            prefix: prefix.to_owned(),
            ..Self::default()
        }
    }

    /// Switches the prefix for the entries that follow.
    pub fn set_prefix(&mut self, prefix: &str) {
        prefix.clone_into(&mut self.prefix);
    }

    fn full(&self, local: &str) -> String {
        if self.prefix.is_empty() {
            local.to_owned()
        } else {
            format!("{}.{local}", self.prefix)
        }
    }

    /// Reads a block's statements.
    pub fn block(&mut self, block: &Block, mode: Mode, diags: &mut Vec<Diagnostic>) {
        self.pending_names.clear();
        collect_names(block, &mut self.pending_names);
        self.statements(block, None, mode, diags);
        self.pending_names.clear();
    }

    fn statements(
        &mut self,
        block: &Block,
        condition: Option<&Term>,
        mode: Mode,
        diags: &mut Vec<Diagnostic>,
    ) {
        for statement in &block.statements {
            match statement {
                Statement::Assign(assign) => {
                    self.assign(
                        &assign.name,
                        &assign.value,
                        assign.doc.clone(),
                        condition,
                        mode,
                        diags,
                    );
                    self.pending_names.remove(&assign.name.name);
                }
                Statement::When(when) => {
                    let Some(cond) = lower_condition(&when.condition, &*self, diags) else {
                        // Still check the bodies, without a condition to attach.
                        self.statements(&when.then, condition, mode, diags);
                        if let Some(otherwise) = &when.otherwise {
                            self.statements(otherwise, condition, mode, diags);
                        }
                        continue;
                    };
                    let then = and(condition, cond.clone());
                    self.statements(&when.then, Some(&then), mode, diags);
                    if let Some(otherwise) = &when.otherwise {
                        let negated = and(condition, cond.negate());
                        self.statements(otherwise, Some(&negated), mode, diags);
                    }
                }
                Statement::Forbid(forbid) => {
                    if condition.is_some() {
                        diags.push(
                            Diagnostic::error(
                                Code::Misplaced,
                                forbid.span,
                                "`forbid` inside `when` is not supported",
                            )
                            .with_label("inside a `when` block")
                            .with_help(
                                "write the condition into the rule: `forbid a == x and b > 3`",
                            ),
                        );
                    } else {
                        self.forbids.push((forbid.condition.clone(), forbid.span));
                    }
                }
            }
        }
    }

    /// Adds (or in [`Mode::Override`], replaces) one entry.
    pub fn assign(
        &mut self,
        name: &Ident,
        value: &Expr,
        doc: Option<String>,
        condition: Option<&Term>,
        mode: Mode,
        diags: &mut Vec<Diagnostic>,
    ) {
        let Some(kind) = self.value(value, diags) else {
            return;
        };
        let full = self.full(&name.name);
        if let Some(existing) = self.entries.iter_mut().find(|e| e.full == full) {
            if mode == Mode::Override {
                existing.kind = kind;
                existing.span = name.span;
                existing.value_span = value.span;
                if condition.is_some() {
                    existing.condition = condition.cloned();
                }
                return;
            }
            diags.push(
                Diagnostic::error(
                    Code::DuplicateName,
                    name.span,
                    format!("`{}` is defined twice", name.name),
                )
                .with_label("defined again here")
                .with_related(existing.span, "first defined here")
                .with_help("rename one, or remove it"),
            );
            return;
        }
        self.entries.push(Entry {
            local: name.name.clone(),
            full,
            kind,
            condition: condition.cloned(),
            span: name.span,
            value_span: value.span,
            doc,
        });
    }

    /// What a value expression defines.
    fn value(&self, value: &Expr, diags: &mut Vec<Diagnostic>) -> Option<EntryKind> {
        if let ExprKind::Call(call) = &value.kind {
            if is_distribution(call) {
                return distribution(call, diags).map(EntryKind::Param);
            }
            diags.push(unknown_distribution(&call.name));
            return None;
        }
        if let ExprKind::Record { .. } = &value.kind {
            diags.push(
                Diagnostic::error(
                    Code::Misplaced,
                    value.span,
                    "a `{ … }` group cannot be a parameter",
                )
                .with_label("nested group")
                .with_help(
                    "put the parameters here directly, or use a `when` block for conditional ones",
                ),
            );
            return None;
        }
        let term = lower(value, self, diags)?;
        Some(match term.as_const() {
            Some(v) => EntryKind::Fixed(v.clone()),
            None => EntryKind::Derived(term),
        })
    }

    /// Resolves the pending `forbid` rules against every entry; returns them with their spans.
    pub fn forbids(&mut self, diags: &mut Vec<Diagnostic>) -> Vec<(Term, Span)> {
        let rules = std::mem::take(&mut self.forbids);
        rules
            .into_iter()
            .filter_map(|(expr, span)| lower_condition(&expr, &*self, diags).map(|t| (t, span)))
            .collect()
    }

    /// Queues a `forbid` rule written outside the blocks (a study's own).
    pub fn add_forbid(&mut self, condition: &Expr, span: Span) {
        self.forbids.push((condition.clone(), span));
    }

    /// The entry with this full path.
    #[must_use]
    pub fn entry(&self, full: &str) -> Option<&Entry> {
        self.entries.iter().find(|e| e.full == full)
    }

    /// The entries as a search space, with the given resolved `forbid` rules.
    #[must_use]
    pub fn to_space(&self, forbidden: Vec<Term>) -> SearchSpace {
        let mut space = SearchSpace {
            forbidden,
            ..SearchSpace::default()
        };
        for e in &self.entries {
            match &e.kind {
                EntryKind::Param(d) => space.params.push(Param {
                    name: e.full.clone(),
                    distribution: d.clone(),
                    condition: e.condition.clone(),
                    doc: e.doc.clone(),
                }),
                EntryKind::Fixed(v) => space.fixed.push(Fixed {
                    name: e.full.clone(),
                    value: v.clone(),
                    condition: e.condition.clone(),
                }),
                EntryKind::Derived(t) => space.derived.push(Derived {
                    name: e.full.clone(),
                    expression: t.clone(),
                    condition: e.condition.clone(),
                }),
            }
        }
        space
    }

    /// Reports `forbid` rules that leave nothing to search.
    pub fn check_not_empty(space: &SearchSpace, spans: &[Span], diags: &mut Vec<Diagnostic>) {
        if space.is_empty() == Some(true) {
            if let Some((first, rest)) = spans.split_first() {
                let mut d = Diagnostic::error(
                    Code::EmptySpace,
                    *first,
                    "`forbid` removes every combination",
                )
                .with_label("forbids everything that is left")
                .with_help("loosen a rule or widen a parameter's range");
                for span in rest {
                    d = d.with_related(*span, "also forbids");
                }
                diags.push(d);
            }
        }
    }
}

fn and(outer: Option<&Term>, inner: Term) -> Term {
    match outer {
        Some(o) => o.clone().and(inner),
        None => inner,
    }
}

fn collect_names(block: &Block, out: &mut BTreeSet<String>) {
    for statement in &block.statements {
        match statement {
            Statement::Assign(a) => {
                out.insert(a.name.name.clone());
            }
            Statement::When(w) => {
                collect_names(&w.then, out);
                if let Some(o) = &w.otherwise {
                    collect_names(o, out);
                }
            }
            Statement::Forbid(_) => {}
        }
    }
}

/// `X(…)` in a parameter's value where X is no distribution.
#[must_use]
pub fn unknown_distribution(name: &Ident) -> Diagnostic {
    if let Some(other) = catalogue::any_named(&name.name) {
        return Diagnostic::error(
            Code::Misplaced,
            name.span,
            format!("`{}` is a {}, not a distribution", name.name, other.family.noun()),
        )
        .with_label(format!("a {}", other.family.noun()))
        .with_help("a parameter's value is a constant or a distribution: uniform, loguniform, int, choice, ordinal, bases");
    }
    Diagnostic::error(
        Code::UnknownFunction,
        name.span,
        format!("`{}` is not a distribution", name.name),
    )
    .with_label("unknown distribution")
    .with_help(
        did_you_mean(&name.name, catalogue::names(Family::Distribution)).unwrap_or_else(|| {
            String::from("distributions: uniform, loguniform, int, choice, ordinal, bases")
        }),
    )
}

impl Names for SpaceBuilder {
    fn resolve(&self, path: &[Ident]) -> Result<Option<Term>, Diagnostic> {
        let name = path_text(path);
        let span = path[0].span.to(path[path.len() - 1].span);
        let matches: Vec<&Entry> = self
            .entries
            .iter()
            .filter(|e| e.full == name || e.local == name || e.full.ends_with(&format!(".{name}")))
            .collect();
        let distinct: BTreeSet<&str> = matches.iter().map(|e| e.full.as_str()).collect();
        if distinct.len() > 1 {
            let list: Vec<&str> = distinct.into_iter().collect();
            return Err(Diagnostic::error(
                Code::AmbiguousName,
                span,
                format!("`{name}` could be several parameters"),
            )
            .with_label("ambiguous")
            .with_help(format!("write one of: {}", list.join(", "))));
        }
        Ok(matches.first().map(|e| match &e.kind {
            EntryKind::Param(_) => Term::param(e.full.clone()),
            EntryKind::Fixed(v) if e.condition.is_none() => Term::constant(v.clone()),
            EntryKind::Fixed(_) => Term::param(e.full.clone()),
            EntryKind::Derived(t) => t.clone(),
        }))
    }

    fn known(&self) -> Vec<String> {
        self.entries.iter().map(|e| e.local.clone()).collect()
    }
}

impl ConditionScope for SpaceBuilder {
    fn distribution(&self, name: &str) -> Option<&Distribution> {
        match &self.entry(name)?.kind {
            EntryKind::Param(d) => Some(d),
            _ => None,
        }
    }

    fn defined_later(&self, name: &str) -> bool {
        self.pending_names.contains(name)
    }
}

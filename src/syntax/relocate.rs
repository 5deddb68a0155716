//! Moving what a chunk parsed to another place: every span of its items shifted to another file
//! and offset. [`super::cache::ParseCache`] reuses a chunk parsed before
//! (the language server re-parses only the item an edit touched): the chunk's text is the same, only
//! its place changed. Walks are as deep as the tree, which the outline bounds.

use crate::syntax::ast::{
    ArchDecl, ArchParam, Arg, Block, Call, DatasetDecl, Expr, ExprKind, Ident, Import, Item, Layer,
    SpaceDecl, Statement, StudyDecl,
};
use crate::syntax::{FileId, Span};

/// Where a chunk was parsed and where it now is.
#[derive(Debug, Clone, Copy)]
pub struct Move {
    /// The chunk's file now.
    pub file: FileId,
    /// Its first byte where it was parsed.
    pub from: usize,
    /// Its first byte now.
    pub to: usize,
}

impl Move {
    fn span(self, span: &mut Span) {
        *span = Span::new(
            self.file,
            span.start() - self.from + self.to,
            span.end() - self.from + self.to,
        );
    }

    /// Moves an item.
    pub fn item(self, item: &mut Item) {
        match item {
            Item::Import(Import {
                path_span, span, ..
            }) => {
                self.span(path_span);
                self.span(span);
            }
            Item::Dataset(DatasetDecl {
                name,
                source,
                transforms,
                span,
                ..
            }) => {
                self.ident(name);
                self.call(source);
                transforms.iter_mut().for_each(|t| self.call(t));
                self.span(span);
            }
            Item::Space(SpaceDecl {
                name, body, span, ..
            })
            | Item::Study(StudyDecl {
                name, body, span, ..
            }) => {
                self.ident(name);
                self.block(body);
                self.span(span);
            }
            Item::Arch(ArchDecl {
                name,
                params,
                body,
                span,
                ..
            }) => {
                self.ident(name);
                for ArchParam {
                    name,
                    ty,
                    default,
                    span,
                } in params
                {
                    self.ident(name);
                    ty.iter_mut().for_each(|t| self.ident(t));
                    default.iter_mut().for_each(|d| self.expr(d));
                    self.span(span);
                }
                self.layers(body);
                self.span(span);
            }
        }
    }

    fn ident(self, ident: &mut Ident) {
        self.span(&mut ident.span);
    }

    fn layers(self, layers: &mut [Layer]) {
        for layer in layers {
            match layer {
                Layer::Call(call) => self.call(call),
                Layer::Repeat { count, body, span } => {
                    self.expr(count);
                    self.layers(body);
                    self.span(span);
                }
                Layer::Residual { body, span } => {
                    self.layers(body);
                    self.span(span);
                }
                Layer::Choose { alternatives, span } => {
                    alternatives.iter_mut().for_each(|a| self.layers(a));
                    self.span(span);
                }
            }
        }
    }

    fn block(self, block: &mut Block) {
        for statement in &mut block.statements {
            match statement {
                Statement::Assign(assign) => {
                    self.ident(&mut assign.name);
                    self.expr(&mut assign.value);
                    self.span(&mut assign.span);
                }
                Statement::When(when) => {
                    self.expr(&mut when.condition);
                    self.block(&mut when.then);
                    when.otherwise.iter_mut().for_each(|b| self.block(b));
                    self.span(&mut when.span);
                }
                Statement::Forbid(forbid) => {
                    self.expr(&mut forbid.condition);
                    self.span(&mut forbid.span);
                }
            }
        }
        self.span(&mut block.span);
    }

    fn call(self, call: &mut Call) {
        self.ident(&mut call.name);
        for Arg { name, value, span } in &mut call.args {
            name.iter_mut().for_each(|n| self.ident(n));
            self.expr(value);
            self.span(span);
        }
        self.span(&mut call.span);
    }

    fn path(self, path: &mut [Ident]) {
        path.iter_mut().for_each(|i| self.ident(i));
    }

    fn expr(self, expr: &mut Expr) {
        match &mut expr.kind {
            ExprKind::Number { .. }
            | ExprKind::Duration(_)
            | ExprKind::Str(_)
            | ExprKind::Bool(_) => {}
            ExprKind::Path(path) | ExprKind::Objective { metric: path, .. } => self.path(path),
            ExprKind::List(items) => items.iter_mut().for_each(|i| self.expr(i)),
            ExprKind::Call(call) => self.call(call),
            ExprKind::Record { base, block } => {
                base.iter_mut().for_each(|b| self.path(b));
                self.block(block);
            }
            ExprKind::Unary { operand, .. } => self.expr(operand),
            ExprKind::Chain { first, rest } => {
                self.expr(first);
                rest.iter_mut().for_each(|(_, operand)| self.expr(operand));
            }
        }
        self.span(&mut expr.span);
    }
}

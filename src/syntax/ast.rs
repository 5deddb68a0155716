//! The syntax tree of one `.hps` file, as written: names are not resolved and values are not checked.
//! Built by [`crate::syntax::parse`]; consumed by [`crate::semantic`], which produces a checked
//! [`crate::semantic::Program`]. Every node keeps its [`Span`].

pub use crate::space::operator::{BinaryOp, UnaryOp};
use crate::syntax::Span;

/// One parsed file.
#[derive(Debug, Clone, PartialEq)]
pub struct File {
    /// Top-level items in source order.
    pub items: Vec<Item>,
    /// Names declared by items that did not parse: their syntax errors are reported, and a
    /// reference to one of them is not reported again as an unknown name.
    pub unparsed: Vec<String>,
}

/// A top-level declaration.
#[derive(Debug, Clone, PartialEq)]
pub enum Item {
    /// `import "…"`.
    Import(Import),
    /// `dataset NAME = …`.
    Dataset(DatasetDecl),
    /// `space NAME { … }`.
    Space(SpaceDecl),
    /// `arch NAME(…) { … }`.
    Arch(ArchDecl),
    /// `study NAME { … }`.
    Study(StudyDecl),
}

impl Item {
    /// The declared name, for items that declare one.
    #[must_use]
    pub fn name(&self) -> Option<&Ident> {
        match self {
            Item::Import(_) => None,
            Item::Dataset(d) => Some(&d.name),
            Item::Space(s) => Some(&s.name),
            Item::Arch(a) => Some(&a.name),
            Item::Study(s) => Some(&s.name),
        }
    }

    /// The item's kind as users call it.
    #[must_use]
    pub fn kind(&self) -> &'static str {
        match self {
            Item::Import(_) => "import",
            Item::Dataset(_) => "dataset",
            Item::Space(_) => "space",
            Item::Arch(_) => "arch",
            Item::Study(_) => "study",
        }
    }
}

/// A name with its place in the source.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ident {
    /// The name.
    pub name: String,
    /// Where it is written.
    pub span: Span,
}

/// `import "path.hps"`.
#[derive(Debug, Clone, PartialEq)]
pub struct Import {
    /// The path as written (escapes resolved).
    pub path: String,
    /// The string literal's span.
    pub path_span: Span,
    /// The whole item.
    pub span: Span,
}

/// `dataset NAME = SOURCE | TRANSFORM …`.
#[derive(Debug, Clone, PartialEq)]
pub struct DatasetDecl {
    /// The doc comment in front of the item.
    pub doc: Option<String>,
    /// The dataset's name.
    pub name: Ident,
    /// Where the data comes from: `builtin(…)`, `csv(…)`, ….
    pub source: Call,
    /// Transforms applied in order.
    pub transforms: Vec<Call>,
    /// The whole item.
    pub span: Span,
}

/// `space NAME { … }`.
#[derive(Debug, Clone, PartialEq)]
pub struct SpaceDecl {
    /// The doc comment in front of the item.
    pub doc: Option<String>,
    /// The space's name.
    pub name: Ident,
    /// Its statements.
    pub body: Block,
    /// The whole item.
    pub span: Span,
}

/// `arch NAME(PARAM, …) { LAYER … }`.
#[derive(Debug, Clone, PartialEq)]
pub struct ArchDecl {
    /// The doc comment in front of the item.
    pub doc: Option<String>,
    /// The architecture's name.
    pub name: Ident,
    /// Declared parameters.
    pub params: Vec<ArchParam>,
    /// The layers.
    pub body: Vec<Layer>,
    /// The whole item.
    pub span: Span,
}

/// One parameter of an architecture: `width: int = 64`.
#[derive(Debug, Clone, PartialEq)]
pub struct ArchParam {
    /// Its name.
    pub name: Ident,
    /// The declared type, if any.
    pub ty: Option<Ident>,
    /// The default value, if any.
    pub default: Option<Expr>,
    /// The whole parameter.
    pub span: Span,
}

/// One layer or structure in an architecture body.
#[derive(Debug, Clone, PartialEq)]
pub enum Layer {
    /// `linear(64)`, `act()`.
    Call(Call),
    /// `repeat N { … }`.
    Repeat {
        /// How many times.
        count: Expr,
        /// The repeated layers.
        body: Vec<Layer>,
        /// The whole structure.
        span: Span,
    },
    /// `residual { … }`.
    Residual {
        /// The layers whose output is added to their input.
        body: Vec<Layer>,
        /// The whole structure.
        span: Span,
    },
    /// `choose { A | B | … }`.
    Choose {
        /// Each alternative is a sequence of layers.
        alternatives: Vec<Vec<Layer>>,
        /// The whole structure.
        span: Span,
    },
}

impl Layer {
    /// The layer's span.
    #[must_use]
    pub fn span(&self) -> Span {
        match self {
            Layer::Call(call) => call.span,
            Layer::Repeat { span, .. }
            | Layer::Residual { span, .. }
            | Layer::Choose { span, .. } => *span,
        }
    }
}

/// `study NAME { … }`.
#[derive(Debug, Clone, PartialEq)]
pub struct StudyDecl {
    /// The doc comment in front of the item.
    pub doc: Option<String>,
    /// The study's name.
    pub name: Ident,
    /// Its fields and statements.
    pub body: Block,
    /// The whole item.
    pub span: Span,
}

/// `{ STATEMENT … }`.
#[derive(Debug, Clone, PartialEq)]
pub struct Block {
    /// Statements in source order.
    pub statements: Vec<Statement>,
    /// From `{` to `}`.
    pub span: Span,
}

/// One statement of a block.
#[derive(Debug, Clone, PartialEq)]
pub enum Statement {
    /// `NAME = VALUE` (and `NAME { … }`, which is `NAME = { … }`).
    Assign(Assign),
    /// `when COND { … } else { … }`.
    When(When),
    /// `forbid COND`.
    Forbid(Forbid),
}

/// `NAME = VALUE`.
#[derive(Debug, Clone, PartialEq)]
pub struct Assign {
    /// The doc comment in front of the statement.
    pub doc: Option<String>,
    /// The assigned name.
    pub name: Ident,
    /// The value.
    pub value: Expr,
    /// The whole statement.
    pub span: Span,
}

/// `when COND { … } else { … }`.
#[derive(Debug, Clone, PartialEq)]
pub struct When {
    /// The condition.
    pub condition: Expr,
    /// Statements that hold while the condition does.
    pub then: Block,
    /// Statements that hold otherwise.
    pub otherwise: Option<Block>,
    /// The whole statement.
    pub span: Span,
}

/// `forbid COND`.
#[derive(Debug, Clone, PartialEq)]
pub struct Forbid {
    /// The forbidden combinations.
    pub condition: Expr,
    /// The whole statement.
    pub span: Span,
}

/// `NAME(ARG, …)`.
#[derive(Debug, Clone, PartialEq)]
pub struct Call {
    /// What is called.
    pub name: Ident,
    /// The arguments in source order.
    pub args: Vec<Arg>,
    /// The whole call.
    pub span: Span,
}

/// A positional (`64`) or named (`kernel = 3`) argument.
#[derive(Debug, Clone, PartialEq)]
pub struct Arg {
    /// The name of a named argument.
    pub name: Option<Ident>,
    /// The value.
    pub value: Expr,
    /// The whole argument.
    pub span: Span,
}

/// An expression with its span.
#[derive(Debug, Clone, PartialEq)]
pub struct Expr {
    /// What it is.
    pub kind: ExprKind,
    /// Where it is written.
    pub span: Span,
}

/// The forms of expression.
#[derive(Debug, Clone, PartialEq)]
pub enum ExprKind {
    /// A number; `integer` when written without `.` or exponent.
    Number {
        /// Its value.
        value: f64,
        /// Written as an integer literal.
        integer: bool,
    },
    /// A duration, in seconds.
    Duration(f64),
    /// A string literal.
    Str(String),
    /// `true` / `false`.
    Bool(bool),
    /// A (dotted) name: a reference, or a symbol when nothing by that name is in scope.
    Path(Vec<Ident>),
    /// `[A, B]`.
    List(Vec<Expr>),
    /// `NAME(…)`.
    Call(Call),
    /// `SPACE { … }` or `{ … }`.
    Record {
        /// The space being overridden, if any.
        base: Option<Vec<Ident>>,
        /// The statements.
        block: Block,
    },
    /// `maximize METRIC` / `minimize METRIC`.
    Objective {
        /// `true` for `maximize`.
        maximize: bool,
        /// The metric's dotted name.
        metric: Vec<Ident>,
    },
    /// `-x`, `not x`.
    Unary {
        /// The operator.
        op: UnaryOp,
        /// The operand.
        operand: Box<Expr>,
    },
    /// `a + b - c`, `a and b and c`, `a == b`, `a in [..]`: operands joined by operators of one
    /// binding strength, grouped left to right (`**` to the right). One node however long, so no
    /// walk recurses once per operator. `rest` is never empty.
    Chain {
        /// The first operand.
        first: Box<Expr>,
        /// Each further operator with the operand after it.
        rest: Vec<(BinaryOp, Expr)>,
    },
}

impl UnaryOp {
    /// The operator as written.
    #[must_use]
    pub fn symbol(self) -> &'static str {
        match self {
            UnaryOp::Neg => "-",
            UnaryOp::Not => "not ",
        }
    }
}

/// Joins a dotted name: `["train", "lr"]` → `"train.lr"`.
#[must_use]
pub fn path_text(path: &[Ident]) -> String {
    path.iter()
        .map(|i| i.name.as_str())
        .collect::<Vec<_>>()
        .join(".")
}

//! The shape of a catalogue entry: what a built-in is for ([`Family`]), what each argument takes
//! ([`ArgType`], [`Bound`]) and its default as written in the language ([`ArgSpec`]), and the fields
//! of studies, budgets and recipes ([`FieldSpec`]). The tables themselves are in the sibling files.

/// What a built-in is for; decides where it may be called.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Family {
    /// `uniform`, `choice`, …: anywhere a value may vary.
    Distribution,
    /// `linear`, `conv`, …: inside an `arch` body.
    Layer,
    /// `builtin`, `csv`, …: the start of a dataset pipeline.
    Source,
    /// `split`, `standardize`, …: after `|` in a dataset pipeline.
    Transform,
    /// `sampler = …`.
    Sampler,
    /// `scheduler = …`.
    Scheduler,
    /// `stopping = …`.
    Stopping,
    /// `strategy = …`.
    Strategy,
    /// `trial = …`.
    Trial,
    /// `metrics = …` of `command(...)`.
    Metrics,
    /// `device = …`.
    Device,
}

impl Family {
    /// How users call members of the family.
    #[must_use]
    pub fn noun(self) -> &'static str {
        match self {
            Family::Distribution => "distribution",
            Family::Layer => "layer",
            Family::Source => "dataset source",
            Family::Transform => "dataset transform",
            Family::Sampler => "sampler",
            Family::Scheduler => "scheduler",
            Family::Stopping => "stopping rule",
            Family::Strategy => "strategy",
            Family::Trial => "trial kind",
            Family::Metrics => "metrics format",
            Family::Device => "device",
        }
    }
}

/// The type an argument accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ArgType {
    /// An integer.
    Int,
    /// Any number.
    Number,
    /// `true` / `false`.
    Bool,
    /// A string.
    Str,
    /// A duration (`10m`) or a number of seconds.
    Duration,
    /// One of these symbols.
    Symbol(&'static [&'static str]),
    /// `same`, `valid` or an integer.
    Padding,
    /// A list of integers.
    IntList,
    /// Any constant.
    Any,
}

impl ArgType {
    /// The type as users read it.
    #[must_use]
    pub fn describe(self) -> String {
        match self {
            ArgType::Int => String::from("an integer"),
            ArgType::Number => String::from("a number"),
            ArgType::Bool => String::from("`true` or `false`"),
            ArgType::Str => String::from("a string"),
            ArgType::Duration => String::from("a duration such as `10m`"),
            ArgType::Symbol(options) => {
                let names: Vec<String> = options.iter().map(|o| format!("`{o}`")).collect();
                format!("one of {}", names.join(", "))
            }
            ArgType::Padding => String::from("`same`, `valid` or an integer"),
            ArgType::IntList => String::from("a list of integers"),
            ArgType::Any => String::from("a value"),
        }
    }
}

/// The values a numeric argument accepts.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Bound {
    /// No constraint.
    None,
    /// `x ≥ v`.
    AtLeast(f64),
    /// `x > v`.
    Above(f64),
    /// `lo ≤ x ≤ hi`.
    Within(f64, f64),
    /// `lo ≤ x < hi`.
    WithinOpenTop(f64, f64),
    /// `lo < x ≤ hi`.
    WithinOpenBottom(f64, f64),
    /// `lo < x < hi`.
    Between(f64, f64),
}

impl Bound {
    /// Whether `x` satisfies the bound.
    #[must_use]
    pub fn admits(self, x: f64) -> bool {
        match self {
            Bound::None => x.is_finite(),
            Bound::AtLeast(v) => x >= v,
            Bound::Above(v) => x > v,
            Bound::Within(lo, hi) => (lo..=hi).contains(&x),
            Bound::WithinOpenTop(lo, hi) => x >= lo && x < hi,
            Bound::WithinOpenBottom(lo, hi) => x > lo && x <= hi,
            Bound::Between(lo, hi) => x > lo && x < hi,
        }
    }

    /// The bound as users read it.
    #[must_use]
    pub fn describe(self) -> String {
        use crate::space::format_float as f;
        let n = |x: f64| {
            if x.fract() == 0.0 {
                format!("{x:.0}")
            } else {
                f(x)
            }
        };
        match self {
            Bound::None => String::from("any finite number"),
            Bound::AtLeast(v) => format!("at least {}", n(v)),
            Bound::Above(v) => format!("greater than {}", n(v)),
            Bound::Within(lo, hi) => format!("between {} and {}", n(lo), n(hi)),
            Bound::WithinOpenTop(lo, hi) => format!("at least {} and below {}", n(lo), n(hi)),
            Bound::WithinOpenBottom(lo, hi) => format!("above {} and at most {}", n(lo), n(hi)),
            Bound::Between(lo, hi) => format!("strictly between {} and {}", n(lo), n(hi)),
        }
    }
}

/// One argument of a built-in.
#[derive(Debug, Clone, Copy)]
pub struct ArgSpec {
    /// Its name (also the keyword for named use).
    pub name: &'static str,
    /// Accepted type.
    pub ty: ArgType,
    /// Accepted values.
    pub bound: Bound,
    /// The default, as written; `None` when required.
    pub default: Option<&'static str>,
    /// One line of docs.
    pub doc: &'static str,
}

/// A built-in callable.
#[derive(Debug, Clone, Copy)]
pub struct Builtin {
    /// Its name.
    pub name: &'static str,
    /// Where it may be used.
    pub family: Family,
    /// Arguments, in positional order.
    pub args: &'static [ArgSpec],
    /// Takes any number of extra positional values of this type (`choice(a, b, …)`).
    pub variadic: Option<ArgType>,
    /// One paragraph of docs.
    pub doc: &'static str,
}

impl Builtin {
    /// The argument with this name.
    #[must_use]
    pub fn arg(&self, name: &str) -> Option<&ArgSpec> {
        self.args.iter().find(|a| a.name == name)
    }

    /// `name(arg, arg = default, …)` as users would write it.
    #[must_use]
    pub fn signature(&self) -> String {
        let mut parts: Vec<String> = self
            .args
            .iter()
            .map(|a| match a.default {
                Some(d) => format!("{} = {d}", a.name),
                None => a.name.to_owned(),
            })
            .collect();
        if self.variadic.is_some() {
            parts.push(String::from("…"));
        }
        format!("{}({})", self.name, parts.join(", "))
    }
}

pub(super) const fn req(
    name: &'static str,
    ty: ArgType,
    bound: Bound,
    doc: &'static str,
) -> ArgSpec {
    ArgSpec {
        name,
        ty,
        bound,
        default: None,
        doc,
    }
}

pub(super) const fn opt(
    name: &'static str,
    ty: ArgType,
    bound: Bound,
    default: &'static str,
    doc: &'static str,
) -> ArgSpec {
    ArgSpec {
        name,
        ty,
        bound,
        default: Some(default),
        doc,
    }
}

pub(super) const fn builtin(
    name: &'static str,
    family: Family,
    args: &'static [ArgSpec],
    doc: &'static str,
) -> Builtin {
    Builtin {
        name,
        family,
        args,
        variadic: None,
        doc,
    }
}

/// A field of a study, a budget or a training recipe.
#[derive(Debug, Clone, Copy)]
pub struct FieldSpec {
    /// Its name.
    pub name: &'static str,
    /// The default, as written.
    pub default: &'static str,
    /// One line of docs.
    pub doc: &'static str,
}

pub(super) const fn field(
    name: &'static str,
    default: &'static str,
    doc: &'static str,
) -> FieldSpec {
    FieldSpec { name, default, doc }
}

/// No bound on a number.
pub(super) const NONE: Bound = Bound::None;
/// A count of at least one.
pub(super) const POSITIVE_INT: Bound = Bound::AtLeast(1.0);
/// Zero or more.
pub(super) const NON_NEGATIVE: Bound = Bound::AtLeast(0.0);
/// Between 0 and 1, both included.
pub(super) const UNIT: Bound = Bound::Within(0.0, 1.0);

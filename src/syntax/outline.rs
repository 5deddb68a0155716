//! The outline of a file, found by one linear pass over its [`Tokens`] before pest sees it: the
//! chunks it is parsed in (one per item: a line that opens an item at column 0, with the doc comment
//! above it), and in each chunk what pest or the recursive walks after it could not survive — nesting
//! deeper than [`MAX_DEPTH`] (`hps::too_deep`) or a block comment that is never closed. Read by
//! [`super::parser::parse`], which parses each sound chunk alone and reports the others.
//!
//! Depth counts every open bracket (`(`, `[`, `{`: calls, lists, records, blocks, `when` bodies)
//! and the levels an expression's operators make. A chain of operators of one binding strength
//! (`a and b and c`, `x + y - z`) is one flat node of the syntax tree and of the plan, so it is one
//! level however long; an expression mixing strengths adds one level per strength. Prefix
//! operators (`not`, `-`) and `**`, which the parser reads recursively, count one level each
//! (a `not` until the next `and`/`or` ends its operand, a `-` until the next operator but `**`).
//! The count bounds every recursion over the syntax tree, the checked terms and the plan, whatever
//! the input. Block comments nested in each other count on their own (pest reads them recursively
//! too).

use crate::diagnostic::{Code, Diagnostic};
use crate::space::operator::BinaryOp;
use crate::syntax::lexical::{Token, Tokens};
use crate::syntax::{FileId, Span};

/// The deepest nesting of brackets, blocks and operators a file may have.
pub const MAX_DEPTH: usize = 32;

/// Words that open an item when they start a line.
const OPENERS: [&str; 5] = ["import", "dataset", "space", "arch", "study"];

/// One piece of a file that is parsed alone.
#[derive(Debug, Clone, PartialEq)]
pub struct Chunk {
    /// First byte.
    pub start: usize,
    /// One past the last byte.
    pub end: usize,
    /// Why it cannot be parsed, if it cannot.
    pub problem: Option<Problem>,
}

/// What keeps a chunk from being parsed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Problem {
    /// The bracket or operator at this offset is one level deeper than [`MAX_DEPTH`].
    TooDeep {
        /// Its first byte.
        at: usize,
        /// Its length.
        len: usize,
    },
    /// The block comment opening at this offset is never closed.
    UnclosedComment(usize),
}

impl Problem {
    /// The diagnostic for this problem in `file`.
    #[must_use]
    pub fn diagnostic(self, file: FileId) -> Diagnostic {
        match self {
            Problem::TooDeep { at, len } => Diagnostic::error(
                Code::TooDeep,
                Span::new(file, at, at + len),
                format!("this is nested more than {MAX_DEPTH} levels deep"),
            )
            .with_label(format!("level {}", MAX_DEPTH + 1))
            .with_help(format!(
                "brackets, blocks and the operators of an expression may nest at most {MAX_DEPTH} \
                 levels (a chain of one operator is one level, each `not`, prefix `-` and `**` \
                 one more); split the expression or the nesting, for example into several \
                 parameters or `forbid` rules"
            )),
            Problem::UnclosedComment(at) => Diagnostic::error(
                Code::Syntax,
                Span::new(file, at, at + 2),
                "this block comment is never closed",
            )
            .with_label("opened here")
            .with_help("close it with `*/`; block comments nest, so each `/*` inside it needs its own `*/`"),
        }
    }
}

/// The chunks of `text`, in order, covering it.
#[must_use]
pub fn chunks(text: &str) -> Vec<Chunk> {
    let mut chunks = vec![Chunk {
        start: 0,
        end: text.len(),
        problem: None,
    }];
    let mut depth = Depth::default();
    let mut tokens = Tokens::new(text);
    for (at, token) in tokens.by_ref() {
        if let Token::Word(word) = token {
            if at > 0 && opens_item(text, at, word) {
                let start = doc_comment_start(text, at);
                let last = chunks.last_mut().expect("a chunk");
                if start > last.start {
                    last.end = start;
                    chunks.push(Chunk {
                        start,
                        end: text.len(),
                        problem: None,
                    });
                }
                depth = Depth::default();
            }
        }
        let chunk = chunks.last_mut().expect("a chunk");
        let reached = match token {
            Token::Comment(nesting) => nesting,
            _ => depth.step(token),
        };
        if chunk.problem.is_none() && reached > MAX_DEPTH {
            let len = match token {
                Token::Word(w) | Token::Symbol(w) => w.len(),
                Token::Comment(_) => 2,
                Token::Str | Token::Newline => 1,
            };
            chunk.problem = Some(Problem::TooDeep { at, len });
        }
    }
    if let Some(at) = tokens.unclosed_comment() {
        let chunk = chunks.last_mut().expect("a chunk");
        chunk.problem.get_or_insert(Problem::UnclosedComment(at));
    }
    chunks
}

/// The name a chunk's item declares (`dataset digits = …` → `digits`), read from its first two
/// words, for a chunk that does not parse: references to it are then not unknown names.
#[must_use]
pub fn declared_name(chunk: &str) -> Option<&str> {
    let mut words = Tokens::new(chunk).filter_map(|(_, token)| match token {
        Token::Word(word) => Some(word),
        _ => None,
    });
    let opener = words.next()?;
    let name = words.next()?;
    let names_item = OPENERS.contains(&opener) && opener != "import";
    (names_item && !crate::syntax::is_keyword(name)).then_some(name)
}

/// Whether `word` at `at` opens an item: it starts a line and is followed by a space, a tab or `"`.
fn opens_item(text: &str, at: usize, word: &str) -> bool {
    let bytes = text.as_bytes();
    OPENERS.contains(&word)
        && matches!(bytes[at - 1], b'\n' | b'\r')
        && matches!(bytes.get(at + word.len()), Some(b' ' | b'\t' | b'"'))
}

/// The start of the `///` lines right above the line starting at `line_start` (or that line): as
/// far up as the doc comment of an item there could reach, so that the chunk holds it.
fn doc_comment_start(text: &str, line_start: usize) -> usize {
    let mut start = line_start;
    while start > 0 {
        let line_break = if text[..start].ends_with("\r\n") {
            2
        } else {
            1
        };
        let before = &text[..start - line_break];
        let previous = before.rfind(['\n', '\r']).map_or(0, |i| i + 1);
        if !before[previous..].trim_start().starts_with("///") {
            break;
        }
        start = previous;
    }
    start
}

/// The nesting depth at the current token: open brackets, each with the depth it opened at, and the
/// levels of the expression being read.
#[derive(Debug, Default)]
struct Depth {
    /// For each open bracket, the levels of the expression around it.
    open: Vec<(usize, Levels)>,
    /// The levels of the expression being read, since it began.
    levels: Levels,
    /// The depth an expression starts at here: that of the innermost bracket plus one.
    base: usize,
    /// Whether the last token was an operator (then a line break continues the expression).
    after_operator: bool,
    /// Whether the last token ended an operand (then a `-` is a binary minus, else a prefix one).
    after_operand: bool,
}

/// The levels an expression's operators make so far.
#[derive(Debug, Default, Clone, Copy)]
struct Levels {
    /// One bit per binding strength of the binary operators read but `**`.
    strengths: u16,
    /// `**` operators read.
    powers: usize,
    /// `not`s whose operand may still be open (since the last `and` / `or`).
    nots: usize,
    /// Prefix `-`s whose operand may still be open (since the last operator but `**`).
    negations: usize,
}

impl Levels {
    fn total(self) -> usize {
        self.strengths.count_ones() as usize + self.powers + self.nots + self.negations
    }

    fn binary(&mut self, op: BinaryOp) {
        if op.is_right_associative() {
            self.powers += 1;
            return;
        }
        self.strengths |= 1 << op.precedence();
        self.negations = 0;
        if op.is_logical() {
            self.nots = 0;
        }
    }
}

/// The binary operator a token is, reading `-` as binary.
fn token_operator(token: Token<'_>) -> Option<BinaryOp> {
    match token {
        Token::Word(text) | Token::Symbol(text) => BinaryOp::written(text),
        Token::Str | Token::Newline | Token::Comment(_) => None,
    }
}

impl Depth {
    /// Reads `token`; returns the depth it reaches.
    fn step(&mut self, token: Token<'_>) -> usize {
        let was_after_operator = std::mem::replace(&mut self.after_operator, false);
        let was_after_operand = std::mem::replace(&mut self.after_operand, false);
        match token {
            Token::Symbol("(" | "[" | "{") => {
                self.open.push((self.base, self.levels));
                self.base += self.levels.total() + 1;
                self.levels = Levels::default();
                return self.base;
            }
            Token::Symbol(")" | "]" | "}") => {
                if let Some((base, levels)) = self.open.pop() {
                    self.base = base;
                    self.levels = levels;
                }
                self.after_operand = true;
            }
            Token::Word("not") => {
                self.levels.nots += 1;
                self.after_operator = true;
            }
            Token::Symbol("-") if !was_after_operand => {
                self.levels.negations += 1;
                self.after_operator = true;
            }
            Token::Symbol("," | "=" | "|") => self.levels = Levels::default(),
            Token::Newline if !was_after_operator => self.levels = Levels::default(),
            Token::Newline => self.after_operator = true,
            Token::Comment(_) => {
                self.after_operator = was_after_operator;
                self.after_operand = was_after_operand;
            }
            token => match token_operator(token) {
                Some(op) => {
                    self.levels.binary(op);
                    self.after_operator = true;
                }
                None => self.after_operand = matches!(token, Token::Word(_) | Token::Str),
            },
        }
        self.base + self.levels.total()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn starts(text: &str) -> Vec<usize> {
        chunks(text).iter().map(|c| c.start).collect()
    }

    #[test]
    fn items_start_chunks_with_their_doc_comments() {
        let text = "space a {\n}\n/// doc\n/// more\nstudy s {\n}\n/* \nspace b {} */\nx";
        assert_eq!(starts(text), [0, 12]);
        assert_eq!(starts("space a {\r\n}\r\n/// doc\r\nstudy s {}"), [0, 14]);
        assert_eq!(starts("/// doc\nspace a {}\nspace b {}"), [0, 19]);
        assert_eq!(starts("import \"x\"\nimport\"y\"\nspace\n"), [0, 11]);
    }

    #[test]
    fn depth_counts_brackets_and_operators() {
        let depth = |text: &str| {
            let mut depth = Depth::default();
            Tokens::new(text)
                .map(|(_, t)| depth.step(t))
                .max()
                .unwrap_or(0)
        };
        assert_eq!(depth("x = ((1))"), 2);
        assert_eq!(depth("x = f(a + b * c, d)"), 3);
        assert_eq!(depth("forbid a == 1 and\n  b == 2\nc = 1"), 2);
        assert_eq!(depth("x = -(-1)"), 3);
        assert_eq!(depth("lr = 1e-3, y = 2"), 0);
        // A chain of one strength is one level, however long; mixing strengths adds one each.
        assert_eq!(depth(&format!("x = {}", vec!["a"; 1000].join(" + "))), 1);
        assert_eq!(depth("x = a - b * c - d / e == f and g or h"), 5);
        // Prefix operators and `**` nest.
        assert_eq!(depth("x = not not a"), 2);
        assert_eq!(depth("x = - - a"), 2);
        assert_eq!(depth("x = 2 ** 2 ** 2"), 2);
        // A `not` ends at `and`/`or`, a prefix `-` at any operator but `**`.
        assert_eq!(depth("forbid not a == 1 and not b == 2 and not c"), 3);
        assert_eq!(depth("x = -a * -b * -c"), 2);
        assert_eq!(depth("x = -a ** -b"), 3);
    }

    #[test]
    fn the_first_level_too_deep_is_the_problem() {
        let deep = format!(
            "space s {{\n  x = {}1{}\n}}\n",
            "(".repeat(70),
            ")".repeat(70)
        );
        let at = deep.find('(').unwrap() + MAX_DEPTH - 1;
        let chunks = chunks(&format!("{deep}study t {{\n}}\n"));
        assert_eq!(chunks[0].problem, Some(Problem::TooDeep { at, len: 1 }));
        assert_eq!(chunks[1].problem, None);
        let flat = format!("x = {}", vec!["1"; 10_000].join(" + "));
        assert_eq!(super::chunks(&flat)[0].problem, None);
        let powers = format!("x = {}", vec!["1"; MAX_DEPTH + 2].join(" ** "));
        assert!(matches!(
            super::chunks(&powers)[0].problem,
            Some(Problem::TooDeep { len: 2, .. })
        ));
        let mut ok = format!("x = {}", vec!["1"; MAX_DEPTH + 1].join(" ** "));
        assert_eq!(super::chunks(&ok)[0].problem, None);
        ok.push_str(" ** 1");
        assert!(super::chunks(&ok)[0].problem.is_some());
    }

    #[test]
    fn an_unclosed_comment_is_its_chunks_problem() {
        let text = "space a {\n}\nspace b {\n}\n/* a /* b */\n";
        let chunks = chunks(text);
        assert_eq!(chunks.len(), 2);
        let at = text.find("/*").unwrap();
        assert_eq!(chunks[1].problem, Some(Problem::UnclosedComment(at)));
    }
}

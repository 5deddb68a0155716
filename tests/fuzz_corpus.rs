//! The fuzz target's checks without a fuzzer (CI has no nightly toolchain): every file of its
//! corpus (`fuzz/corpus/front_end/`), then a fixed number of seeded cases — the corpus and the
//! examples mutated, nested past and up to the depth limit, joined into long chains — each checked,
//! rendered, planned and formatted on a small stack. No case may panic or overflow; every
//! diagnostic lies in its file and renders with its code; the formatter fails only on a syntax
//! error, and formatting formatted text changes nothing. `fuzz/fuzz_targets/front_end.rs` asserts
//! the same on what libFuzzer makes.
//!
//! The deep and long inputs of the corpus are made by [`seeds`]; `HPS_BLESS_CORPUS=1` writes them.

use std::path::{Path, PathBuf};

use hps::diagnostic::{Code, Report};
use hps::format::{FormatError, format_source};
use hps::semantic::check_text;
use hps::syntax::outline::MAX_DEPTH;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

const CORPUS: &str = "fuzz/corpus/front_end";

/// Generated cases after the corpus: enough to mix every edit with every base many times over,
/// few enough for a debug build to run them in about 20 seconds.
const CASES: usize = 2_000;

/// The stack the cases run on: half a test thread's.
const SMALL_STACK: usize = 1 << 20;

/// What the front end does with a text, and what must hold of it.
fn front_end(name: &str, text: &str) {
    let checked = check_text("fuzz.hps", text, None);
    for d in &checked.diagnostics {
        let file = &checked.sources.get(d.span.file).text;
        let inside = |span: hps::syntax::Span| {
            span.start() <= span.end()
                && file.is_char_boundary(span.start())
                && file.is_char_boundary(span.end())
        };
        assert!(inside(d.span), "{name}: {d:?}");
        for related in &d.related {
            let file = &checked.sources.get(related.span.file).text;
            assert!(
                file.is_char_boundary(related.span.start())
                    && file.is_char_boundary(related.span.end()),
                "{name}: {d:?}"
            );
        }
        let rendered = Report::new(d, &checked.sources).render_plain(80);
        assert!(rendered.contains(d.code.as_str()), "{name}: {rendered}");
    }
    for study in &checked.program.studies {
        let plan = hps::lower::plan(study, &checked.program);
        let heading = format!("study {} ", study.name);
        assert!(plan.render_text().starts_with(&heading), "{name}");
        serde_json::to_string(&plan).unwrap();
    }
    let syntax = checked
        .diagnostics
        .iter()
        .any(|d| matches!(d.code, Code::Syntax | Code::TooDeep) && d.span.file.0 == 0);
    match format_source(text) {
        Ok(formatted) => {
            assert!(!syntax, "{name}: formatted a text with syntax errors");
            assert_eq!(
                format_source(&formatted).ok().as_deref(),
                Some(formatted.as_str()),
                "{name}: formatting is not stable"
            );
        }
        Err(FormatError::Syntax(errors)) => {
            assert!(syntax && !errors.is_empty(), "{name}: {errors:?}");
        }
        Err(FormatError::Internal(error)) => panic!("{name}: {error}"),
    }
}

/// The deep and long inputs of the corpus, by file name: the shapes of issue 18 (each crashed or
/// hung some command), at the depth limit and past it.
fn seeds() -> Vec<(String, String)> {
    let space = |body: &str| format!("space s {{\n  a = choice(1, 2)\n{body}\n}}\n");
    let nest = |open: &str, middle: &str, close: &str, n: usize| {
        format!("{}{middle}{}", open.repeat(n), close.repeat(n))
    };
    let chain = |term: &str, op: &str, n: usize| vec![term; n].join(op);
    let limit = MAX_DEPTH;
    let mut seeds = vec![
        (
            "parens_deep",
            space(&format!("  x = {}", nest("(", "1", ")", 5_000))),
        ),
        (
            "lists_deep",
            space(&format!("  x = {}", nest("[", "1", "]", 5_000))),
        ),
        (
            "calls_deep",
            space(&format!("  x = {}", nest("f(", "1", ")", 2_000))),
        ),
        (
            "records_deep",
            space(&format!("  x = {}", nest("{ y = ", "1", " }", 2_600))),
        ),
        (
            "whens_deep",
            space(&nest("  when a == 1 {\n", "  y = 1\n", "  }\n", 1_000)),
        ),
        (
            "nots_long",
            space(&format!("  forbid {}a == 1", "not ".repeat(5_000))),
        ),
        (
            "negations_long",
            space(&format!("  x = {}1", "-".repeat(10_000))),
        ),
        (
            "plus_long",
            space(&format!("  x = {}", chain("1", " + ", 8_400))),
        ),
        (
            "and_long",
            space(&format!("  forbid {}", chain("a == 1", " and ", 3_000))),
        ),
        (
            "power_long",
            space(&format!("  x = {}", chain("2", " ** ", 5_000))),
        ),
        (
            "repeats_deep",
            format!(
                "arch n() {{\n{}\n}}\n",
                nest("  repeat 2 {\n", "  relu()\n", "  }\n", 1_000)
            ),
        ),
        (
            "chooses_deep",
            format!(
                "arch n() {{\n{}\n}}\n",
                nest("choose { relu() | ", "gelu()", " }", 1_000)
            ),
        ),
        (
            "parens_at_limit",
            space(&format!("  x = {}", nest("(", "a", ")", limit - 1))),
        ),
        (
            "plus_at_limit",
            space(&format!("  x = {}", chain("a", " + ", limit))),
        ),
        (
            "parens_past_limit",
            space(&format!("  x = {}", nest("(", "a", ")", limit))),
        ),
        ("comments_unclosed", format!("{}*/", "/* ".repeat(600))),
        (
            "comments_nested",
            format!("space s {{\n  x = {}1\n}}\n", nest("/* ", "", "*/ ", 3_000)),
        ),
        (
            "long_line",
            format!("space s {{\n  x = {}@\n}}\n", " ".repeat(65_530)),
        ),
        (
            "long_number",
            space(&format!("  x = {}", "9".repeat(20_000))),
        ),
        (
            "many_errors",
            (0..500)
                .map(|i| format!("space s{i} {{\n  x = foo(1)\n}}\n"))
                .collect(),
        ),
        (
            "long_choice",
            space(&format!(
                "  x = choice({})",
                (0..5_000)
                    .map(|i| i.to_string())
                    .collect::<Vec<_>>()
                    .join(", ")
            )),
        ),
    ]
    .into_iter()
    .map(|(name, text)| (format!("{name}.hps"), text))
    .collect::<Vec<_>>();
    seeds.sort();
    seeds
}

/// Every file in `dir` (not its folders), sorted by name.
fn files(dir: &Path) -> Vec<(PathBuf, String)> {
    let mut files: Vec<(PathBuf, String)> = std::fs::read_dir(dir)
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.is_file())
        .map(|path| {
            let bytes = std::fs::read(&path).unwrap();
            (path, String::from_utf8_lossy(&bytes).into_owned())
        })
        .collect();
    files.sort();
    files
}

/// Openers and closers that nest: a nesting case wraps a random place in `depth` of one of them.
const NESTS: &[(&str, &str)] = &[
    ("(", ")"),
    ("[", "]"),
    ("f(", ")"),
    ("{ y = ", " }"),
    ("when a == 1 {\n", "\n}"),
    ("-", ""),
    ("not ", ""),
    ("/* ", " */"),
];

/// A byte offset of `text` on a char boundary.
fn boundary(rng: &mut StdRng, text: &str) -> usize {
    within(rng, text, 0, text.len())
}

/// A byte offset of `text` on a char boundary, from `at` (a boundary) to at most `len` bytes on.
fn within(rng: &mut StdRng, text: &str, at: usize, len: usize) -> usize {
    let mut end = rng.random_range(at..=(at + len).min(text.len()));
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    end
}

/// One generated case from `base`: mutated, nested around the depth limit, or chained long.
fn generate(rng: &mut StdRng, base: &str) -> String {
    let mut text = base.to_owned();
    match rng.random_range(0..4) {
        0 => {
            // Up to eight token insertions and range deletions.
            for _ in 0..rng.random_range(1..=8) {
                let at = boundary(rng, &text);
                if rng.random_bool(0.7) {
                    text.insert_str(
                        at,
                        crate::mutation::TOKENS[rng.random_range(0..crate::mutation::TOKENS.len())],
                    );
                } else {
                    let end = within(rng, &text, at, 40);
                    text.replace_range(at..end, "");
                }
            }
        }
        1 => {
            // A nesting close to the limit (just under, at, past) or far past it.
            let (open, close) = NESTS[rng.random_range(0..NESTS.len())];
            let depth = if rng.random_bool(0.8) {
                rng.random_range(MAX_DEPTH - 4..MAX_DEPTH + 4)
            } else {
                rng.random_range(100..3_000)
            };
            let at = boundary(rng, &text);
            let end = within(rng, &text, at, 20);
            text.insert_str(end, &close.repeat(depth));
            text.insert_str(at, &open.repeat(depth));
        }
        2 => {
            // A long chain of one operator, as a value or a condition.
            let op =
                [" + ", " * ", " ** ", " and ", " or ", " == ", " |\n "][rng.random_range(0..7)];
            let n = if rng.random_bool(0.8) {
                rng.random_range(MAX_DEPTH - 4..MAX_DEPTH + 4)
            } else {
                rng.random_range(100..5_000)
            };
            let at = boundary(rng, &text);
            text.insert_str(at, &vec!["1"; n].join(op));
        }
        _ => {
            // Two bases spliced at random places.
            let cut = boundary(rng, &text);
            let other = boundary(rng, base);
            text = format!("{}{}", &text[..cut], &base[other..]);
        }
    }
    text
}

#[test]
fn the_corpus_holds_the_seeds() {
    let dir = Path::new(CORPUS);
    let bless = std::env::var_os("HPS_BLESS_CORPUS").is_some();
    for (name, text) in seeds() {
        let path = dir.join(&name);
        if bless {
            std::fs::write(&path, &text).unwrap();
        }
        let stored = std::fs::read_to_string(&path)
            .unwrap_or_else(|e| panic!("{}: {e} (HPS_BLESS_CORPUS=1 writes it)", path.display()));
        assert!(
            stored == text,
            "{} differs from seeds() (HPS_BLESS_CORPUS=1)",
            path.display()
        );
    }
}

#[test]
fn the_corpus_and_generated_cases_pass_the_front_end() {
    let thread = std::thread::Builder::new().stack_size(SMALL_STACK);
    thread
        .spawn(|| {
            let corpus = files(Path::new(CORPUS));
            assert!(corpus.len() >= seeds().len());
            for (path, text) in &corpus {
                front_end(&path.display().to_string(), text);
            }
            let corpus: Vec<String> = corpus.into_iter().map(|(_, text)| text).collect();
            let examples: Vec<String> = ["examples", "stdlib/std"]
                .iter()
                .flat_map(|dir| files(Path::new(dir)))
                .map(|(_, text)| text)
                .collect();
            let mut rng = StdRng::seed_from_u64(18);
            for case in 0..CASES {
                // Mostly real programs, which reach the checker and the planner; a quarter of the
                // cases start from the (larger, slower) deep and long seeds.
                let bases = if rng.random_bool(0.25) {
                    &corpus
                } else {
                    &examples
                };
                let base = &bases[rng.random_range(0..bases.len())];
                let text = generate(&mut rng, base);
                front_end(&format!("case {case}"), &text);
            }
        })
        .unwrap()
        .join()
        .unwrap();
}

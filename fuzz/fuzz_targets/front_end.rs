//! Fuzz target: any bytes through the front end — parse, check, render every diagnostic, plan every
//! study, format — must not panic or overflow the stack. Every diagnostic lies in its file and
//! renders with its code; the formatter fails only on a syntax error, and formatting its output
//! changes nothing. The seeds in `fuzz/corpus/front_end/` are the deep and long shapes of issue 18;
//! `tests/fuzz_corpus.rs` runs them and a fixed number of generated cases in CI, without a fuzzer.
//!
//! Run (nightly and cargo-fuzz): `cargo +nightly fuzz run front_end fuzz/corpus/front_end`, from
//! the repository root.
#![no_main]

use hps::diagnostic::{Code, Report};
use hps::format::{FormatError, format_source};

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let checked = hps::semantic::check_text("fuzz.hps", &text, None);
    for d in &checked.diagnostics {
        let file = &checked.sources.get(d.span.file).text;
        assert!(d.span.start <= d.span.end && d.span.end <= file.len(), "{d:?}");
        let rendered = Report::new(d, &checked.sources).render_plain(80);
        assert!(rendered.contains(d.code.as_str()), "{rendered}");
    }
    for study in &checked.program.studies {
        let plan = hps::lower::plan(study, &checked.program);
        let _ = plan.render_text();
    }
    let syntax = checked
        .diagnostics
        .iter()
        .any(|d| matches!(d.code, Code::Syntax | Code::TooDeep) && d.span.file.0 == 0);
    match format_source(&text) {
        Ok(formatted) => {
            assert!(!syntax, "formatted a text with syntax errors");
            assert_eq!(format_source(&formatted).ok(), Some(formatted));
        }
        Err(FormatError::Syntax(errors)) => assert!(syntax && !errors.is_empty()),
        Err(FormatError::Internal(error)) => panic!("{error}"),
    }
});

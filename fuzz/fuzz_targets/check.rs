//! Fuzz target: any bytes through the parser, the checker, diagnostic rendering and plan lowering
//! must not panic. Run: `cargo install cargo-fuzz && cargo +nightly fuzz run check` (from the repo root).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let checked = hps::semantic::check_text("fuzz.hps", &text, None);
    let _ = checked.render_plain(80);
    for study in &checked.program.studies {
        let _ = hps::plan::lower(study, &checked.program).render_text();
    }
});

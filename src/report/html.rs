//! The page around the sections: one HTML document with its CSS inline and no script, no font,
//! image or link that needs the network, so it opens from disk, prints, and can be mailed. A
//! contents line links to each section. The page `hps dashboard` serves is the same with [`Live`]:
//! it reloads itself every few seconds (a `<meta http-equiv="refresh">`, still no script) and links
//! back to the list of studies.

use std::fmt::Write as _;

use super::svg::esc;
use super::{Section, StudyData};

/// The page's style: readable on a laptop screen and in print (the dashboard's other pages use it
/// too).
pub const STYLE: &str = r"
:root { color-scheme: light; }
body { font: 14px/1.45 system-ui, -apple-system, 'Segoe UI', sans-serif; color: #1a1a1a;
       max-width: 1200px; margin: 0 auto; padding: 16px 24px 48px; }
h1 { font-size: 22px; margin: 8px 0 2px; }
h2 { font-size: 18px; margin: 32px 0 8px; border-bottom: 1px solid #ccc; padding-bottom: 4px; }
h3 { font-size: 15px; margin: 0 0 6px; }
nav { margin: 8px 0 16px; color: #555; }
nav a { margin-right: 12px; color: #0072B2; }
.meta { color: #555; margin: 0; }
.cards { display: flex; flex-wrap: wrap; gap: 16px; }
.card { border: 1px solid #ddd; border-radius: 6px; padding: 12px 14px; min-width: 260px; flex: 1; }
table { border-collapse: collapse; margin: 6px 0; }
td, th { padding: 2px 10px 2px 0; text-align: left; vertical-align: top; }
th { border-bottom: 1px solid #ccc; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
tr.total td { border-top: 1px solid #ccc; }
.swatch { display: inline-block; width: 10px; height: 10px; margin-right: 6px; border-radius: 2px; }
.failures pre { margin: 0; white-space: pre-wrap; max-width: 640px; font-size: 12px; }
.grid { display: flex; flex-wrap: wrap; gap: 8px; }
.wide { overflow-x: auto; }
.empty { color: #555; font-style: italic; }
svg.plot { display: block; max-width: 100%; height: auto; margin: 8px 0; }
svg .title { font-size: 15px; font-weight: 600; fill: #1a1a1a; }
svg .label { font-size: 12px; fill: #1a1a1a; }
svg .tick, svg .legend, svg .note { font-size: 11px; fill: #444; }
svg .halo { paint-order: stroke; stroke: #fff; stroke-width: 3px; }
svg .grid { stroke: #e6e6e6; stroke-width: 1; }
svg .axis { stroke: #333; stroke-width: 1; }
svg .series { fill: none; stroke-width: 1.6; stroke-opacity: 0.85; }
svg .series.thin { stroke-width: 1.2; stroke-opacity: 0.75; }
svg .series.dashed { stroke-dasharray: 5 4; stroke-width: 1.2; }
svg .prediction { fill: #fff; stroke-width: 1.6; }
svg circle, svg rect { stroke: #fff; stroke-width: 0.5; }
footer { margin-top: 40px; color: #777; font-size: 12px; }
@media print {
  body { max-width: none; padding: 0; }
  nav { display: none; }
  section { break-inside: avoid; }
  .wide { overflow: visible; }
}
";

/// How a served page differs from a written one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Live {
    /// Seconds between reloads; 0: the page does not reload.
    pub refresh_s: u32,
}

/// The page of `data` with `sections`, `generated_at` (Unix seconds) in its footer; with `live`,
/// the page `hps dashboard` serves.
#[must_use]
pub fn page(
    data: &StudyData,
    sections: &[Section],
    generated_at: f64,
    live: Option<Live>,
) -> String {
    let name = esc(&data.study.name);
    let refresh = match live {
        Some(Live { refresh_s }) if refresh_s > 0 => {
            format!("<meta http-equiv=\"refresh\" content=\"{refresh_s}\">\n")
        }
        _ => String::new(),
    };
    let mut out = format!(
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n{refresh}\
         <title>hps report: {name}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n"
    );
    let _ = write!(out, "<header><h1>Study {name}</h1>");
    if let Some(doc) = &data.plan.doc {
        let _ = write!(out, "<p class=\"meta\">{}</p>", esc(doc));
    }
    let _ = write!(
        out,
        "<p class=\"meta\">from <code>{}</code>; {} trials; objective {}</p></header>\n<nav>",
        esc(&data.study.file),
        data.trials.len(),
        esc(&data.objective_label())
    );
    for s in sections {
        let _ = write!(out, "<a href=\"#{}\">{}</a>", s.id, esc(&s.title));
    }
    if live.is_some() {
        out.push_str("<a href=\"/\">all studies</a>");
    }
    out.push_str("</nav>\n");
    for s in sections {
        let _ = write!(
            out,
            "<section id=\"{}\">\n<h2>{}</h2>\n{}\n</section>\n",
            s.id,
            esc(&s.title),
            s.body
        );
    }
    let written = match live {
        None => "Written",
        Some(_) => "Served",
    };
    let reloads = match live {
        Some(Live { refresh_s }) if refresh_s > 0 => {
            format!(" It reloads every {refresh_s} s (<a href=\"?refresh=0\">stop</a>).")
        }
        Some(_) => {
            String::from(" It does not reload (<a href=\"?\">reload every few seconds</a>).")
        }
        None => String::new(),
    };
    let _ = write!(
        out,
        "<footer>{written} by hps {} on {} from the study store, read only.{reloads}</footer>\n</body>\n</html>\n",
        env!("CARGO_PKG_VERSION"),
        crate::timestamp::utc_minute(generated_at)
    );
    out
}

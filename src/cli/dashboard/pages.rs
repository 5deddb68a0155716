//! The dashboard's answers: each [`Route`] read from the store, opened read-only afresh for every
//! request (so a running study's new trials show on the next reload, and a store that broke after
//! the start is a 500 page, not a dead server), into a [`Reply`]: the list of studies (as
//! `hps status` counts them), a study's report page (as `hps report` draws it, reloading itself),
//! its counts as JSON, or an error page.

use std::fmt::Write as _;

use serde_json::json;

use super::route::{Refusal, Route, encode};
use crate::cli::tables::{STATE_COLUMNS, best_line, direction_word, stored_plan};
use crate::report::html::{Live, STYLE};
use crate::report::svg::esc;
use crate::report::{self, StudyData};
use crate::storage::postgres::hide_password;
use crate::storage::{self, OpenMode, Storage, StudyRecord};

/// Seconds between reloads of the list of studies.
const INDEX_REFRESH_S: u32 = 5;

/// An HTTP answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reply {
    /// The HTTP status.
    pub status: u16,
    /// Its `Content-Type`.
    pub content_type: &'static str,
    /// Its body.
    pub body: String,
    /// What went wrong, for an error's line on the server's standard error.
    pub error: Option<String>,
}

const HTML: &str = "text/html; charset=utf-8";
const JSON: &str = "application/json";

/// The answer to `route` from the store at `url`, `now` (Unix seconds) in the page's footer.
#[must_use]
pub fn answer(url: &str, route: &Route, now: f64) -> Reply {
    let store = match storage::open_with(url, OpenMode::ReadOnly) {
        Ok(store) => store,
        Err(e) => return failure(route, 500, &e.to_string()),
    };
    let ok = |content_type, body| Reply {
        status: 200,
        content_type,
        body,
        error: None,
    };
    let result = match route {
        Route::Index => index(store.as_ref(), url).map(|body| ok(HTML, body)),
        Route::Study { name, refresh_s } => {
            study_page(store.as_ref(), name, *refresh_s, now).map(|body| ok(HTML, body))
        }
        Route::ApiStudy { name } => study_json(store.as_ref(), name).map(|body| ok(JSON, body)),
    };
    result.unwrap_or_else(|refusal| failure(route, refusal.status, &refusal.reason))
}

/// The answer to a refused request (a 4xx before any route was found): an HTML page.
#[must_use]
pub fn refused(refusal: &Refusal) -> Reply {
    error_page(refusal.status, &refusal.reason)
}

/// An error as the route's kind of answer: JSON for the API, a page otherwise.
fn failure(route: &Route, status: u16, reason: &str) -> Reply {
    match route {
        Route::ApiStudy { .. } => Reply {
            status,
            content_type: JSON,
            body: json!({ "error": reason }).to_string(),
            error: Some(reason.to_owned()),
        },
        _ => error_page(status, reason),
    }
}

/// A page saying what went wrong, with a link to the list of studies.
#[must_use]
pub fn error_page(status: u16, reason: &str) -> Reply {
    let title = match status {
        400 => "Bad request",
        404 => "Not found",
        405 => "Method not allowed",
        500 => "The store cannot be read",
        _ => "Error",
    };
    let body = format!(
        "{}<h1>{status} {title}</h1>\n<p>{}</p>\n<p><a href=\"/\">all studies</a></p>\n</body>\n</html>\n",
        head(&format!("hps dashboard: {status}"), None),
        esc(reason)
    );
    Reply {
        status,
        content_type: HTML,
        body,
        error: Some(reason.to_owned()),
    }
}

/// The page's head up to `<body>`, reloading every `refresh_s` seconds when given.
fn head(title: &str, refresh_s: Option<u32>) -> String {
    let refresh = refresh_s
        .map(|s| format!("<meta http-equiv=\"refresh\" content=\"{s}\">\n"))
        .unwrap_or_default();
    format!(
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n{refresh}\
         <title>{}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n",
        esc(title)
    )
}

/// A store error as a 500.
fn unreadable(e: impl std::fmt::Display) -> Refusal {
    Refusal {
        status: 500,
        reason: e.to_string(),
    }
}

/// The list of studies with their counts and best values.
fn index(store: &dyn Storage, url: &str) -> Result<String, Refusal> {
    let studies = store.studies().map_err(unreadable)?;
    let mut out = head("hps dashboard", Some(INDEX_REFRESH_S));
    let _ = writeln!(
        out,
        "<header><h1>Studies</h1><p class=\"meta\">in <code>{}</code>; {} stud{}; reloads every {INDEX_REFRESH_S} s</p></header>",
        esc(&hide_password(url)),
        studies.len(),
        if studies.len() == 1 { "y" } else { "ies" }
    );
    if studies.is_empty() {
        out.push_str(&report::empty_note(
            "No studies in this store yet; `hps run` adds them, and they appear here.",
        ));
    } else {
        out.push_str("<table>\n<tr><th>study</th>");
        for state in STATE_COLUMNS {
            let _ = write!(out, "<th>{state}</th>");
        }
        out.push_str("<th>best</th></tr>\n");
        for s in &studies {
            let best = match stored_plan(&s.study) {
                Ok(plan) => best_line(store, &s.study, &plan).unwrap_or_else(|| String::from("-")),
                Err(e) => e,
            };
            let _ = write!(
                out,
                "<tr><td><a href=\"/study/{}\">{}</a></td>",
                encode(&s.study.name),
                esc(&s.study.name)
            );
            for state in STATE_COLUMNS {
                let n = s.counts.get(state).copied().unwrap_or(0);
                let _ = write!(out, "<td class=\"num\">{n}</td>");
            }
            let _ = writeln!(out, "<td>{}</td></tr>", esc(&best));
        }
        out.push_str("</table>\n");
    }
    let _ = write!(
        out,
        "<footer>Served by hps {} from the study store, read only.</footer>\n</body>\n</html>\n",
        env!("CARGO_PKG_VERSION")
    );
    Ok(out)
}

/// The stored study `name`, or a 404 naming the studies there are.
fn find_study(store: &dyn Storage, name: &str) -> Result<StudyRecord, Refusal> {
    match store.study(name).map_err(unreadable)? {
        Some(study) => Ok(study),
        None => {
            let names: Vec<String> = store
                .studies()
                .map_err(unreadable)?
                .into_iter()
                .map(|s| s.study.name)
                .collect();
            Err(Refusal {
                status: 404,
                reason: format!(
                    "no study `{name}` in the store; studies: {}",
                    if names.is_empty() {
                        String::from("none")
                    } else {
                        names.join(", ")
                    }
                ),
            })
        }
    }
}

/// The study's report page, reloading every `refresh_s` seconds.
fn study_page(
    store: &dyn Storage,
    name: &str,
    refresh_s: u32,
    now: f64,
) -> Result<String, Refusal> {
    let study = find_study(store, name)?;
    let plan = stored_plan(&study).map_err(unreadable)?;
    let data = StudyData::load(store, study, plan).map_err(unreadable)?;
    Ok(report::render_live(&data, now, Live { refresh_s }))
}

/// The study's counts and best trial: `{"study", "trials", "counts", "objective", "direction",
/// "best": {"trial", "value"} | null}`.
fn study_json(store: &dyn Storage, name: &str) -> Result<String, Refusal> {
    let study = find_study(store, name)?;
    let plan = stored_plan(&study).map_err(unreadable)?;
    let trials = store.trials(study.id).map_err(unreadable)?;
    let mut counts = serde_json::Map::new();
    for state in STATE_COLUMNS {
        let n = trials.iter().filter(|t| t.state.as_str() == state).count();
        counts.insert(state.to_owned(), json!(n));
    }
    let best = crate::runtime::best_trial(&trials, plan.objective.direction)
        .map(|b| json!({ "trial": b.number, "value": b.value }));
    Ok(json!({
        "study": study.name,
        "trials": trials.len(),
        "counts": counts,
        "objective": plan.objective.metric,
        "direction": direction_word(plan.objective.direction),
        "best": best,
    })
    .to_string())
}

//! Failed trials with their errors (a diverged loss, a crashed or timed-out command, a missing
//! recorded curve), and the configuration each failed with, so a failure can be reproduced.

use std::fmt::Write as _;

use super::svg::esc;
use super::{Section, StudyData, empty_note};
use crate::storage::TrialState;

/// The failures section.
#[must_use]
pub fn section(data: &StudyData) -> Section {
    let failed: Vec<_> = data
        .trials
        .iter()
        .filter(|t| t.state == TrialState::Failed)
        .collect();
    let title = String::from("Failed trials");
    if failed.is_empty() {
        return Section {
            id: "failures",
            title,
            body: empty_note("No trial failed."),
        };
    }
    let mut body = format!(
        r#"<p>{} of {} trials failed.</p><table class="failures"><tr><th>trial</th><th>epochs</th><th>configuration</th><th>error</th></tr>"#,
        failed.len(),
        data.trials.len()
    );
    for t in failed {
        let config: Vec<String> = data
            .plan
            .parameters
            .iter()
            .filter_map(|p| t.params.get(&p.name).map(|v| format!("{} = {v}", p.name)))
            .collect();
        let _ = write!(
            body,
            r#"<tr><td class="num">{}</td><td class="num">{}</td><td>{}</td><td><pre>{}</pre></td></tr>"#,
            t.number,
            t.epochs,
            esc(&config.join(", ")),
            esc(t.error.as_deref().unwrap_or("(no error recorded)"))
        );
    }
    body.push_str("</table>");
    Section {
        id: "failures",
        title,
        body,
    }
}

//! Meta-training tasks gathered from a store: the studies whose names match a pattern (`table_*`),
//! which must all search one space. Each study's data is read again through its own `dataset`
//! pipeline (from its stored plan); studies of the same data (the same task run with several
//! initialisation seeds) are one task, each configuration scored by the mean of its final values
//! over them. A failed trial counts as the task's worst value (a diverged run is as bad as the
//! worst); values to minimise are negated, so a higher score is always better.

use std::collections::BTreeMap;

use super::MetaError;
use super::file::{TaskRecord, signature};
use super::task::TaskRows;
use super::training::{MetaTask, config_key};
use crate::plan::{DataPlan, Direction, Plan};
use crate::space::SearchSpace;
use crate::space::encoding::Encoder;
use crate::storage::{Storage, TrialState};

/// What `hps meta train` learns from.
pub struct Corpus {
    /// The space every study searches.
    pub space: SearchSpace,
    /// One task per distinct dataset.
    pub tasks: Vec<MetaTask>,
    /// What each task is, for the model's header.
    pub records: Vec<TaskRecord>,
}

/// Whether `name` matches `pattern`, where `*` stands for any run of characters and `?` for one.
#[must_use]
pub fn matches(pattern: &str, name: &str) -> bool {
    let (p, n): (Vec<char>, Vec<char>) = (pattern.chars().collect(), name.chars().collect());
    // Positions in the pattern reachable after each character of the name.
    let mut reach = vec![false; p.len() + 1];
    reach[0] = true;
    let close = |reach: &mut Vec<bool>| {
        for i in 0..p.len() {
            if reach[i] && p[i] == '*' {
                reach[i + 1] = true;
            }
        }
    };
    close(&mut reach);
    for c in n {
        let mut next = vec![false; p.len() + 1];
        for i in 0..p.len() {
            if reach[i] {
                match p[i] {
                    '*' => next[i] = true,
                    '?' => next[i + 1] = true,
                    x if x == c => next[i + 1] = true,
                    _ => {}
                }
            }
        }
        close(&mut next);
        reach = next;
    }
    reach[p.len()]
}

/// A task being gathered: its rows, and per configuration (by its encoding) the sum and count of
/// its values.
struct Gathering {
    name: String,
    rows: TaskRows,
    values: BTreeMap<Vec<u32>, (Vec<f32>, f64, usize)>,
    failed: BTreeMap<Vec<u32>, (Vec<f32>, usize)>,
}

/// The tasks of the studies of `store` whose names match `pattern`.
///
/// # Errors
/// No matching study, studies of different spaces, a study without data or whose data cannot be
/// read, or a store failure.
pub fn gather(store: &dyn Storage, pattern: &str) -> Result<Corpus, MetaError> {
    let store_error = |e: crate::storage::StoreError| MetaError::new(e.to_string());
    let studies = store.studies().map_err(store_error)?;
    let chosen: Vec<_> = studies
        .iter()
        .filter(|s| matches(pattern, &s.study.name))
        .collect();
    if chosen.is_empty() {
        let names: Vec<&str> = studies.iter().map(|s| s.study.name.as_str()).collect();
        return Err(
            MetaError::new(format!("no study in the store matches `{pattern}`")).with_help(
                format!(
                    "its studies: {}",
                    if names.is_empty() {
                        String::from("none")
                    } else {
                        names.join(", ")
                    }
                ),
            ),
        );
    }
    let mut space: Option<(String, SearchSpace)> = None;
    let mut groups: Vec<(String, Gathering)> = Vec::new();
    let mut loaded: Vec<(DataPlan, usize)> = Vec::new();
    let mut encoder: Option<Encoder> = None;
    for summary in chosen {
        let name = &summary.study.name;
        let plan: Plan = serde_json::from_str(&summary.study.plan_json).map_err(|e| {
            MetaError::new(format!("the stored plan of `{name}` cannot be read: {e}"))
        })?;
        let this_space = plan.search_space();
        match &space {
            None => space = Some((name.clone(), this_space.clone())),
            Some((first, s)) if signature(s) != signature(&this_space) => {
                return Err(MetaError::new(format!(
                    "`{name}` searches another space than `{first}`: a model scores one space"
                ))
                .with_help("choose studies of one space with `--studies`"));
            }
            Some(_) => {}
        }
        let data_plan = plan.data.as_ref().ok_or_else(|| {
            MetaError::new(format!(
                "`{name}` has no dataset: a task is known by its data"
            ))
        })?;
        // Seed replicas of one task share their data plan: it is read and hashed once.
        let index = match loaded.iter().find(|(p, _)| p == data_plan) {
            Some((_, index)) => *index,
            None => {
                let data = crate::train::data::load(data_plan)
                    .map_err(|e| MetaError::new(format!("`{name}`'s data: {e}")))?;
                let rows = TaskRows::from_examples(&data.train)
                    .map_err(|e| MetaError::new(format!("`{name}`: {}", e.message)))?;
                let sha = rows.sha256();
                let index = match groups.iter().position(|(s, _)| *s == sha) {
                    Some(i) => i,
                    None => {
                        groups.push((
                            sha,
                            Gathering {
                                name: name.clone(),
                                rows,
                                values: BTreeMap::new(),
                                failed: BTreeMap::new(),
                            },
                        ));
                        groups.len() - 1
                    }
                };
                loaded.push((data_plan.clone(), index));
                index
            }
        };
        let group = &mut groups[index].1;
        // Every study searches one space (checked above): one encoder serves them all.
        let encoder = encoder.get_or_insert_with(|| Encoder::new(&this_space));
        for trial in store.trials(summary.study.id).map_err(store_error)? {
            #[allow(clippy::cast_possible_truncation)]
            let encoded: Vec<f32> = encoder
                .encode(&this_space, &trial.params)
                .into_iter()
                .map(|v| v as f32)
                .collect();
            let key = config_key(&encoded);
            match (trial.state, trial.value) {
                (TrialState::Complete, Some(v)) if v.is_finite() => {
                    let v = if plan.objective.direction == Direction::Minimize {
                        -v
                    } else {
                        v
                    };
                    let entry = group.values.entry(key).or_insert((encoded, 0.0, 0));
                    entry.1 += v;
                    entry.2 += 1;
                }
                (TrialState::Failed, _) => {
                    group.failed.entry(key).or_insert((encoded, 0)).1 += 1;
                }
                _ => {}
            }
        }
    }
    let (_, space) = space.expect("at least one study");
    let mut tasks = Vec::new();
    let mut records = Vec::new();
    for (sha, group) in groups {
        let worst = group
            .values
            .values()
            .map(|(_, sum, n)| sum / *n as f64)
            .fold(f64::INFINITY, f64::min);
        let mut configs = Vec::new();
        let mut scores = Vec::new();
        let mut all: BTreeMap<Vec<u32>, (Vec<f32>, f64, usize)> = group.values;
        for (key, (encoded, n)) in group.failed {
            let entry = all.entry(key).or_insert((encoded, 0.0, 0));
            entry.1 += worst * n as f64;
            entry.2 += n;
        }
        for (_, (encoded, sum, n)) in all {
            configs.push(encoded);
            scores.push(sum / n as f64);
        }
        records.push(TaskRecord {
            name: group.name.clone(),
            sha256: sha,
            rows: group.rows.len(),
            features: group.rows.width(),
            classes: group.rows.classes(),
            configurations: configs.len(),
        });
        tasks.push(MetaTask {
            name: group.name,
            rows: group.rows,
            configs,
            scores,
        });
    }
    Ok(Corpus {
        space,
        tasks,
        records,
    })
}

#[cfg(test)]
mod tests {
    use super::matches;

    #[test]
    fn patterns_match_whole_names() {
        assert!(matches("table_*", "table_iris_s1"));
        assert!(matches("*_s?", "table_iris_s1"));
        assert!(matches("*", ""));
        assert!(!matches("table_*", "my_table_iris"));
        assert!(!matches("table_?", "table_12"));
        assert!(matches("a*b*c", "aXXbYYc"));
        assert!(!matches("a*b*c", "aXXbYY"));
    }
}

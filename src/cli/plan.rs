//! `hps plan FILE [--study NAME] [--format text|yaml|json]`: the execution plan of a study.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, ValueEnum};

use crate::cli::study_arg::load_study;

/// Output formats of `hps plan`.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum Format {
    /// A readable summary.
    Text,
    /// The plan as YAML.
    Yaml,
    /// The plan as JSON.
    Json,
}

/// Arguments of `hps plan`.
#[derive(Debug, Args)]
pub struct PlanArgs {
    /// The .hps file.
    pub file: PathBuf,
    /// The study to plan (needed when the file has several).
    #[arg(long)]
    pub study: Option<String>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
}

/// Runs `hps plan`.
pub fn run(args: &PlanArgs) -> ExitCode {
    let (checked, index) = match load_study(&args.file, args.study.as_deref()) {
        Ok(loaded) => loaded,
        Err(code) => return code,
    };
    let study = &checked.program.studies[index];
    let plan = crate::lower::plan(study, &checked.program);
    let text = match args.format {
        Format::Text => plan.render_text(),
        Format::Json => serde_json::to_string_pretty(&plan)
            .map(|s| s + "\n")
            .unwrap_or_default(),
        Format::Yaml => serde_saphyr::to_string(&plan).unwrap_or_default(),
    };
    crate::cli::output::print_stdout(&text)
}

//! The command line: clap derive with doc-comment help, one file per subcommand, and [`dispatch`].
//! Exit codes: 0 success, 1 when the files have errors, 2 on usage errors (clap) or unreadable files.

mod best;
mod check;
mod dashboard;
pub mod export;
mod fmt;
mod lsp;
mod meta;
mod output;
mod plan;
mod report;
mod run;
mod status;
mod study_arg;
mod tables;
mod trials;
mod workers;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// hps — hyperparameter and architecture search with a real language.
#[derive(Debug, Parser)]
#[command(name = "hps", version, about, long_about = None, propagate_version = true)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// Subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Check .hps files and report every mistake with its place.
    Check(check::CheckArgs),
    /// Rewrite .hps files in the canonical layout, or with --check show what would change.
    Fmt(fmt::FmtArgs),
    /// Run the language server on stdin/stdout (editors start it).
    Lsp,
    /// Compile a study into its execution plan, without training anything.
    Plan(plan::PlanArgs),
    /// Run a study: train every trial the budget allows, recording each epoch; run again to continue.
    Run(run::RunArgs),
    /// List the studies in a store with their trial counts and best values.
    Status(status::StatusArgs),
    /// Show a study's best trial and its parameters.
    Best(best::BestArgs),
    /// Show a table of a study's trials.
    Trials(trials::TrialsArgs),
    /// Export a study's trials (or learning curves) as CSV, JSON or YAML.
    Export(export::ExportArgs),
    /// HyperSTAR: train the task-aware predictor on earlier studies, or rank a study with it.
    Meta(meta::MetaArgs),
    /// Write a study's report: one HTML page of plots that opens from disk.
    Report(report::ReportArgs),
    /// Serve the store's studies on a local web page: each study's report, reloading while it runs.
    Dashboard(dashboard::DashboardArgs),
}

/// Parses the process arguments and runs the command; a command that trains first restarts once
/// with Candle's thread settings and glibc's allocator tuned (`trial::training_env`).
#[must_use]
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    if matches!(cli.command, Command::Run(_) | Command::Meta(_)) {
        crate::trial::training_env::restart_for_training();
    }
    dispatch(cli)
}

/// Runs a parsed command.
#[must_use]
pub fn dispatch(cli: Cli) -> ExitCode {
    match cli.command {
        Command::Check(args) => check::run(&args),
        Command::Fmt(args) => fmt::run(&args),
        Command::Lsp => lsp::run(),
        Command::Plan(args) => plan::run(&args),
        Command::Run(args) => run::run(&args),
        Command::Status(args) => status::run(&args),
        Command::Best(args) => best::run(&args),
        Command::Trials(args) => trials::run(&args),
        Command::Export(args) => export::run(&args),
        Command::Meta(args) => meta::run(&args),
        Command::Report(args) => report::run(&args),
        Command::Dashboard(args) => dashboard::run(&args),
    }
}

//! The text form of a plan (`hps plan`, default format): a readable summary with a parameter table
//! and the bracket table. Printed by the CLI.

use std::fmt::Write as _;

use crate::plan::{Direction, Step, TrainerPlan};
use crate::plan::{Network, Plan};
use crate::space::{Distribution, Value, format_float};

impl Plan {
    /// The plan as a readable summary.
    #[must_use]
    pub fn render_text(&self) -> String {
        let mut out = String::new();
        self.write_text(&mut out).unwrap_or_default();
        out
    }

    fn write_text(&self, out: &mut String) -> std::fmt::Result {
        writeln!(out, "study {}  ({})", self.study, self.file)?;
        if let Some(doc) = &self.doc {
            writeln!(out, "  {}", doc.replace('\n', "\n  "))?;
        }
        let direction = match self.objective.direction {
            Direction::Maximize => "maximize",
            Direction::Minimize => "minimize",
        };
        writeln!(out, "objective  {direction} {}", self.objective.metric)?;
        writeln!(out, "seed       {}", self.seed)?;
        writeln!(out, "device     {}", step(self.device))?;
        writeln!(out, "store      {}", self.store)?;
        match &self.trainer {
            TrainerPlan::Builtin => writeln!(out, "trainer    built-in")?,
            TrainerPlan::Custom => writeln!(
                out,
                "trainer    custom (your code, through hps's library API)"
            )?,
            TrainerPlan::Command {
                template,
                metrics,
                timeout_seconds,
            } => {
                write!(
                    out,
                    "trainer    command \"{}\", metrics {}",
                    template.text(),
                    step(metrics.clone())
                )?;
                if let Some(t) = timeout_seconds {
                    write!(
                        out,
                        ", timeout {}s",
                        format_float(*t).trim_end_matches(".0")
                    )?;
                }
                writeln!(out)?;
            }
            TrainerPlan::Lookup { path, epoch } => writeln!(
                out,
                "trainer    lookup {} (epoch column {epoch:?})",
                path.display()
            )?,
        }
        if let Some(data) = &self.data {
            let mut pipeline = vec![step(data.source.clone())];
            pipeline.extend(data.transforms.iter().cloned().map(step));
            writeln!(out, "\ndata {}: {}", data.name, pipeline.join(" | "))?;
            match (&data.shape, &data.note) {
                (Some(s), _) => writeln!(
                    out,
                    "  input {:?}, {} outputs ({}), {} rows",
                    s.input, s.outputs, s.task, s.rows
                )?,
                (None, Some(note)) => writeln!(out, "  shape unknown: {note}")?,
                _ => {}
            }
        }
        self.write_parameters(out)?;
        if let Some(model) = &self.model {
            writeln!(out, "\nmodel {}", model.model.arch)?;
            match (&model.smallest, &model.largest) {
                (Some(small), Some(large)) => {
                    write_network(out, "smallest", small)?;
                    write_network(out, "largest", large)?;
                }
                _ => writeln!(
                    out,
                    "  networks not shown: {}",
                    model.note.as_deref().unwrap_or("unknown")
                )?,
            }
            if let Some(s) = &model.supernet {
                writeln!(
                    out,
                    "  super-network (autohas): {} paths, {} parameters in all, {} on the largest path",
                    s.paths,
                    thousands(s.parameters),
                    thousands(s.largest_path)
                )?;
                for (name, alternatives) in &s.choices {
                    writeln!(out, "    {name:<24} {alternatives} alternatives")?;
                }
            }
        }
        writeln!(out, "\nsampler    {}", step(self.sampler.clone()))?;
        writeln!(out, "scheduler  {}", step(self.scheduler.kind))?;
        if let Some(e) = self.scheduler.epochs_per_trial {
            writeln!(out, "  every trial trains {e} epochs")?;
        }
        if !self.scheduler.brackets.is_empty() {
            writeln!(
                out,
                "  bracket  rungs (configs × epochs)                      trials  epochs"
            )?;
            for b in &self.scheduler.brackets {
                let rungs: Vec<String> = b
                    .rungs
                    .iter()
                    .map(|r| format!("{}×{}", r.configs, r.epochs))
                    .collect();
                writeln!(
                    out,
                    "  s={:<6} {:<44} {:>6}  {:>6}",
                    b.s,
                    rungs.join(" → "),
                    b.trials(),
                    b.epochs_trained
                )?;
            }
            let trials: u64 = self
                .scheduler
                .brackets
                .iter()
                .map(super::Bracket::trials)
                .sum();
            let trained: u64 = self
                .scheduler
                .brackets
                .iter()
                .map(|b| b.epochs_trained)
                .sum();
            let scratch: u64 = self
                .scheduler
                .brackets
                .iter()
                .map(|b| b.epochs_from_scratch)
                .sum();
            writeln!(
                out,
                "  one iteration: {trials} trials, {trained} epochs (promoted trials resume from checkpoints; {scratch} if retrained)"
            )?;
        }
        writeln!(out, "stopping   {}", step(self.stopping))?;
        if let Some(s) = &self.strategy {
            writeln!(
                out,
                "strategy   {} (replaces sampler and scheduler)",
                step(*s)
            )?;
        }
        let b = &self.budget;
        let mut parts = Vec::new();
        if let Some(t) = b.trials {
            parts.push(format!("trials = {t}"));
        }
        if let Some(e) = b.epochs {
            parts.push(format!("epochs = {e}"));
        }
        if let Some(t) = b.time_seconds {
            parts.push(format!("time = {}", duration(t)));
        }
        parts.push(format!("parallel = {}", b.parallel));
        writeln!(out, "\nbudget     {}", parts.join(", "))?;
        let opt = |v: Option<u64>| v.map_or_else(|| String::from("unbounded"), |v| v.to_string());
        writeln!(
            out,
            "  at most {} trials and {} epochs",
            opt(self.limits.max_trials),
            opt(self.limits.max_epochs)
        )?;
        Ok(())
    }

    fn write_parameters(&self, out: &mut String) -> std::fmt::Result {
        writeln!(out, "\nparameters ({} searched)", self.parameters.len())?;
        let width = self
            .parameters
            .iter()
            .map(|p| p.name.len())
            .max()
            .unwrap_or(4)
            .max(4);
        if !self.parameters.is_empty() {
            writeln!(
                out,
                "  {:<width$}  {:<40}  {:<6}  when",
                "name", "domain", "scale"
            )?;
        }
        for p in &self.parameters {
            let condition = p
                .condition
                .as_ref()
                .map(ToString::to_string)
                .unwrap_or_default();
            writeln!(
                out,
                "  {:<width$}  {:<40}  {:<6}  {condition}",
                p.name,
                domain(&p.distribution),
                p.scale.as_deref().unwrap_or("-"),
            )?;
        }
        for f in &self.fixed {
            let condition = f
                .condition
                .as_ref()
                .map(|c| format!("  when {c}"))
                .unwrap_or_default();
            writeln!(out, "  {:<width$}  = {}{condition}", f.name, f.value)?;
        }
        for d in &self.derived {
            writeln!(out, "  {:<width$}  = {}", d.name, d.expression)?;
        }
        for rule in &self.forbidden {
            writeln!(out, "  forbid {rule}")?;
        }
        match &self.grid {
            Some(g) if g.exact => writeln!(out, "  grid: {} configurations", g.configurations)?,
            Some(g) => writeln!(out, "  grid: at most {} configurations", g.configurations)?,
            None => writeln!(out, "  grid: infinite (continuous parameters)")?,
        }
        Ok(())
    }
}

fn write_network(out: &mut String, label: &str, net: &Network) -> std::fmt::Result {
    let config: Vec<String> = net
        .config
        .iter()
        .map(|(k, v)| format!("{} = {v}", k.trim_start_matches("model.")))
        .collect();
    writeln!(
        out,
        "  {label}: {} parameters  ({})",
        thousands(net.parameters),
        config.join(", ")
    )?;
    for l in &net.layers {
        writeln!(
            out,
            "    {:<36} {:<16} {:>10}",
            l.layer,
            format!("{:?}", l.output),
            thousands(l.params)
        )?;
    }
    Ok(())
}

fn thousands(n: u64) -> String {
    let s = n.to_string();
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// `name(arg = value, …)`, as the language writes a call.
/// A step as the language writes it: `hyperband(min = 1, max = 27, eta = 3)`, or its bare name.
#[must_use]
pub fn step(s: impl Into<Step>) -> String {
    let s: Step = s.into();
    if s.args.is_empty() {
        return s.name.clone();
    }
    let args: Vec<String> = s.args.iter().map(|(k, v)| format!("{k} = {v}")).collect();
    format!("{}({})", s.name, args.join(", "))
}

fn duration(seconds: f64) -> String {
    if seconds >= 3600.0 && (seconds / 3600.0).fract() == 0.0 {
        format!("{}h", seconds / 3600.0)
    } else if seconds >= 60.0 && (seconds / 60.0).fract() == 0.0 {
        format!("{}m", seconds / 60.0)
    } else {
        format!("{}s", format_float(seconds).trim_end_matches(".0"))
    }
}

fn domain(d: &Distribution) -> String {
    let list = |values: &[Value]| {
        values
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join(", ")
    };
    match d {
        Distribution::Uniform {
            low,
            high,
            step: None,
        } => format!("uniform({}, {})", format_float(*low), format_float(*high)),
        Distribution::Uniform {
            low,
            high,
            step: Some(s),
        } => {
            format!(
                "uniform({}, {}, step = {})",
                format_float(*low),
                format_float(*high),
                format_float(*s)
            )
        }
        Distribution::LogUniform { low, high } => format!(
            "loguniform({}, {})",
            format_float(*low),
            format_float(*high)
        ),
        Distribution::Int {
            low, high, step, ..
        } if *step > 1 => format!("int({low}, {high}, step = {step})"),
        Distribution::Int { low, high, .. } => format!("int({low}, {high})"),
        Distribution::Choice { values } => format!("choice({})", list(values)),
        Distribution::Ordinal { values } => format!("ordinal({})", list(values)),
        Distribution::Bases { values, .. } => {
            let v: Vec<String> = values.iter().map(|x| format!("{x:.3e}")).collect();
            format!("bases({})", v.join(", "))
        }
    }
}

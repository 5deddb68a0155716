//! Lowering: a checked study (`crate::semantic::Study`, with the program's datasets and
//! architectures) becomes its [`Plan`] — the dataset's shape probed, the networks at the extremes
//! instantiated, Hyperband's brackets and what the budget allows computed. The one bridge from the
//! front end to the plan: the CLI (`hps plan`, `hps run`) and `hps::Study` call it, and nothing below
//! the plan reads the front end.

use crate::plan::DEFAULT_STORE;
use crate::plan::data_shape;
use crate::plan::network;
use crate::plan::{DataPlan, Limits, ModelPlan, ParamPlan, Plan, SCHEMA, SchedulerPlan};
use crate::semantic::{Program, Study};

/// The plan of a checked `study` of `program`.
#[must_use]
pub fn plan(study: &Study, program: &Program) -> Plan {
    let dataset = study
        .data
        .as_ref()
        .and_then(|name| program.datasets.get(name));
    let shape = dataset.map(|d| data_shape::infer(&d.source, &d.transforms, d.dir.as_deref()));
    let data = dataset.map(|d| DataPlan {
        name: d.name.clone(),
        source: d.source.clone(),
        transforms: d.transforms.clone(),
        dir: d.dir.as_ref().map(|p| p.display().to_string()),
        shape: shape.as_ref().and_then(|s| s.as_ref().ok().cloned()),
        note: shape.as_ref().and_then(|s| s.as_ref().err().cloned()),
    });
    let model = study.model.as_ref().map(|m| {
        let arch = program.archs.get(&m.arch);
        let built = match (arch, &shape) {
            (Some(arch), Some(Ok(shape))) => {
                network::extremes(&study.space, &arch.body, m, &shape.input, shape.outputs)
            }
            (_, Some(Err(why))) => Err(why.clone()),
            _ => Err(String::from(
                "the network needs a dataset to know its input",
            )),
        };
        let supernet = match (arch, &shape, &study.strategy) {
            (Some(arch), Some(Ok(shape)), Some(_)) => {
                network::supernet(&study.space, &arch.body, m, &shape.input, shape.outputs).ok()
            }
            _ => None,
        };
        let layers = arch.map(|a| a.body.clone()).unwrap_or_default();
        let (smallest, largest, note) = match built {
            Ok((smallest, largest)) => (Some(smallest), Some(largest), None),
            Err(note) => (None, None, Some(note)),
        };
        ModelPlan {
            model: m.clone(),
            layers,
            smallest,
            largest,
            supernet,
            note,
        }
    });
    let scheduler = SchedulerPlan::new(study.scheduler, epochs_per_trial(study));
    let limits = Limits::of(&study.budget, &scheduler, study.strategy.is_some());
    Plan {
        schema: SCHEMA,
        hps_version: env!("CARGO_PKG_VERSION").to_owned(),
        study: study.name.clone(),
        doc: study.doc.clone(),
        file: study.file.clone(),
        seed: study.seed,
        objective: study.objective.clone(),
        data,
        parameters: study
            .space
            .params
            .iter()
            .map(|p| ParamPlan {
                name: p.name.clone(),
                distribution: p.distribution.clone(),
                scale: p.distribution.scale().map(str::to_owned),
                cardinality: p.distribution.cardinality(),
                condition: p.condition.clone(),
                doc: p.doc.clone(),
            })
            .collect(),
        fixed: study.space.fixed.clone(),
        derived: study.space.derived.clone(),
        forbidden: study.space.forbidden.clone(),
        grid: study.space.grid_size(),
        model,
        trainer: study.trainer.clone(),
        budget: study.budget,
        limits,
        sampler: study.sampler.clone(),
        scheduler,
        stopping: study.stopping,
        strategy: study.strategy,
        device: study.device,
        artifacts: study.artifacts.clone(),
        store: String::from(DEFAULT_STORE),
    }
}

/// The most epochs one trial trains under `fifo`: the recipe's `epochs`, or the largest it can draw.
fn epochs_per_trial(study: &Study) -> Option<u64> {
    if let Some(f) = study.space.fixed.iter().find(|f| f.name == "train.epochs") {
        return f.value.as_i64().and_then(|e| u64::try_from(e).ok());
    }
    let p = study.space.param("train.epochs")?;
    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
    p.distribution.bounds().map(|(_, hi)| hi as u64)
}

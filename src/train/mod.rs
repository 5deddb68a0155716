//! hps's own trainer: datasets in memory ([`data`]), an architecture built as a Candle network
//! ([`model`]) with weights initialised from hps's seeded RNG, a trial's [`recipe`] (optimisers and
//! schedules), the epoch loop with metrics and checkpoints ([`trainer`]), device selection
//! ([`device`]). The process sets up the environment training runs in (Candle's threads, the
//! allocator: `crate::trial::training_env`). The runtime's wiring builds it; the runtime drives it through
//! `crate::trial::Trainer`.

pub mod data;
pub mod device;
pub mod model;
pub mod optim;
pub mod recipe;
pub mod schedule;
pub mod trainer;

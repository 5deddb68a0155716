//! hps's own trainer: datasets in memory ([`data`]), an architecture built as a Candle network
//! ([`model`]) with weights initialised from hps's seeded RNG, a trial's [`recipe`] (optimisers and
//! schedules), the epoch loop with metrics and checkpoints ([`trainer`]), device selection
//! ([`device`]). Candle's element-wise worker pool is kept out of training by the process itself
//! (`crate::trial::candle_env`). The runtime's wiring builds it; the runtime drives it through
//! `crate::trial::Trainer`.

pub mod data;
pub mod device;
pub mod model;
pub mod optim;
pub mod recipe;
pub mod schedule;
pub mod trainer;

//! hps's own trainer: datasets in memory ([`data`]), an architecture built as a Candle network
//! ([`model`]) with weights initialised from hps's seeded RNG, a trial's [`recipe`] (optimisers and
//! schedules), the epoch loop with metrics and checkpoints ([`trainer`]), device selection
//! ([`device`]), and keeping Candle's element-wise worker pool out of training ([`candle_pool`]).
//! The runtime's wiring builds it; the runtime drives it through `crate::trial::Trainer`.

pub mod candle_pool;
pub mod data;
pub mod device;
pub mod model;
pub mod optim;
pub mod recipe;
pub mod schedule;
pub mod trainer;

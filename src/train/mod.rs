//! hps's own trainer: datasets in memory ([`data`]), an architecture built as a Candle network
//! ([`model`]) with weights initialised from hps's seeded RNG, optimisers and schedules, the epoch
//! loop with metrics and checkpoints ([`trainer`]), and device selection ([`device`]).

pub mod data;
pub mod device;
pub mod model;
pub mod optim;
pub mod recipe;
pub mod schedule;
pub mod trainer;

//! Learning-curve prediction for early stopping (Baker et al. 2018): hps's own ν-SVR regressor, its
//! model selection, and the sequential regression models the `svr` stopping rule asks whether a
//! partly trained trial will end worse than the best.
pub mod features;
pub mod srm;

//! Learning-curve prediction for early stopping (Baker et al. 2018): hps's own ν-SVR regressor
//! ([`nu_svr`]), its model selection ([`model_selection`]), the features of a partly observed curve
//! ([`features`]) and the sequential regression models ([`srm`]) that the `svr` stopping rule asks
//! whether a partly trained trial will end worse than the best.

pub mod features;
pub mod model_selection;
pub mod nu_svr;
pub mod srm;
pub mod standardize;

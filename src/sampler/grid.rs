//! Grid search: every configuration of a finite space, in a fixed order (conditions and `forbid`
//! applied); trial `n` gets the `n`-th. Refuses a space with a continuous parameter.

use crate::sampler::{Observation, Sampler};
use crate::space::{Config, SearchSpace};

/// Enumerates a finite space.
pub struct GridSampler {
    configs: Vec<Config>,
}

impl GridSampler {
    /// The grid of `space`.
    ///
    /// # Errors
    /// When a parameter is continuous or the grid has more than a million points.
    pub fn new(space: &SearchSpace) -> Result<Self, String> {
        if let Some(p) = space.first_continuous() {
            return Err(format!(
                "a grid cannot cover `{}`, which is continuous",
                p.name
            ));
        }
        let configs = space
            .grid()
            .ok_or("the grid has more than a million configurations")?;
        Ok(Self { configs })
    }

    /// Number of configurations.
    #[must_use]
    pub fn len(&self) -> usize {
        self.configs.len()
    }

    /// Whether the grid is empty.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.configs.is_empty()
    }
}

impl Sampler for GridSampler {
    fn ask(&mut self, number: u64, _history: &[Observation]) -> Result<Option<Config>, String> {
        Ok(usize::try_from(number)
            .ok()
            .and_then(|n| self.configs.get(n))
            .cloned())
    }
}

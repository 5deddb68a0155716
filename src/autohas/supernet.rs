//! The weight-sharing super-network: every path a study's `model` can take, over one pool of
//! tensors. A path is the network of one configuration's architecture parameters (`model.*`),
//! built on first use over the pool ([`Net::build_shared`]) and kept: a layer at one site of the
//! body with one kind, arguments and input shape is one set of weights on every path, so the
//! alternatives of a `choose` and the values of a width keep their own weights while everything
//! else is shared. A step runs one path, so activations are those of one model. The optimiser's
//! state is kept per tensor, so a tensor's momentum and Adam moments follow it across paths.

use std::collections::{BTreeMap, HashMap};

use candle_core::backprop::GradStore;
use candle_core::{DType, Device, Tensor, Var};

use crate::layers::{Role, SharedWeights};
use crate::plan::ModelPlan;
use crate::plan::network::{architecture, instantiate};
use crate::space::Config;
use crate::train::model::Net;
use crate::train::optim::{Moments, Settings, update};

/// A tensor's optimiser state: its moments and how many updates it has had.
type TensorState = (Moments, u64);

/// The super-network of one study.
pub struct SuperNet {
    model: ModelPlan,
    input: Vec<usize>,
    outputs: usize,
    device: Device,
    seed: u64,
    pool: SharedWeights,
    /// Built paths, by [`architecture`] key.
    paths: HashMap<String, Net>,
    optimizer: HashMap<String, TensorState>,
}

impl SuperNet {
    /// An empty super-network for `model` on inputs of shape `input` with `outputs` outputs; new
    /// weights are drawn from `seed` and their names.
    #[must_use]
    pub fn new(
        model: ModelPlan,
        input: Vec<usize>,
        outputs: usize,
        device: Device,
        seed: u64,
    ) -> Self {
        Self {
            model,
            input,
            outputs,
            device,
            seed,
            pool: SharedWeights::default(),
            paths: HashMap::new(),
            optimizer: HashMap::new(),
        }
    }

    /// The path of `config` (a complete configuration), built over the pool on first use.
    ///
    /// # Errors
    /// When the architecture does not fit the data, or a tensor cannot be made.
    pub fn path(&mut self, config: &Config) -> Result<&Net, String> {
        let key = architecture(config);
        if !self.paths.contains_key(&key) {
            let layers = instantiate(
                &self.model.layers,
                &self.model.model,
                config,
                &self.input,
                self.outputs,
            )?;
            let net = Net::build_shared(&layers, &self.device, self.seed, &mut self.pool)?;
            self.paths.insert(key.clone(), net);
        }
        Ok(&self.paths[&key])
    }

    /// One optimiser step of the path of `config` (built already) by `grads`: only that path's
    /// parameters change.
    ///
    /// # Errors
    /// On a Candle failure.
    pub fn step(
        &mut self,
        config: &Config,
        grads: &GradStore,
        settings: &Settings,
    ) -> candle_core::Result<()> {
        let Some(net) = self.paths.get(&architecture(config)) else {
            return Err(candle_core::Error::Msg(String::from(
                "the path was not built before its step",
            )));
        };
        for (name, var) in net.named_params() {
            let Some(grad) = grads.get(var.as_tensor()) else {
                continue;
            };
            let (moments, steps) = self.optimizer.remove(name).unwrap_or(((None, None), 0));
            let moments = update(var, grad, moments, settings, steps + 1)?;
            self.optimizer.insert(name.clone(), (moments, steps + 1));
        }
        Ok(())
    }

    /// Trainable parameters over every path built so far, and how many paths that is.
    #[must_use]
    pub fn size(&self) -> (u64, usize) {
        let params = self
            .pool
            .iter()
            .filter(|(_, _, role)| *role == Role::Parameter)
            .map(|(_, var, _)| var.elem_count() as u64)
            .sum();
        (params, self.paths.len())
    }

    /// Every tensor (weights, buffers, optimiser state), named, for a checkpoint.
    ///
    /// # Errors
    /// On a Candle failure.
    pub fn state(&self) -> candle_core::Result<BTreeMap<String, Tensor>> {
        let mut out = BTreeMap::new();
        for (name, var, role) in self.pool.iter() {
            let prefix = match role {
                Role::Parameter => "param",
                Role::Buffer => "buffer",
            };
            out.insert(format!("{prefix}:{name}"), var.as_tensor().copy()?);
        }
        for (name, ((first, second), steps)) in &self.optimizer {
            if let Some(first) = first {
                out.insert(format!("first:{name}"), first.clone());
            }
            if let Some(second) = second {
                out.insert(format!("second:{name}"), second.clone());
            }
            #[allow(clippy::cast_precision_loss)]
            out.insert(
                format!("steps:{name}"),
                Tensor::new(&[*steps as f64], &self.device)?,
            );
        }
        Ok(out)
    }

    /// Restores a state saved by [`SuperNet::state`] into an empty super-network.
    ///
    /// # Errors
    /// On a Candle failure.
    pub fn load(&mut self, tensors: &HashMap<String, Tensor>) -> candle_core::Result<()> {
        let mut names: Vec<&String> = tensors.keys().collect();
        names.sort();
        for key in names {
            let tensor = tensors[key].to_device(&self.device)?;
            let Some((kind, name)) = key.split_once(':') else {
                continue;
            };
            match kind {
                "param" => {
                    self.pool
                        .insert(name.to_owned(), Var::from_tensor(&tensor)?, Role::Parameter);
                }
                "buffer" => {
                    self.pool
                        .insert(name.to_owned(), Var::from_tensor(&tensor)?, Role::Buffer);
                }
                "first" => self.state_of(name).0.0 = Some(tensor),
                "second" => self.state_of(name).0.1 = Some(tensor),
                "steps" => {
                    let steps = tensor.to_dtype(DType::F64)?.to_vec1::<f64>()?;
                    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
                    let steps = steps.first().copied().unwrap_or(0.0) as u64;
                    self.state_of(name).1 = steps;
                }
                _ => {}
            }
        }
        Ok(())
    }

    fn state_of(&mut self, name: &str) -> &mut TensorState {
        self.optimizer
            .entry(name.to_owned())
            .or_insert(((None, None), 0))
    }
}

#[cfg(test)]
mod tests {
    use candle_core::DType;

    use super::*;
    use crate::layers::Mode;
    use crate::space::Value;
    use crate::train::optim::Rule;

    /// A model whose middle block is a choice of two alternatives with the same shapes.
    fn supernet() -> SuperNet {
        let model = study().plan().model.clone().unwrap();
        SuperNet::new(model, vec![1, 8, 8], 10, Device::Cpu, 7)
    }

    fn study() -> crate::Study {
        crate::Study::from_source(
            "s.hps",
            r#"
dataset d = builtin("digits") | split(val = 0.2)
arch net() {
  flatten()
  linear(8)
  relu()
  choose {
    { linear(8)  relu() }
  | { linear(8)  tanh() }
  }
  linear(outputs)
}
study s {
  data     = d
  model    = net()
  train {
    optimizer = sgd
    lr        = bases(0.01, 0.1)
    epochs    = 2
  }
  strategy = autohas(warmup = 0)
}
"#,
        )
        .unwrap()
    }

    fn config(alternative: i64) -> Config {
        Config::from([(String::from("model.choose_1"), Value::Int(alternative))])
    }

    fn snapshot(net: &SuperNet) -> BTreeMap<String, Vec<f32>> {
        net.pool
            .iter()
            .map(|(name, var, _)| {
                let values = var.as_tensor().flatten_all().unwrap().to_vec1().unwrap();
                (name.to_owned(), values)
            })
            .collect()
    }

    /// The layers before and after the `choose` are one set of weights on both paths; each
    /// alternative has its own, though their shapes are the same.
    #[test]
    fn paths_share_every_layer_outside_a_choice_and_nothing_inside_it() {
        let mut net = supernet();
        let mut names = |alternative| -> Vec<String> {
            let path = net.path(&config(alternative)).unwrap();
            path.named_params().iter().map(|(n, _)| n.clone()).collect()
        };
        let (first, second) = (names(0), names(1));
        let shared: Vec<&String> = first.iter().filter(|n| second.contains(n)).collect();
        // linear(8) before and linear(outputs) after: weight and bias each.
        assert_eq!(shared.len(), 4, "{first:?} / {second:?}");
        assert_eq!(first.len(), 6);
        let (params, paths) = net.size();
        assert_eq!(paths, 2);
        // 64·8+8, two alternatives of 8·8+8, 8·10+10.
        assert_eq!(params, 520 + 2 * 72 + 90);
        // The plan counts the same super-network without building it.
        let study = study();
        let planned = study
            .plan()
            .model
            .as_ref()
            .unwrap()
            .supernet
            .as_ref()
            .unwrap();
        assert_eq!((planned.parameters, planned.paths), (params, 2));
        assert_eq!(planned.largest_path, 520 + 72 + 90);
    }

    /// A step trains only the sampled path: the other alternative's weights stay as they were.
    #[test]
    fn a_step_changes_the_sampled_path_only() {
        let mut net = supernet();
        net.path(&config(1)).unwrap();
        let before = snapshot(&net);
        let x = Tensor::ones((4, 1, 8, 8), DType::F32, &Device::Cpu).unwrap();
        let y = Tensor::new(&[1u32, 2, 3, 4], &Device::Cpu).unwrap();
        let path = net.path(&config(0)).unwrap();
        let logits = path.forward(&x, &mut Mode::Eval).unwrap();
        let loss = candle_nn::loss::cross_entropy(&logits, &y).unwrap();
        let grads = loss.backward().unwrap();
        let settings = Settings {
            rule: Rule::Sgd,
            lr: 0.5,
            momentum: 0.0,
            weight_decay: 0.0,
        };
        net.step(&config(0), &grads, &settings).unwrap();
        let after = snapshot(&net);
        for (name, values) in &after {
            let Some(old) = before.get(name) else {
                continue;
            };
            let changed = old != values;
            let on_path = !name.starts_with("3|1/");
            assert_eq!(changed, on_path, "{name}");
        }
    }

    /// The same seed draws the same weights whatever order the paths are built in.
    #[test]
    fn weights_depend_on_the_seed_and_name_not_the_order_paths_are_built_in() {
        let mut one = supernet();
        one.path(&config(0)).unwrap();
        one.path(&config(1)).unwrap();
        let mut other = supernet();
        other.path(&config(1)).unwrap();
        other.path(&config(0)).unwrap();
        assert_eq!(snapshot(&one), snapshot(&other));
    }

    #[test]
    fn the_state_round_trips() {
        let mut net = supernet();
        net.path(&config(0)).unwrap();
        let state = net.state().unwrap();
        let mut restored = supernet();
        restored.load(&state.clone().into_iter().collect()).unwrap();
        assert_eq!(snapshot(&net), snapshot(&restored));
        assert_eq!(
            restored.path(&config(0)).unwrap().named_params().len(),
            net.path(&config(0)).unwrap().named_params().len()
        );
    }
}

//! Instantiates an architecture for one configuration: the concrete layer tree with every layer's
//! arguments, shapes and trainable parameters ([`Concrete`], what the trainer builds in Candle), the
//! table the plan shows ([`Network`]), and the smallest and largest networks a study's space allows.
//! Used by `crate::lower` (the plan's networks), the trainer (what it builds) and the `svr` stopping
//! rule (network size as a feature).
//! Each layer's shape and parameters come from its kind in [`crate::layers`].

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::layers::{self, projection};
use crate::plan::model::{LayerName, LayerNode, Model, OUTPUTS};
use crate::space::{Config, Distribution, SearchSpace, Term, Value};

/// One layer as the plan shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LayerRow {
    /// The layer with its arguments: `conv(channels = 16, kernel = 3)`.
    pub layer: String,
    /// Output shape of one example.
    pub output: Vec<usize>,
    /// Trainable parameters.
    pub params: u64,
}

/// A network for one configuration, as the plan shows it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Network {
    /// The model parameters of this configuration.
    pub config: BTreeMap<String, Value>,
    /// The layers in order (structures unrolled).
    pub layers: Vec<LayerRow>,
    /// Total trainable parameters.
    pub parameters: u64,
}

/// A layer of one configuration, with concrete arguments and shapes: what the trainer builds.
#[derive(Debug, Clone, PartialEq)]
pub enum Concrete {
    /// A built-in layer.
    Layer {
        /// Where it sits in the architecture's body ([`Concrete::site`]).
        site: String,
        /// Its name: `linear`, `conv`, `relu`, ….
        name: String,
        /// Its arguments (defaults filled).
        args: BTreeMap<String, Value>,
        /// Input shape of one example.
        input: Vec<usize>,
        /// Output shape of one example.
        output: Vec<usize>,
        /// Trainable parameters.
        params: u64,
    },
    /// `residual { … }`: the body's output plus the input, projected by a 1×1 convolution (images) or
    /// a linear layer (features) when the channel or feature count changes.
    Residual {
        /// Where it sits in the architecture's body ([`Concrete::site`]).
        site: String,
        /// The layers.
        body: Vec<Concrete>,
        /// Input shape.
        input: Vec<usize>,
        /// Output shape.
        output: Vec<usize>,
    },
}

impl Concrete {
    /// Where the layer sits in the architecture's body, the same for every configuration: node
    /// indices joined by `/`, a repetition as `*k`, a `choose` alternative as `|k` (`2|1/0` is the
    /// first layer of the second alternative of node 2). A weight-sharing super-network keys its
    /// weights by it, so a layer at one site with one shape is one set of weights.
    #[must_use]
    pub fn site(&self) -> &str {
        match self {
            Concrete::Layer { site, .. } | Concrete::Residual { site, .. } => site,
        }
    }

    /// The layer's name in a super-network: its site, kind, arguments and input shape. Two paths
    /// share a layer's weights exactly when all four agree — the same place in the body, built the
    /// same way — so the alternatives of a `choose` and the values of a width never share, and
    /// everything else does.
    #[must_use]
    pub fn weight_key(&self) -> String {
        match self {
            Concrete::Layer {
                site,
                name,
                args,
                input,
                ..
            } => {
                let args: Vec<String> = args.iter().map(|(k, v)| format!("{k}={v}")).collect();
                format!("{site}:{name}({}){input:?}", args.join(","))
            }
            Concrete::Residual {
                site,
                input,
                output,
                ..
            } => format!("{site}:residual{input:?}->{output:?}"),
        }
    }

    /// Each weighted part of the layer (itself, or a residual block's layers and projection) by
    /// [`Concrete::weight_key`], with its trainable parameters.
    fn weighted(&self, out: &mut Vec<(String, u64)>) {
        match self {
            Concrete::Layer { params, .. } => out.push((self.weight_key(), *params)),
            Concrete::Residual {
                body,
                input,
                output,
                ..
            } => {
                for layer in body {
                    layer.weighted(out);
                }
                if let Some(params) = projection::params(input, output) {
                    out.push((format!("{}.projection", self.weight_key()), params));
                }
            }
        }
    }
}

/// The architecture part of a configuration (its `model.*` values), as a key: configurations with
/// the same key build the same network (one path of a super-network).
#[must_use]
pub fn architecture(config: &Config) -> String {
    config
        .iter()
        .filter(|(k, _)| k.starts_with("model."))
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join(";")
}

/// What an AutoHAS super-network holds: its paths, its searched architecture choices, and its
/// parameters in all and on the largest path.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SuperNetSize {
    /// Distinct architectures (paths).
    pub paths: u64,
    /// Each searched architecture parameter with its number of alternatives.
    pub choices: Vec<(String, u64)>,
    /// Trainable parameters over every path, each shared layer counted once.
    pub parameters: u64,
    /// Trainable parameters of the largest path.
    pub largest_path: u64,
}

/// Paths enumerated at most, for the plan.
const SUPERNET_PATHS_SHOWN: usize = 10_000;

/// The super-network of `model` over the architecture parameters of `space`.
///
/// # Errors
/// When the architecture parameters cannot be enumerated (continuous, or too many paths), or a
/// path does not fit the data.
pub fn supernet(
    space: &SearchSpace,
    body: &[LayerNode],
    model: &Model,
    input: &[usize],
    outputs: usize,
) -> Result<SuperNetSize, String> {
    let grid = space
        .grid()
        .ok_or("the architecture's paths cannot be enumerated")?;
    let mut paths: BTreeMap<String, Config> = BTreeMap::new();
    for config in grid {
        paths.entry(architecture(&config)).or_insert(config);
        if paths.len() > SUPERNET_PATHS_SHOWN {
            return Err(format!("more than {SUPERNET_PATHS_SHOWN} paths"));
        }
    }
    let mut weights: BTreeMap<String, u64> = BTreeMap::new();
    let mut largest_path = 0;
    for config in paths.values() {
        let complete = space.complete(config);
        let layers = instantiate(body, model, &complete, input, outputs)?;
        let mut parts = Vec::new();
        for layer in &layers {
            layer.weighted(&mut parts);
        }
        largest_path = largest_path.max(parts.iter().map(|(_, p)| p).sum());
        weights.extend(parts);
    }
    let choices = space
        .params
        .iter()
        .filter(|p| p.name.starts_with("model."))
        .map(|p| (p.name.clone(), p.distribution.cardinality().unwrap_or(0)))
        .collect();
    Ok(SuperNetSize {
        paths: paths.len() as u64,
        choices,
        parameters: weights.values().sum(),
        largest_path,
    })
}

/// The concrete layers of `model` for `config` (model parameters and fixed values, by full path).
///
/// # Errors
/// When a layer does not fit its input (a `linear` on an image without `flatten`, a pool larger than
/// the image, a residual block that changes the image size).
pub fn instantiate(
    body: &[LayerNode],
    model: &Model,
    config: &Config,
    input: &[usize],
    outputs: usize,
) -> Result<Vec<Concrete>, String> {
    let lookup = |local: &str| -> Option<Value> {
        if local == OUTPUTS {
            return Some(Value::Int(i64::try_from(outputs).unwrap_or(i64::MAX)));
        }
        let term = model.bindings.get(local)?;
        term.eval(&|name| config.get(name).cloned())
    };
    let walker = Walker { lookup: &lookup };
    let mut layers = Vec::new();
    walker.nodes(body, input.to_vec(), "", &mut layers)?;
    Ok(layers)
}

/// The network of `model` for `config`, as the plan shows it.
///
/// # Errors
/// As [`instantiate`].
pub fn build(
    body: &[LayerNode],
    model: &Model,
    config: &Config,
    input: &[usize],
    outputs: usize,
) -> Result<Network, String> {
    let concrete = instantiate(body, model, config, input, outputs)?;
    let mut layers = Vec::new();
    rows(&concrete, &mut layers);
    let parameters = layers.iter().map(|l| l.params).sum();
    let config = config
        .iter()
        .filter(|(k, _)| k.starts_with("model."))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    Ok(Network {
        config,
        layers,
        parameters,
    })
}

/// Flattens concrete layers into table rows.
fn rows(layers: &[Concrete], out: &mut Vec<LayerRow>) {
    for layer in layers {
        match layer {
            Concrete::Layer {
                name,
                args,
                output,
                params,
                ..
            } => out.push(LayerRow {
                layer: describe(name, args),
                output: output.clone(),
                params: *params,
            }),
            Concrete::Residual {
                body,
                input,
                output,
                ..
            } => {
                rows(body, out);
                if let Some(params) = projection::params(input, output) {
                    out.push(LayerRow {
                        layer: String::from("projection(1×1)"),
                        output: output.clone(),
                        params,
                    });
                }
                out.push(LayerRow {
                    layer: String::from("add(residual)"),
                    output: output.clone(),
                    params: 0,
                });
            }
        }
    }
}

struct Walker<'a> {
    lookup: &'a dyn Fn(&str) -> Option<Value>,
}

fn as_usize(v: &Value) -> Option<usize> {
    v.as_i64().and_then(|i| usize::try_from(i).ok())
}

impl Walker<'_> {
    fn eval(&self, term: &Term) -> Option<Value> {
        term.eval(self.lookup)
    }

    /// The layers of `nodes`, whose sites are `{parent}{i}` (`parent` empty or ending in `/`).
    fn nodes(
        &self,
        nodes: &[LayerNode],
        mut shape: Vec<usize>,
        parent: &str,
        out: &mut Vec<Concrete>,
    ) -> Result<Vec<usize>, String> {
        for (i, node) in nodes.iter().enumerate() {
            shape = self.node(node, shape, &format!("{parent}{i}"), out)?;
        }
        Ok(shape)
    }

    fn node(
        &self,
        node: &LayerNode,
        shape: Vec<usize>,
        site: &str,
        out: &mut Vec<Concrete>,
    ) -> Result<Vec<usize>, String> {
        match node {
            LayerNode::Op { layer, args } => {
                let name = match layer {
                    LayerName::Fixed(n) => n.clone(),
                    LayerName::From(t) => self
                        .eval(t)
                        .and_then(|v| v.as_str().map(str::to_owned))
                        .ok_or("an activation has no value")?,
                };
                let args: BTreeMap<String, Value> = args
                    .iter()
                    .filter_map(|(k, t)| self.eval(t).map(|v| (k.clone(), v)))
                    .collect();
                let kind = layers::named(&name).ok_or_else(|| format!("no layer `{name}`"))?;
                let output = kind.output(&args, &shape)?;
                let params = kind.params(&args, &shape);
                out.push(Concrete::Layer {
                    site: site.to_owned(),
                    name,
                    args,
                    input: shape,
                    output: output.clone(),
                    params,
                });
                Ok(output)
            }
            LayerNode::Repeat { count, body } => {
                let n = self
                    .eval(count)
                    .as_ref()
                    .and_then(as_usize)
                    .ok_or("`repeat` has no count")?;
                let mut shape = shape;
                for k in 0..n {
                    shape = self.nodes(body, shape, &format!("{site}*{k}/"), out)?;
                }
                Ok(shape)
            }
            LayerNode::Residual { body } => {
                let mut inner = Vec::new();
                let output = self.nodes(body, shape.clone(), &format!("{site}/"), &mut inner)?;
                if output.len() != shape.len() || (output.len() == 3 && output[1..] != shape[1..]) {
                    return Err(format!(
                        "a residual block turns {shape:?} into {output:?}; it may change only the channels or features"
                    ));
                }
                out.push(Concrete::Residual {
                    site: site.to_owned(),
                    body: inner,
                    input: shape,
                    output: output.clone(),
                });
                Ok(output)
            }
            LayerNode::Choose {
                choice,
                alternatives,
            } => {
                let index = (self.lookup)(choice)
                    .as_ref()
                    .and_then(as_usize)
                    .unwrap_or(0);
                let alternative = alternatives
                    .get(index)
                    .ok_or("`choose` picked no alternative")?;
                self.nodes(alternative, shape, &format!("{site}|{index}/"), out)
            }
        }
    }
}

fn describe(name: &str, args: &BTreeMap<String, Value>) -> String {
    if args.is_empty() {
        return format!("{name}()");
    }
    let parts: Vec<String> = args.iter().map(|(k, v)| format!("{k} = {v}")).collect();
    format!("{name}({})", parts.join(", "))
}

/// The networks with the fewest and the most parameters over the model parameters' extremes (every
/// value of small categorical domains, the bounds of ranges).
///
/// # Errors
/// When no configuration builds; the message says why.
pub fn extremes(
    space: &SearchSpace,
    body: &[LayerNode],
    model: &Model,
    input: &[usize],
    outputs: usize,
) -> Result<(Network, Network), String> {
    let model_params: Vec<_> = space
        .params
        .iter()
        .filter(|p| p.name.starts_with("model."))
        .collect();
    let candidates: Vec<Vec<Value>> = model_params
        .iter()
        .map(|p| extreme_values(&p.distribution))
        .collect();
    let mut base = Config::new();
    for f in &space.fixed {
        base.insert(f.name.clone(), f.value.clone());
    }
    let total: usize = candidates.iter().map(Vec::len).product();
    let configs: Vec<Config> = if total <= 4096 {
        let mut out = vec![base.clone()];
        for (p, values) in model_params.iter().zip(&candidates) {
            out = out
                .into_iter()
                .flat_map(|c| {
                    values.iter().map(move |v| {
                        let mut c = c.clone();
                        c.insert(p.name.clone(), v.clone());
                        c
                    })
                })
                .collect();
        }
        out
    } else {
        [0, 1]
            .iter()
            .map(|&end| {
                let mut c = base.clone();
                for (p, values) in model_params.iter().zip(&candidates) {
                    let v = if end == 0 {
                        values.first()
                    } else {
                        values.last()
                    };
                    c.insert(p.name.clone(), v.cloned().unwrap_or(Value::Int(0)));
                }
                c
            })
            .collect()
    };
    let mut smallest: Option<Network> = None;
    let mut largest: Option<Network> = None;
    let mut last_error = None;
    for config in configs {
        // Drop parameters whose conditions do not hold.
        let active: Config = config
            .iter()
            .filter(|(k, _)| {
                space
                    .param(k)
                    .and_then(|p| p.condition.as_ref())
                    .is_none_or(|c| c.holds(&|n| config.get(n).cloned()))
            })
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        match build(body, model, &active, input, outputs) {
            Ok(net) => {
                if smallest
                    .as_ref()
                    .is_none_or(|s| net.parameters < s.parameters)
                {
                    smallest = Some(net.clone());
                }
                if largest
                    .as_ref()
                    .is_none_or(|l| net.parameters > l.parameters)
                {
                    largest = Some(net);
                }
            }
            Err(e) => last_error = Some(e),
        }
    }
    match (smallest, largest) {
        (Some(s), Some(l)) => Ok((s, l)),
        _ => Err(last_error.unwrap_or_else(|| String::from("no configuration builds"))),
    }
}

fn extreme_values(d: &Distribution) -> Vec<Value> {
    if let Some(values) = d.finite_values() {
        if values.len() <= 8 {
            return values;
        }
        let mut ends = vec![values[0].clone(), values[values.len() - 1].clone()];
        ends.dedup();
        return ends;
    }
    d.bounds().map_or_else(Vec::new, |(lo, hi)| {
        vec![Value::Float(lo), Value::Float(hi)]
    })
}

/// The size of the network `plan` trains for `config`: `(trainable parameters, layers with
/// weights)`, the architecture features of Baker et al.'s predictor. `None` without a model or a
/// data shape known before loading, or when the network does not fit its input.
#[must_use]
pub fn size(plan: &crate::plan::Plan, config: &Config) -> Option<(u64, usize)> {
    let model = plan.model.as_ref()?;
    let shape = plan.data.as_ref()?.shape.as_ref()?;
    let concrete = instantiate(
        &model.layers,
        &model.model,
        config,
        &shape.input,
        shape.outputs,
    )
    .ok()?;
    let mut layers = Vec::new();
    rows(&concrete, &mut layers);
    Some((
        layers.iter().map(|l| l.params).sum(),
        layers.iter().filter(|l| l.params > 0).count(),
    ))
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use crate::catalogue::{self, Family};
    use crate::layers;

    /// Every layer the checker accepts can be shaped and trained, and every kind that can be trained
    /// is in the catalogue (so it is checked and documented).
    #[test]
    fn the_layer_kinds_are_the_catalogues_layers() {
        let kinds: BTreeSet<&str> = layers::KINDS.iter().map(|k| k.name()).collect();
        let catalogue: BTreeSet<&str> = catalogue::names(Family::Layer).collect();
        assert_eq!(kinds, catalogue);
    }
}

//! Where an AutoHAS search stands, as the study's store keeps it after every epoch: the epochs
//! done, the controller, each epoch's record, how the search ended, and the super-network's
//! tensors — one safetensors blob with the rest as JSON in its header — so that a killed run
//! resumes at the last finished epoch and draws exactly what an uninterrupted one would.

use std::collections::HashMap;

use candle_core::{Device, Tensor};
use serde::{Deserialize, Serialize};

use super::controller::Controller;
use super::search::EpochRecord;
use super::supernet::SuperNet;

/// The store's key for the search's state (among the study's strategy and sampler states).
pub const KEY: &str = "autohas";
/// The header entry holding [`SearchState`].
const HEADER: &str = "hps.autohas";

/// Everything but the tensors.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SearchState {
    /// Super-network epochs finished.
    pub epochs: u32,
    /// The controller after them.
    pub controller: Controller,
    /// One record per finished epoch.
    pub history: Vec<EpochRecord>,
    /// Why the search ended before its epochs (a divergence), when it did.
    pub ended: Option<String>,
}

/// The state and the super-network's tensors as one blob.
///
/// # Errors
/// When the tensors cannot be read or encoded.
pub fn encode(state: &SearchState, net: &SuperNet) -> Result<Vec<u8>, String> {
    let header =
        serde_json::to_string(state).map_err(|e| format!("cannot encode the search: {e}"))?;
    let tensors = net.state().map_err(|e| e.to_string())?;
    safetensors::tensor::serialize(
        tensors.iter().map(|(n, t)| (n.as_str(), t)),
        Some(HashMap::from([(HEADER.to_owned(), header)])),
    )
    .map_err(|e| format!("cannot encode the super-network: {e}"))
}

/// The state in a blob written by [`encode`], without its tensors.
///
/// # Errors
/// When the blob is not an AutoHAS state.
pub fn decode_state(bytes: &[u8]) -> Result<SearchState, String> {
    let broken =
        |why: &dyn std::fmt::Display| format!("the stored AutoHAS search is unreadable: {why}");
    let (_, metadata) = safetensors::SafeTensors::read_metadata(bytes).map_err(|e| broken(&e))?;
    let header = metadata
        .metadata()
        .as_ref()
        .and_then(|m| m.get(HEADER))
        .ok_or_else(|| broken(&"it has no header"))?;
    serde_json::from_str(header).map_err(|e| broken(&e))
}

/// The state and the tensors in a blob written by [`encode`].
///
/// # Errors
/// When the blob is not an AutoHAS state.
pub fn decode(
    bytes: &[u8],
    device: &Device,
) -> Result<(SearchState, HashMap<String, Tensor>), String> {
    let state = decode_state(bytes)?;
    let tensors = candle_core::safetensors::load_buffer(bytes, device)
        .map_err(|e| format!("the stored AutoHAS search is unreadable: {e}"))?;
    Ok((state, tensors))
}

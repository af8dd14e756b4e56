//! Encoding v2 batches to bytes.

/// Why a batch cannot be encoded.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum EncodeError {}

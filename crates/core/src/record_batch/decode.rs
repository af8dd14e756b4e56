//! Decoding v2 batches from bytes.

/// What is wrong with bytes that do not decode as a v2 batch.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DecodeError {}

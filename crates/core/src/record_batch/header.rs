//! The fixed 61-byte batch header.

/// The fixed part of a v2 batch.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BatchHeader {}

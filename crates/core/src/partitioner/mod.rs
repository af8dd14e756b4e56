//! Partitioner (being written).

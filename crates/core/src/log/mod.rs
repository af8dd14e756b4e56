//! Partition log (being written).

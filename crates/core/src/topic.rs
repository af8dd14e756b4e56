//! Topic names and configs (being written).

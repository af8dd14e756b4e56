//! # samsa-broker
//!
//! A native TCP broker speaking the Kafka wire protocol over `samsa-core`, so that real Kafka clients can
//! drive the same logic the simulator and the playground run. The protocol driver arrives with the
//! "Native broker" issue; today this crate only pins its place in the workspace and its dependency on the
//! core's `std` build.

pub use samsa_core as core;

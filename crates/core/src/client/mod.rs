//! Client-side logic as sans-IO nodes: the producer and consumer the simulator's workloads drive.
//!
//! Map: [`events`] (what clients report: acks, failures, records consumed).

pub mod events;

pub use events::ClientEvent;

//! The simulation as the playground runs it: live, driven by commands, with rewind and forks.
//!
//! - [`protocol`] — the serde messages between the page and the worker that runs the simulation.

pub mod protocol;

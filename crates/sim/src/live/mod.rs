//! The simulation as the playground runs it: live, driven by commands, with rewind and forks.
//!
//! - [`protocol`] — the serde messages between the page and the worker that runs the simulation.
//! - [`LiveSession`] — commands in, views out: runs the current branch, rewinds by restoring a
//!   checkpoint and replaying the branch's actions, forks a new branch when a person acts in the past.
//! - [`observe`] — [`Observers`]: what the views accumulate from the trace (live checker, charts,
//!   timeline).
//! - [`view`] — [`build_view`]: the [`protocol::LiveView`] of a simulation at one moment.

pub mod observe;
pub mod protocol;
mod session;
pub mod view;

pub use observe::Observers;
pub use session::{
    LiveSession, CHECKPOINT_INTERVAL_MS, MAX_BRANCHES, MAX_CHECKPOINTS_PER_BRANCH, MAX_LATENCY_MS,
    MAX_PENDING_TRACE_EVENTS, MAX_PRODUCE_RATE_PER_SEC, MAX_SEEK_STEPS, MAX_STEPS_PER_COMMAND,
};
pub use view::{branch_counts, build_view};

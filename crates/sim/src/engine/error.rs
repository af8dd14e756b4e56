//! Why a simulation stopped: [`SimError`].

use std::fmt;

use samsa_core::node::NodeId;

use crate::clock::ClockError;
use crate::network::NetworkError;
use crate::trace::TraceError;

/// Why the simulation stopped with an error.
#[derive(Debug)]
pub enum SimError {
    /// The trace could not be written.
    Trace(TraceError),
    /// A network setting was invalid.
    Network(NetworkError),
    /// The virtual clock refused to move.
    Clock(ClockError),
    /// Two nodes with the same id were added.
    DuplicateNode(NodeId),
    /// [`super::Simulation::checkpoint`] cannot copy this simulation.
    NotClonable {
        /// What cannot be copied.
        reason: &'static str,
    },
    /// [`super::Simulation::advance_clock_to`] would pass a step that is due earlier.
    StepDue {
        /// The time asked for.
        t_ms: u64,
        /// When the next step is due.
        next_ms: u64,
    },
    /// The live session could not go on (a rewind found nothing to restore, a logged action did not
    /// resolve): a bug in the session, reported rather than a panic.
    Live(String),
    /// More than `max_steps` steps: a livelock.
    StepLimit {
        /// The bound.
        max_steps: u64,
        /// Virtual time when it was hit.
        t_ms: u64,
    },
}

impl fmt::Display for SimError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SimError::Trace(e) => e.fmt(f),
            SimError::Network(e) => write!(f, "network: {e}"),
            SimError::Clock(e) => e.fmt(f),
            SimError::DuplicateNode(id) => write!(f, "node {id} added twice"),
            SimError::Live(reason) => write!(f, "live session: {reason}"),
            SimError::NotClonable { reason } => write!(f, "cannot checkpoint the simulation: {reason}"),
            SimError::StepDue { t_ms, next_ms } => {
                write!(f, "cannot move the clock to {t_ms} ms: a step is due at {next_ms} ms")
            }
            SimError::StepLimit { max_steps, t_ms } => {
                write!(f, "step limit of {max_steps} reached at {t_ms} ms: livelock?")
            }
        }
    }
}

impl std::error::Error for SimError {}

impl From<TraceError> for SimError {
    fn from(e: TraceError) -> Self {
        SimError::Trace(e)
    }
}
impl From<NetworkError> for SimError {
    fn from(e: NetworkError) -> Self {
        SimError::Network(e)
    }
}
impl From<ClockError> for SimError {
    fn from(e: ClockError) -> Self {
        SimError::Clock(e)
    }
}

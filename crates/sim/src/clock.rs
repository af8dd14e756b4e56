//! The simulator's clock: virtual milliseconds that move only when the simulation says so.
//!
//! samsa-core takes time as `now_ms: u64` arguments; this clock is where those numbers come from in a
//! simulation. Nothing here reads the host's clock, so a run is the same however fast the machine is.

use core::fmt;

/// Virtual time in milliseconds since the start of the simulation. Never goes backwards.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct VirtualClock {
    now_ms: u64,
}

/// Why the clock refused to move.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ClockError {
    /// `advance_to` was asked for a time before now; time in a simulation is monotonic, as the
    /// broker's `Time.milliseconds()` is assumed to be for timeouts.
    Backwards {
        /// The clock's time.
        now_ms: u64,
        /// The earlier time asked for.
        target_ms: u64,
    },
    /// `advance_ms` would pass `u64::MAX` milliseconds.
    Overflow {
        /// The clock's time.
        now_ms: u64,
        /// The step asked for.
        delta_ms: u64,
    },
}

impl VirtualClock {
    /// A clock at 0 ms.
    pub fn new() -> Self {
        VirtualClock { now_ms: 0 }
    }

    /// A clock at `now_ms`, e.g. to start a scenario at a realistic epoch time.
    pub fn starting_at(now_ms: u64) -> Self {
        VirtualClock { now_ms }
    }

    /// The current virtual time.
    pub fn now_ms(&self) -> u64 {
        self.now_ms
    }

    /// Moves time forward by `delta_ms` and returns the new time.
    pub fn advance_ms(&mut self, delta_ms: u64) -> Result<u64, ClockError> {
        let now_ms = self.now_ms;
        self.now_ms = now_ms.checked_add(delta_ms).ok_or(ClockError::Overflow { now_ms, delta_ms })?;
        Ok(self.now_ms)
    }

    /// Moves time forward to `target_ms` (staying put if it is now) and returns the new time.
    pub fn advance_to(&mut self, target_ms: u64) -> Result<u64, ClockError> {
        if target_ms < self.now_ms {
            return Err(ClockError::Backwards { now_ms: self.now_ms, target_ms });
        }
        self.now_ms = target_ms;
        Ok(self.now_ms)
    }
}

impl fmt::Display for ClockError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            ClockError::Backwards { now_ms, target_ms } => {
                write!(f, "virtual clock cannot go backwards from {now_ms} ms to {target_ms} ms")
            }
            ClockError::Overflow { now_ms, delta_ms } => {
                write!(f, "virtual clock overflow: {now_ms} ms + {delta_ms} ms exceeds u64::MAX")
            }
        }
    }
}

impl std::error::Error for ClockError {}

#[cfg(test)]
mod tests {
    use super::{ClockError, VirtualClock};

    #[test]
    fn starts_at_zero_and_advances() {
        let mut clock = VirtualClock::new();
        assert_eq!(clock.now_ms(), 0);
        assert_eq!(clock.advance_ms(250), Ok(250));
        assert_eq!(clock.advance_ms(0), Ok(250));
        assert_eq!(clock.advance_to(1_000), Ok(1_000));
        assert_eq!(clock.advance_to(1_000), Ok(1_000));
        assert_eq!(clock.now_ms(), 1_000);
        assert_eq!(VirtualClock::starting_at(1_700_000_000_000).now_ms(), 1_700_000_000_000);
    }

    #[test]
    fn refuses_to_go_backwards() {
        let mut clock = VirtualClock::starting_at(500);
        let err = clock.advance_to(499).unwrap_err();
        assert_eq!(err, ClockError::Backwards { now_ms: 500, target_ms: 499 });
        assert_eq!(err.to_string(), "virtual clock cannot go backwards from 500 ms to 499 ms");
        assert_eq!(clock.now_ms(), 500, "a refused move leaves the clock where it was");
    }

    #[test]
    fn refuses_to_overflow() {
        let mut clock = VirtualClock::starting_at(u64::MAX - 1);
        assert_eq!(clock.advance_ms(1), Ok(u64::MAX));
        let err = clock.advance_ms(1).unwrap_err();
        assert_eq!(err, ClockError::Overflow { now_ms: u64::MAX, delta_ms: 1 });
        assert_eq!(clock.now_ms(), u64::MAX);
    }
}

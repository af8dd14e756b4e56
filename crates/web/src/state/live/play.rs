//! The play loop's pacing: how much virtual time to ask for on each animation frame.
//!
//! The page, and only the page, reads the wall clock: while playing, each frame adds the wall time
//! since the previous frame to what is owed, and when no command is in flight the model asks the
//! worker for `owed × speed` virtual milliseconds. A slow worker therefore makes the simulation
//! take bigger steps rather than fall behind by a growing queue (there is never more than one
//! command in flight).

use samsa_sim::live::protocol::MAX_ADVANCE_MS;

/// The speeds the time bar offers, slowest first (virtual ms per wall ms).
pub const SPEEDS: [f64; 8] = [0.1, 0.5, 1.0, 2.0, 5.0, 10.0, 100.0, 1000.0];
/// Index of 1× in [`SPEEDS`]: the page starts in real time.
pub const DEFAULT_SPEED_INDEX: usize = 2;
/// Most wall time one frame counts: a background tab gets no frames for a while, and coming back
/// should not ask for the whole gap at once.
pub const MAX_FRAME_GAP_MS: f64 = 250.0;

/// The wall-clock bookkeeping of the play loop.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct PlayClock {
    last_frame_ms: Option<f64>,
    owed_wall_ms: f64,
}

impl PlayClock {
    /// Forget the previous frame and anything owed (on play, pause and seek).
    pub fn reset(&mut self) {
        *self = Self::default();
    }

    /// Wall time owed so far, in milliseconds.
    pub fn owed_wall_ms(&self) -> f64 {
        self.owed_wall_ms
    }

    /// One animation frame at wall time `now_ms` (`performance.now()`). Returns the virtual
    /// milliseconds to ask for when `can_send` (nothing in flight) and at least one is owed; the
    /// request never exceeds [`MAX_ADVANCE_MS`] and the part above it is dropped, not queued.
    pub fn on_frame(&mut self, now_ms: f64, speed: f64, can_send: bool) -> Option<u64> {
        let gap_ms = self.last_frame_ms.map_or(0.0, |last| (now_ms - last).clamp(0.0, MAX_FRAME_GAP_MS));
        self.last_frame_ms = Some(now_ms);
        if !(speed.is_finite() && speed > 0.0) {
            return None;
        }
        let max_owed_ms = MAX_ADVANCE_MS as f64 / speed;
        self.owed_wall_ms = (self.owed_wall_ms + gap_ms).min(max_owed_ms);
        if !can_send {
            return None;
        }
        let virtual_ms = (self.owed_wall_ms * speed).floor();
        if virtual_ms < 1.0 {
            return None;
        }
        // The fraction below one virtual millisecond stays owed (it matters at 0.1×).
        self.owed_wall_ms = (self.owed_wall_ms - virtual_ms / speed).max(0.0);
        // In range: 1 ≤ virtual_ms ≤ MAX_ADVANCE_MS by the clamp above.
        Some(virtual_ms as u64)
    }
}

/// A speed as the time bar prints it: `0.1×`, `1×`, `1000×`.
pub fn speed_label(speed: f64) -> String {
    format!("{speed}×")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_frame_asks_for_wall_time_times_speed() {
        let mut clock = PlayClock::default();
        assert_eq!(clock.on_frame(1000.0, 2.0, true), None, "the first frame only starts the clock");
        assert_eq!(clock.on_frame(1016.0, 2.0, true), Some(32));
        assert_eq!(clock.on_frame(1032.5, 1000.0, true), Some(16_500));
    }

    #[test]
    fn wall_time_accumulates_while_a_command_is_in_flight() {
        let mut clock = PlayClock::default();
        clock.on_frame(0.0, 1.0, true);
        assert_eq!(clock.on_frame(16.0, 1.0, false), None);
        assert_eq!(clock.on_frame(32.0, 1.0, false), None);
        assert_eq!(clock.on_frame(48.0, 1.0, true), Some(48));
        assert_eq!(clock.owed_wall_ms(), 0.0);
    }

    #[test]
    fn slow_speeds_carry_the_fraction_and_big_ones_are_capped() {
        let mut clock = PlayClock::default();
        clock.on_frame(0.0, 0.1, true);
        assert_eq!(clock.on_frame(16.0, 0.1, true), Some(1), "1.6 virtual ms: one now");
        assert!((clock.owed_wall_ms() - 6.0).abs() < 1e-9, "0.6 virtual ms stays owed");
        let mut fast = PlayClock::default();
        fast.on_frame(0.0, 1000.0, false);
        for frame in 1..=20 {
            fast.on_frame(f64::from(frame) * 200.0, 1000.0, false);
        }
        assert_eq!(fast.on_frame(4016.0, 1000.0, true), Some(MAX_ADVANCE_MS));
    }

    #[test]
    fn a_long_gap_between_frames_counts_as_at_most_the_cap() {
        let mut clock = PlayClock::default();
        clock.on_frame(0.0, 1.0, true);
        assert_eq!(clock.on_frame(60_000.0, 1.0, true), Some(MAX_FRAME_GAP_MS as u64));
        clock.reset();
        assert_eq!(clock.on_frame(70_000.0, 1.0, true), None);
    }

    #[test]
    fn labels() {
        let labels: Vec<String> = SPEEDS.iter().map(|s| speed_label(*s)).collect();
        assert_eq!(labels, ["0.1×", "0.5×", "1×", "2×", "5×", "10×", "100×", "1000×"]);
    }
}

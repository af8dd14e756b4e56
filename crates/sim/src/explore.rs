//! Randomised fault schedules for `samsa-sim explore`: drawn from the run's fault RNG (forked from the
//! seed), so `samsa-sim run SCENARIO --seed N --explore` reproduces exactly the schedule seed N got.
//!
//! Every fault is undone inside the fault window (crashed brokers restart, cut links heal, paused nodes
//! resume), a `heal-all` closes the window, and a quiet period follows so the cluster can converge
//! before the checker looks at it (TigerBeetle's VOPR does the same: faults, then a liveness phase).

use samsa_core::node::{BrokerId, NodeId};

use crate::engine::{Fault, Target};
use crate::rng::SimRng;

/// Most random faults one seed gets.
pub const MAX_EXPLORE_FAULTS: u64 = 4;
/// Longest quiet period at the end of a run.
pub const MAX_QUIET_MS: u64 = 30_000;
/// Longest a random fault lasts.
pub const MAX_FAULT_MS: u64 = 10_000;

/// The quiet period for a run of `duration_ms`: half the run, at most [`MAX_QUIET_MS`].
pub fn quiet_ms(duration_ms: u64) -> u64 {
    (duration_ms / 2).min(MAX_QUIET_MS)
}

fn broker(rng: &mut SimRng, brokers: &[BrokerId]) -> Option<NodeId> {
    let index = rng.below(brokers.len() as u64) as usize;
    brokers.get(index).map(|&b| NodeId::Broker(b))
}

/// Draws 1 to [`MAX_EXPLORE_FAULTS`] faults (each with its undo) inside `[0, duration - quiet)`.
pub fn random_faults(rng: &mut SimRng, brokers: &[BrokerId], duration_ms: u64) -> Vec<(u64, Fault)> {
    let window_end_ms = duration_ms - quiet_ms(duration_ms);
    let mut faults = Vec::new();
    if brokers.is_empty() || window_end_ms < 2 {
        return faults;
    }
    let count = 1 + rng.below(MAX_EXPLORE_FAULTS);
    for _ in 0..count {
        let start_ms = rng.below(window_end_ms - 1);
        let length_ms = 1 + rng.below(MAX_FAULT_MS.min(window_end_ms - start_ms - 1));
        let end_ms = start_ms + length_ms;
        let kind = rng.below(5);
        let Some(node) = broker(rng, brokers) else { continue };
        match kind {
            0 => {
                let power_loss = rng.chance(0.3);
                faults.push((start_ms, Fault::Crash { node: Target::Node(node), power_loss }));
                faults.push((end_ms, Fault::Restart { node: Target::Node(node) }));
            }
            1 => {
                // The other end: another broker, or the controller.
                let peer = match broker(rng, brokers) {
                    Some(peer) if peer != node => peer,
                    _ => NodeId::Controller,
                };
                faults.push((start_ms, Fault::Cut { a: Target::Node(node), b: Target::Node(peer) }));
                faults.push((end_ms, Fault::Heal { a: Target::Node(node), b: Target::Node(peer) }));
            }
            2 => {
                faults.push((start_ms, Fault::Isolate { node: Target::Node(node) }));
                faults.push((end_ms, Fault::Rejoin { node: Target::Node(node) }));
            }
            3 => faults.push((start_ms, Fault::Pause { node: Target::Node(node), duration_ms: length_ms })),
            _ => faults.push((start_ms, Fault::ControllerFailover { pause_ms: length_ms.min(3_000) })),
        }
    }
    faults.push((window_end_ms, Fault::HealAll));
    faults
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_seed_same_schedule_and_everything_undone_before_the_quiet_period() {
        let brokers = [1, 2, 3];
        for seed in 0..200 {
            let schedule = random_faults(&mut SimRng::new(seed), &brokers, 60_000);
            assert_eq!(schedule, random_faults(&mut SimRng::new(seed), &brokers, 60_000), "seed {seed}");
            let window_end_ms = 60_000 - quiet_ms(60_000);
            assert!(schedule.iter().all(|(t, _)| *t <= window_end_ms), "seed {seed}: {schedule:?}");
            assert_eq!(schedule.last(), Some(&(window_end_ms, Fault::HealAll)));
            let crashes = schedule.iter().filter(|(_, f)| matches!(f, Fault::Crash { .. })).count();
            let restarts = schedule.iter().filter(|(_, f)| matches!(f, Fault::Restart { .. })).count();
            assert_eq!(crashes, restarts, "seed {seed}: every crash is restarted");
        }
        assert_ne!(
            random_faults(&mut SimRng::new(1), &brokers, 60_000),
            random_faults(&mut SimRng::new(2), &brokers, 60_000)
        );
    }

    #[test]
    fn tiny_runs_get_no_faults() {
        assert!(random_faults(&mut SimRng::new(1), &[1], 2).is_empty());
        assert!(random_faults(&mut SimRng::new(1), &[], 60_000).is_empty());
    }
}

//! Branches and moments: a branch is an action log plus the furthest moment it reached; a checkpoint
//! is a copy of the simulation at a moment of one branch, usable by every branch whose history passes
//! through that moment.

use crate::engine::Simulation;
use crate::live::observe::Observers;
use crate::live::protocol::{BranchCounts, UserAction};

use super::CHECKPOINT_INTERVAL_MS;

/// A moment of one history: steps taken, virtual time, logged actions applied. Along one history all
/// three only grow, so moments of one history compare lexicographically.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(super) struct Moment {
    /// Steps taken.
    pub steps: u64,
    /// Virtual time.
    pub t_ms: u64,
    /// The branch's logged actions applied so far.
    pub applied: usize,
}

/// An action as logged: applied after step `step`, with the clock at `t_ms`.
#[derive(Clone, Debug, PartialEq)]
pub(super) struct LoggedAction {
    /// Steps taken when it was applied.
    pub step: u64,
    /// Virtual time when it was applied.
    pub t_ms: u64,
    /// What was done.
    pub action: UserAction,
}

/// One branch of the session.
#[derive(Debug)]
pub(super) struct Branch {
    /// Its id (its index in the session).
    pub id: u32,
    /// `A`, `B`, …
    pub label: String,
    /// The branch it forked from (an index).
    pub parent: Option<usize>,
    /// The parent's moment it forked at (before its own first action).
    pub fork: Option<Moment>,
    /// Every action of its history, the parent's up to the fork included, in order.
    pub actions: Vec<LoggedAction>,
    /// The furthest moment it reached.
    pub frontier: Moment,
    /// The checker's counts at the frontier.
    pub counts: BranchCounts,
    /// Virtual time between its checkpoints (doubles when thinned).
    pub checkpoint_interval_ms: u64,
    /// When it next takes a checkpoint, once it runs that far past its frontier.
    pub next_checkpoint_ms: u64,
}

impl Branch {
    /// The original run, at time 0.
    pub fn root() -> Branch {
        Branch {
            id: 0,
            label: label(0),
            parent: None,
            fork: None,
            actions: Vec::new(),
            frontier: Moment { steps: 0, t_ms: 0, applied: 0 },
            counts: BranchCounts::default(),
            checkpoint_interval_ms: CHECKPOINT_INTERVAL_MS,
            next_checkpoint_ms: 0,
        }
    }

    /// A branch leaving `parent` at `at` with the parent's `actions` up to there.
    pub fn fork(
        id: u32,
        parent: usize,
        at: Moment,
        actions: Vec<LoggedAction>,
        counts: BranchCounts,
    ) -> Branch {
        Branch {
            id,
            label: label(id),
            parent: Some(parent),
            fork: Some(at),
            actions,
            frontier: at,
            counts,
            checkpoint_interval_ms: CHECKPOINT_INTERVAL_MS,
            next_checkpoint_ms: next_multiple(at.t_ms, CHECKPOINT_INTERVAL_MS),
        }
    }
}

/// `A` for 0, `B` for 1, … (`Z` and beyond are numbered; far past [`super::MAX_BRANCHES`]).
fn label(id: u32) -> String {
    match u8::try_from(id) {
        Ok(n) if n < 26 => char::from(b'A' + n).to_string(),
        _ => format!("#{id}"),
    }
}

/// The first multiple of `interval_ms` after `t_ms`.
pub(super) fn next_multiple(t_ms: u64, interval_ms: u64) -> u64 {
    let interval_ms = interval_ms.max(1);
    (t_ms / interval_ms).saturating_add(1).saturating_mul(interval_ms)
}

/// A copy of the simulation and its observers at a moment of a branch.
pub(super) struct Checkpoint {
    /// The branch (index) it was taken on.
    pub branch: usize,
    /// When.
    pub at: Moment,
    /// The simulation then (its trace drained).
    pub sim: Simulation,
    /// The observers then.
    pub observers: Observers,
}

/// The checkpoint to restore to reach `t_ms` on branch `index`: the latest one at or before `t_ms`
/// that lies on the branch's history — the branch's own, or an ancestor's taken no later than every
/// fork point between that ancestor and the branch.
pub(super) fn best_checkpoint(
    branches: &[Branch],
    checkpoints: &[Checkpoint],
    index: usize,
    t_ms: u64,
) -> Option<usize> {
    let mut best: Option<(Moment, usize)> = None;
    let mut bound: Option<Moment> = None;
    let mut on = Some(index);
    while let Some(b) = on {
        for (i, c) in checkpoints.iter().enumerate() {
            let on_history = c.branch == b && bound.is_none_or(|limit| c.at <= limit);
            if on_history && c.at.t_ms <= t_ms && best.is_none_or(|(m, _)| c.at > m) {
                best = Some((c.at, i));
            }
        }
        let branch = branches.get(b)?;
        if let Some(fork) = branch.fork {
            bound = Some(bound.map_or(fork, |limit| limit.min(fork)));
        }
        on = branch.parent;
    }
    best.map(|(_, i)| i)
}

/// Drops every other checkpoint of branch `index` (keeping its oldest) when it holds more than `max`,
/// and doubles its interval, so its checkpoints stay bounded and spread over its whole length.
pub(super) fn thin(checkpoints: &mut Vec<Checkpoint>, branch: &mut Branch, index: usize, max: usize) {
    let own = checkpoints.iter().filter(|c| c.branch == index).count();
    if own <= max {
        return;
    }
    let mut nth = 0;
    checkpoints.retain(|c| {
        if c.branch != index {
            return true;
        }
        nth += 1;
        nth % 2 == 1
    });
    branch.checkpoint_interval_ms = branch.checkpoint_interval_ms.saturating_mul(2);
}

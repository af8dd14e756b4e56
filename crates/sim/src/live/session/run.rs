//! Running the current branch forward: steps, the branch's logged actions at their moments, the
//! frontier, checkpoints, and every trace event fed to the observers in order.

use crate::engine::SimError;

use super::branch::{best_checkpoint, next_multiple, thin, Checkpoint};
use super::{act, LiveSession, MAX_CHECKPOINTS_PER_BRANCH, MAX_SEEK_STEPS};

impl LiveSession {
    /// Runs to `target_ms` (applying the branch's logged actions at their moments), taking at most
    /// `max_steps` steps; when the bound is hit, time stops where the steps did.
    pub(super) fn run_to(&mut self, target_ms: u64, max_steps: u64) -> Result<(), SimError> {
        let mut budget = max_steps;
        loop {
            if self.apply_due_action(target_ms)? {
                continue;
            }
            match self.sim.next_step_ms() {
                Some(next_ms) if next_ms <= target_ms => {
                    if budget == 0 {
                        return Ok(());
                    }
                    budget -= 1;
                    self.sim.step()?;
                    self.after_progress()?;
                }
                _ => break,
            }
        }
        if target_ms > self.sim.now_ms() {
            self.sim.advance_clock_to(target_ms)?;
            self.after_progress()?;
        }
        Ok(())
    }

    /// One step (after the logged action due before it, if any).
    pub(super) fn step_one(&mut self) -> Result<(), SimError> {
        self.apply_due_action(u64::MAX)?;
        if self.sim.step()? {
            self.after_progress()?;
        }
        Ok(())
    }

    /// Goes to `t_ms` of the current branch: forward from here when that is on the way, else from the
    /// best checkpoint.
    pub(super) fn go_to(&mut self, t_ms: u64) -> Result<(), SimError> {
        let here = self.moment();
        let best = best_checkpoint(&self.branches, &self.checkpoints, self.current, t_ms)
            .and_then(|i| self.checkpoints.get(i))
            .map(|c| c.at);
        let forward_from_here = here.t_ms <= t_ms && best.is_none_or(|at| at <= here);
        if !forward_from_here {
            self.restore(t_ms)?;
        }
        self.run_to(t_ms, MAX_SEEK_STEPS)
    }

    /// Restores the best checkpoint on the current branch's history at or before `t_ms`.
    pub(super) fn restore(&mut self, t_ms: u64) -> Result<(), SimError> {
        let index = best_checkpoint(&self.branches, &self.checkpoints, self.current, t_ms)
            .ok_or(SimError::Live("no checkpoint on this branch's history".to_owned()))?;
        let checkpoint = &self.checkpoints[index];
        self.sim = checkpoint.sim.checkpoint()?;
        self.observers = checkpoint.observers.clone();
        self.applied = checkpoint.at.applied;
        Ok(())
    }

    /// Applies the branch's next logged action if it is due now: after exactly the step it followed,
    /// at a time no later than `limit_ms`. Returns whether it did.
    fn apply_due_action(&mut self, limit_ms: u64) -> Result<bool, SimError> {
        let Some(logged) = self.branches[self.current].actions.get(self.applied) else {
            return Ok(false);
        };
        if logged.step > self.sim.steps() || logged.t_ms > limit_ms {
            return Ok(false);
        }
        let (t_ms, action) = (logged.t_ms, logged.action.clone());
        if t_ms > self.sim.now_ms() {
            self.sim.advance_clock_to(t_ms)?;
        }
        act::apply(&mut self.sim, &self.scenario, &action)?;
        self.applied += 1;
        self.after_progress()?;
        Ok(true)
    }

    /// After the simulation moved: feed the observers, and past the frontier, move it and take a
    /// checkpoint when one is due.
    fn after_progress(&mut self) -> Result<(), SimError> {
        self.drain();
        let now = self.moment();
        let branch = &mut self.branches[self.current];
        if now <= branch.frontier || self.applied < branch.actions.len() {
            return Ok(());
        }
        branch.frontier = now;
        if now.t_ms >= branch.next_checkpoint_ms {
            self.take_checkpoint()?;
        }
        Ok(())
    }

    /// Keeps a copy of the simulation and observers now, for the current branch.
    pub(super) fn take_checkpoint(&mut self) -> Result<(), SimError> {
        let at = self.moment();
        let sim = self.sim.checkpoint()?;
        self.checkpoints.push(Checkpoint {
            branch: self.current,
            at,
            sim,
            observers: self.observers.clone(),
        });
        let branch = &mut self.branches[self.current];
        thin(&mut self.checkpoints, branch, self.current, MAX_CHECKPOINTS_PER_BRANCH);
        branch.next_checkpoint_ms = next_multiple(at.t_ms, branch.checkpoint_interval_ms);
        Ok(())
    }

    /// Feeds every trace event since the last drain to the observers, in order.
    pub(super) fn drain(&mut self) {
        for event in self.sim.trace_mut().drain() {
            self.observers.observe(&event);
        }
    }
}

//! Copies of a running simulation, and moving its clock between steps: what the live playground
//! needs to rewind (restore a copy, then replay a person's actions at the very moments they were
//! taken).

use super::{SimError, Simulation, Slot};

impl Slot {
    /// A deep copy (see [`crate::sim_node::SimNode::clone_box`]).
    fn clone_slot(&self) -> Slot {
        match self {
            Slot::Up { node, next_tick_ms } => {
                Slot::Up { node: node.clone_box(), next_tick_ms: *next_tick_ms }
            }
            Slot::Paused { node, fail_over, held } => {
                Slot::Paused { node: node.clone_box(), fail_over: *fail_over, held: held.clone() }
            }
            Slot::Down(dormant) => Slot::Down(dormant.clone_box()),
        }
    }
}

impl Simulation {
    /// A deep copy that continues exactly as this simulation would: the same nodes, schedule, network
    /// queue, RNG states, workloads, counts and trace hash state, so stepping both gives the same
    /// trace. Refused when an observer is set or the trace writes to a writer (neither can be copied).
    pub fn checkpoint(&self) -> Result<Simulation, SimError> {
        if self.observer.is_some() {
            return Err(SimError::NotClonable { reason: "an observer is set" });
        }
        let trace =
            self.trace.try_clone().ok_or(SimError::NotClonable { reason: "the trace writes to a writer" })?;
        Ok(Simulation {
            clock: self.clock,
            step: self.step,
            max_steps: self.max_steps,
            seed: self.seed,
            nodes: self.nodes.iter().map(|(&id, slot)| (id, slot.clone_slot())).collect(),
            ticks: self.ticks.clone(),
            network: self.network.clone(),
            schedule: self.schedule.clone(),
            next_seq: self.next_seq,
            workloads: self.workloads.clone(),
            workload_rng: self.workload_rng.clone(),
            fault_rng: self.fault_rng.clone(),
            next_record_id: self.next_record_id,
            trace,
            stats: self.stats.clone(),
            observer: None,
        })
    }

    /// Moves the clock to `t_ms` without taking a step (a person acting between two steps, after the
    /// clock ran to a moment where nothing was due). Refused when a step is due before `t_ms`, since
    /// it would then run late, or when `t_ms` is in the past.
    pub fn advance_clock_to(&mut self, t_ms: u64) -> Result<(), SimError> {
        if let Some(next_ms) = self.next_step_ms() {
            if next_ms < t_ms {
                return Err(SimError::StepDue { t_ms, next_ms });
            }
        }
        self.clock.advance_to(t_ms)?;
        Ok(())
    }
}

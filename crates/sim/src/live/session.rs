//! The live session: one scenario, a tree of branches, the current branch's simulation running.
//!
//! Rewind is checkpoint + deterministic replay. While a branch runs past the furthest moment it has
//! reached (its *frontier*), a copy of the simulation and its observers is kept every
//! [`CHECKPOINT_INTERVAL_MS`] of virtual time. Every action a person takes is logged with the moment
//! it was applied — `(steps taken, virtual time)` — so going to any moment restores the latest
//! checkpoint at or before it and runs forward, applying the logged actions at exactly the moments
//! they were first applied: the same seed and the same actions at the same moments give the same
//! trace, byte for byte (see [`Simulation::checkpoint`] and [`Simulation::advance_clock_to`]).
//!
//! Acting at a moment before the frontier **forks**: a new branch whose log is the old branch's actions
//! up to now plus this one. The old branch keeps its log, checkpoints and counts, so the page can
//! compare what the checker counted on each.
//!
//! - [`branch`] — branches, moments, and which checkpoints lie on a branch's history.
//! - [`run`] — running forward: steps, logged actions, frontier and checkpoints.
//! - [`act`] — a person's [`UserAction`] checked against the scenario and applied.

mod act;
mod branch;
mod run;

use crate::cluster;
use crate::engine::{SimConfig, Simulation};
use crate::live::observe::Observers;
use crate::live::protocol::{
    BranchView, Command, LiveView, PartitionRef, Update, UserAction, MAX_ADVANCE_MS,
};
use crate::live::view::{branch_counts, build_view};
use crate::scenario::Scenario;
use crate::trace::Trace;

use act::Refusal;
use branch::{Branch, Checkpoint, Moment};

/// Virtual time between two checkpoints of a branch running past its frontier (a rewind replays at
/// most this much, until thinning doubles it).
pub const CHECKPOINT_INTERVAL_MS: u64 = 5_000;
/// Most checkpoints one branch keeps; one more drops every other one and doubles the branch's interval,
/// so a long session keeps a bounded number of copies spread over its whole length.
pub const MAX_CHECKPOINTS_PER_BRANCH: usize = 24;
/// Most branches a session holds (the original run and the forks).
pub const MAX_BRANCHES: usize = 8;
/// Most steps one command may take: a 1000× Advance stops early (time then stops where the steps
/// did), so the worker always answers within a bounded time.
pub const MAX_STEPS_PER_COMMAND: u64 = 300_000;
/// Most steps one Seek or SwitchBranch may replay (beyond a checkpoint interval's worth at any rate).
pub const MAX_SEEK_STEPS: u64 = 20_000_000;
/// Most trace events held between two drains (the session drains after every step).
pub const MAX_PENDING_TRACE_EVENTS: usize = 100_000;
/// Highest latency a person may set, per link or for all: a minute (more would stall every request
/// beyond any Kafka timeout anyway).
pub const MAX_LATENCY_MS: u64 = 60_000;
/// Highest workload rate a person may set.
pub const MAX_PRODUCE_RATE_PER_SEC: u32 = 100_000;

/// The playground's simulation: commands in, views out (see the module docs).
pub struct LiveSession {
    scenario: Scenario,
    sim: Simulation,
    observers: Observers,
    focus: Option<PartitionRef>,
    branches: Vec<Branch>,
    checkpoints: Vec<Checkpoint>,
    current: usize,
    /// How many of the current branch's logged actions `sim` has applied.
    applied: usize,
}

impl std::fmt::Debug for LiveSession {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LiveSession")
            .field("scenario", &self.scenario.name)
            .field("sim", &self.sim)
            .field("branches", &self.branches.len())
            .field("current", &self.current)
            .finish()
    }
}

impl LiveSession {
    /// Parses and builds; the error is the scenario error text (field path + line).
    pub fn load(scenario_toml: &str, seed: Option<u64>) -> Result<LiveSession, String> {
        let scenario = Scenario::parse(scenario_toml).map_err(|e| e.to_string())?;
        let seed = seed.unwrap_or(scenario.seed);
        let config = SimConfig { network: scenario.network.clone(), ..SimConfig::new(seed, &scenario.name) };
        let trace = Trace::draining(MAX_PENDING_TRACE_EVENTS);
        let sim = cluster::build(&scenario, config, trace).map_err(|e| e.to_string())?;
        let observers = Observers::new(&scenario);
        let mut session = LiveSession {
            scenario,
            sim,
            observers,
            focus: None,
            branches: vec![Branch::root()],
            checkpoints: Vec::new(),
            current: 0,
            applied: 0,
        };
        session.drain();
        session.branches[0].counts = branch_counts(&session.observers);
        session.take_checkpoint().map_err(|e| e.to_string())?;
        Ok(session)
    }

    /// Executes one command and answers it ([`Command::Load`] replaces the session on success and
    /// answers [`Update::LoadFailed`], keeping the old one, on failure). Never panics on any input.
    pub fn handle(&mut self, command: Command) -> Update {
        let result = match command {
            Command::Load { scenario_toml, seed } => match LiveSession::load(&scenario_toml, seed) {
                Ok(session) => {
                    *self = session;
                    Ok(())
                }
                Err(message) => return Update::LoadFailed { message },
            },
            Command::Advance { virtual_ms } => self.advance(virtual_ms),
            Command::Step => self.step(),
            Command::Seek { t_ms } => self.seek(t_ms),
            Command::Act { action } => self.act(action),
            Command::SwitchBranch { branch } => self.switch_branch(branch),
            Command::Focus { partition } => self.set_focus(partition),
        };
        match result {
            Ok(()) => {
                let view = self.view();
                // The live counts that need the logs are computed while a view is built, so a branch
                // at its frontier keeps the counts of the view just built.
                if self.at_frontier() {
                    self.branches[self.current].counts = view.branches[self.current].checker;
                }
                Update::View(Box::new(view))
            }
            Err(refusal) => Update::Refused { field: refusal.field, message: refusal.message },
        }
    }

    /// The current view.
    pub fn view(&self) -> LiveView {
        let mut view = build_view(&self.sim, &self.scenario, &self.observers, self.focus.as_ref());
        view.time.furthest_ms = self.branch().frontier.t_ms;
        view.branches = self.branches.iter().map(|b| self.branch_view(b)).collect();
        if self.at_frontier() {
            view.branches[self.current].checker = branch_counts(&self.observers);
        }
        view.current_branch = self.branches[self.current].id;
        view
    }

    /// The simulation now (for tests and benches: its trace hash, its cluster).
    pub fn simulation(&self) -> &Simulation {
        &self.sim
    }

    /// The current branch's id.
    pub fn current_branch(&self) -> u32 {
        self.branch().id
    }

    fn branch(&self) -> &Branch {
        &self.branches[self.current]
    }

    fn branch_view(&self, branch: &Branch) -> BranchView {
        let forked_from = branch.parent.zip(branch.fork).map(|(p, at)| (self.branches[p].id, at.t_ms));
        BranchView {
            id: branch.id,
            label: branch.label.clone(),
            forked_from,
            furthest_ms: branch.frontier.t_ms,
            actions: branch.actions.iter().map(|a| act::describe(a.t_ms, &a.action)).collect(),
            checker: branch.counts,
        }
    }

    fn advance(&mut self, virtual_ms: u64) -> Result<(), Refusal> {
        if virtual_ms > MAX_ADVANCE_MS {
            return Err(Refusal::new(
                "virtual_ms",
                format!("at most {MAX_ADVANCE_MS} ms per advance, got {virtual_ms}"),
            ));
        }
        let target_ms = self.sim.now_ms().saturating_add(virtual_ms);
        self.run_to(target_ms, MAX_STEPS_PER_COMMAND).map_err(Refusal::sim)?;
        Ok(())
    }

    fn step(&mut self) -> Result<(), Refusal> {
        self.step_one().map_err(Refusal::sim)?;
        Ok(())
    }

    fn seek(&mut self, t_ms: u64) -> Result<(), Refusal> {
        let furthest_ms = self.branch().frontier.t_ms;
        if t_ms > furthest_ms {
            return Err(Refusal::new(
                "t_ms",
                format!("{t_ms} ms is past this branch's furthest moment ({furthest_ms} ms)"),
            ));
        }
        self.go_to(t_ms).map_err(Refusal::sim)?;
        Ok(())
    }

    fn switch_branch(&mut self, branch: u32) -> Result<(), Refusal> {
        let Some(index) = self.branches.iter().position(|b| b.id == branch) else {
            return Err(Refusal::new("branch", format!("no branch {branch}")));
        };
        let t_ms = self.sim.now_ms().min(self.branches[index].frontier.t_ms);
        self.current = index;
        // The simulation now belongs to another branch's history: start from a checkpoint of this one.
        self.restore(t_ms).map_err(Refusal::sim)?;
        self.run_to(t_ms, MAX_SEEK_STEPS).map_err(Refusal::sim)?;
        Ok(())
    }

    fn set_focus(&mut self, partition: Option<PartitionRef>) -> Result<(), Refusal> {
        if let Some(p) = &partition {
            let known = self
                .scenario
                .topics
                .iter()
                .any(|t| t.name == p.topic && (0..t.partitions).contains(&p.partition));
            if !known {
                return Err(Refusal::new(
                    "partition",
                    format!("no partition {}-{} in this scenario", p.topic, p.partition),
                ));
            }
        }
        self.focus = partition;
        Ok(())
    }

    fn act(&mut self, action: UserAction) -> Result<(), Refusal> {
        act::validate(&self.sim, &self.scenario, &action)?;
        if !self.at_frontier() {
            self.fork()?;
        }
        let at = self.moment();
        act::apply(&mut self.sim, &self.scenario, &action).map_err(Refusal::sim)?;
        self.drain();
        let branch = &mut self.branches[self.current];
        branch.actions.push(branch::LoggedAction { step: at.steps, t_ms: at.t_ms, action });
        self.applied += 1;
        self.branches[self.current].frontier = self.moment();
        Ok(())
    }

    /// A new branch from the current moment, made current; the old one keeps everything it had.
    fn fork(&mut self) -> Result<(), Refusal> {
        if self.branches.len() >= MAX_BRANCHES {
            return Err(Refusal::new(
                "branch",
                format!("at most {MAX_BRANCHES} branches; this action would start another"),
            ));
        }
        let at = self.moment();
        let parent = &self.branches[self.current];
        let actions = parent.actions[..self.applied].to_vec();
        let id = self.branches.len() as u32;
        let branch = Branch::fork(id, self.current, at, actions, branch_counts(&self.observers));
        self.branches.push(branch);
        self.current = self.branches.len() - 1;
        Ok(())
    }

    /// Where the simulation is now, on the current branch.
    fn moment(&self) -> Moment {
        Moment { steps: self.sim.steps(), t_ms: self.sim.now_ms(), applied: self.applied }
    }

    /// Whether the simulation stands at its branch's frontier (acting here extends the branch).
    fn at_frontier(&self) -> bool {
        self.moment() >= self.branch().frontier && self.applied == self.branch().actions.len()
    }
}

//! One run of a scenario, start to verdict: build the cluster, stream the trace into the checker, run
//! to `duration_ms`, read the final state, and compare the report with the scenario's `[expect]`.

use std::cell::RefCell;
use std::fmt;
use std::rc::Rc;

use crate::checker::{Checker, CheckerConfig, FinalStateError, Report};
use crate::cluster::{build, final_state, BuildError};
use crate::engine::{SimConfig, SimError};
use crate::explore::random_faults;
use crate::scenario::{evaluate, Scenario};
use crate::stats::RunStats;
use crate::trace::Trace;

/// How to run.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RunOptions {
    /// The seed.
    pub seed: u64,
    /// Add the seed's randomised fault schedule.
    pub explore: bool,
}

/// What a run found.
#[derive(Debug)]
pub struct RunOutcome {
    /// Counts from the trace.
    pub stats: RunStats,
    /// The checker's verdict.
    pub report: Report,
    /// Differences from the scenario's expectations (empty: the run is as expected).
    pub problems: Vec<String>,
    /// FNV-1a 64 of the trace, 16 hex digits.
    pub trace_hash: String,
    /// Trace events recorded.
    pub trace_events: u64,
    /// Virtual time simulated.
    pub duration_ms: u64,
    /// Steps taken.
    pub steps: u64,
    /// Consumer groups at the end, with their lag.
    pub groups: Vec<crate::group_summary::GroupSummary>,
}

impl RunOutcome {
    /// Whether the run showed what the scenario expects, and nothing it does not.
    pub fn passed(&self) -> bool {
        self.problems.is_empty()
    }
}

/// Why a run could not complete.
#[derive(Debug)]
pub enum RunError {
    /// The cluster could not be built.
    Build(BuildError),
    /// The engine stopped.
    Sim(SimError),
    /// The final state could not be read for the checker.
    FinalState(FinalStateError),
}

impl fmt::Display for RunError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RunError::Build(e) => e.fmt(f),
            RunError::Sim(e) => e.fmt(f),
            RunError::FinalState(e) => write!(f, "final state: {e}"),
        }
    }
}

impl std::error::Error for RunError {}

/// The command that reproduces a run.
pub fn reproduce_command(scenario_path: &str, options: RunOptions) -> String {
    let explore = if options.explore { " --explore" } else { "" };
    format!("samsa-sim run {scenario_path} --seed {}{explore}", options.seed)
}

/// Runs `scenario` with `options`, recording into `trace`.
pub fn run(scenario: &Scenario, options: RunOptions, trace: Trace) -> Result<RunOutcome, RunError> {
    let config = SimConfig {
        explore: options.explore,
        network: scenario.network.clone(),
        ..SimConfig::new(options.seed, &scenario.name)
    };
    let mut sim = build(scenario, config, trace).map_err(RunError::Build)?;
    if options.explore {
        for (at_ms, fault) in random_faults(sim.fault_rng(), &scenario.brokers, scenario.duration_ms) {
            sim.schedule_fault(at_ms, fault);
        }
    }
    let checker = Rc::new(RefCell::new(Checker::new(CheckerConfig::for_scenario(scenario))));
    let observer = Rc::clone(&checker);
    sim.set_observer(Box::new(move |event| observer.borrow_mut().observe(event)));
    sim.run_until(scenario.duration_ms).map_err(RunError::Sim)?;
    sim.finish().map_err(RunError::Sim)?;
    let state = final_state(&sim).map_err(RunError::FinalState)?;
    let groups = crate::group_summary::group_summaries(&sim, &state);
    // The engine still holds the observer's handle; take the checker out of the shared cell.
    let checker = checker.replace(Checker::default());
    let report = checker.finish(&state);
    let stats = sim.stats().clone();
    let problems = evaluate(&scenario.expect, &report, &stats, options.explore);
    Ok(RunOutcome {
        problems,
        report,
        stats,
        trace_hash: sim.trace().hash_hex(),
        trace_events: sim.trace().recorded(),
        duration_ms: sim.now_ms(),
        steps: sim.steps(),
        groups,
    })
}

//! `samsa-sim`: run a scenario with a seed, or explore many seeds with randomised faults.
//!
//! Exit codes: 0 the run(s) showed what the scenario expects; 1 a run broke an expectation or the
//! checker found a violation the scenario does not expect (the reproduce command is printed); 2 the
//! scenario file (or the command line) is bad.

use std::fs::File;
use std::io::BufWriter;
use std::ops::RangeInclusive;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;

use clap::{Parser, Subcommand};
use samsa_sim::runner::{reproduce_command, run, RunOptions, RunOutcome};
use samsa_sim::scenario::Scenario;
use samsa_sim::summary::{group_lines, partition_lines, producer_lines};
use samsa_sim::Trace;

/// Most seeds one `explore` runs: a bound on the command's work and on its result table.
const MAX_EXPLORE_SEEDS: u64 = 1_000_000;
/// Most violations printed in a run's summary (the report keeps more).
const MAX_PRINTED_VIOLATIONS: usize = 10;

#[derive(Parser)]
#[command(
    name = "samsa-sim",
    version,
    about = "Deterministic simulator of a samsa (Kafka-semantics) cluster"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run one scenario with one seed and print what happened.
    Run {
        /// The scenario file (TOML, see scenarios/README.md).
        scenario: PathBuf,
        /// The seed (default: the scenario's `seed`).
        #[arg(long)]
        seed: Option<u64>,
        /// Write the trace as JSON Lines to this file.
        #[arg(long)]
        trace: Option<PathBuf>,
        /// Add the seed's randomised fault schedule, exactly as `explore` drew it.
        #[arg(long)]
        explore: bool,
    },
    /// Run many seeds, each with the scenario's faults plus a randomised fault schedule.
    Explore {
        /// The scenario file.
        scenario: PathBuf,
        /// Seeds: `A..B` (B excluded) or `A..=B`.
        #[arg(long)]
        seeds: String,
        /// Runs in parallel.
        #[arg(long, default_value_t = 1)]
        jobs: usize,
    },
}

fn load(path: &PathBuf) -> Result<Scenario, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    Scenario::parse(&text).map_err(|e| format!("{}: {e}", path.display()))
}

fn parse_seeds(text: &str) -> Result<RangeInclusive<u64>, String> {
    let bad = || format!("--seeds {text}: expected A..B or A..=B");
    let (start, end, inclusive) = match text.split_once("..=") {
        Some((a, b)) => (a, b, true),
        None => text.split_once("..").map(|(a, b)| (a, b, false)).ok_or_else(bad)?,
    };
    let start: u64 = start.trim().parse().map_err(|_| bad())?;
    let end: u64 = end.trim().parse().map_err(|_| bad())?;
    let last = if inclusive { end } else { end.checked_sub(1).ok_or_else(bad)? };
    if last < start {
        return Err(format!("--seeds {text}: empty range"));
    }
    if last - start >= MAX_EXPLORE_SEEDS {
        return Err(format!("--seeds {text}: at most {MAX_EXPLORE_SEEDS} seeds per explore"));
    }
    Ok(start..=last)
}

fn print_counts(label: &str, counts: &std::collections::BTreeMap<String, u64>) -> String {
    let total: u64 = counts.values().sum();
    if counts.is_empty() {
        return format!("{label} 0");
    }
    let parts: Vec<String> = counts.iter().map(|(name, n)| format!("{name}: {n}")).collect();
    format!("{label} {total} ({})", parts.join(", "))
}

fn print_summary(scenario: &Scenario, options: RunOptions, path: &str, outcome: &RunOutcome) {
    let s = &outcome.stats;
    let r = &outcome.report;
    println!(
        "scenario {} (seed {}{})",
        scenario.name,
        options.seed,
        if options.explore { ", explore" } else { "" }
    );
    println!("virtual duration: {} ms in {} steps", outcome.duration_ms, outcome.steps);
    println!(
        "records: sent {}, acked {}, {}, {}, consumed {}",
        s.records_sent,
        s.records_acked,
        print_counts("failed", &s.records_failed),
        print_counts("rejected", &s.records_rejected),
        s.records_consumed
    );
    println!(
        "acked-then-lost: {}, duplicated: {}, reordered: {}",
        r.acked_lost, r.duplicated, r.records_reordered
    );
    if r.records_acked_without_offset > 0 {
        println!(
            "acks=0: {} records reported sent without an offset, {} of them missing from the final log",
            r.records_acked_without_offset, r.unacknowledged_lost
        );
    }
    if s.batches_sent > 0 || s.producer_ids_assigned > 0 {
        println!(
            "batches: sent {} (retried {}), duplicate batches answered by leaders {}, producer ids assigned {} \
             (epoch bumps {})",
            s.batches_sent,
            s.batches_retried,
            s.duplicate_batches,
            s.producer_ids_assigned,
            s.producer_epochs_bumped
        );
    }
    for line in producer_lines(scenario, s).into_iter().chain(partition_lines(s)) {
        println!("{line}");
    }
    for line in group_lines(&outcome.groups, s, outcome.duration_ms) {
        println!("{line}");
    }
    if r.records_processed > 0 || r.records_skipped > 0 || r.lost_to_retention > 0 {
        println!(
            "group processing: {} processed, {} reprocessed, {} skipped (committed, never processed), {} lost to \
             retention",
            r.records_processed, r.records_reprocessed, r.records_skipped, r.lost_to_retention
        );
    }
    if r.transactions_committed > 0 || r.transactions_aborted > 0 {
        println!(
            "transactions: {} committed, {} aborted (as their producers saw them end)",
            r.transactions_committed, r.transactions_aborted
        );
    }
    for pipeline in &r.pipelines {
        println!("{pipeline}");
    }
    println!(
        "messages: sent {}, delivered {}, duplicated {}, {}",
        s.messages_sent,
        s.messages_delivered,
        s.messages_duplicated,
        print_counts("dropped", &s.messages_dropped)
    );
    println!(
        "leader elections: {} ({} unclean), truncations: {}, crashes: {}",
        s.leader_elections, s.unclean_elections, s.truncations, s.crashes
    );
    if r.violations_explained > 0 {
        println!("violations: {} ({} with a known cause)", r.violation_count(), r.violations_explained);
    } else {
        println!("violations: {}", r.violation_count());
    }
    for violation in r.violations.iter().take(MAX_PRINTED_VIOLATIONS) {
        println!("  {violation}");
    }
    println!("trace: {} events, hash {}", outcome.trace_events, outcome.trace_hash);
    if outcome.passed() {
        println!("result: as expected");
    } else {
        println!("result: NOT as expected");
        for problem in &outcome.problems {
            println!("  {problem}");
        }
        println!("reproduce: {}", reproduce_command(path, options));
    }
}

fn run_command(path: PathBuf, seed: Option<u64>, trace: Option<PathBuf>, explore: bool) -> ExitCode {
    let scenario = match load(&path) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(2);
        }
    };
    let options = RunOptions { seed: seed.unwrap_or(scenario.seed), explore };
    let recorder = match &trace {
        Some(file) => match File::create(file) {
            Ok(f) => Trace::hash_only().with_writer(Box::new(BufWriter::new(f))),
            Err(e) => {
                eprintln!("error: {}: {e}", file.display());
                return ExitCode::from(2);
            }
        },
        None => Trace::hash_only(),
    };
    let shown = path.display().to_string();
    match run(&scenario, options, recorder) {
        Ok(outcome) => {
            print_summary(&scenario, options, &shown, &outcome);
            if outcome.passed() {
                ExitCode::SUCCESS
            } else {
                ExitCode::from(1)
            }
        }
        Err(e) => {
            eprintln!("error: {e}");
            eprintln!("reproduce: {}", reproduce_command(&shown, options));
            ExitCode::from(1)
        }
    }
}

/// One seed's verdict in explore: `None` passed, `Some(why)` failed.
fn explore_one(scenario: &Scenario, seed: u64) -> Option<String> {
    match run(scenario, RunOptions { seed, explore: true }, Trace::counter_only()) {
        Ok(outcome) if outcome.passed() => None,
        Ok(outcome) => Some(outcome.problems.join("; ")),
        Err(e) => Some(e.to_string()),
    }
}

fn explore_command(path: PathBuf, seeds: &str, jobs: usize) -> ExitCode {
    let scenario = match load(&path) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(2);
        }
    };
    let seeds = match parse_seeds(seeds) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(2);
        }
    };
    let (first, last) = (*seeds.start(), *seeds.end());
    let next = AtomicU64::new(first);
    let results: Mutex<Vec<(u64, Option<String>)>> = Mutex::new(Vec::new());
    std::thread::scope(|scope| {
        for _ in 0..jobs.clamp(1, 64) {
            scope.spawn(|| loop {
                let seed = next.fetch_add(1, Ordering::Relaxed);
                if seed > last {
                    break;
                }
                let verdict = explore_one(&scenario, seed);
                if let Ok(mut results) = results.lock() {
                    results.push((seed, verdict));
                }
            });
        }
    });
    let mut results = results.into_inner().unwrap_or_else(|poisoned| poisoned.into_inner());
    // Threads finish in any order; the report is in seed order so it is the same for any --jobs.
    results.sort_by_key(|(seed, _)| *seed);
    let shown = path.display().to_string();
    let mut failed = 0;
    for (seed, verdict) in &results {
        if let Some(why) = verdict {
            failed += 1;
            println!("seed {seed} FAILED: {why}");
            println!("  reproduce: {}", reproduce_command(&shown, RunOptions { seed: *seed, explore: true }));
        }
    }
    println!("{} passed, {failed} failed", results.len() - failed);
    if failed == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    }
}

fn main() -> ExitCode {
    match Cli::parse().command {
        Command::Run { scenario, seed, trace, explore } => run_command(scenario, seed, trace, explore),
        Command::Explore { scenario, seeds, jobs } => explore_command(scenario, &seeds, jobs),
    }
}

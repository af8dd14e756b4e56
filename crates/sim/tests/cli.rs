//! The `samsa-sim` binary's contract: exit codes, the summary, the trace file, reproduce commands.

use std::path::PathBuf;
use std::process::{Command, Output};

const BIN: &str = env!("CARGO_BIN_EXE_samsa-sim");

fn basic() -> String {
    concat!(env!("CARGO_MANIFEST_DIR"), "/../../scenarios/basic.toml").to_owned()
}

fn sim(args: &[&str]) -> Output {
    Command::new(BIN).args(args).output().expect("run samsa-sim")
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// A scratch file unique to this test process.
fn scratch(name: &str, text: &str) -> PathBuf {
    let path = std::env::temp_dir().join(format!("samsa-sim-cli-{}-{name}", std::process::id()));
    std::fs::write(&path, text).unwrap();
    path
}

fn hash_line(text: &str) -> String {
    text.lines().find(|l| l.starts_with("trace: ")).unwrap_or_default().to_owned()
}

#[test]
fn run_prints_a_summary_and_exits_0_when_as_expected() {
    let output = sim(&["run", &basic(), "--seed", "1"]);
    let out = stdout(&output);
    assert_eq!(output.status.code(), Some(0), "{out}{}", stderr(&output));
    for expected in [
        "scenario basic (seed 1)",
        "records: sent ",
        "acked-then-lost: 0",
        "violations: 0",
        "result: as expected",
    ] {
        assert!(out.contains(expected), "missing `{expected}` in:\n{out}");
    }
    assert!(hash_line(&out).contains(" hash "), "{out}");
}

#[test]
fn same_seed_same_hash_across_processes_and_trace_file_matches_it() {
    let trace = std::env::temp_dir().join(format!("samsa-sim-cli-{}-trace.jsonl", std::process::id()));
    let trace_arg = trace.to_str().unwrap();
    let first = stdout(&sim(&["run", &basic(), "--seed", "3", "--trace", trace_arg]));
    let second = stdout(&sim(&["run", &basic(), "--seed", "3"]));
    let other = stdout(&sim(&["run", &basic(), "--seed", "4"]));
    assert_eq!(
        hash_line(&first),
        hash_line(&second),
        "reproduce: samsa-sim run scenarios/basic.toml --seed 3"
    );
    assert_ne!(hash_line(&first), hash_line(&other));
    let bytes = std::fs::read(&trace).unwrap();
    let mut hash = samsa_sim::trace::Fnv1a64::new();
    hash.update(&bytes);
    assert!(hash_line(&first).ends_with(&format!("hash {:016x}", hash.value())), "{first}");
    let events = samsa_sim::trace::read_jsonl(&bytes[..]).unwrap();
    assert!(hash_line(&first).starts_with(&format!("trace: {} events", events.len())));
    assert!(matches!(events[0].kind, samsa_sim::TraceKind::RunStarted { seed: 3, .. }));
    std::fs::remove_file(trace).ok();
}

#[test]
fn unmet_expectation_exits_1_with_the_reproduce_command() {
    let text =
        std::fs::read_to_string(basic()).unwrap().replace("acked_lost = \"none\"", "acked_lost = \"some\"");
    let path = scratch("unmet.toml", &text);
    let output = sim(&["run", path.to_str().unwrap(), "--seed", "2"]);
    let out = stdout(&output);
    assert_eq!(output.status.code(), Some(1), "{out}");
    assert!(out.contains("expected acked_lost = \"some\", found none"), "{out}");
    assert!(out.contains(&format!("reproduce: samsa-sim run {} --seed 2", path.display())), "{out}");
    std::fs::remove_file(path).ok();
}

#[test]
fn bad_scenario_exits_2_naming_field_and_line() {
    let text = std::fs::read_to_string(basic()).unwrap().replace("acks = \"all\"", "acks = \"2\"");
    let line = text.lines().position(|l| l.starts_with("acks = ")).unwrap() + 1;
    let path = scratch("bad.toml", &text);
    let output = sim(&["run", path.to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(2));
    let err = stderr(&output);
    assert!(
        err.contains(&format!(
            "producers[0].config[\"acks\"] (line {line}): Invalid value 2 for configuration acks: String must be one of"
        )),
        "{err}"
    );
    let missing = sim(&["run", "/nonexistent/scenario.toml"]);
    assert_eq!(missing.status.code(), Some(2));
    std::fs::remove_file(path).ok();
}

#[test]
fn explore_reports_every_seed_and_a_total() {
    let output = sim(&["explore", &basic(), "--seeds", "10..13", "--jobs", "2"]);
    let out = stdout(&output);
    let last = out.lines().last().unwrap_or_default().to_owned();
    let (passed, failed) = last.split_once(" passed, ").unwrap_or_else(|| panic!("{out}"));
    let passed: u64 = passed.parse().unwrap();
    let failed: u64 = failed.trim_end_matches(" failed").parse().unwrap();
    assert_eq!(passed + failed, 3, "{out}");
    assert_eq!(output.status.code(), Some(if failed == 0 { 0 } else { 1 }), "{out}");
    assert_eq!(out.matches("reproduce: samsa-sim run ").count() as u64, failed, "{out}");
    let bad = sim(&["explore", &basic(), "--seeds", "5..5"]);
    assert_eq!(bad.status.code(), Some(2));
}

#[test]
fn run_explore_reproduces_the_explored_schedule() {
    let a = stdout(&sim(&["run", &basic(), "--seed", "11", "--explore"]));
    let b = stdout(&sim(&["run", &basic(), "--seed", "11", "--explore"]));
    let plain = stdout(&sim(&["run", &basic(), "--seed", "11"]));
    assert_eq!(hash_line(&a), hash_line(&b));
    assert_ne!(hash_line(&a), hash_line(&plain), "--explore adds faults");
    assert!(a.contains("(seed 11, explore)"), "{a}");
}

/// The summary's producer part: per producer its configs, batches, requests, records per batch, ack
/// latency and idempotence; per partition its records and rate, the hottest marked — the same bytes
/// for the same seed.
#[test]
fn run_summarises_each_producer_and_each_partition_deterministically() {
    let scenario = concat!(env!("CARGO_MANIFEST_DIR"), "/../../scenarios/hot-key-skew.toml");
    let output = sim(&["run", scenario, "--seed", "2"]);
    let out = stdout(&output);
    assert_eq!(output.status.code(), Some(0), "{out}{}", stderr(&output));
    for expected in [
        "producers:",
        "  client-1: acks=all, linger.ms=",
        "records/batch",
        "ack latency: mean ",
        ", p99 ",
        "idempotent: ",
        "partitions (records appended by leaders):",
        "  clicks/3: ",
        "records/s",
        "<- hottest",
    ] {
        assert!(out.contains(expected), "missing `{expected}` in:\n{out}");
    }
    assert_eq!(out.matches("<- hottest").count(), 1, "{out}");
    assert_eq!(out, stdout(&sim(&["run", scenario, "--seed", "2"])), "same seed, same summary");
}

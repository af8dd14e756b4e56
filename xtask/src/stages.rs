//! The stages of `cargo xtask test`, each counted, and the final `N passed, N failed` line.
//!
//! A stage that runs tests contributes the number of tests it ran (parsed from libtest's `test result:`
//! lines, or Playwright's JSON report); a stage that is a single check (fmt, clippy, a build) counts as one.
//! A stage whose command fails without reporting a failed test (e.g. a compile error) counts one failure.
//! Every stage always runs, so one red stage does not hide another.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use crate::cmd::{path_with, run, run_captured};
use crate::{serve, tools};

/// One stage: its name (for `--only`) and what it proves.
const STAGES: &[(&str, &str)] = &[
    ("fmt", "cargo fmt --check over the workspace"),
    ("clippy", "clippy -D warnings (workspace natively, samsa-web for wasm32) and rustdoc -D warnings"),
    ("test", "native unit, property, integration and doc tests; benches run once in test mode"),
    ("explore", "samsa-sim explore (release): the safe scenarios over 1,000 seeds each with random faults"),
    ("no_std", "samsa-core without default features for thumbv7em-none-eabihf (no std)"),
    ("wasm", "samsa-core's and samsa-sim's tests compiled to wasm32 and run in headless Chromium"),
    ("trunk", "release build of the playground with Trunk (offline, pinned wasm-bindgen and wasm-opt)"),
    ("e2e", "Playwright driving Debian's Chromium against the built playground"),
    ("broker", "samsa-broker with real clients: kafka-python, librdkafka (confluent-kafka, kcat), kafkajs"),
];

/// Prints the stage names and what each one does.
pub fn list() {
    for (name, what) in STAGES {
        println!("{name:8} {what}");
    }
}

#[derive(Default)]
struct Tally {
    passed: u64,
    failed: u64,
}

struct Outcome {
    name: &'static str,
    tally: Tally,
    seconds: f64,
    error: Option<String>,
}

/// Installs what is missing, runs the selected stages (all by default), prints the summary.
pub fn run_all(root: &Path, only: &[String]) -> Result<(), String> {
    for name in only {
        if !STAGES.iter().any(|(n, _)| n == name) {
            return Err(format!("unknown stage `{name}` (see `cargo xtask test --list`)"));
        }
    }
    let selected = |name: &str| only.is_empty() || only.iter().any(|o| o == name);
    if let Err(e) = tools::ensure_test_tools(root) {
        println!("\ninstalling the tools failed: {e}");
        println!("0 passed, 1 failed");
        return Err("tools could not be installed".into());
    }
    let mut outcomes = Vec::new();
    for (name, what) in STAGES {
        if !selected(name) {
            continue;
        }
        println!("\n== {name}: {what}");
        let started = Instant::now();
        let result = run_stage(root, name);
        let seconds = started.elapsed().as_secs_f64();
        let (tally, error) = match result {
            Ok(t) => (t, None),
            Err((t, e)) => (t, Some(e)),
        };
        outcomes.push(Outcome { name, tally, seconds, error });
    }
    summarize(&outcomes)
}

type StageResult = Result<Tally, (Tally, String)>;

fn run_stage(root: &Path, name: &str) -> StageResult {
    match name {
        "fmt" => single(run(Command::new("cargo").args(["fmt", "--all", "--check"]).current_dir(root))),
        "clippy" => clippy(root),
        "test" => native_tests(root),
        "no_std" => single(run(Command::new("cargo")
            .args(["build", "-p", "samsa-core", "--no-default-features", "--target", "thumbv7em-none-eabihf"])
            .current_dir(root))),
        "explore" => explore(root),
        "wasm" => wasm_tests(root),
        "trunk" => single(trunk_build(root)),
        "e2e" => e2e(root),
        "broker" => match crate::broker::stage(root) {
            Ok((passed, 0)) if passed > 0 => Ok(Tally { passed, failed: 0 }),
            Ok((passed, failed)) => {
                Err((Tally { passed, failed: failed.max(1) }, "broker client checks failed".into()))
            }
            Err(e) => Err((Tally { passed: 0, failed: 1 }, e)),
        },
        _ => Err((Tally::default(), format!("no stage named {name}"))),
    }
}

fn single(result: Result<(), String>) -> StageResult {
    match result {
        Ok(()) => Ok(Tally { passed: 1, failed: 0 }),
        Err(e) => Err((Tally { passed: 0, failed: 1 }, e)),
    }
}

fn clippy(root: &Path) -> StageResult {
    let native = run(Command::new("cargo")
        .args(["clippy", "--workspace", "--all-targets", "--", "-D", "warnings"])
        .current_dir(root));
    let wasm = run(Command::new("cargo")
        .args(["clippy", "-p", "samsa-web", "--target", "wasm32-unknown-unknown", "--", "-D", "warnings"])
        .current_dir(root));
    // Every public item is documented; rustdoc also refuses broken or private intra-doc links.
    let docs = run(Command::new("cargo")
        .args(["doc", "--workspace", "--no-deps"])
        .env("RUSTDOCFLAGS", "-D warnings")
        .current_dir(root));
    let mut tally = Tally::default();
    let mut errors = Vec::new();
    for r in [native, wasm, docs] {
        match r {
            Ok(()) => tally.passed += 1,
            Err(e) => {
                tally.failed += 1;
                errors.push(e);
            }
        }
    }
    if errors.is_empty() {
        Ok(tally)
    } else {
        Err((tally, errors.join("; ")))
    }
}

/// Sums libtest's `test result: ok. 12 passed; 0 failed; …` lines (wasm-bindgen-test prints the same).
fn count_libtest(output: &str) -> Tally {
    let mut tally = Tally::default();
    for line in output.lines() {
        let Some(rest) = line.trim().strip_prefix("test result: ") else { continue };
        for part in rest.split(';') {
            let words: Vec<&str> = part.split_whitespace().collect();
            // "ok. 12 passed" / "FAILED. 3 passed" / "1 failed"
            if let [.., n, kind] = words.as_slice() {
                if let Ok(n) = n.parse::<u64>() {
                    match *kind {
                        "passed" => tally.passed += n,
                        "failed" => tally.failed += n,
                        _ => {}
                    }
                }
            }
        }
    }
    tally
}

fn counted(result: Result<(bool, String), String>, what: &str) -> StageResult {
    match result {
        Ok((true, out)) => Ok(count_libtest(&out)),
        Ok((false, out)) => {
            let mut tally = count_libtest(&out);
            if tally.failed == 0 {
                tally.failed = 1; // it failed before any test could (e.g. a compile error)
            }
            Err((tally, format!("{what} failed")))
        }
        Err(e) => Err((Tally { passed: 0, failed: 1 }, e)),
    }
}

fn native_tests(root: &Path) -> StageResult {
    let all_targets = counted(
        run_captured(Command::new("cargo").args(["test", "--workspace", "--all-targets"]).current_dir(root)),
        "cargo test --workspace --all-targets",
    );
    let doc = counted(
        run_captured(Command::new("cargo").args(["test", "--workspace", "--doc"]).current_dir(root)),
        "cargo test --workspace --doc",
    );
    merge(all_targets, doc)
}

fn merge(a: StageResult, b: StageResult) -> StageResult {
    let (ta, ea) = split(a);
    let (tb, eb) = split(b);
    let tally = Tally { passed: ta.passed + tb.passed, failed: ta.failed + tb.failed };
    match (ea, eb) {
        (None, None) => Ok(tally),
        (Some(e), None) | (None, Some(e)) => Err((tally, e)),
        (Some(e1), Some(e2)) => Err((tally, format!("{e1}; {e2}"))),
    }
}

fn split(r: StageResult) -> (Tally, Option<String>) {
    match r {
        Ok(t) => (t, None),
        Err((t, e)) => (t, Some(e)),
    }
}

/// Scenarios whose configs Kafka promises are safe: `explore` must find no violation in any seed.
const SAFE_SCENARIOS: &[&str] = &[
    "scenarios/acks-all-min-isr-2.toml",
    "scenarios/exactly-once-pipeline.toml",
    "scenarios/follower-truncation.toml",
    "scenarios/idempotent-duplicating-network.toml",
    "scenarios/idempotent-retries.toml",
    "scenarios/network-partition.toml",
    "scenarios/read-committed-vs-uncommitted.toml",
    "scenarios/unclean-election-disabled.toml",
];
/// Seeds per safe scenario (issue: at least 1,000).
const EXPLORE_SEEDS: &str = "0..1000";

/// Sums the plain `N passed, N failed` closing lines of `samsa-sim explore`.
fn count_plain(output: &str) -> Tally {
    let mut tally = Tally::default();
    for line in output.lines() {
        let words: Vec<&str> = line.split_whitespace().collect();
        if let [passed, "passed,", failed, "failed", ..] = words.as_slice() {
            if let (Ok(p), Ok(f)) = (passed.parse::<u64>(), failed.parse::<u64>()) {
                tally.passed += p;
                tally.failed += f;
            }
        }
    }
    tally
}

fn explore(root: &Path) -> StageResult {
    let build = run(Command::new("cargo")
        .args(["build", "--release", "-p", "samsa-sim", "--bin", "samsa-sim"])
        .current_dir(root));
    if let Err(e) = build {
        return Err((Tally { passed: 0, failed: 1 }, e));
    }
    let binary = root.join("target/release/samsa-sim");
    let mut total = Tally::default();
    let mut errors = Vec::new();
    for scenario in SAFE_SCENARIOS {
        let result = run_captured(
            Command::new(&binary)
                .args(["explore", scenario, "--seeds", EXPLORE_SEEDS, "--jobs", "2"])
                .current_dir(root),
        );
        match result {
            Ok((ok, out)) => {
                let t = count_plain(&out);
                if !ok || t.passed == 0 {
                    errors.push(format!("explore {scenario} failed"));
                    if t.failed == 0 {
                        total.failed += 1;
                    }
                }
                total.passed += t.passed;
                total.failed += t.failed;
            }
            Err(e) => {
                total.failed += 1;
                errors.push(e);
            }
        }
    }
    if errors.is_empty() {
        Ok(total)
    } else {
        Err((total, errors.join("; ")))
    }
}

/// samsa-core's tests and samsa-sim's determinism test, each compiled to wasm32 and run in Chromium.
fn wasm_tests(root: &Path) -> StageResult {
    let browser_test = |args: &[&str], what: &str| {
        counted(
            run_captured(
                Command::new("cargo")
                    .arg("test")
                    .args(args)
                    .args(["--target", "wasm32-unknown-unknown", "--test", "wasm_browser"])
                    .current_dir(root)
                    .env("PATH", path_with(&[cargo_bin_dir()]))
                    .env("CHROMEDRIVER", "/usr/bin/chromedriver")
                    .env("WASM_BINDGEN_TEST_TIMEOUT", "120"),
            ),
            what,
        )
    };
    let core = browser_test(&["-p", "samsa-core"], "samsa-core wasm tests in headless Chromium");
    // Without the default `cli` feature (clap) the simulator library builds for the browser.
    let sim = browser_test(
        &["-p", "samsa-sim", "--no-default-features"],
        "samsa-sim wasm tests in headless Chromium",
    );
    merge(core, sim)
}

fn cargo_bin_dir() -> PathBuf {
    match std::env::var("CARGO_HOME") {
        Ok(h) => PathBuf::from(h).join("bin"),
        Err(_) => PathBuf::from(std::env::var("HOME").unwrap_or_else(|_| "/root".into())).join(".cargo/bin"),
    }
}

/// `trunk build --release` with npm's wasm-opt (binaryen) first on PATH; output in dist/.
pub fn trunk_build(root: &Path) -> Result<(), String> {
    println!("== building the playground (trunk build --release)");
    run(Command::new("trunk")
        .args(["build", "--release"])
        .current_dir(root)
        .env("PATH", path_with(&[root.join("web/node_modules/.bin"), cargo_bin_dir()])))
}

fn e2e(root: &Path) -> StageResult {
    let dist = root.join("dist");
    if !dist.join("index.html").exists() {
        return Err((
            Tally { passed: 0, failed: 1 },
            "dist/index.html is missing: the trunk stage must pass first".into(),
        ));
    }
    let server = serve::spawn(&dist).map_err(|e| (Tally { passed: 0, failed: 1 }, e))?;
    let artifacts = root.join("target/e2e-artifacts");
    let _ = std::fs::create_dir_all(&artifacts);
    let report = artifacts.join("results.json");
    let _ = std::fs::remove_file(&report);
    let e2e_dir = root.join("tests/e2e");
    let result = run(Command::new("npx")
        .args(["playwright", "test", "--reporter=list,json"])
        .current_dir(&e2e_dir)
        .env("PATH", path_with(&[e2e_dir.join("node_modules/.bin")]))
        .env("SAMSA_BASE_URL", format!("http://127.0.0.1:{}", server.port))
        .env("PLAYWRIGHT_JSON_OUTPUT_NAME", &report)
        .env("PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD", "1")
        .env("CI", "true"));
    let tally = playwright_tally(&report);
    match (result, tally) {
        (Ok(()), Some(t)) if t.failed == 0 && t.passed > 0 => Ok(t),
        (Ok(()), Some(t)) if t.passed == 0 => {
            Err((Tally { passed: 0, failed: 1 }, "Playwright ran no test".into()))
        }
        (r, t) => {
            let mut t = t.unwrap_or_default();
            if t.failed == 0 {
                t.failed = 1;
            }
            Err((t, r.err().unwrap_or_else(|| "Playwright reported failures".into())))
        }
    }
}

/// Reads Playwright's JSON report: `stats.expected` passed, `unexpected` + `flaky` failed (a flaky test
/// is one that needed a retry; we count it as a failure so flakiness gets fixed, not hidden).
fn playwright_tally(report: &Path) -> Option<Tally> {
    let text = std::fs::read_to_string(report).ok()?;
    let json: serde_json::Value = serde_json::from_str(&text).ok()?;
    let stats = json.get("stats")?;
    let n = |k: &str| stats.get(k).and_then(serde_json::Value::as_u64).unwrap_or(0);
    Some(Tally { passed: n("expected"), failed: n("unexpected") + n("flaky") })
}

fn summarize(outcomes: &[Outcome]) -> Result<(), String> {
    println!("\n== summary");
    let mut total = Tally::default();
    for o in outcomes {
        let status = if o.error.is_none() { "ok" } else { "FAILED" };
        println!(
            "  {:8} {:6} {:>5} passed {:>3} failed  {:>6.1}s{}",
            o.name,
            status,
            o.tally.passed,
            o.tally.failed,
            o.seconds,
            o.error.as_ref().map(|e| format!("  ({e})")).unwrap_or_default()
        );
        total.passed += o.tally.passed;
        total.failed += o.tally.failed;
    }
    println!("{} passed, {} failed", total.passed, total.failed);
    if total.failed == 0 && outcomes.iter().all(|o| o.error.is_none()) {
        Ok(())
    } else {
        // Empty: the summary line above must stay the last line of output.
        Err(String::new())
    }
}

#[cfg(test)]
mod tests {
    use super::count_libtest;

    #[test]
    fn counts_libtest_result_lines() {
        let out = "running 3 tests\ntest result: ok. 3 passed; 0 failed; 0 ignored; 0 measured\n\
                   test result: FAILED. 5 passed; 2 failed; 1 ignored; 0 measured; 0 filtered out; finished in 0.1s\n";
        let t = count_libtest(out);
        assert_eq!((t.passed, t.failed), (8, 2));
    }

    #[test]
    fn counts_plain_closing_lines() {
        let t =
            super::count_plain("seed 7 failed: samsa-sim run x --seed 7 --explore\n999 passed, 1 failed\n");
        assert_eq!((t.passed, t.failed), (999, 1));
    }

    #[test]
    fn ignores_other_lines() {
        let t = count_libtest("test foo ... ok\nerror: could not compile\n");
        assert_eq!((t.passed, t.failed), (0, 0));
    }
}

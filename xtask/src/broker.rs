//! The `broker` stage: samsa-broker (3 brokers and its admin control, on free loopback ports) driven by
//! real Kafka clients — kafka-python and librdkafka (`tests/broker/clients.py`), kafkajs
//! (`tests/broker/kafkajs.js`) and kcat — each check printing `ok NAME` or `FAIL NAME: reason`. The
//! broker is stopped (SIGTERM, then killed) whatever happens.

use std::io::{BufRead, BufReader};
use std::net::TcpListener;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use crate::cmd::{describe, run, run_captured};

/// Longest the broker may take to print `samsa-broker: ready`.
const READY_TIMEOUT_MS: u64 = 60_000;
/// Brokers in the test cluster.
const BROKERS: u16 = 3;

/// Counts of the stage: `(passed, failed)`, or why it could not run.
pub fn stage(root: &Path) -> Result<(u64, u64), String> {
    run(Command::new("cargo").args(["build", "-p", "samsa-broker"]).current_dir(root))?;
    let port = free_ports(BROKERS + 1).ok_or("no free block of loopback ports")?;
    let admin_port = port + BROKERS;
    let broker = root.join("target/debug/samsa-broker");
    let mut command = Command::new(&broker);
    command
        .args(["--brokers", &BROKERS.to_string(), "--port", &port.to_string()])
        .args(["--admin-port", &admin_port.to_string()])
        .args(["--config", "num.partitions=3", "--config", "default.replication.factor=3"])
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit());
    println!("  $ {}", describe(&command));
    let mut child = command.spawn().map_err(|e| format!("cannot start {}: {e}", broker.display()))?;
    let result = wait_ready(&mut child).and_then(|()| clients(root, port, admin_port));
    let clean = stop(&mut child);
    let (passed, failed) = result?;
    if clean {
        println!("ok samsa-broker stops cleanly on SIGTERM");
        Ok((passed + 1, failed))
    } else {
        println!("FAIL samsa-broker stops cleanly on SIGTERM: it did not exit with status 0 within 5 s");
        Ok((passed, failed + 1))
    }
}

/// The first port of `count` consecutive free loopback ports.
fn free_ports(count: u16) -> Option<u16> {
    (20_000u16..60_000)
        .step_by(97)
        .find(|&base| (0..count).all(|i| TcpListener::bind(("127.0.0.1", base + i)).is_ok()))
}

fn wait_ready(child: &mut Child) -> Result<(), String> {
    let stdout = child.stdout.take().ok_or("the broker has no stdout")?;
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            println!("    {line}");
            let _ = tx.send(line);
        }
    });
    let deadline = std::time::Instant::now() + Duration::from_millis(READY_TIMEOUT_MS);
    let mut ready = false;
    while let Some(left) = deadline.checked_duration_since(std::time::Instant::now()) {
        match rx.recv_timeout(left) {
            Ok(line) if line.contains("admin control listening") && ready => return Ok(()),
            Ok(line) if line == "samsa-broker: ready" => ready = true,
            Ok(_) => {}
            Err(_) => break,
        }
    }
    Err(format!("samsa-broker did not report ready within {READY_TIMEOUT_MS} ms"))
}

/// SIGTERM, then SIGKILL after 5 s; `true` if it exited by itself with status 0.
fn stop(child: &mut Child) -> bool {
    let _ = Command::new("kill").args(["-TERM", &child.id().to_string()]).status();
    for _ in 0..50 {
        if let Ok(Some(status)) = child.try_wait() {
            return status.success();
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    let _ = child.kill();
    let _ = child.wait();
    false
}

/// Runs every client suite; counts their `ok`/`FAIL` lines.
fn clients(root: &Path, port: u16, admin_port: u16) -> Result<(u64, u64), String> {
    let bootstrap = format!("127.0.0.1:{port}");
    let dir = root.join("tests/broker");
    let python = root.join("target/broker-venv/bin/python");
    let mut suites = vec![Command::new(&python), Command::new("node")];
    suites[0].arg("clients.py").args([
        "--bootstrap",
        &bootstrap,
        "--admin",
        &format!("127.0.0.1:{admin_port}"),
    ]);
    suites[1].args(["kafkajs.js", &bootstrap]);
    let (mut passed, mut failed) = (0, 0);
    for mut suite in suites {
        let (ok, output) = run_captured(suite.current_dir(&dir))?;
        let (p, f) = count(&output);
        passed += p;
        failed += f;
        if !ok && f == 0 {
            failed += 1; // the suite failed before reporting a check
        }
    }
    let (p, f) = kcat(&bootstrap);
    Ok((passed + p, failed + f))
}

/// kcat (librdkafka's command-line client, from Debian): a produce and a consume back.
fn kcat(bootstrap: &str) -> (u64, u64) {
    let topic = format!("kcat-{}", std::process::id());
    let produce = Command::new("kcat")
        .args(["-b", bootstrap, "-t", &topic, "-P", "-K:"])
        .stdin(Stdio::piped())
        .spawn()
        .and_then(|mut child| {
            use std::io::Write;
            if let Some(stdin) = child.stdin.as_mut() {
                stdin.write_all(b"a:one\nb:two\nc:three\n")?;
            }
            drop(child.stdin.take());
            child.wait()
        });
    let consumed = Command::new("kcat")
        .args(["-b", bootstrap, "-t", &topic, "-C", "-e", "-q", "-o", "beginning", "-f", "%k=%s\\n"])
        .output();
    let mut lines: Vec<String> = match &consumed {
        Ok(out) => String::from_utf8_lossy(&out.stdout).lines().map(str::to_owned).collect(),
        Err(_) => Vec::new(),
    };
    lines.sort();
    let good = produce.is_ok_and(|s| s.success()) && lines == ["a=one", "b=two", "c=three"];
    if good {
        println!("ok kcat produces and consumes");
        (1, 0)
    } else {
        println!("FAIL kcat produces and consumes: got {lines:?}");
        (0, 1)
    }
}

/// `ok …` and `FAIL …` lines.
fn count(output: &str) -> (u64, u64) {
    let passed = output.lines().filter(|l| l.starts_with("ok ")).count() as u64;
    let failed = output.lines().filter(|l| l.starts_with("FAIL ")).count() as u64;
    (passed, failed)
}

#[cfg(test)]
mod tests {
    #[test]
    fn counts_ok_and_fail_lines_only() {
        assert_eq!(super::count("ok a\nFAIL b: x\nnoise ok\nok c\n"), (2, 1));
    }
}

//! Installs the pinned toolchain, each piece only when it is missing (see ../shared/TOOLCHAIN.md).
//!
//! Nothing is downloaded from outside the package registries: trunk and wasm-bindgen-cli come from crates.io
//! via `cargo install`, wasm-opt from npm's `binaryen`, Chromium from Debian. Trunk runs with
//! `offline = true`, so it never fetches a tool itself.

use std::path::Path;
use std::process::Command;
use std::thread;

use crate::cmd::{run, version_of};

/// trunk release that builds with this toolchain (0.22 needs a newer rustc).
pub const TRUNK_VERSION: &str = "0.21.14";
/// Must equal the `wasm-bindgen` crate pinned in the workspace Cargo.toml.
pub const WASM_BINDGEN_VERSION: &str = "0.2.130";

/// What `cargo xtask play` needs: the wasm target, trunk, wasm-bindgen-cli, npm binaryen (wasm-opt).
pub fn ensure_play_tools(root: &Path) -> Result<(), String> {
    println!("== checking tools");
    ensure_rust_targets(&["wasm32-unknown-unknown"])?;
    ensure_cargo_tools(root)?;
    ensure_npm(root, "web")?;
    // Trunk builds with `--offline` (Trunk.toml), so every crate must already be in cargo's cache.
    run(Command::new("cargo").args(["fetch", "--quiet"]).current_dir(root))?;
    Ok(())
}

/// What `cargo xtask test` needs on top: the no_std target, Chromium + ChromeDriver, Playwright.
pub fn ensure_test_tools(root: &Path) -> Result<(), String> {
    ensure_play_tools(root)?;
    ensure_rust_targets(&["thumbv7em-none-eabihf"])?;
    ensure_chromium()?;
    ensure_npm(root, "tests/e2e")?;
    ensure_broker_clients(root)?;
    Ok(())
}

/// The broker stage's real clients: a Python venv with `tests/broker/requirements.txt` (kafka-python,
/// confluent-kafka with its bundled librdkafka, and the codecs), kafkajs from npm, kcat from Debian.
fn ensure_broker_clients(root: &Path) -> Result<(), String> {
    let venv = root.join("target/broker-venv");
    let requirements = root.join("tests/broker/requirements.txt");
    let marker = venv.join("installed-requirements.txt");
    let wanted = std::fs::read_to_string(&requirements)
        .map_err(|e| format!("cannot read {}: {e}", requirements.display()))?;
    if std::fs::read_to_string(&marker).ok().as_deref() == Some(wanted.as_str()) {
        println!("  broker client packages (target/broker-venv): installed");
    } else {
        if !venv.join("bin/python").exists() {
            println!("  creating the Python venv target/broker-venv");
            run(Command::new("python3").args(["-m", "venv"]).arg(&venv))?;
        }
        println!("  installing the broker's client packages (PyPI)");
        run(Command::new(venv.join("bin/pip"))
            .args(["install", "--quiet", "--disable-pip-version-check", "-r"])
            .arg(&requirements))?;
        std::fs::write(&marker, wanted).map_err(|e| format!("cannot write {}: {e}", marker.display()))?;
    }
    ensure_npm(root, "tests/broker")?;
    if Path::new("/usr/bin/kcat").exists() {
        println!("  kcat: installed");
        return Ok(());
    }
    println!("  installing Debian's kcat");
    run(Command::new("apt-get").arg("update").arg("-q"))?;
    run(Command::new("apt-get")
        .args(["install", "-y", "-q", "--no-install-recommends", "kcat"])
        .env("DEBIAN_FRONTEND", "noninteractive"))
}

fn ensure_rust_targets(targets: &[&str]) -> Result<(), String> {
    let out = Command::new("rustup")
        .args(["target", "list", "--installed"])
        .output()
        .map_err(|e| format!("rustup is needed to add wasm/no_std targets: {e}"))?;
    let installed = String::from_utf8_lossy(&out.stdout).into_owned();
    let missing: Vec<&str> =
        targets.iter().copied().filter(|t| !installed.lines().any(|l| l.trim() == *t)).collect();
    if missing.is_empty() {
        println!("  rust targets {}: installed", targets.join(", "));
        return Ok(());
    }
    println!("  installing rust targets {}", missing.join(", "));
    run(Command::new("rustup").args(["target", "add"]).args(&missing))
}

/// trunk and wasm-bindgen-cli, installed in parallel (each with its own target dir, removed afterwards),
/// as each takes minutes on a cold machine.
fn ensure_cargo_tools(root: &Path) -> Result<(), String> {
    let want_trunk = format!("trunk {TRUNK_VERSION}");
    let want_bindgen = format!("wasm-bindgen {WASM_BINDGEN_VERSION}");
    let mut jobs = Vec::new();
    if version_of("trunk", None).as_deref() == Some(want_trunk.as_str()) {
        println!("  {want_trunk}: installed");
    } else {
        let dir = root.join("target/xtask-install/trunk");
        jobs.push(thread::spawn(move || {
            println!("  installing {want_trunk} with cargo (about 15 minutes on 2 cores)");
            let result = run(Command::new("cargo")
                .args(["install", "--locked", "trunk", "--version", TRUNK_VERSION])
                .env("CARGO_TARGET_DIR", &dir));
            let _ = std::fs::remove_dir_all(&dir);
            result
        }));
    }
    if version_of("wasm-bindgen", None).as_deref() == Some(want_bindgen.as_str()) {
        println!("  {want_bindgen}: installed");
    } else {
        let dir = root.join("target/xtask-install/wasm-bindgen");
        jobs.push(thread::spawn(move || {
            println!("  installing {want_bindgen} (wasm-bindgen-cli) with cargo");
            // Without --locked: its lockfile wants a crate version the registry mirror lacks (TOOLCHAIN.md).
            let result = run(Command::new("cargo")
                .args(["install", "wasm-bindgen-cli", "--version"])
                .arg(format!("={WASM_BINDGEN_VERSION}"))
                .env("CARGO_TARGET_DIR", &dir));
            let _ = std::fs::remove_dir_all(&dir);
            result
        }));
    }
    let mut errors = Vec::new();
    for job in jobs {
        match job.join() {
            Ok(Ok(())) => {}
            Ok(Err(e)) => errors.push(e),
            Err(_) => errors.push("an install thread panicked".to_string()),
        }
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(errors.join("; "))
    }
}

fn ensure_chromium() -> Result<(), String> {
    let have = |p: &str| Path::new(p).exists();
    if have("/usr/bin/chromium") && have("/usr/bin/chromedriver") {
        println!("  chromium + chromedriver: installed");
        return Ok(());
    }
    println!("  installing Debian's chromium and chromium-driver");
    run(Command::new("apt-get").arg("update").arg("-q"))?;
    run(Command::new("apt-get")
        .args(["install", "-y", "-q", "--no-install-recommends", "chromium", "chromium-driver"])
        .env("DEBIAN_FRONTEND", "noninteractive"))
}

/// `npm ci` in `dir` unless node_modules is already at least as new as package-lock.json.
fn ensure_npm(root: &Path, dir: &str) -> Result<(), String> {
    let pkg_dir = root.join(dir);
    let lock = pkg_dir.join("package-lock.json");
    let marker = pkg_dir.join("node_modules/.package-lock.json");
    let modified = |p: &Path| std::fs::metadata(p).and_then(|m| m.modified()).ok();
    if let (Some(lock_t), Some(marker_t)) = (modified(&lock), modified(&marker)) {
        if marker_t >= lock_t {
            println!("  npm packages in {dir}: installed");
            return Ok(());
        }
    }
    if version_of("npm", None).is_none() {
        return Err(
            "npm (Node.js 20+) is needed for wasm-opt and Playwright: apt-get install nodejs npm".into()
        );
    }
    println!("  installing npm packages in {dir}");
    run(Command::new("npm")
        .args(["ci", "--no-audit", "--no-fund", "--loglevel=error"])
        .current_dir(&pkg_dir)
        // Playwright drives Debian's chromium; it must never download a browser of its own.
        .env("PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD", "1"))
}

//! Running processes: echo the command, stream or capture its output, and report failures by name.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// The workspace root: the parent of the xtask crate's manifest directory.
pub fn workspace_root() -> Result<PathBuf, String> {
    let manifest = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    manifest.parent().map(Path::to_path_buf).ok_or_else(|| "cannot find the workspace root".to_string())
}

/// A command line with a readable rendering for progress messages.
pub fn describe(command: &Command) -> String {
    let mut s = command.get_program().to_string_lossy().into_owned();
    for arg in command.get_args() {
        s.push(' ');
        s.push_str(&arg.to_string_lossy());
    }
    s
}

/// Runs `command` with inherited stdio; Err names the command and its exit status.
pub fn run(command: &mut Command) -> Result<(), String> {
    println!("  $ {}", describe(command));
    let status = command.status().map_err(|e| format!("could not start `{}`: {e}", describe(command)))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("`{}` failed ({status})", describe(command)))
    }
}

/// Runs `command`, echoing its combined output line by line as it arrives, and returns that output and
/// whether it succeeded. Output is also returned so stages can count test results.
pub fn run_captured(command: &mut Command) -> Result<(bool, String), String> {
    use std::io::{BufRead, BufReader};
    use std::sync::mpsc;

    println!("  $ {}", describe(command));
    let mut child = command
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("could not start `{}`: {e}", describe(command)))?;
    let (tx, rx) = mpsc::channel::<String>();
    let mut readers = Vec::new();
    if let Some(out) = child.stdout.take() {
        let tx = tx.clone();
        readers.push(std::thread::spawn(move || {
            for line in BufReader::new(out).lines().map_while(Result::ok) {
                let _ = tx.send(line);
            }
        }));
    }
    if let Some(err) = child.stderr.take() {
        let tx = tx.clone();
        readers.push(std::thread::spawn(move || {
            for line in BufReader::new(err).lines().map_while(Result::ok) {
                let _ = tx.send(line);
            }
        }));
    }
    drop(tx);
    let mut captured = String::new();
    for line in rx {
        println!("    {line}");
        captured.push_str(&line);
        captured.push('\n');
    }
    for r in readers {
        let _ = r.join();
    }
    let status = child.wait().map_err(|e| format!("waiting for `{}`: {e}", describe(command)))?;
    Ok((status.success(), captured))
}

/// The first line of `program --version`, or None when the program is not on PATH.
pub fn version_of(program: &str, path_env: Option<&str>) -> Option<String> {
    let mut c = Command::new(program);
    c.arg("--version").stdout(Stdio::piped()).stderr(Stdio::null());
    if let Some(p) = path_env {
        c.env("PATH", p);
    }
    let out = c.output().ok()?;
    if !out.status.success() {
        return None;
    }
    String::from_utf8_lossy(&out.stdout).lines().next().map(|l| l.trim().to_string())
}

/// PATH with `dirs` in front, so tools installed in the repo (npm's .bin) win.
pub fn path_with(dirs: &[PathBuf]) -> String {
    let mut parts: Vec<String> = dirs.iter().map(|d| d.display().to_string()).collect();
    if let Ok(cargo_home) = std::env::var("CARGO_HOME") {
        parts.push(format!("{cargo_home}/bin"));
    } else if let Ok(home) = std::env::var("HOME") {
        parts.push(format!("{home}/.cargo/bin"));
    }
    if let Ok(existing) = std::env::var("PATH") {
        parts.push(existing);
    }
    parts.join(":")
}

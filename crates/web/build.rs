//! Embeds every scenario file of `scenarios/` in the page: writes `$OUT_DIR/scenarios.rs`, a list of
//! `(name, text)` pairs (name = file stem, sorted) with each text pulled in by `include_str!`. A new
//! scenario file shows up in the picker without touching the page's code.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

fn main() {
    let manifest_dir = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").unwrap_or_default());
    let scenarios_dir = manifest_dir.join("../../scenarios");
    println!("cargo:rerun-if-changed={}", scenarios_dir.display());
    let mut files = scenario_files(&scenarios_dir);
    // By name, as the picker lists them.
    files.sort_by(|a, b| a.file_stem().cmp(&b.file_stem()));
    let mut out = String::from("/// Every scenario in `scenarios/`, by file stem, sorted by name.\n");
    out.push_str("pub const EMBEDDED_SCENARIOS: &[(&str, &str)] = &[\n");
    for path in &files {
        let Some(stem) = path.file_stem().and_then(|s| s.to_str()) else { continue };
        println!("cargo:rerun-if-changed={}", path.display());
        let _ = writeln!(out, "    ({stem:?}, include_str!({:?})),", path.display().to_string());
    }
    out.push_str("];\n");
    let out_dir = PathBuf::from(std::env::var("OUT_DIR").unwrap_or_default());
    if let Err(e) = std::fs::write(out_dir.join("scenarios.rs"), out) {
        panic!("build.rs: cannot write scenarios.rs: {e}");
    }
}

/// The `.toml` files directly in `dir` (none when it cannot be read).
fn scenario_files(dir: &Path) -> Vec<PathBuf> {
    let Ok(entries) = std::fs::read_dir(dir) else { return Vec::new() };
    entries
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "toml"))
        .filter_map(|p| p.canonicalize().ok())
        .collect()
}

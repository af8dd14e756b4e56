//! # xtask — the project's commands
//!
//! - `cargo xtask play [--port N] [--no-serve]`: install what is missing, build the playground with Trunk
//!   (release), serve `dist/` on 127.0.0.1 and print the URL.
//! - `cargo xtask test`: install what is missing, run every stage (fmt, clippy, native tests, no_std build,
//!   wasm tests in headless Chromium, Trunk release build, browser end-to-end) and end with one
//!   `N passed, N failed` line. Exits non-zero if anything failed.
//! - `cargo xtask serve [--port N] [--dir DIR]`: serve a built `dist/` without rebuilding.
//!
//! Map: [`tools`] installs pinned tools idempotently, [`stages`] runs the test stages and counts results,
//! [`serve`] is a tiny static file server (correct MIME types for wasm), [`cmd`] runs processes.

mod broker;
mod cmd;
mod serve;
mod stages;
mod tools;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(name = "cargo xtask", about = "Samsa's build, play and test commands")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Build the playground (release) and serve it on 127.0.0.1.
    Play {
        /// Port to serve on.
        #[arg(long, default_value_t = 8080)]
        port: u16,
        /// Only build into dist/; don't serve.
        #[arg(long)]
        no_serve: bool,
    },
    /// Run every test stage and print `N passed, N failed`.
    Test {
        /// Run only these stages (comma-separated names; see `--list`).
        #[arg(long, value_delimiter = ',')]
        only: Vec<String>,
        /// List the stages and exit.
        #[arg(long)]
        list: bool,
    },
    /// Serve an already built dist/ directory.
    Serve {
        /// Port to serve on.
        #[arg(long, default_value_t = 8080)]
        port: u16,
        /// Directory to serve.
        #[arg(long, default_value = "dist")]
        dir: PathBuf,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let root = match cmd::workspace_root() {
        Ok(root) => root,
        Err(e) => {
            eprintln!("xtask: {e}");
            return ExitCode::from(2);
        }
    };
    let result = match cli.command {
        Command::Play { port, no_serve } => play(&root, port, no_serve),
        Command::Test { only, list } => {
            if list {
                stages::list();
                Ok(())
            } else {
                stages::run_all(&root, &only)
            }
        }
        Command::Serve { port, dir } => serve::serve_forever(&root.join(dir), port),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            if !e.is_empty() {
                eprintln!("xtask: {e}");
            }
            ExitCode::FAILURE
        }
    }
}

fn play(root: &std::path::Path, port: u16, no_serve: bool) -> Result<(), String> {
    tools::ensure_play_tools(root)?;
    stages::trunk_build(root)?;
    if no_serve {
        println!("built the playground into {}", root.join("dist").display());
        return Ok(());
    }
    serve::serve_forever(&root.join("dist"), port)
}

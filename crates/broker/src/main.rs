//! `samsa-broker`: a Kafka-compatible cluster in one process (see the crate docs and `--help`).

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Parser;
use samsa_broker::config::{ServerConfig, MAX_BROKERS};

/// A bogus array count in a request must not abort the process (see `alloc_guard`).
#[global_allocator]
static ALLOCATOR: samsa_broker::alloc_guard::GuardedAllocator = samsa_broker::alloc_guard::GuardedAllocator;

/// A Kafka-compatible cluster in one process: `--brokers N` brokers and a controller running
/// samsa-core, broker n listening on PORT+n-1. Real Kafka clients connect to any of them.
#[derive(Parser, Debug)]
#[command(name = "samsa-broker", version)]
struct Args {
    /// How many brokers (ids 1..=N, one listener each).
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u32).range(1..=MAX_BROKERS as i64))]
    brokers: u32,
    /// Broker 1's port; broker n listens on PORT+n-1.
    #[arg(long, default_value_t = 9092)]
    port: u16,
    /// The address to listen on and advertise to clients.
    #[arg(long, default_value = "127.0.0.1")]
    host: String,
    /// A config by Kafka's name, `name=value` (repeatable): broker configs (`num.partitions`,
    /// `default.replication.factor`, `min.insync.replicas`, `auto.create.topics.enable`,
    /// `log.retention.ms`, `offsets.topic.num.partitions`, `socket.request.max.bytes`,
    /// `max.connections`, `connections.max.idle.ms`, …). Applied after --config-file.
    #[arg(long = "config", value_name = "NAME=VALUE")]
    configs: Vec<String>,
    /// Serve the admin control on this port: one command per line (`crash broker-2`, `restart
    /// broker-2`, `crash broker-1 power-loss`, `cut broker-1 broker-2`, `heal broker-1 broker-2`,
    /// `heal-all`, `controller-failover`, `status`), e.g. `echo 'crash broker-2' | nc 127.0.0.1 PORT`.
    #[arg(long, value_name = "PORT")]
    admin_port: Option<u16>,
    /// A `server.properties`-style file of `name=value` lines.
    #[arg(long, value_name = "FILE")]
    config_file: Option<PathBuf>,
}

fn config(args: &Args) -> Result<ServerConfig, String> {
    let mut config = ServerConfig {
        brokers: args.brokers,
        first_port: args.port,
        host: args.host.clone(),
        admin_port: args.admin_port,
        ..ServerConfig::default()
    };
    if usize::from(args.port) + args.brokers as usize - 1 > usize::from(u16::MAX) {
        return Err(format!("--port {} leaves no room for {} brokers", args.port, args.brokers));
    }
    if let Some(file) = &args.config_file {
        let text =
            std::fs::read_to_string(file).map_err(|e| format!("cannot read {}: {e}", file.display()))?;
        config.apply_properties(&file.display().to_string(), &text).map_err(|e| e.to_string())?;
    }
    for assignment in &args.configs {
        config.apply("--config", assignment).map_err(|e| e.to_string())?;
    }
    Ok(config)
}

async fn shutdown_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    _ = tokio::signal::ctrl_c() => {}
                    _ = term.recv() => {}
                }
            }
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}

fn main() -> ExitCode {
    let args = Args::parse();
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()),
        )
        .with_writer(std::io::stderr)
        .init();
    let config = match config(&args) {
        Ok(config) => config,
        Err(message) => {
            eprintln!("samsa-broker: {message}");
            return ExitCode::from(2);
        }
    };
    let runtime = match tokio::runtime::Builder::new_current_thread().enable_all().build() {
        Ok(runtime) => runtime,
        Err(e) => {
            eprintln!("samsa-broker: cannot start the runtime: {e}");
            return ExitCode::from(1);
        }
    };
    match runtime.block_on(samsa_broker::server::serve(config, shutdown_signal())) {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("samsa-broker: {message}");
            ExitCode::from(1)
        }
    }
}

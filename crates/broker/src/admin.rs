//! The admin control: a line protocol on `--admin-port`, so the failure scenarios the playground shows
//! can be replayed against real clients (`echo 'crash broker-2' | nc 127.0.0.1 PORT`). One command per
//! line, one answer line each (`ok …` or `error: …`):
//!
//! - `crash broker-N [power-loss]` — the broker process dies (its connections close); a power loss also
//!   loses what was not flushed (samsa-core's `Broker::crash`).
//! - `restart broker-N` — it starts again from what survived.
//! - `cut A B`, `heal A B` — the link between two nodes (`broker-N` or `controller`) drops every message
//!   / works again; `heal-all` heals every cut.
//! - `controller-failover` — a new active controller takes over.
//! - `status` — each broker up or down, and the cut links.

use samsa_core::node::NodeId;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpListener;
use tokio::sync::oneshot;

use crate::cluster::{ClusterHandle, Command};

/// Longest admin line read (a longer one is an error and closes the connection).
const MAX_LINE_BYTES: usize = 1_024;

/// What the admin control asks of the cluster.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum AdminAction {
    /// Crash a broker.
    Crash { broker: i32, power_loss: bool },
    /// Restart a crashed broker.
    Restart { broker: i32 },
    /// Cut a link.
    Cut { a: NodeId, b: NodeId },
    /// Heal a link.
    Heal { a: NodeId, b: NodeId },
    /// Heal every link.
    HealAll,
    /// A new active controller.
    ControllerFailover,
    /// Report the cluster's state.
    Status,
}

fn node(word: &str) -> Result<NodeId, String> {
    if word == "controller" {
        return Ok(NodeId::Controller);
    }
    word.strip_prefix("broker-")
        .and_then(|n| n.parse::<i32>().ok())
        .map(NodeId::Broker)
        .ok_or_else(|| format!("unknown node {word:?} (use broker-N or controller)"))
}

fn broker(word: Option<&str>) -> Result<i32, String> {
    match node(word.ok_or("missing broker (broker-N)")?)? {
        NodeId::Broker(id) => Ok(id),
        _ => Err("expected a broker (broker-N)".into()),
    }
}

/// Parses one admin line.
pub fn parse(line: &str) -> Result<AdminAction, String> {
    let mut words = line.split_whitespace();
    let verb = words.next().ok_or("empty command")?;
    let action = match verb {
        "crash" => {
            let broker = broker(words.next())?;
            let power_loss = match words.next() {
                None => false,
                Some("power-loss") => true,
                Some(other) => return Err(format!("unknown crash option {other:?} (power-loss)")),
            };
            AdminAction::Crash { broker, power_loss }
        }
        "restart" => AdminAction::Restart { broker: broker(words.next())? },
        "cut" | "heal" => {
            let a = node(words.next().ok_or("missing first node")?)?;
            let b = node(words.next().ok_or("missing second node")?)?;
            if verb == "cut" {
                AdminAction::Cut { a, b }
            } else {
                AdminAction::Heal { a, b }
            }
        }
        "heal-all" => AdminAction::HealAll,
        "controller-failover" => AdminAction::ControllerFailover,
        "status" => AdminAction::Status,
        other => {
            return Err(format!(
                "unknown command {other:?} (crash, restart, cut, heal, heal-all, controller-failover, status)"
            ))
        }
    };
    if let Some(extra) = words.next() {
        return Err(format!("unexpected {extra:?} after the command"));
    }
    Ok(action)
}

/// Serves admin connections on `listener`.
pub async fn serve(listener: TcpListener, cluster: ClusterHandle) {
    loop {
        let Ok((stream, peer)) = listener.accept().await else { continue };
        let cluster = cluster.clone();
        tokio::spawn(async move {
            let (reader, mut writer) = stream.into_split();
            let mut lines = BufReader::new(reader);
            let mut line = String::new();
            loop {
                line.clear();
                match lines.read_line(&mut line).await {
                    Ok(0) | Err(_) => return,
                    Ok(n) if n > MAX_LINE_BYTES => {
                        let _ = writer.write_all(b"error: line too long\n").await;
                        return;
                    }
                    Ok(_) => {}
                }
                if line.trim().is_empty() {
                    continue;
                }
                let answer = match parse(&line) {
                    Ok(action) => {
                        tracing::info!(%peer, ?action, "admin");
                        let (reply, answer) = oneshot::channel();
                        if cluster.send(Command::Admin { action, reply }).await {
                            answer.await.unwrap_or_else(|_| Err("the cluster stopped".into()))
                        } else {
                            Err("the cluster stopped".into())
                        }
                    }
                    Err(e) => Err(e),
                };
                let text = match answer {
                    Ok(text) => format!("ok {text}\n"),
                    Err(e) => format!("error: {e}\n"),
                };
                if writer.write_all(text.as_bytes()).await.is_err() {
                    return;
                }
            }
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn commands_parse_and_mistakes_are_named() {
        assert_eq!(parse("crash broker-2\n"), Ok(AdminAction::Crash { broker: 2, power_loss: false }));
        assert_eq!(
            parse("crash broker-2 power-loss"),
            Ok(AdminAction::Crash { broker: 2, power_loss: true })
        );
        assert_eq!(
            parse("cut broker-1 controller"),
            Ok(AdminAction::Cut { a: NodeId::Broker(1), b: NodeId::Controller })
        );
        assert!(parse("crash controller").unwrap_err().contains("expected a broker"));
        assert!(parse("crash broker-x").unwrap_err().contains("broker-x"));
        assert!(parse("explode").unwrap_err().contains("unknown command"));
        assert!(parse("status now").unwrap_err().contains("unexpected"));
    }
}

//! The listeners and connections: one listener per broker (`first_port + id - 1`), one task per
//! connection reading Kafka frames in order and answering each before the next (as a Kafka broker mutes
//! a connection while its request is in flight). A connection's trouble — a frame over
//! `socket.request.max.bytes`, garbage, an unknown API, idleness past `connections.max.idle.ms` — closes
//! that connection with a log line and nothing else; past `max.connections` new connections are closed.

use std::sync::atomic::{AtomicU32, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use kafka_protocol::messages::{ApiKey, ResponseKind};
use samsa_core::node::BrokerId;
use tokio::io::AsyncWriteExt;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::mpsc;

use crate::api::{self, versions, Connection, Outcome};
use crate::cluster::{Cluster, ClusterHandle, Command, CONNECTION_QUEUE};
use crate::config::ServerConfig;
use crate::frame::{decode_request, encode_response, peek_start, read_frame};

/// Longest the brokers may take to register with the controller before `ready` is printed anyway.
const READY_TIMEOUT_MS: u64 = 30_000;

/// Runs the cluster and its listeners until `shutdown` completes. Prints one `listening` line per
/// broker, then `samsa-broker: ready` once every broker is registered and unfenced.
pub async fn serve(
    config: ServerConfig,
    shutdown: impl std::future::Future<Output = ()>,
) -> Result<(), String> {
    let mut config = config;
    for line in config.fit_internal_topics() {
        tracing::warn!("{line}");
    }
    let config = Arc::new(config);
    let (cluster, handle, commands) = Cluster::new((*config).clone());
    let cluster_task = tokio::spawn(cluster.run(commands));
    let mut listeners = Vec::new();
    for id in 1..=config.brokers {
        let id = id as BrokerId;
        let port = config.port_of(id);
        let listener = TcpListener::bind((config.host.as_str(), port))
            .await
            .map_err(|e| format!("broker {id} cannot listen on {}:{port}: {e}", config.host))?;
        println!("samsa-broker: broker {id} listening on {}:{port}", config.host);
        listeners.push((id, listener));
    }
    let ready = tokio::time::timeout(Duration::from_millis(READY_TIMEOUT_MS), handle.wait_ready()).await;
    if ready.is_err() {
        tracing::warn!("brokers not all registered after {READY_TIMEOUT_MS} ms; serving anyway");
    }
    println!("samsa-broker: ready");
    if let Some(port) = config.admin_port {
        let listener = TcpListener::bind((config.host.as_str(), port))
            .await
            .map_err(|e| format!("the admin control cannot listen on {}:{port}: {e}", config.host))?;
        println!("samsa-broker: admin control listening on {}:{port}", config.host);
        tokio::spawn(crate::admin::serve(listener, handle.clone()));
    }
    let connections = Arc::new(AtomicUsize::new(0));
    let next_client = Arc::new(AtomicU32::new(1));
    let mut accept_tasks = Vec::new();
    for (id, listener) in listeners {
        let (handle, config) = (handle.clone(), Arc::clone(&config));
        let (connections, next_client) = (Arc::clone(&connections), Arc::clone(&next_client));
        accept_tasks.push(tokio::spawn(accept(id, listener, handle, config, connections, next_client)));
    }
    shutdown.await;
    tracing::info!("shutting down");
    for task in accept_tasks {
        task.abort();
    }
    drop(handle);
    cluster_task.abort();
    Ok(())
}

async fn accept(
    broker: BrokerId,
    listener: TcpListener,
    handle: ClusterHandle,
    config: Arc<ServerConfig>,
    connections: Arc<AtomicUsize>,
    next_client: Arc<AtomicU32>,
) {
    loop {
        let (stream, peer) = match listener.accept().await {
            Ok(accepted) => accepted,
            Err(e) => {
                tracing::warn!(broker, error = %e, "accept failed");
                tokio::time::sleep(Duration::from_millis(100)).await;
                continue;
            }
        };
        if handle.up(broker).is_some_and(|up| !*up.borrow()) {
            tracing::debug!(broker, %peer, "broker is down: connection refused");
            drop(stream);
            continue;
        }
        if connections.load(Ordering::SeqCst) >= config.max_connections {
            tracing::warn!(broker, %peer, max = config.max_connections, "max.connections reached: connection closed");
            drop(stream);
            continue;
        }
        connections.fetch_add(1, Ordering::SeqCst);
        let client = next_client.fetch_add(1, Ordering::SeqCst);
        let (handle, config, connections) = (handle.clone(), Arc::clone(&config), Arc::clone(&connections));
        tokio::spawn(async move {
            tracing::debug!(broker, %peer, client, "connection opened");
            connection(stream, broker, client, handle, config).await;
            connections.fetch_sub(1, Ordering::SeqCst);
            tracing::debug!(broker, %peer, client, "connection closed");
        });
    }
}

/// Serves one connection until it closes or misbehaves.
async fn connection(
    stream: TcpStream,
    broker: BrokerId,
    client: u32,
    handle: ClusterHandle,
    config: Arc<ServerConfig>,
) {
    let peer = stream.peer_addr().map(|a| a.to_string()).unwrap_or_default();
    let _ = stream.set_nodelay(true);
    let (tx, rx) = mpsc::channel(CONNECTION_QUEUE);
    if !handle.send(Command::Register { client, tx }).await {
        return;
    }
    let mut conn = Connection::new(broker, client, handle.clone(), rx, Arc::clone(&config));
    let (mut reader, mut writer) = stream.into_split();
    let idle = Duration::from_millis(config.connections_max_idle_ms);
    let mut up = handle.up(broker);
    loop {
        let read = tokio::time::timeout(idle, read_frame(&mut reader, config.socket_request_max_bytes));
        let read = tokio::select! {
            read = read => read,
            () = went_down(&mut up) => {
                tracing::debug!(%peer, broker, "broker crashed: connection closed");
                break;
            }
        };
        let frame = match read {
            Err(_) => {
                tracing::info!(%peer, "connections.max.idle.ms passed: idle connection closed");
                break;
            }
            Ok(Ok(Some(frame))) => frame,
            Ok(Ok(None)) => break,
            Ok(Err(e)) => {
                tracing::warn!(%peer, error = %e, "connection closed");
                break;
            }
        };
        let response = match answer(&mut conn, frame).await {
            Ok(Some(bytes)) => bytes,
            Ok(None) => continue,
            Err(e) => {
                tracing::warn!(%peer, error = %e, "connection closed");
                break;
            }
        };
        if up.as_ref().is_some_and(|up| !*up.borrow()) {
            break; // the broker crashed while answering: the client sees the connection drop
        }
        if let Err(e) = writer.write_all(&response).await {
            tracing::debug!(%peer, error = %e, "write failed");
            break;
        }
    }
    let _ = handle.send(Command::Unregister { client }).await;
}

/// The response frame to one request frame (`None`: no response, acks=0), or why the connection closes.
async fn answer(conn: &mut Connection, frame: bytes::Bytes) -> Result<Option<bytes::Bytes>, String> {
    let start = peek_start(&frame).map_err(|e| e.to_string())?;
    let api_key =
        ApiKey::try_from(start.api_key).map_err(|_| format!("unknown API key {}", start.api_key))?;
    if !versions::supports(api_key, start.api_version) {
        if api_key == ApiKey::ApiVersions {
            // KIP-511: answer in version 0 with the table, so the client can pick a version we know.
            let body = ResponseKind::ApiVersions(versions::response(
                samsa_core::ErrorCode::UnsupportedVersion.code(),
            ));
            return encode_response(api_key, 0, start.correlation_id, &body).map(Some);
        }
        return Err(format!("{api_key:?} version {} is not supported (see ApiVersions)", start.api_version));
    }
    let request = decode_request(frame).map_err(|e| e.to_string())?;
    let correlation_id = request.header.correlation_id;
    let version = request.header.request_api_version;
    let client_id = request.header.client_id.as_deref().unwrap_or("");
    tracing::debug!(client_id, api = ?api_key, version, "request");
    match api::handle(conn, request).await? {
        Outcome::Respond(body) => encode_response(api_key, version, correlation_id, &body).map(Some),
        Outcome::Silent => Ok(None),
    }
}

/// Completes when the broker's process goes down (never, without a watch).
pub(crate) async fn went_down(up: &mut Option<tokio::sync::watch::Receiver<bool>>) {
    match up {
        Some(up) => {
            let _ = up.wait_for(|running| !*running).await;
        }
        None => std::future::pending().await,
    }
}

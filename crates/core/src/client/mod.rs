//! Client-side logic as sans-IO nodes: the producer and consumer the simulator's workloads drive.
//!
//! Map:
//! - [`producer`] — [`Producer`]: `send` (blocking on `buffer.memory` up to `max.block.ms`), partition,
//!   `flush`; its `sender` drains batches with `acks`, retries, timeouts and reports acks and failures.
//! - `accumulator` (private) — per-partition batches: `batch.size`, `linger.ms`, `compression.type`.
//! - `idempotence` (private) — InitProducerId, per-partition sequences, KIP-360 epoch bumps.
//! - `producer_queue` (private) — blocked sends, records waiting for their topic, requests in flight.
//! - [`consumer`] — [`Consumer`]: manual assignment, fetch from leaders, decode, report each record.
//! - [`producer_config`], [`consumer_config`] — configs by Kafka's names; [`config`] — their errors.
//! - [`producer_stats`] — [`ProducerStats`]: the producer's counters.
//! - [`send_error`] — why `send` refused a record.
//! - [`record_id`] — the `samsa.record-id` header that names every produced record.
//! - [`events`] — what clients report: sends, acks, failures, records consumed.
//! - `metadata` (private) — the clients' shared metadata cache and refresh timer.

mod accumulator;
pub mod config;
pub mod consumer;
pub mod consumer_config;
pub mod events;
mod idempotence;
mod metadata;
pub mod producer;
pub mod producer_config;
mod producer_queue;
pub mod producer_stats;
pub mod record_id;
pub mod send_error;
pub mod transactions;

pub use config::ClientConfigError;
pub use consumer::Consumer;
pub use consumer_config::{AutoOffsetReset, ConsumerConfig, IsolationLevel};
pub use events::{ClientEvent, ConsumeError, LeaveReason};
pub use metadata::MAX_METADATA_PARTITIONS;
pub use producer::Producer;
pub use producer_config::ProducerConfig;
pub use producer_queue::MAX_BLOCKED_SENDS;
pub use producer_stats::ProducerStats;
pub use record_id::{record_id_header, record_id_of, RecordId, RecordIdError, RECORD_ID_HEADER};
pub use send_error::SendError;
pub use transactions::{ConsumerGroupMetadata, TransactionError, TxnState};

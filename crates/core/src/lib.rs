//! # samsa-core
//!
//! Kafka's semantics as a sans-IO library. It never reads a clock, a random source, a socket or a file:
//! time comes in as `now_ms: u64` arguments, and effects come back as values the caller executes. The
//! simulator (`samsa-sim`), the wasm playground (`samsa-web`) and the TCP broker (`samsa-broker`) are three
//! drivers of the same API.
//!
//! ## Map
//! - [`client`] — producer and consumer logic as sans-IO nodes.
//! - [`config`] — what every config set shares: `ConfigException`-worded errors, `ConfigDef` parsers.
//! - [`group`] — consumer groups: the classic group protocol's messages, the consumer protocol, assignors.
//! - [`error`] — Kafka's error codes by their protocol names (`NOT_ENOUGH_REPLICAS`, `MESSAGE_TOO_LARGE`, …).
//! - [`record_batch`] — record batch format v2 (magic 2): encode, decode, CRC32C, lz4, header patching.
//! - [`log`] — a partition log: offsets, segments, retention, compaction, `offsets_for_times`, over a
//!   pluggable [`log::SegmentStorage`] (in memory here; on disk in the broker).
//! - [`partitioner`] — Kafka's default partitioner: murmur2 for keyed records, sticky (KIP-480) or round
//!   robin for null keys, each decision explained.
//! - [`node`] — the sans-IO node shape shared by brokers, the controller and clients: messages and
//!   ticks in, [`node::Effect`]s out.
//! - [`replication`] — leaders, followers, ISR, high watermark, leader epochs, the controller.
//! - [`txn`] — transactions: the transaction coordinator, control records (markers), the transaction APIs.
//! - [`topic`] — topic name rules (`INVALID_TOPIC_EXCEPTION`); topic-level configs live in [`log::LogConfig`].
//!
//! ## Features
//! - `std` (default): hardware CRC32C via the `crc32c` crate. Without it the crate is `no_std` + `alloc`
//!   and CRC32C comes from the table-driven `crc` crate.
//! - `lz4` (default; implies `std`): lz4 compression of record batches via `lz4_flex`. Without it (the
//!   `no_std` build, and the wasm playground, which leaves it out to stay small) a batch that needs lz4
//!   yields [`record_batch::compression::CompressionError::Unsupported`].
#![no_std]
#![forbid(unsafe_code)]
#![warn(missing_docs)]

extern crate alloc;
#[cfg(feature = "std")]
extern crate std;

pub mod client;
pub mod config;
pub mod error;
pub mod group;
pub mod log;
pub mod node;
pub mod partitioner;
pub mod record_batch;
pub mod replication;
pub mod topic;
pub mod txn;

pub use error::ErrorCode;

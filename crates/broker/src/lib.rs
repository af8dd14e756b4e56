//! # samsa-broker
//!
//! A native TCP broker speaking the Kafka wire protocol over samsa-core, so real Kafka clients
//! (librdkafka, kafka-python, kafkajs) drive the same logic the simulator and the playground run. Like
//! quinn over quinn-proto: samsa-core decides everything (leaders, ISR, high watermarks, errors), this
//! crate does the IO and passes the real time in.
//!
//! - [`config`] — the process's configs by Kafka's names (`--config`, `server.properties`).
//! - [`cluster`] — the actor owning the controller and the brokers: ticks, in-process delivery,
//!   metadata and topic auto-creation.
//! - [`compression`] — gzip, snappy and zstd batches rewritten uncompressed for samsa-core.
//! - [`frame`] — Kafka's size-prefixed frames, decoded and encoded with kafka-protocol's schemas.
//! - [`api`] — one module per Kafka API, wire types to samsa-core requests and back.
//! - [`server`] — listeners, connections, limits.
//! - [`alloc_guard`] — keeps a request's bogus array count from aborting the process.
//! - [`admin`] — the admin control: crash/restart brokers, cut/heal links, controller failover.

pub mod admin;
pub mod alloc_guard;
pub mod api;
pub mod cluster;
pub mod compression;
pub mod config;
pub mod frame;
pub mod server;

pub use samsa_core as core;

//! Replication, as Kafka does it: leaders and followers with leader epochs, the ISR and the high
//! watermark, `acks` and `min.insync.replicas`, truncation by leader epoch (KIP-101, KIP-279), and a
//! controller that elects leaders and commits ISR changes (KRaft: KIP-500, KIP-631, KIP-497).
//!
//! Map:
//! - [`messages`] — what travels between nodes; [`config`] — topic, broker and controller configs;
//!   [`events`] — what the trace and the checker see.
//! - [`epoch_cache`] — Kafka's `LeaderEpochFileCache` (KIP-101, KIP-279).
//! - [`partition`] — one broker's replica of one partition: leader side (produce, fetch serving, ISR,
//!   high watermark, purgatories) and follower side (truncation, fetch loop);
//!   [`partition::producer_state`] — idempotence: per producer its epoch and last five batches (KIP-98).
//! - [`broker`] — [`Broker`], a [`crate::node::Node`] holding replicas; [`broker::durable`] is the
//!   crash model (process crash vs power loss); [`broker::producer_ids`] — InitProducerId from blocks
//!   of ids leased from the controller (KIP-730).
//! - [`controller`] — [`Controller`], the KRaft quorum as one linearizable metadata log (and the next
//!   free producer id).

pub mod broker;
pub mod config;
pub mod controller;
pub mod epoch_cache;
pub mod events;
pub mod messages;
pub mod partition;

pub use broker::durable::{DurablePartition, DurableState};
pub use broker::Broker;
pub use config::{BrokerConfig, ControllerConfig, TopicConfig};
pub use controller::Controller;
pub use epoch_cache::LeaderEpochCache;
pub use partition::{Partition, Role};

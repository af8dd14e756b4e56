//! Replication, as Kafka does it: leaders and followers with leader epochs, the ISR and the high
//! watermark, `acks` and `min.insync.replicas`, truncation by leader epoch (KIP-101, KIP-279), and a
//! controller that elects leaders and commits ISR changes (KRaft: KIP-500, KIP-631, KIP-497).
//!
//! Map: [`messages`] (what travels between nodes), [`config`] (topic and broker configs), [`events`]
//! (what the trace and checker see).

pub mod config;
pub mod events;
pub mod messages;

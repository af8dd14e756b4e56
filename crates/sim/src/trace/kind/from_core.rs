//! samsa-core's events as trace lines: one `TraceKind` variant mirrors each `ReplicationEvent` and
//! `ClientEvent` variant, field for field.

use samsa_core::client::ClientEvent;
use samsa_core::replication::events::ReplicationEvent;

use super::TraceKind;

impl From<ReplicationEvent> for TraceKind {
    fn from(event: ReplicationEvent) -> Self {
        match event {
            ReplicationEvent::Appended { broker, tp, base_offset, last_offset, leader_epoch, as_leader } => {
                TraceKind::Appended { broker, tp, base_offset, last_offset, leader_epoch, as_leader }
            }
            ReplicationEvent::HighWatermarkChanged { broker, tp, high_watermark } => {
                TraceKind::HighWatermarkChanged { broker, tp, high_watermark }
            }
            ReplicationEvent::Truncated { broker, tp, from_offset, to_offset } => {
                TraceKind::Truncated { broker, tp, from_offset, to_offset }
            }
            ReplicationEvent::BecameLeader { broker, tp, leader_epoch } => {
                TraceKind::BecameLeader { broker, tp, leader_epoch }
            }
            ReplicationEvent::BecameFollower { broker, tp, leader, leader_epoch } => {
                TraceKind::BecameFollower { broker, tp, leader, leader_epoch }
            }
            ReplicationEvent::LeaderElected { tp, leader, leader_epoch, unclean } => {
                TraceKind::LeaderElected { tp, leader, leader_epoch, unclean }
            }
            ReplicationEvent::IsrChanged { tp, isr, partition_epoch } => {
                TraceKind::IsrChanged { tp, isr, partition_epoch }
            }
            ReplicationEvent::BrokerFenced { broker } => TraceKind::BrokerFenced { broker },
            ReplicationEvent::BrokerUnfenced { broker } => TraceKind::BrokerUnfenced { broker },
            ReplicationEvent::DuplicateBatch {
                broker,
                tp,
                producer_id,
                producer_epoch,
                base_sequence,
                base_offset,
            } => TraceKind::DuplicateBatch {
                broker,
                tp,
                producer_id,
                producer_epoch,
                base_sequence,
                base_offset,
            },
            ReplicationEvent::ProduceAnswered { broker, tp, error, base_offset } => {
                TraceKind::ProduceAnswered { broker, tp, error, base_offset }
            }
            ReplicationEvent::DelayedRequestLimitReached { broker, tp, purgatory, limit } => {
                TraceKind::DelayedRequestLimitReached {
                    broker,
                    tp,
                    purgatory: purgatory.to_owned(),
                    limit: limit as u64,
                }
            }
        }
    }
}

impl From<ClientEvent> for TraceKind {
    fn from(event: ClientEvent) -> Self {
        match event {
            ClientEvent::RecordSent { client, record_id, tp } => {
                TraceKind::RecordSent { client, record_id, tp }
            }
            ClientEvent::BatchSent {
                client,
                tp,
                record_count,
                size_bytes,
                producer_id,
                producer_epoch,
                base_sequence,
                attempt,
            } => TraceKind::BatchSent {
                client,
                tp,
                record_count,
                size_bytes,
                producer_id,
                producer_epoch,
                base_sequence,
                attempt,
            },
            ClientEvent::ProducerIdAssigned { client, producer_id, producer_epoch, bumped } => {
                TraceKind::ProducerIdAssigned { client, producer_id, producer_epoch, bumped }
            }
            ClientEvent::FlushCompleted { client } => TraceKind::FlushCompleted { client },
            ClientEvent::RecordAcked { client, record_id, tp, offset } => {
                TraceKind::RecordAcked { client, record_id, tp, offset }
            }
            ClientEvent::RecordFailed { client, record_id, tp, error } => {
                TraceKind::RecordFailed { client, record_id, tp, error }
            }
            ClientEvent::RecordConsumed { client, tp, offset, record_id, high_watermark } => {
                TraceKind::RecordConsumed { client, tp, offset, record_id, high_watermark }
            }
            ClientEvent::ConsumeFailed { client, tp, offset, error } => {
                TraceKind::ConsumeFailed { client, tp, offset, error: error.to_string() }
            }
            ClientEvent::PositionReset { client, tp, from_offset, to_offset } => {
                TraceKind::PositionReset { client, tp, from_offset, to_offset }
            }
        }
    }
}

//! samsa-core's events as trace lines: one `TraceKind` variant mirrors each `ReplicationEvent` and
//! `ClientEvent` variant, field for field.

use samsa_core::client::ClientEvent;
use samsa_core::replication::events::ReplicationEvent;

use super::TraceKind;

impl From<ReplicationEvent> for TraceKind {
    fn from(event: ReplicationEvent) -> Self {
        match event {
            ReplicationEvent::TransactionStateChanged {
                broker,
                transactional_id,
                producer_id,
                producer_epoch,
                state,
                partitions,
            } => TraceKind::TransactionStateChanged {
                broker,
                transactional_id,
                producer_id,
                producer_epoch,
                state: state.name().to_owned(),
                partitions: u32::try_from(partitions.len()).unwrap_or(u32::MAX),
            },
            ReplicationEvent::TransactionTimedOut { broker, transactional_id, producer_id } => {
                TraceKind::TransactionTimedOut { broker, transactional_id, producer_id }
            }
            ReplicationEvent::TransactionCoordinatorLoaded { broker, partition } => {
                TraceKind::TransactionCoordinatorLoaded { broker, partition }
            }
            ReplicationEvent::TxnMarkerWritten {
                broker,
                tp,
                producer_id,
                producer_epoch,
                committed,
                offset,
            } => TraceKind::TxnMarkerWritten { broker, tp, producer_id, producer_epoch, committed, offset },
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
            ReplicationEvent::GroupStateChanged { broker, group_id, state, generation_id, members } => {
                TraceKind::GroupStateChanged {
                    broker,
                    group_id,
                    state: state.name().to_owned(),
                    generation_id,
                    members,
                }
            }
            ReplicationEvent::GroupMemberRemoved { broker, group_id, member_id, reason } => {
                TraceKind::GroupMemberRemoved {
                    broker,
                    group_id,
                    member_id,
                    reason: reason.describe().to_owned(),
                }
            }
            ReplicationEvent::OffsetsCommitted { broker, group_id, offsets } => {
                TraceKind::GroupOffsetsStored { broker, group_id, offsets }
            }
            ReplicationEvent::CoordinatorLoaded { broker, partition, loaded, groups } => {
                TraceKind::CoordinatorLoaded { broker, partition, loaded, groups }
            }
        }
    }
}

impl From<ClientEvent> for TraceKind {
    fn from(event: ClientEvent) -> Self {
        match event {
            ClientEvent::RecordTransformed { client, input_record_id, output_record_id } => {
                TraceKind::RecordTransformed { client, input_record_id, output_record_id }
            }
            ClientEvent::TransactionBegun { client, txn } => TraceKind::TransactionBegun { client, txn },
            ClientEvent::TransactionEnding { client, txn, commit } => {
                TraceKind::TransactionEnding { client, txn, commit }
            }
            ClientEvent::TransactionCompleted { client, txn, committed } => {
                TraceKind::TransactionCompleted { client, txn, committed }
            }
            ClientEvent::TransactionFailed { client, txn, error, fatal } => {
                TraceKind::TransactionFailed { client, txn, error, fatal }
            }
            ClientEvent::OffsetsSentToTransaction { client, txn, group_id, offsets } => {
                TraceKind::OffsetsSentToTransaction { client, txn, group_id, offsets }
            }
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
            ClientEvent::GroupJoined { client, group_id, member_id, generation_id, leader, protocol } => {
                TraceKind::GroupJoined { client, group_id, member_id, generation_id, leader, protocol }
            }
            ClientEvent::PartitionsAssigned { client, group_id, generation_id, added, owned } => {
                TraceKind::PartitionsAssigned { client, group_id, generation_id, added, owned }
            }
            ClientEvent::PartitionsRevoked { client, group_id, generation_id, partitions } => {
                TraceKind::PartitionsRevoked { client, group_id, generation_id, partitions }
            }
            ClientEvent::PartitionsLost { client, group_id, generation_id, partitions } => {
                TraceKind::PartitionsLost { client, group_id, generation_id, partitions }
            }
            ClientEvent::OffsetsCommitted { client, group_id, generation_id, offsets, auto } => {
                TraceKind::OffsetsCommitted { client, group_id, generation_id, offsets, auto }
            }
            ClientEvent::CommitFailed { client, group_id, offsets, error, auto } => {
                TraceKind::CommitFailed { client, group_id, offsets, error, auto }
            }
            ClientEvent::PositionRestored { client, tp, offset } => {
                TraceKind::PositionRestored { client, tp, offset }
            }
            ClientEvent::OffsetsForTimes { client, request_id, tp, result } => {
                TraceKind::OffsetsForTimes { client, request_id, tp, result }
            }
            ClientEvent::RecordsProcessed { client, tp, first_offset, last_offset } => {
                TraceKind::RecordsProcessed { client, tp, first_offset, last_offset }
            }
            ClientEvent::GroupLeft { client, group_id, member_id, reason } => {
                TraceKind::GroupLeft { client, group_id, member_id, reason: reason.to_string() }
            }
        }
    }
}

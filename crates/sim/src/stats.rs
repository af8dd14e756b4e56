//! Running counts of a simulation, kept as trace events are recorded: what the CLI's summary prints
//! even when no trace bytes are kept.
//!
//! - [`latency`] — [`LatencyHistogram`]: bounded send-to-ack latency (mean, p99).
//! - [`producers`] — [`ProducerCounts`]: per producer (batches, requests, retries, duplicates the
//!   leaders answered, producer id, latency) and per partition (records appended, rate).

pub mod groups;
pub mod latency;
pub mod producers;

use std::collections::BTreeMap;

use samsa_core::node::NodeId;
use serde::Serialize;

pub use groups::{GroupCounts, GroupRunStats, MemberRunStats};
pub use latency::LatencyHistogram;
pub use producers::{PartitionRunStats, ProducerCounts, ProducerRunStats};

use crate::trace::{Api, DropReason, TraceKind};

/// Counts of what happened in a run (ordered maps, so printing is deterministic).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct RunStats {
    /// Records the workload asked producers to send.
    pub records_sent: u64,
    /// Records acknowledged to the producer.
    pub records_acked: u64,
    /// Records that failed, by Kafka error name.
    pub records_failed: BTreeMap<String, u64>,
    /// Records the producer refused outright, by Kafka error name.
    pub records_rejected: BTreeMap<String, u64>,
    /// Records consumers received.
    pub records_consumed: u64,
    /// Produce answers by leaders, by Kafka error name (`NONE` for success).
    pub produce_answers: BTreeMap<String, u64>,
    /// Messages handed to the network.
    pub messages_sent: u64,
    /// Messages delivered.
    pub messages_delivered: u64,
    /// Messages lost, by reason.
    pub messages_dropped: BTreeMap<String, u64>,
    /// Extra copies the network made.
    pub messages_duplicated: u64,
    /// Leader elections (including offline "no leader" results).
    pub leader_elections: u64,
    /// Unclean leader elections.
    pub unclean_elections: u64,
    /// Log truncations.
    pub truncations: u64,
    /// Node crashes.
    pub crashes: u64,
    /// Invariant violations reported by nodes.
    pub violations: u64,
    /// Batches producers sent, retries included.
    pub batches_sent: u64,
    /// Of those, retries.
    pub batches_retried: u64,
    /// Retried batches leaders recognised as duplicates and answered with the original offset
    /// (idempotence, KIP-98).
    pub duplicate_batches: u64,
    /// Producer ids assigned (InitProducerId, KIP-98).
    pub producer_ids_assigned: u64,
    /// Producer epochs bumped (KIP-360).
    pub producer_epochs_bumped: u64,
    /// Per producer and per partition.
    pub clients: ProducerCounts,
    /// Per consumer group.
    pub groups: GroupCounts,
    /// The highest network message id seen, to tell a drop at send from a drop in flight.
    #[serde(skip)]
    newest_msg_id: u64,
}

fn bump(map: &mut BTreeMap<String, u64>, key: &str) {
    // Look up by &str first: the map has a handful of keys, so this allocates only on a new key.
    match map.get_mut(key) {
        Some(count) => *count += 1,
        None => {
            map.insert(key.to_owned(), 1);
        }
    }
}

fn drop_reason_name(reason: DropReason) -> &'static str {
    match reason {
        DropReason::LinkCut => "link_cut",
        DropReason::Random => "random",
        DropReason::NodeDown => "node_down",
        DropReason::QueueFull => "queue_full",
    }
}

impl RunStats {
    /// Counts one event, recorded at `now_ms`.
    pub fn observe(&mut self, now_ms: u64, kind: &TraceKind) {
        match kind {
            TraceKind::WorkloadSend { client, record_id, .. } => {
                self.records_sent += 1;
                self.clients.sent(now_ms, *client, *record_id);
            }
            TraceKind::RecordAcked { client, record_id, .. } => {
                self.records_acked += 1;
                self.clients.acked(now_ms, *client, *record_id);
            }
            TraceKind::RecordFailed { client, record_id, error, .. } => {
                bump(&mut self.records_failed, error.name());
                self.clients.failed(*client, *record_id);
            }
            TraceKind::SendRejected { client, record_id, error, .. } => {
                bump(&mut self.records_rejected, error.name());
                self.clients.failed(*client, *record_id);
            }
            TraceKind::RecordConsumed { .. } => self.records_consumed += 1,
            TraceKind::ProduceAnswered { error, .. } => bump(&mut self.produce_answers, error.name()),
            TraceKind::MessageSent { msg_id, from, api, .. } => {
                self.messages_sent += 1;
                self.newest_msg_id = self.newest_msg_id.max(*msg_id);
                self.produce_request(*from, *api);
            }
            TraceKind::MessageDelivered { .. } => self.messages_delivered += 1,
            TraceKind::MessageDropped { msg_id, from, api, reason, .. } => {
                bump(&mut self.messages_dropped, drop_reason_name(*reason));
                // Ids grow with every send, so an id above every one seen was dropped as it was sent (a
                // cut link, a random drop) and never had a `message_sent` line; the producer still sent it.
                if *msg_id > self.newest_msg_id {
                    self.newest_msg_id = *msg_id;
                    self.produce_request(*from, *api);
                }
            }
            TraceKind::BatchSent { client, record_count, attempt, .. } => {
                self.batches_sent += 1;
                let producer = self.clients.producer(*client);
                producer.batches_sent += 1;
                if *attempt > 0 {
                    self.batches_retried += 1;
                    producer.batches_retried += 1;
                } else {
                    producer.records_batched += u64::from(*record_count);
                }
            }
            TraceKind::DuplicateBatch { producer_id, .. } => {
                self.duplicate_batches += 1;
                self.clients.duplicate_answered(*producer_id);
            }
            TraceKind::ProducerIdAssigned { client, producer_id, producer_epoch, bumped } => {
                if *bumped {
                    self.producer_epochs_bumped += 1;
                } else {
                    self.producer_ids_assigned += 1;
                }
                self.clients.producer_id(*client, *producer_id, *producer_epoch, *bumped);
            }
            TraceKind::Appended { tp, base_offset, last_offset, as_leader: true, .. } => {
                let count = u64::try_from(last_offset - base_offset + 1).unwrap_or(0);
                self.clients.appended(now_ms, tp, count);
            }
            TraceKind::ClientReconfigured { node: NodeId::Client(client), .. } => {
                self.clients.forget_client(*client)
            }
            TraceKind::MessageDuplicated { copy_id, .. } => {
                self.messages_duplicated += 1;
                self.newest_msg_id = self.newest_msg_id.max(*copy_id);
            }
            TraceKind::LeaderElected { unclean, .. } => {
                self.leader_elections += 1;
                if *unclean {
                    self.unclean_elections += 1;
                }
            }
            TraceKind::Truncated { .. } => self.truncations += 1,
            TraceKind::NodeCrashed { node, .. } => {
                self.crashes += 1;
                if let NodeId::Client(client) = node {
                    self.clients.forget_client(*client);
                    self.groups.gone(now_ms, *client);
                }
            }
            TraceKind::InvariantViolation { .. } => self.violations += 1,
            TraceKind::GroupJoined { client, group_id, generation_id, .. } => {
                self.groups.joined(now_ms, *client, group_id, *generation_id);
            }
            TraceKind::GroupStateChanged { group_id, state, generation_id, .. }
                if state == "CompletingRebalance" =>
            {
                self.groups.rebalanced(group_id, *generation_id);
            }
            TraceKind::PartitionsAssigned { client, owned, .. } => {
                self.groups.owned_changed(now_ms, *client, Some(owned.len()), 0);
            }
            TraceKind::PartitionsRevoked { client, partitions, .. }
            | TraceKind::PartitionsLost { client, partitions, .. } => {
                self.groups.owned_changed(now_ms, *client, None, partitions.len());
            }
            TraceKind::GroupLeft { client, .. } => self.groups.gone(now_ms, *client),
            TraceKind::RecordsProcessed { client, first_offset, last_offset, .. } => {
                let records = u64::try_from(last_offset - first_offset + 1).unwrap_or(0);
                self.groups.processed(now_ms, *client, records);
            }
            _ => {}
        }
    }

    /// A produce request leaving a client (a dropped one was still sent: the producer waits for it).
    fn produce_request(&mut self, from: NodeId, api: Api) {
        if let (NodeId::Client(client), Api::Produce) = (from, api) {
            self.clients.producer(client).produce_requests += 1;
        }
    }

    /// Records that failed, all errors together.
    pub fn records_failed_total(&self) -> u64 {
        self.records_failed.values().sum()
    }
}

#[cfg(test)]
mod tests;

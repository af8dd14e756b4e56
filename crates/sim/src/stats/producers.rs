//! Per producer and per partition counts for the run summary: how each producer batched, retried and
//! was answered (Kafka's producer metrics: `batch-size-avg`, `record-retry-total`, `request-latency-*`),
//! and how many records each partition's leaders appended, so a hot partition stands out.
//!
//! Ack latency is measured from the trace — the workload's send to the record's first ack — with the
//! send times of records still waiting in a bounded map (their count is bounded by `buffer.memory`
//! anyway; past [`MAX_PENDING_LATENCIES`] a record is not timed, and the summary says how many).

use std::collections::BTreeMap;

use samsa_core::replication::messages::TopicPartition;
use serde::Serialize;

use super::latency::LatencyHistogram;

/// Most records whose send time is kept while they wait for their ack.
pub const MAX_PENDING_LATENCIES: usize = 1_000_000;

/// One producer's counts.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct ProducerRunStats {
    /// Records the workload handed it.
    pub records_sent: u64,
    /// Records acknowledged (the first ack of each).
    pub records_acked: u64,
    /// Records that failed for good.
    pub records_failed: u64,
    /// Batches put in produce requests, retries included (`BatchSent`).
    pub batches_sent: u64,
    /// Of those, retries (`attempt` > 0).
    pub batches_retried: u64,
    /// Records in first attempts of batches (for records per batch).
    pub records_batched: u64,
    /// Produce requests handed to the network, retries included.
    pub produce_requests: u64,
    /// Retried batches the leaders recognised and answered with the original offset (idempotence).
    pub duplicates_answered: u64,
    /// Producer ids assigned to it (InitProducerId).
    pub producer_ids_assigned: u64,
    /// Epoch bumps (KIP-360).
    pub epochs_bumped: u64,
    /// The producer id and epoch it last got, if any.
    pub producer_id: Option<(i64, i16)>,
    /// Send-to-ack latency of acknowledged records.
    pub ack_latency: LatencyHistogram,
    /// Acknowledged records not timed (their send time was not kept).
    pub latency_untracked: u64,
}

impl ProducerRunStats {
    /// Mean records per batch (first attempts only, so retries do not dilute it), or 0.
    pub fn records_per_batch(&self) -> f64 {
        let first_attempts = self.batches_sent - self.batches_retried;
        if first_attempts == 0 {
            0.0
        } else {
            self.records_batched as f64 / first_attempts as f64
        }
    }
}

/// One partition's counts.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct PartitionRunStats {
    /// Records appended by leaders (truncated ones included: this is traffic, not the final log).
    pub records_appended: u64,
    /// Time of the first leader append.
    pub first_append_ms: u64,
    /// Time of the last leader append.
    pub last_append_ms: u64,
}

/// Serializes a map by partition with `topic/partition` keys (JSON keys must be strings).
fn by_partition_name<S: serde::Serializer>(
    map: &BTreeMap<TopicPartition, PartitionRunStats>,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    serializer.collect_map(map.iter().map(|(tp, stats)| (format!("{}/{}", tp.topic, tp.partition), stats)))
}

/// The send time of a record waiting for its outcome.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Pending {
    client: u32,
    sent_ms: u64,
}

/// The per producer and per partition counts, fed by [`super::RunStats::observe`].
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct ProducerCounts {
    /// By client id.
    pub producers: BTreeMap<u32, ProducerRunStats>,
    /// By partition (serialized as `topic/partition`).
    #[serde(serialize_with = "by_partition_name")]
    pub partitions: BTreeMap<TopicPartition, PartitionRunStats>,
    /// Which client holds each producer id (from InitProducerId answers), to credit duplicates.
    #[serde(skip)]
    owners: BTreeMap<i64, u32>,
    /// Send times of records not yet acked or failed, by record id.
    #[serde(skip)]
    pending: BTreeMap<u64, Pending>,
}

impl ProducerCounts {
    /// One producer's counts, created on first use.
    pub(super) fn producer(&mut self, client: u32) -> &mut ProducerRunStats {
        self.producers.entry(client).or_default()
    }

    /// The workload handed `record_id` to `client` at `now_ms`.
    pub(super) fn sent(&mut self, now_ms: u64, client: u32, record_id: u64) {
        self.producer(client).records_sent += 1;
        if self.pending.len() < MAX_PENDING_LATENCIES {
            self.pending.insert(record_id, Pending { client, sent_ms: now_ms });
        }
    }

    /// `record_id` was acknowledged to `client` at `now_ms` (a later ack of the same record, from a
    /// duplicated answer, finds nothing pending and is not counted again).
    pub(super) fn acked(&mut self, now_ms: u64, client: u32, record_id: u64) {
        match self.pending.remove(&record_id) {
            Some(pending) => {
                let stats = self.producer(pending.client);
                stats.records_acked += 1;
                stats.ack_latency.record(now_ms.saturating_sub(pending.sent_ms));
            }
            None => {
                let stats = self.producer(client);
                stats.records_acked += 1;
                stats.latency_untracked += 1;
            }
        }
    }

    /// `record_id` failed for good, or the producer refused it.
    pub(super) fn failed(&mut self, client: u32, record_id: u64) {
        self.pending.remove(&record_id);
        self.producer(client).records_failed += 1;
    }

    /// A client lost its memory (crash, or replaced by a reconfigured one): its waiting records will
    /// never be answered, so their send times are dropped. Rare, so a scan is fine here.
    pub(super) fn forget_client(&mut self, client: u32) {
        self.pending.retain(|_, pending| pending.client != client);
    }

    /// A producer got an id (or an epoch bump).
    pub(super) fn producer_id(&mut self, client: u32, producer_id: i64, epoch: i16, bumped: bool) {
        self.owners.insert(producer_id, client);
        let stats = self.producer(client);
        if bumped {
            stats.epochs_bumped += 1;
        } else {
            stats.producer_ids_assigned += 1;
        }
        stats.producer_id = Some((producer_id, epoch));
    }

    /// A leader answered a retried batch of `producer_id` with the original offset.
    pub(super) fn duplicate_answered(&mut self, producer_id: i64) {
        if let Some(&client) = self.owners.get(&producer_id) {
            self.producer(client).duplicates_answered += 1;
        }
    }

    /// A leader appended `count` records to `tp` at `now_ms`.
    pub(super) fn appended(&mut self, now_ms: u64, tp: &TopicPartition, count: u64) {
        // Looked up by reference first: a partition's name is cloned once, not per append.
        if !self.partitions.contains_key(tp) {
            let first = PartitionRunStats { first_append_ms: now_ms, ..PartitionRunStats::default() };
            self.partitions.insert(tp.clone(), first);
        }
        let Some(stats) = self.partitions.get_mut(tp) else { return };
        stats.records_appended += count;
        stats.last_append_ms = now_ms;
    }

    /// Leader appends per second for each partition over the common window (the first append of any
    /// partition to the last of any), so the rates compare; in partition order.
    pub fn partition_rates(&self) -> Vec<(&TopicPartition, u64, f64)> {
        let first = self.partitions.values().map(|p| p.first_append_ms).min().unwrap_or(0);
        let last = self.partitions.values().map(|p| p.last_append_ms).max().unwrap_or(0);
        let window_s = (last.saturating_sub(first) + 1) as f64 / 1_000.0;
        self.partitions
            .iter()
            .map(|(tp, p)| (tp, p.records_appended, p.records_appended as f64 / window_s))
            .collect()
    }
}

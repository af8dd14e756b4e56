//! The crash model: what of a broker survives a crash, and how it comes back.
//!
//! Kafka writes records to the OS page cache and does not fsync per write (`log.flush.interval.messages`
//! and `log.flush.interval.ms` default to never); durability comes from replication, not from the disk.
//! So:
//! - a **process crash** (the JVM dies, the machine stays up) loses nothing the broker wrote: the page
//!   cache survives and the OS writes it out later;
//! - a **power loss** (the machine dies) loses everything not flushed. Kafka flushes a segment when it
//!   rolls, and the recovery point (`recovery-point-offset-checkpoint`) only advances on a flush, so the
//!   log comes back truncated to the base offset of its active segment.
//!
//! Either way the `leader-epoch-checkpoint` file survives (Kafka writes it with a flush on every
//! change), and so does the last `replication-offset-checkpoint`, written every
//! `replica.high.watermark.checkpoint.interval.ms`: the restarted broker's high watermark is that one,
//! not the one it had in memory. On restart, as Kafka's log recovery, epochs past the recovered log end
//! are dropped. The broker then starts fenced with no role, and a new incarnation id tells the
//! controller to move its leaderships away (KIP-631) until it has caught up with the metadata log.
//! Producer state is rebuilt from the surviving log; producer id blocks are leased anew.

use alloc::collections::BTreeMap;

use super::Broker;
use crate::log::PartitionLog;
use crate::node::BrokerId;
use crate::replication::config::{BrokerConfig, TopicConfig};
use crate::replication::epoch_cache::LeaderEpochCache;
use crate::replication::messages::TopicPartition;
use crate::replication::partition::Partition;

/// What one replica leaves on disk.
#[derive(Clone, Debug)]
pub struct DurablePartition {
    /// The topic's configs when the broker crashed.
    pub config: TopicConfig,
    /// The log (already truncated to its recovery point after a power loss).
    pub log: PartitionLog,
    /// The `leader-epoch-checkpoint` file.
    pub epochs: LeaderEpochCache,
    /// This partition's entry in the last `replication-offset-checkpoint` (0 if none was written yet).
    pub high_watermark_checkpoint: i64,
}

/// What a broker leaves on disk when it crashes.
#[derive(Clone, Debug)]
pub struct DurableState {
    /// The incarnation that crashed; the restarted broker uses the next one.
    pub incarnation_id: u64,
    /// Every replica's files.
    pub partitions: BTreeMap<TopicPartition, DurablePartition>,
    /// End of the newest producer id block the broker accepted (KIP-730), so a restarted broker never
    /// takes a late copy of an old block (see [`super::producer_ids`]).
    pub producer_id_block_end: i64,
}

impl Broker {
    /// What survives if this broker crashes now: everything on a process crash; on a power loss
    /// (`power_loss`), each log only up to its recovery point (the active segment's base offset).
    pub fn crash(&self, power_loss: bool) -> DurableState {
        let partitions = self
            .partitions
            .iter()
            .map(|(tp, partition)| {
                let mut log = partition.log().clone();
                if power_loss {
                    let recovery_point = log.segments().last().map_or(0, |segment| segment.base_offset);
                    // A failed truncation of this in-memory copy would leave more, never less, than
                    // Kafka keeps; the storage here is memory, which does not fail to truncate.
                    if log.truncate_to(recovery_point).is_err() {
                        debug_assert!(false, "in-memory truncation failed");
                    }
                }
                let durable = DurablePartition {
                    config: partition.config().clone(),
                    log,
                    epochs: partition.epochs().clone(),
                    high_watermark_checkpoint: self.high_watermark_checkpoint.get(tp).copied().unwrap_or(0),
                };
                (tp.clone(), durable)
            })
            .collect();
        let producer_id_block_end = self.producer_ids.accepted_end_id();
        DurableState { incarnation_id: self.incarnation_id, partitions, producer_id_block_end }
    }

    /// The broker `id` starting again at `now_ms` from `durable`: logs recovered, epoch caches cut to
    /// the log ends, high watermarks from the checkpoint, no roles until the controller gives them, fenced.
    pub fn restart(id: BrokerId, config: BrokerConfig, durable: DurableState, now_ms: u64) -> Broker {
        let mut topics = BTreeMap::new();
        let mut checkpoint = BTreeMap::new();
        let partitions = durable
            .partitions
            .into_iter()
            .map(|(tp, files)| {
                topics.insert(tp.topic.clone(), files.config.clone());
                checkpoint.insert(tp.clone(), files.high_watermark_checkpoint);
                let partition = Partition::restore(
                    tp.clone(),
                    files.config,
                    files.log,
                    files.epochs,
                    files.high_watermark_checkpoint,
                    now_ms,
                    &config,
                );
                (tp, partition)
            })
            .collect();
        let disk = super::BrokerDisk {
            incarnation_id: durable.incarnation_id.wrapping_add(1),
            partitions,
            topics,
            high_watermark_checkpoint: checkpoint,
            producer_id_block_end: durable.producer_id_block_end,
        };
        Broker::with_state(id, config, disk, now_ms)
    }
}

//! The client's view of the cluster: which broker leads which partition, and when to ask again.
//!
//! Like Kafka's `Metadata` + `DefaultMetadataUpdater`: one `MetadataRequest` at a time, refreshed when an
//! error says the view is stale (`requestUpdate`), at least every `metadata.max.age.ms`, never more often
//! than `retry.backoff.ms`. Kafka asks the least-loaded known node; here the request rotates over the
//! bootstrap brokers and every broker seen in metadata, so a broker that does not answer within
//! `request.timeout.ms` (or one cut off from the controller, answering stale data) is not asked twice in
//! a row. A partition's state never moves back to an older leader epoch (KIP-320's client-side check).

use alloc::collections::{BTreeMap, BTreeSet};
use alloc::string::String;
use alloc::vec::Vec;

use crate::node::BrokerId;
use crate::replication::messages::{PartitionState, TopicPartition};

/// Most partitions a client caches; states beyond it are ignored, so a hostile or huge response cannot
/// grow the cache without bound.
pub const MAX_METADATA_PARTITIONS: usize = 65_536;

/// A topic's index in a client's metadata: a small `Copy` handle the producer keys its queues by, so a
/// record never carries (or clones) the topic name. Stable for the client's lifetime: topics are never
/// forgotten.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct TopicId(usize);

#[cfg(test)]
impl TopicId {
    /// A handle for unit tests of code keyed by topic handles.
    pub(crate) fn for_test(index: usize) -> Self {
        TopicId(index)
    }
}

/// What the client knows of one topic.
#[derive(Clone, Debug)]
struct TopicMetadata {
    name: String,
    partitions: BTreeMap<u32, PartitionState>,
    /// One past the highest partition index seen (never shrinks).
    partition_count: u32,
    /// The partitions that have a leader, ascending: kept up to date as states arrive, because the
    /// partitioner asks for it on every record.
    available: Vec<u32>,
}

/// An unanswered metadata request.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct MetadataInFlight {
    correlation_id: u64,
    broker: BrokerId,
    deadline_ms: u64,
}

/// The timing configs metadata refresh obeys.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct MetadataTiming {
    /// `request.timeout.ms`.
    pub(crate) request_timeout_ms: u64,
    /// `retry.backoff.ms` (Kafka's metadata refresh backoff).
    pub(crate) retry_backoff_ms: u64,
    /// `metadata.max.age.ms`.
    pub(crate) max_age_ms: u64,
}

/// A client's metadata cache and refresh timer.
#[derive(Clone, Debug)]
pub(crate) struct ClientMetadata {
    /// Topic name → index into `topics`.
    topic_ids: BTreeMap<String, TopicId>,
    topics: Vec<TopicMetadata>,
    /// Partition states cached over all topics, bounded by `MAX_METADATA_PARTITIONS`.
    partitions_cached: usize,
    bootstrap: Vec<BrokerId>,
    /// Round-robin cursor over the candidate brokers.
    next_broker: usize,
    in_flight: Option<MetadataInFlight>,
    update_requested: bool,
    last_refresh_ms: Option<u64>,
    /// When the last request ended (answered or timed out): the next waits `retry.backoff.ms` after it.
    last_attempt_end_ms: Option<u64>,
    updates_applied: u64,
    timing: MetadataTiming,
}

impl ClientMetadata {
    /// An empty cache; the first refresh is due at once. `bootstrap` must not be empty.
    pub(crate) fn new(bootstrap: Vec<BrokerId>, timing: MetadataTiming) -> Self {
        ClientMetadata {
            topic_ids: BTreeMap::new(),
            topics: Vec::new(),
            partitions_cached: 0,
            bootstrap,
            next_broker: 0,
            in_flight: None,
            update_requested: true,
            last_refresh_ms: None,
            last_attempt_end_ms: None,
            updates_applied: 0,
            timing,
        }
    }

    /// An error showed the cache is stale (Kafka's `Metadata.requestUpdate`).
    pub(crate) fn request_update(&mut self) {
        self.update_requested = true;
    }

    /// Whether a refresh has been asked for and not yet answered.
    pub(crate) fn update_pending(&self) -> bool {
        self.update_requested || self.in_flight.is_some()
    }

    /// How many responses have been applied: lets a caller wait for "newer metadata than when I failed".
    pub(crate) fn updates_applied(&self) -> u64 {
        self.updates_applied
    }

    /// The partition's state, if known.
    pub(crate) fn state(&self, tp: &TopicPartition) -> Option<&PartitionState> {
        let topic = self.topic_id(&tp.topic)?;
        self.state_at(topic, u32::try_from(tp.partition).ok()?)
    }

    /// The partition's leader, if known and online.
    pub(crate) fn leader(&self, tp: &TopicPartition) -> Option<BrokerId> {
        self.state(tp).and_then(|s| s.leader)
    }

    /// The handle of `topic`, if it is in the metadata.
    pub(crate) fn topic_id(&self, topic: &str) -> Option<TopicId> {
        self.topic_ids.get(topic).copied()
    }

    /// The name of a topic this cache handed out a handle for.
    pub(crate) fn topic_name(&self, topic: TopicId) -> &str {
        self.topics.get(topic.0).map_or("", |t| t.name.as_str())
    }

    /// The state of partition `partition` of `topic`, if known.
    pub(crate) fn state_at(&self, topic: TopicId, partition: u32) -> Option<&PartitionState> {
        self.topics.get(topic.0)?.partitions.get(&partition)
    }

    /// The leader of partition `partition` of `topic`, if known and online.
    pub(crate) fn leader_at(&self, topic: TopicId, partition: u32) -> Option<BrokerId> {
        self.state_at(topic, partition).and_then(|s| s.leader)
    }

    /// How many partitions `topic` has (it is in the metadata, having a handle).
    pub(crate) fn partition_count(&self, topic: TopicId) -> u32 {
        self.topics.get(topic.0).map_or(0, |t| t.partition_count)
    }

    /// The partitions of `topic` that have a leader, ascending (Kafka's `availablePartitionsForTopic`).
    pub(crate) fn available_partitions(&self, topic: TopicId) -> &[u32] {
        self.topics.get(topic.0).map_or(&[], |t| t.available.as_slice())
    }

    /// Times out an unanswered request and, when a refresh is due, returns `(broker, correlation_id)` to
    /// send a `MetadataRequest` to. `next_correlation_id` is the client's shared counter.
    pub(crate) fn poll(&mut self, now_ms: u64, next_correlation_id: &mut u64) -> Option<(BrokerId, u64)> {
        if let Some(in_flight) = self.in_flight {
            if now_ms < in_flight.deadline_ms {
                return None;
            }
            // No answer within request.timeout.ms: give up on it; the rotation picks another broker.
            self.in_flight = None;
            self.last_attempt_end_ms = Some(now_ms);
            self.update_requested = true;
        }
        if now_ms < self.due_ms() {
            return None;
        }
        let broker = self.pick_broker()?;
        let correlation_id = *next_correlation_id;
        *next_correlation_id = next_correlation_id.wrapping_add(1);
        let deadline_ms = now_ms.saturating_add(self.timing.request_timeout_ms);
        self.in_flight = Some(MetadataInFlight { correlation_id, broker, deadline_ms });
        self.update_requested = false;
        Some((broker, correlation_id))
    }

    /// The earliest time `poll` has work: the in-flight deadline, or when the next refresh is due.
    pub(crate) fn next_tick_ms(&self) -> Option<u64> {
        match self.in_flight {
            Some(in_flight) => Some(in_flight.deadline_ms),
            None => Some(self.due_ms()),
        }
    }

    /// Applies a `MetadataResponse` if it answers the request in flight; returns whether it did.
    pub(crate) fn on_response(
        &mut self,
        now_ms: u64,
        from: BrokerId,
        correlation_id: u64,
        partitions: Vec<PartitionState>,
    ) -> bool {
        let answers = self.in_flight.is_some_and(|f| f.correlation_id == correlation_id && f.broker == from);
        if !answers {
            return false;
        }
        self.in_flight = None;
        self.last_attempt_end_ms = Some(now_ms);
        self.last_refresh_ms = Some(now_ms);
        self.updates_applied = self.updates_applied.wrapping_add(1);
        for state in partitions {
            self.apply(state);
        }
        true
    }

    fn apply(&mut self, state: PartitionState) {
        let Ok(index) = u32::try_from(state.tp.partition) else {
            return; // A negative partition index is malformed; nothing to learn from it.
        };
        let topic = self.topic_id(&state.tp.topic);
        match topic.and_then(|topic| self.state_at(topic, index)) {
            // KIP-320: metadata from a broker that has not heard of the latest election yet must not
            // move the client back to an older leader.
            Some(cached)
                if (state.leader_epoch, state.partition_epoch)
                    < (cached.leader_epoch, cached.partition_epoch) =>
            {
                return;
            }
            None if self.partitions_cached >= MAX_METADATA_PARTITIONS => return,
            _ => {}
        }
        let topic = match topic {
            Some(topic) => topic,
            None => {
                let topic = TopicId(self.topics.len());
                self.topic_ids.insert(state.tp.topic.clone(), topic);
                let name = state.tp.topic.clone();
                let metadata = TopicMetadata {
                    name,
                    partitions: BTreeMap::new(),
                    partition_count: 0,
                    available: Vec::new(),
                };
                self.topics.push(metadata);
                topic
            }
        };
        let Some(metadata) = self.topics.get_mut(topic.0) else {
            return; // Unreachable: the handle was just looked up or pushed.
        };
        metadata.partition_count = metadata.partition_count.max(index.saturating_add(1));
        match (metadata.available.binary_search(&index), state.leader.is_some()) {
            (Err(at), true) => metadata.available.insert(at, index),
            (Ok(at), false) => {
                metadata.available.remove(at);
            }
            _ => {}
        }
        if metadata.partitions.insert(index, state).is_none() {
            self.partitions_cached += 1;
        }
    }

    fn due_ms(&self) -> u64 {
        let wanted_ms = match self.last_refresh_ms {
            Some(last) if !self.update_requested => last.saturating_add(self.timing.max_age_ms),
            _ => 0,
        };
        let allowed_ms =
            self.last_attempt_end_ms.map_or(0, |end| end.saturating_add(self.timing.retry_backoff_ms));
        wanted_ms.max(allowed_ms)
    }

    /// The next broker in the rotation over bootstrap brokers and every replica seen in metadata.
    /// A broker to ask something any broker answers (FindCoordinator), rotating like metadata requests
    /// so a dead broker is not asked twice in a row.
    pub(crate) fn any_broker(&mut self) -> Option<BrokerId> {
        self.pick_broker()
    }

    /// Every topic in the metadata with its partition count, by name.
    pub(crate) fn topics(&self) -> impl Iterator<Item = (&str, u32)> + '_ {
        self.topic_ids
            .iter()
            .filter_map(|(name, id)| self.topics.get(id.0).map(|t| (name.as_str(), t.partition_count)))
    }

    fn pick_broker(&mut self) -> Option<BrokerId> {
        let candidates: BTreeSet<BrokerId> = self
            .bootstrap
            .iter()
            .copied()
            .chain(
                self.topics
                    .iter()
                    .flat_map(|t| t.partitions.values())
                    .flat_map(|s| s.replicas.iter().copied()),
            )
            .collect();
        if candidates.is_empty() {
            return None;
        }
        let broker = candidates.iter().copied().nth(self.next_broker % candidates.len());
        self.next_broker = self.next_broker.wrapping_add(1);
        broker
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::vec;

    fn timing() -> MetadataTiming {
        MetadataTiming { request_timeout_ms: 1000, retry_backoff_ms: 100, max_age_ms: 5000 }
    }

    fn state(partition: i32, leader: i32, leader_epoch: i32) -> PartitionState {
        PartitionState {
            tp: TopicPartition { topic: "t".into(), partition },
            replicas: vec![1, 2, 3],
            isr: vec![1, 2, 3],
            leader: Some(leader),
            leader_epoch,
            partition_epoch: leader_epoch,
        }
    }

    #[test]
    fn rotates_on_timeout_and_backs_off() {
        let mut md = ClientMetadata::new(vec![7, 3], timing());
        let mut corr = 0;
        assert_eq!(md.poll(0, &mut corr), Some((3, 0)));
        assert_eq!(md.poll(999, &mut corr), None);
        assert_eq!(md.next_tick_ms(), Some(1000));
        // Timed out at 1000: the next request waits retry.backoff.ms and goes to the other broker.
        assert_eq!(md.poll(1000, &mut corr), None);
        assert_eq!(md.next_tick_ms(), Some(1100));
        assert_eq!(md.poll(1100, &mut corr), Some((7, 1)));
    }

    #[test]
    fn ignores_older_epochs_and_refreshes_by_age() {
        let mut md = ClientMetadata::new(vec![1], timing());
        let mut corr = 0;
        let (broker, id) = md.poll(0, &mut corr).unwrap();
        assert!(md.on_response(10, broker, id, vec![state(0, 2, 5), state(2, 1, 1)]));
        let t = md.topic_id("t").unwrap();
        assert_eq!(md.partition_count(t), 3);
        assert_eq!(md.available_partitions(t), [0, 2]);
        assert_eq!(md.topic_name(t), "t");
        assert_eq!(md.next_tick_ms(), Some(5010));
        md.request_update();
        let (broker, id) = md.poll(110, &mut corr).unwrap();
        assert!(!md.on_response(120, broker, id + 1, vec![]), "wrong correlation id");
        assert!(md.on_response(120, broker, id, vec![state(0, 3, 4)]));
        assert_eq!(md.leader(&TopicPartition { topic: "t".into(), partition: 0 }), Some(2));
    }

    #[test]
    fn available_partitions_follow_leaders_going_offline_and_back() {
        let mut md = ClientMetadata::new(vec![1], timing());
        let mut corr = 0;
        let (broker, id) = md.poll(0, &mut corr).unwrap();
        let offline = PartitionState { leader: None, ..state(1, 1, 2) };
        assert!(md.on_response(
            10,
            broker,
            id,
            vec![state(0, 2, 1), state(1, 1, 1), state(2, 3, 1), offline]
        ));
        let t = md.topic_id("t").unwrap();
        assert_eq!(md.available_partitions(t), [0, 2]);
        assert_eq!(md.leader_at(t, 1), None);
        md.request_update();
        let (broker, id) = md.poll(110, &mut corr).unwrap();
        assert!(md.on_response(120, broker, id, vec![state(1, 3, 3)]));
        assert_eq!(md.available_partitions(t), [0, 1, 2]);
        assert_eq!(md.leader_at(t, 1), Some(3));
        assert_eq!(md.topic_id("other"), None);
    }
}

//! Stories about the broker side of idempotence (KIP-98, KIP-360, KIP-730) on the in-test cluster:
//! duplicates answered with the original offset, sequence gaps and fenced epochs refused, the producer
//! state surviving failover, truncation and restart, and producer ids that are never handed out twice.

extern crate alloc;

mod replication_support;

use alloc::collections::BTreeSet;
use core::sync::atomic::{AtomicU64, Ordering};

use replication_support::*;
use samsa_core::node::NodeId;
use samsa_core::record_batch::{Compression, NewRecord, RecordBatch};
use samsa_core::replication::events::ReplicationEvent;
use samsa_core::replication::messages::{
    Acks, InitProducerIdRequest, InitProducerIdResponse, Message, ProduceRequest, TopicPartition,
};
use samsa_core::replication::partition::producer_state::{BatchMetadata, MAX_PRODUCERS_PER_PARTITION};
use samsa_core::replication::BrokerConfig;
use samsa_core::ErrorCode;

/// Correlation ids of this file's requests, apart from the harness's own.
static NEXT_CORRELATION_ID: AtomicU64 = AtomicU64::new(1_000_000);

const PRODUCER: i64 = 4_000;

fn next_correlation_id() -> u64 {
    NEXT_CORRELATION_ID.fetch_add(1, Ordering::Relaxed)
}

/// A batch as an idempotent producer sends it: `values` from `producer_id`/`epoch` at `sequence`,
/// timestamped `timestamp_ms`.
fn idempotent_batch(
    producer_id: i64,
    epoch: i16,
    sequence: i32,
    values: &[&str],
    timestamp_ms: i64,
) -> Vec<u8> {
    let records = values
        .iter()
        .map(|v| NewRecord {
            key: None,
            value: Some(v.as_bytes().to_vec()),
            headers: Vec::new(),
            timestamp_ms,
        })
        .collect();
    let mut batch = RecordBatch::from_new_records(records, Compression::None).unwrap();
    batch.producer_id = producer_id;
    batch.producer_epoch = epoch;
    batch.base_sequence = sequence;
    batch.encode().unwrap()
}

/// One produce of an idempotent batch (sequence `sequence`, epoch `epoch`) to broker `to`; returns the
/// correlation id.
fn produce(
    cluster: &mut Cluster,
    to: i32,
    tp: &TopicPartition,
    acks: Acks,
    batch: (i16, i32, &[&str]),
) -> u64 {
    let (epoch, sequence, values) = batch;
    let correlation_id = next_correlation_id();
    let records = idempotent_batch(PRODUCER, epoch, sequence, values, cluster.now_ms as i64);
    let request = ProduceRequest { correlation_id, acks, timeout_ms: 30_000, tp: tp.clone(), records };
    cluster.send(to, Message::Produce(request));
    correlation_id
}

fn base_offset(cluster: &Cluster, correlation_id: u64) -> i64 {
    cluster.produce_response(correlation_id).unwrap().base_offset
}

fn three_brokers(config: BrokerConfig) -> (Cluster, TopicPartition) {
    let mut cluster = Cluster::new(3, config);
    cluster.create_topic("orders", 1, 3, topic_config(2, false));
    (cluster, Cluster::tp("orders", 0))
}

/// The remembered batches of [`PRODUCER`] on broker `id` (epoch, batches), or `None`.
fn producer_entry(cluster: &Cluster, id: i32, tp: &TopicPartition) -> Option<(i16, Vec<BatchMetadata>)> {
    let state = cluster.broker(id).partition(tp).unwrap().producer_state();
    state.entry(PRODUCER).map(|e| (e.producer_epoch, e.batches.iter().copied().collect()))
}

fn duplicates(cluster: &Cluster) -> Vec<(i32, i32, i64)> {
    let events = cluster.events.iter();
    events
        .filter_map(|e| match e {
            ReplicationEvent::DuplicateBatch { broker, base_sequence, base_offset, .. } => {
                Some((*broker, *base_sequence, *base_offset))
            }
            _ => None,
        })
        .collect()
}

/// KIP-98: a retry of a batch the leader already has is answered `NONE` with the original's base
/// offset, and nothing is appended.
#[test]
fn a_duplicate_gets_the_original_offset_and_appends_nothing() {
    let (mut cluster, tp) = three_brokers(BrokerConfig::default());
    let first = produce(&mut cluster, 1, &tp, Acks::All, (0, 0, &["a", "b"]));
    let second = produce(&mut cluster, 1, &tp, Acks::All, (0, 2, &["c"]));
    assert_eq!((base_offset(&cluster, first), base_offset(&cluster, second)), (0, 2));
    let retry = produce(&mut cluster, 1, &tp, Acks::All, (0, 0, &["a", "b"]));
    assert_answered(&cluster, retry, ErrorCode::None);
    assert_eq!(base_offset(&cluster, retry), 0, "the original's offset");
    assert_eq!(duplicates(&cluster), [(1, 0, 0)]);
    cluster.advance(1_000);
    for broker in [1, 2, 3] {
        assert_eq!(cluster.values(broker, &tp), ["a", "b", "c"], "broker {broker}");
    }
}

/// With `acks=all` the answer to a duplicate waits, as any produce, until the original is replicated.
#[test]
fn an_acks_all_duplicate_waits_until_the_original_is_replicated() {
    let (mut cluster, tp) = three_brokers(BrokerConfig::default());
    cluster.cut(NodeId::Broker(1), NodeId::Broker(3));
    let original = produce(&mut cluster, 1, &tp, Acks::All, (0, 0, &["a"]));
    let retry = produce(&mut cluster, 1, &tp, Acks::All, (0, 0, &["a"]));
    cluster.advance(1_000);
    assert!(cluster.produce_response(original).is_none() && cluster.produce_response(retry).is_none());
    assert_eq!(duplicates(&cluster), [(1, 0, 0)]);
    cluster.heal();
    cluster.advance(5_000);
    assert_eq!((base_offset(&cluster, original), base_offset(&cluster, retry)), (0, 0));
    assert_answered(&cluster, retry, ErrorCode::None);
    assert_eq!(cluster.values(3, &tp), ["a"]);
}

/// A gap in the sequence is `OUT_OF_ORDER_SEQUENCE_NUMBER` and appends nothing.
#[test]
fn a_sequence_gap_is_out_of_order() {
    let (mut cluster, tp) = three_brokers(BrokerConfig::default());
    produce(&mut cluster, 1, &tp, Acks::Leader, (0, 0, &["a", "b"]));
    let gap = produce(&mut cluster, 1, &tp, Acks::Leader, (0, 3, &["d"]));
    assert_answered(&cluster, gap, ErrorCode::OutOfOrderSequenceNumber);
    assert_eq!(cluster.log(1, &tp).log_end_offset(), 2);
}

/// An older epoch is fenced: `INVALID_PRODUCER_EPOCH`.
#[test]
fn an_older_epoch_is_refused() {
    let (mut cluster, tp) = three_brokers(BrokerConfig::default());
    produce(&mut cluster, 1, &tp, Acks::Leader, (1, 0, &["a"]));
    let old = produce(&mut cluster, 1, &tp, Acks::Leader, (0, 1, &["b"]));
    assert_answered(&cluster, old, ErrorCode::InvalidProducerEpoch);
    assert_eq!(cluster.log(1, &tp).log_end_offset(), 1);
}

/// A new epoch starts a new sequence space at 0 (KIP-360's epoch bump); any other start is refused.
#[test]
fn a_new_epoch_must_start_at_sequence_zero() {
    let (mut cluster, tp) = three_brokers(BrokerConfig::default());
    produce(&mut cluster, 1, &tp, Acks::Leader, (0, 0, &["a", "b", "c"]));
    let at_three = produce(&mut cluster, 1, &tp, Acks::Leader, (1, 3, &["d"]));
    assert_answered(&cluster, at_three, ErrorCode::OutOfOrderSequenceNumber);
    let at_zero = produce(&mut cluster, 1, &tp, Acks::Leader, (1, 0, &["d"]));
    assert_answered(&cluster, at_zero, ErrorCode::None);
    assert_eq!(base_offset(&cluster, at_zero), 3);
}

/// KIP-360: a producer the partition does not know may start at any sequence.
#[test]
fn an_unknown_producer_may_start_at_any_sequence() {
    let (mut cluster, tp) = three_brokers(BrokerConfig::default());
    let first = produce(&mut cluster, 1, &tp, Acks::All, (2, 42, &["a"]));
    assert_answered(&cluster, first, ErrorCode::None);
    let next = produce(&mut cluster, 1, &tp, Acks::All, (2, 43, &["b"]));
    assert_answered(&cluster, next, ErrorCode::None);
}

fn is_produce_response(message: &Message) -> bool {
    matches!(message, Message::ProduceResponse(_))
}

/// The producer state survives leader failover: followers built it from the batches they copied, so a
/// retry whose first answer was lost is a duplicate on the new leader too.
#[test]
fn after_failover_a_retried_batch_is_a_duplicate_on_the_new_leader() {
    let (mut cluster, tp) = three_brokers(BrokerConfig::default());
    produce(&mut cluster, 1, &tp, Acks::All, (0, 0, &["a"]));
    cluster.drop_next(NodeId::Broker(1), CLIENT, is_produce_response);
    let lost = produce(&mut cluster, 1, &tp, Acks::All, (0, 1, &["b", "c"]));
    assert!(cluster.produce_response(lost).is_none(), "the answer was lost");
    cluster.crash(1, false);
    cluster.advance(12_000);
    assert_eq!(cluster.state(&tp).leader, Some(2));
    let retry = produce(&mut cluster, 2, &tp, Acks::All, (0, 1, &["b", "c"]));
    assert_answered(&cluster, retry, ErrorCode::None);
    assert_eq!(base_offset(&cluster, retry), 1);
    assert_eq!(duplicates(&cluster), [(2, 1, 1)]);
    assert_eq!(cluster.values(2, &tp), ["a", "b", "c"]);
}

/// After a follower truncates its divergent tail (KIP-101), its producer state is the one of the log
/// that remains, then follows the new leader's batches: the same as the leader's.
#[test]
fn after_a_truncation_the_producer_state_matches_the_truncated_log() {
    let (mut cluster, tp) = three_brokers(BrokerConfig::default());
    produce(&mut cluster, 1, &tp, Acks::All, (0, 0, &["a"]));
    // Broker 1 takes "b" alone, then crashes; broker 2 leads and takes "c" at the same sequence.
    cluster.cut(NodeId::Broker(1), NodeId::Broker(2));
    cluster.cut(NodeId::Broker(1), NodeId::Broker(3));
    produce(&mut cluster, 1, &tp, Acks::Leader, (0, 1, &["b"]));
    cluster.crash(1, false);
    cluster.heal();
    cluster.advance(12_000);
    let on_new_leader = produce(&mut cluster, 2, &tp, Acks::Leader, (0, 1, &["c"]));
    assert_answered(&cluster, on_new_leader, ErrorCode::None);
    cluster.restart(1);
    let (_, batches) = producer_entry(&cluster, 1, &tp).unwrap();
    assert_eq!(batches.last().map(|b| b.last_offset), Some(1), "rebuilt from its log, with \"b\"");
    cluster.advance(15_000);
    assert_eq!(cluster.values(1, &tp), ["a", "c"]);
    assert!(cluster.events.iter().any(|e| matches!(e, ReplicationEvent::Truncated { broker: 1, .. })));
    assert_eq!(producer_entry(&cluster, 1, &tp), producer_entry(&cluster, 2, &tp));
    assert_eq!(producer_entry(&cluster, 1, &tp).unwrap().1.len(), 2, "\"b\" is forgotten");
}

/// A restarted broker rebuilds the producer state from its log, and still recognises a retry.
#[test]
fn a_restart_rebuilds_the_producer_state_from_the_log() {
    let (mut cluster, tp) = three_brokers(BrokerConfig::default());
    for sequence in 0..3 {
        let values = ["x"; 2];
        produce(&mut cluster, 1, &tp, Acks::All, (0, sequence * 2, &values));
    }
    let before = producer_entry(&cluster, 1, &tp).unwrap();
    assert_eq!(before.1.len(), 3);
    for broker in [1, 2, 3] {
        cluster.crash(broker, false);
    }
    for broker in [1, 2, 3] {
        cluster.restart(broker);
        assert_eq!(producer_entry(&cluster, broker, &tp).as_ref(), Some(&before), "broker {broker}");
    }
    cluster.advance(15_000);
    let leader = cluster.state(&tp).leader.unwrap();
    let retry = produce(&mut cluster, leader, &tp, Acks::All, (0, 2, &["x", "x"]));
    assert_eq!(base_offset(&cluster, retry), 2);
}

/// KIP-360: producers whose batches retention removed stay; all go once `producer.id.expiration.ms`
/// passed since their last batch, and then count as unknown (any sequence accepted).
#[test]
fn producers_expire_after_producer_id_expiration_ms() {
    let config = BrokerConfig {
        producer_id_expiration_ms: 60_000,
        producer_id_expiration_check_interval_ms: 10_000,
        ..BrokerConfig::default()
    };
    let (mut cluster, tp) = three_brokers(config);
    produce(&mut cluster, 1, &tp, Acks::All, (0, 0, &["a"]));
    cluster.advance(30_000);
    let gap = produce(&mut cluster, 1, &tp, Acks::All, (0, 5, &["b"]));
    assert_answered(&cluster, gap, ErrorCode::OutOfOrderSequenceNumber);
    cluster.advance(45_000);
    for broker in [1, 2, 3] {
        assert_eq!(producer_entry(&cluster, broker, &tp), None, "broker {broker}");
    }
    let after = produce(&mut cluster, 1, &tp, Acks::All, (0, 5, &["b"]));
    assert_answered(&cluster, after, ErrorCode::None);
}

/// KIP-360: when retention removes a producer's batches, the partition still knows the producer (until
/// it expires), so a gap is still a gap and a retry still a duplicate.
#[test]
fn producers_outlive_their_batches_removed_by_retention() {
    let config = BrokerConfig { log_retention_check_interval_ms: 1_000, ..BrokerConfig::default() };
    let mut cluster = Cluster::new(3, config);
    let mut topic = topic_config(2, false);
    topic.log.segment_ms = 5_000;
    topic.log.retention_ms = Some(10_000);
    cluster.create_topic("orders", 1, 3, topic);
    let tp = Cluster::tp("orders", 0);
    produce(&mut cluster, 1, &tp, Acks::All, (0, 0, &["a"]));
    cluster.advance(6_000);
    // Another producer's write rolls the old segment out of the active one; retention then deletes it.
    let records = idempotent_batch(PRODUCER + 1, 0, 0, &["z"], cluster.now_ms as i64);
    let request = ProduceRequest {
        correlation_id: next_correlation_id(),
        acks: Acks::All,
        timeout_ms: 30_000,
        tp: tp.clone(),
        records,
    };
    cluster.send(1, Message::Produce(request));
    cluster.advance(20_000);
    assert!(cluster.log(1, &tp).log_start_offset() >= 1, "\"a\" was deleted");
    assert!(producer_entry(&cluster, 1, &tp).is_some());
    let gap = produce(&mut cluster, 1, &tp, Acks::All, (0, 5, &["b"]));
    assert_answered(&cluster, gap, ErrorCode::OutOfOrderSequenceNumber);
    let retry = produce(&mut cluster, 1, &tp, Acks::All, (0, 0, &["a"]));
    assert_eq!(base_offset(&cluster, retry), 0, "the original's offset, though it is gone");
}

/// Past [`MAX_PRODUCERS_PER_PARTITION`] a partition forgets its least recently used producer.
#[test]
fn a_partition_tracks_at_most_max_producers() {
    let (mut cluster, tp) = three_brokers(BrokerConfig::default());
    cluster.check_every_step = false;
    for producer_id in 0..=MAX_PRODUCERS_PER_PARTITION as i64 {
        let records = idempotent_batch(producer_id, 0, 0, &["v"], 0);
        let correlation_id = next_correlation_id();
        let request =
            ProduceRequest { correlation_id, acks: Acks::None, timeout_ms: 30_000, tp: tp.clone(), records };
        cluster.send(1, Message::Produce(request));
    }
    cluster.advance(1_000);
    for broker in [1, 2, 3] {
        let state = cluster.broker(broker).partition(&tp).unwrap().producer_state();
        assert_eq!(state.len(), MAX_PRODUCERS_PER_PARTITION, "broker {broker}");
        assert!(state.entry(0).is_none(), "the first producer was the least recently used");
        assert_eq!(state.evicted_count(), 1);
    }
}

fn init_producer_id(cluster: &mut Cluster, to: i32) -> InitProducerIdResponse {
    let correlation_id = next_correlation_id();
    let request = InitProducerIdRequest {
        correlation_id,
        transactional_id: None,
        transaction_timeout_ms: 60_000,
        producer_id: -1,
        producer_epoch: -1,
    };
    cluster.send(to, Message::InitProducerId(request));
    cluster
        .client_inbox
        .iter()
        .find_map(|m| match m {
            Message::InitProducerIdResponse(r) if r.correlation_id == correlation_id => Some(r.clone()),
            _ => None,
        })
        .unwrap()
}

/// An id from broker `to`, retrying `COORDINATOR_LOAD_IN_PROGRESS` as a producer does.
fn new_producer_id(cluster: &mut Cluster, to: i32) -> i64 {
    for _ in 0..20 {
        let response = init_producer_id(cluster, to);
        match response.error {
            ErrorCode::None => {
                assert_eq!(response.producer_epoch, 0);
                return response.producer_id;
            }
            ErrorCode::CoordinatorLoadInProgress => cluster.advance(500),
            other => panic!("unexpected {other:?}"),
        }
    }
    panic!("no producer id from broker {to}");
}

/// KIP-730: a broker without a block answers `COORDINATOR_LOAD_IN_PROGRESS` and asks the controller;
/// once the block came, ids follow, and the next block is fetched ahead so a busy broker never waits.
#[test]
fn init_producer_id_waits_for_the_first_block_then_never_again() {
    let mut cluster = Cluster::new(3, BrokerConfig::default());
    let first = init_producer_id(&mut cluster, 1);
    assert_eq!((first.error, first.producer_id), (ErrorCode::CoordinatorLoadInProgress, -1));
    let mut ids = BTreeSet::new();
    for _ in 0..2_500 {
        let response = init_producer_id(&mut cluster, 1);
        assert_eq!(response.error, ErrorCode::None);
        assert!(ids.insert(response.producer_id), "{} handed out twice", response.producer_id);
    }
}

/// KIP-730: ids are unique across brokers, broker restarts and a controller failover, because the
/// controller hands each block out once and keeps the next free id as quorum state.
#[test]
fn producer_ids_are_unique_across_brokers_restarts_and_controller_failover() {
    let mut cluster = Cluster::new(3, BrokerConfig::default());
    let mut ids = BTreeSet::new();
    let mut take = |cluster: &mut Cluster, broker: i32| {
        let id = new_producer_id(cluster, broker);
        assert!(ids.insert(id), "{id} handed out twice");
    };
    for broker in [1, 2, 3, 1, 2, 3] {
        take(&mut cluster, broker);
    }
    cluster.crash(2, false);
    cluster.restart(2);
    cluster.advance(5_000);
    take(&mut cluster, 2);
    cluster.pause_controller();
    cluster.crash(3, false);
    cluster.restart(3);
    let waiting = init_producer_id(&mut cluster, 3);
    assert_eq!(waiting.error, ErrorCode::CoordinatorLoadInProgress, "no block while the controller is away");
    cluster.advance(3_000);
    cluster.resume_controller();
    cluster.advance(5_000);
    for broker in [3, 2, 1] {
        take(&mut cluster, broker);
    }
    assert_eq!(ids.len(), 10);
}

/// With a `transactional.id`, InitProducerId belongs to the id's transaction coordinator (KIP-98): a
/// broker that does not coordinate it (here: `__transaction_state` does not exist yet) answers
/// `NOT_COORDINATOR`, so the producer looks the coordinator up.
#[test]
fn a_transactional_init_producer_id_goes_to_the_transaction_coordinator() {
    let mut cluster = Cluster::new(1, BrokerConfig::default());
    let request = InitProducerIdRequest {
        correlation_id: 7,
        transactional_id: Some("tx".into()),
        transaction_timeout_ms: 60_000,
        producer_id: -1,
        producer_epoch: -1,
    };
    cluster.send(1, Message::InitProducerId(request));
    let answered = cluster.client_inbox.iter().any(|m| {
        matches!(m, Message::InitProducerIdResponse(r) if r.correlation_id == 7 && r.error == ErrorCode::NotCoordinator)
    });
    assert!(answered);
}

use samsa_core::node::NodeId;
use samsa_core::replication::messages::TopicPartition;
use samsa_core::ErrorCode;

use super::RunStats;
use crate::trace::{Api, DropReason, TraceKind};

fn tp(partition: i32) -> TopicPartition {
    TopicPartition { topic: "orders".to_owned(), partition }
}

fn produce(msg_id: u64) -> TraceKind {
    TraceKind::MessageSent {
        msg_id,
        from: NodeId::Client(1),
        to: NodeId::Broker(1),
        api: Api::Produce,
        deliver_at_ms: 0,
    }
}

fn batch(attempt: u32, record_count: u32) -> TraceKind {
    TraceKind::BatchSent {
        client: 1,
        tp: tp(0),
        record_count,
        size_bytes: 100,
        producer_id: 7,
        producer_epoch: 0,
        base_sequence: 0,
        attempt,
    }
}

#[test]
fn a_producers_batches_requests_retries_duplicates_and_latency_are_counted() {
    let mut stats = RunStats::default();
    let events = [
        (0, TraceKind::WorkloadSend { client: 1, record_id: 1, key: None, value_bytes: 1 }),
        (0, TraceKind::WorkloadSend { client: 1, record_id: 2, key: None, value_bytes: 1 }),
        (1, TraceKind::ProducerIdAssigned { client: 1, producer_id: 7, producer_epoch: 0, bumped: false }),
        (5, batch(0, 2)),
        (5, produce(10)),
        // The retry's request is lost as it is sent: no `message_sent`, still a request.
        (1_005, batch(1, 2)),
        (
            1_005,
            TraceKind::MessageDropped {
                msg_id: 11,
                from: NodeId::Client(1),
                to: NodeId::Broker(1),
                api: Api::Produce,
                reason: DropReason::LinkCut,
            },
        ),
        // A drop in flight of the first request is not a second request.
        (
            1_006,
            TraceKind::MessageDropped {
                msg_id: 10,
                from: NodeId::Client(1),
                to: NodeId::Broker(1),
                api: Api::Produce,
                reason: DropReason::NodeDown,
            },
        ),
        (
            1_010,
            TraceKind::DuplicateBatch {
                broker: 1,
                tp: tp(0),
                producer_id: 7,
                producer_epoch: 0,
                base_sequence: 0,
                base_offset: 0,
            },
        ),
        (1_020, TraceKind::RecordAcked { client: 1, record_id: 1, tp: tp(0), offset: 0 }),
        (
            1_020,
            TraceKind::RecordFailed { client: 1, record_id: 2, tp: tp(0), error: ErrorCode::RequestTimedOut },
        ),
        (
            8,
            TraceKind::Appended {
                broker: 1,
                tp: tp(0),
                base_offset: 0,
                last_offset: 1,
                leader_epoch: 0,
                as_leader: true,
            },
        ),
        (
            9,
            TraceKind::Appended {
                broker: 2,
                tp: tp(0),
                base_offset: 0,
                last_offset: 1,
                leader_epoch: 0,
                as_leader: false,
            },
        ),
    ];
    for (t_ms, kind) in &events {
        stats.observe(*t_ms, kind);
    }
    assert_eq!((stats.batches_sent, stats.batches_retried, stats.duplicate_batches), (2, 1, 1));
    assert_eq!((stats.producer_ids_assigned, stats.producer_epochs_bumped), (1, 0));
    let producer = &stats.clients.producers[&1];
    assert_eq!((producer.records_sent, producer.records_acked, producer.records_failed), (2, 1, 1));
    assert_eq!((producer.batches_sent, producer.batches_retried, producer.produce_requests), (2, 1, 2));
    assert_eq!(producer.records_per_batch(), 2.0, "first attempts only");
    assert_eq!((producer.duplicates_answered, producer.producer_id), (1, Some((7, 0))));
    assert_eq!((producer.ack_latency.count, producer.ack_latency.max_ms), (1, 1_020));
    let partition = &stats.clients.partitions[&tp(0)];
    assert_eq!(partition.records_appended, 2, "leader appends only");
}

#[test]
fn partition_rates_share_one_window_so_a_hot_partition_stands_out() {
    let mut stats = RunStats::default();
    for t_ms in 0..1_000 {
        let partition = if t_ms % 10 < 8 { 0 } else { 1 + (t_ms % 2) as i32 };
        let kind = TraceKind::Appended {
            broker: 1,
            tp: tp(partition),
            base_offset: 0,
            last_offset: 0,
            leader_epoch: 0,
            as_leader: true,
        };
        stats.observe(t_ms, &kind);
    }
    let rates = stats.clients.partition_rates();
    let counts: Vec<u64> = rates.iter().map(|(_, n, _)| *n).collect();
    assert_eq!(counts, vec![800, 100, 100]);
    assert!((rates[0].2 - 800.0).abs() < 1.0 && (rates[1].2 - 100.0).abs() < 1.0, "{rates:?}");
}

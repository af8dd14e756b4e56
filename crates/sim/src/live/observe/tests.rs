//! Unit tests of the timeline's lines and rings, the per-client counters and the chart buckets.

use samsa_core::node::NodeId;
use samsa_core::replication::messages::TopicPartition;
use samsa_core::ErrorCode;

use super::charts::Charts;
use super::describe::describe;
use super::timeline::{Timeline, EVENTS_PER_CATEGORY};
use super::Observers;
use crate::live::protocol::{EventCategory, MAX_CHART_BUCKETS, MAX_VIEW_EVENTS};
use crate::scenario::Scenario;
use crate::trace::{Api, DropReason, TraceEvent, TraceKind};

fn tp(partition: i32) -> TopicPartition {
    TopicPartition { topic: "orders".to_owned(), partition }
}

fn at(step: u64, t_ms: u64, kind: TraceKind) -> TraceEvent {
    TraceEvent { step, t_ms, kind }
}

fn scenario() -> Scenario {
    Scenario::parse(
        r#"
version = 1
name = "unit"
duration_ms = 10_000
[cluster]
brokers = 3
[[topics]]
name = "orders"
partitions = 2
"replication.factor" = 3
[[producers]]
topic = "orders"
workload = { rate_per_sec = 10 }
[[consumers]]
topic = "orders"
config = { "auto.offset.reset" = "earliest" }
"#,
    )
    .unwrap()
}

#[test]
fn lines_use_kafkas_names() {
    let line = |kind| describe(&at(1, 1, kind), Some(&[2, 3]));
    let elected =
        line(TraceKind::LeaderElected { tp: tp(0), leader: Some(2), leader_epoch: 3, unclean: false });
    assert_eq!(elected.text, "broker-2 elected leader of orders-0 (epoch 3), ISR [2,3]");
    assert_eq!((elected.category, elected.node), (EventCategory::Cluster, Some(NodeId::Controller)));
    let acked = line(TraceKind::RecordAcked { client: 1, record_id: 9, tp: tp(0), offset: 41 });
    assert_eq!(acked.text, "client-1 acked orders-0@41 (record 9)");
    assert_eq!((acked.category, acked.node), (EventCategory::Produce, Some(NodeId::Client(1))));
    let failed = line(TraceKind::RecordFailed {
        client: 1,
        record_id: 9,
        tp: tp(1),
        error: ErrorCode::NotEnoughReplicas,
    });
    assert!(failed.text.ends_with("failed: NOT_ENOUGH_REPLICAS"), "{}", failed.text);
    let sent = line(TraceKind::MessageSent {
        msg_id: 5,
        from: NodeId::Broker(2),
        to: NodeId::Broker(1),
        api: Api::Fetch,
        deliver_at_ms: 7,
    });
    assert_eq!(
        (sent.category, sent.text.as_str()),
        (EventCategory::Network, "broker-2 sent Fetch to broker-1 (arrives at 7 ms)")
    );
    let dropped = line(TraceKind::MessageDropped {
        msg_id: 5,
        from: NodeId::Client(1),
        to: NodeId::Broker(1),
        api: Api::Produce,
        reason: DropReason::LinkCut,
    });
    assert_eq!(dropped.text, "Produce from client-1 to broker-1 dropped (link cut)");
    let crash = line(TraceKind::NodeCrashed { node: NodeId::Broker(1), power_loss: false });
    assert_eq!((crash.category, crash.text.as_str()), (EventCategory::Fault, "broker-1 crashed"));
    let truncated = line(TraceKind::Truncated { broker: 1, tp: tp(0), from_offset: 45, to_offset: 40 });
    assert_eq!(
        (truncated.category, truncated.text.as_str()),
        (EventCategory::Log, "broker-1 truncated orders-0 from 45 to 40")
    );
    let consumed = line(TraceKind::RecordConsumed {
        client: 2,
        tp: tp(0),
        offset: 3,
        record_id: Some(4),
        high_watermark: 9,
    });
    assert_eq!(consumed.category, EventCategory::Consume);
    let broken =
        line(TraceKind::InvariantViolation { node: NodeId::Broker(3), message: "HW > LEO".to_owned() });
    assert_eq!(broken.category, EventCategory::Checker);
}

#[test]
fn an_isr_change_committed_with_an_election_completes_its_line() {
    let mut timeline = Timeline::default();
    let elected = TraceKind::LeaderElected { tp: tp(0), leader: Some(2), leader_epoch: 1, unclean: false };
    timeline.push(&at(7, 70, elected), Some(&[1, 2, 3]));
    timeline.push(&at(7, 70, TraceKind::IsrChanged { tp: tp(0), isr: vec![2, 3], partition_epoch: 2 }), None);
    // A later ISR change (another step) leaves the election's line alone.
    timeline.push(&at(9, 90, TraceKind::IsrChanged { tp: tp(0), isr: vec![2], partition_epoch: 3 }), None);
    let lines: Vec<String> = timeline.view().into_iter().map(|e| e.text).collect();
    assert_eq!(
        lines,
        [
            "broker-2 elected leader of orders-0 (epoch 1), ISR [2,3]",
            "orders-0 ISR now [2,3] (partition epoch 2)",
            "orders-0 ISR now [2] (partition epoch 3)",
        ]
    );
}

#[test]
fn network_traffic_cannot_crowd_out_the_rest_of_the_timeline() {
    let mut timeline = Timeline::default();
    timeline.push(&at(1, 1, TraceKind::NodeCrashed { node: NodeId::Broker(1), power_loss: true }), None);
    for step in 2..10_000 {
        let kind = TraceKind::MessageDelivered {
            msg_id: step,
            from: NodeId::Broker(2),
            to: NodeId::Broker(3),
            api: Api::Fetch,
        };
        timeline.push(&at(step, step, kind), None);
    }
    let view = timeline.view();
    assert_eq!(view.len(), EVENTS_PER_CATEGORY + 1);
    assert_eq!(view[0].text, "broker-1 lost power (unflushed data lost)");
    assert_eq!(view.last().map(|e| e.step), Some(9_999), "the newest messages are kept");
    for step in 10_000..12_000 {
        let kind = TraceKind::HighWatermarkChanged { broker: 1, tp: tp(0), high_watermark: step as i64 };
        timeline.push(&at(step, step, kind), None);
        let kind = TraceKind::RecordSent { client: 1, record_id: step, tp: tp(0) };
        timeline.push(&at(step, step, kind), None);
        let kind = TraceKind::RecordConsumed {
            client: 2,
            tp: tp(0),
            offset: step as i64,
            record_id: None,
            high_watermark: 0,
        };
        timeline.push(&at(step, step, kind), None);
        let kind = TraceKind::LinkHealed { a: NodeId::Broker(1), b: NodeId::Broker(2) };
        timeline.push(&at(step, step, kind), None);
    }
    let view = timeline.view();
    assert!(view.len() <= MAX_VIEW_EVENTS && view.len() > MAX_VIEW_EVENTS - 8, "{}", view.len());
    assert!(view.windows(2).all(|w| w[0].step <= w[1].step), "oldest first");
    assert_eq!(view.last().map(|e| e.step), Some(11_999), "the newest events are kept");
    // Five full rings share the view equally.
    let categories = [
        EventCategory::Network,
        EventCategory::Log,
        EventCategory::Produce,
        EventCategory::Consume,
        EventCategory::Fault,
    ];
    for category in categories {
        let n = view.iter().filter(|e| e.category == category).count();
        assert_eq!(n, MAX_VIEW_EVENTS / 5, "{category:?}");
    }
}

#[test]
fn busy_categories_cannot_push_a_quiet_one_out_of_the_view() {
    let mut timeline = Timeline::default();
    timeline.push(&at(1, 1, TraceKind::NodeCrashed { node: NodeId::Broker(1), power_loss: false }), None);
    for step in 2..2_000 {
        let batch = TraceKind::BatchSent {
            client: 1,
            tp: tp(0),
            record_count: 1,
            size_bytes: 90,
            producer_id: -1,
            producer_epoch: -1,
            base_sequence: -1,
            attempt: 0,
        };
        timeline.push(&at(step, step, batch), None);
        let sent = TraceKind::RecordSent { client: 1, record_id: step, tp: tp(0) };
        timeline.push(&at(step, step, sent), None);
        let hw = TraceKind::HighWatermarkChanged { broker: 1, tp: tp(0), high_watermark: step as i64 };
        timeline.push(&at(step, step, hw), None);
        let delivered = TraceKind::MessageDelivered {
            msg_id: step,
            from: NodeId::Broker(2),
            to: NodeId::Broker(3),
            api: Api::Fetch,
        };
        timeline.push(&at(step, step, delivered), None);
        let elected = TraceKind::BecameLeader { broker: 1, tp: tp(0), leader_epoch: step as i32 };
        timeline.push(&at(step, step, elected), None);
    }
    let view = timeline.view();
    assert!(view.len() <= MAX_VIEW_EVENTS);
    assert_eq!(view[0].text, "broker-1 crashed", "the oldest, quiet event is still listed");
}

#[test]
fn clients_count_sends_acks_and_failures_by_error_name() {
    let mut observers = Observers::new(&scenario());
    let events = [
        TraceKind::WorkloadSend { client: 1, record_id: 1, key: None, value_bytes: 10 },
        TraceKind::WorkloadSend { client: 1, record_id: 2, key: None, value_bytes: 10 },
        TraceKind::WorkloadSend { client: 1, record_id: 3, key: None, value_bytes: 10 },
        TraceKind::RecordAcked { client: 1, record_id: 1, tp: tp(0), offset: 0 },
        TraceKind::RecordAcked { client: 1, record_id: 1, tp: tp(0), offset: 0 },
        TraceKind::RecordFailed { client: 1, record_id: 2, tp: tp(1), error: ErrorCode::NotEnoughReplicas },
        TraceKind::SendRejected {
            client: 1,
            record_id: 3,
            error: ErrorCode::InvalidRecord,
            reason: "x".to_owned(),
        },
        TraceKind::RecordConsumed { client: 2, tp: tp(0), offset: 0, record_id: Some(1), high_watermark: 1 },
        TraceKind::ProduceRateChanged { client: 1, rate_per_sec: 250 },
    ];
    for (step, kind) in events.into_iter().enumerate() {
        observers.observe(&at(step as u64, 10, kind));
    }
    let producer = observers.client(1).unwrap();
    assert_eq!((producer.sent, producer.acked, producer.rate_per_sec), (3, 2, Some(250)));
    assert_eq!(producer.failed.get("NOT_ENOUGH_REPLICAS"), Some(&1));
    assert_eq!(producer.failed.get("INVALID_RECORD"), Some(&1));
    assert_eq!(producer.last_outcome.as_deref(), Some("failed: INVALID_RECORD"));
    assert_eq!(observers.client(2).unwrap().consumed, 1);
    assert_eq!(observers.failed_total(), 2);
    // The duplicated ack counts once for the loss check (the checker's first-ack rule).
    assert_eq!(observers.acks_of(&tp(0)).since(0).collect::<Vec<_>>(), [(0, 1)]);
    assert_eq!(observers.checker().records_acked(), 1);
}

#[test]
fn charts_bucket_by_second_and_lag_follows_the_leader_and_the_consumer() {
    let mut charts = Charts::new(&scenario());
    let event = |t_ms, kind| at(t_ms, t_ms, kind);
    charts.observe(&event(0, TraceKind::BecameLeader { broker: 1, tp: tp(0), leader_epoch: 0 }));
    charts
        .observe(&event(100, TraceKind::WorkloadSend { client: 1, record_id: 1, key: None, value_bytes: 1 }));
    charts.observe(&event(200, TraceKind::HighWatermarkChanged { broker: 1, tp: tp(0), high_watermark: 5 }));
    // A follower's high watermark is not the partition's.
    charts.observe(&event(300, TraceKind::HighWatermarkChanged { broker: 2, tp: tp(0), high_watermark: 9 }));
    charts.observe(&event(1_500, TraceKind::RecordAcked { client: 1, record_id: 1, tp: tp(0), offset: 0 }));
    let consumed =
        TraceKind::RecordConsumed { client: 2, tp: tp(0), offset: 1, record_id: None, high_watermark: 5 };
    charts.observe(&event(1_600, consumed));
    charts.observe(&event(4_000, TraceKind::AllHealed));
    let view = charts.view();
    assert_eq!((view.bucket_ms, view.start_ms), (1_000, 0));
    let points =
        |name: &str| view.throughput.iter().chain(&view.lag).find(|s| s.name == name).unwrap().points.clone();
    assert_eq!(points("produced"), [1, 0, 0, 0]);
    assert_eq!(points("acked"), [0, 1, 0, 0]);
    assert_eq!(points("consumed"), [0, 1, 0, 0]);
    assert_eq!(points("orders-0"), [5, 3, 3, 3], "leader HW 5 minus position 0, then 2");
    assert_eq!(points("orders-1"), [0, 0, 0, 0]);
    // A long quiet stretch keeps only the newest buckets.
    charts.observe(&event(1_000_000, TraceKind::AllHealed));
    let view = charts.view();
    assert!(view.throughput.iter().all(|s| s.points.len() == MAX_CHART_BUCKETS));
    assert_eq!(view.start_ms, 1_000_000 - MAX_CHART_BUCKETS as u64 * 1_000);
}

#[test]
fn producer_batches_and_idempotence_get_their_own_category_and_sentences() {
    let line = |kind| describe(&at(1, 1, kind), None);
    let batch = |producer_id, base_sequence, attempt| TraceKind::BatchSent {
        client: 1,
        tp: tp(0),
        record_count: 12,
        size_bytes: 480,
        producer_id,
        producer_epoch: if producer_id < 0 { -1 } else { 0 },
        base_sequence,
        attempt,
    };
    let retried = line(batch(1000, 24, 1));
    assert_eq!(
        retried.text,
        "client-1 sent a batch of 12 records (480 bytes) to orders-0 (producer id 1000, seq 24–35, epoch 0), attempt 2"
    );
    assert_eq!((retried.category, retried.node), (EventCategory::Producer, Some(NodeId::Client(1))));
    let single = line(TraceKind::BatchSent {
        client: 1,
        tp: tp(1),
        record_count: 1,
        size_bytes: 90,
        producer_id: 3,
        producer_epoch: 2,
        base_sequence: 7,
        attempt: 0,
    });
    assert_eq!(
        single.text,
        "client-1 sent a batch of 1 record (90 bytes) to orders-1 (producer id 3, seq 7, epoch 2)"
    );
    let plain = line(batch(-1, -1, 0));
    assert_eq!(plain.text, "client-1 sent a batch of 12 records (480 bytes) to orders-0");
    // Sequence numbers wrap from i32::MAX to 0 (Kafka's DefaultRecordBatch.incrementSequence).
    let wrapped = line(batch(7, i32::MAX - 1, 0));
    assert!(wrapped.text.contains(&format!("seq {}–9,", i32::MAX - 1)), "{}", wrapped.text);

    let assigned = line(TraceKind::ProducerIdAssigned {
        client: 1,
        producer_id: 1000,
        producer_epoch: 0,
        bumped: false,
    });
    assert_eq!(assigned.text, "client-1 got producer id 1000, epoch 0 (InitProducerId)");
    let bumped =
        line(TraceKind::ProducerIdAssigned { client: 1, producer_id: 1000, producer_epoch: 1, bumped: true });
    assert!(bumped.text.contains("to epoch 1") && bumped.text.contains("KIP-360"), "{}", bumped.text);
    let flushed = line(TraceKind::FlushCompleted { client: 3 });
    assert_eq!((flushed.category, flushed.node), (EventCategory::Producer, Some(NodeId::Client(3))));
    let duplicate = line(TraceKind::DuplicateBatch {
        broker: 2,
        tp: tp(0),
        producer_id: 1000,
        producer_epoch: 0,
        base_sequence: 24,
        base_offset: 41,
    });
    assert_eq!(
        duplicate.text,
        "broker-2 recognised a retried batch of producer id 1000 (epoch 0, seq 24) on orders-0 and answered \
         with the original offset 41 instead of appending it again"
    );
    assert_eq!((duplicate.category, duplicate.node), (EventCategory::Producer, Some(NodeId::Broker(2))));
}

#[test]
fn the_produce_rate_chart_counts_what_leaders_append_per_partition() {
    let mut charts = Charts::new(&scenario());
    let appended = |broker, partition, base_offset, last_offset, as_leader| TraceKind::Appended {
        broker,
        tp: tp(partition),
        base_offset,
        last_offset,
        leader_epoch: 0,
        as_leader,
    };
    charts.observe(&at(1, 100, appended(1, 0, 0, 9, true)));
    // A follower copying the same records is not a produce.
    charts.observe(&at(2, 200, appended(2, 0, 0, 9, false)));
    charts.observe(&at(3, 300, appended(2, 1, 0, 1, true)));
    charts.observe(&at(4, 1_200, appended(1, 0, 10, 10, true)));
    // A partition outside the scenario is ignored, not a panic.
    charts.observe(&at(
        5,
        1_300,
        TraceKind::Appended {
            broker: 1,
            tp: TopicPartition { topic: "other".to_owned(), partition: 0 },
            base_offset: 0,
            last_offset: 4,
            leader_epoch: 0,
            as_leader: true,
        },
    ));
    charts.observe(&at(6, 3_000, TraceKind::AllHealed));
    let view = charts.view();
    let names: Vec<&str> = view.produce_rate.iter().map(|s| s.name.as_str()).collect();
    assert_eq!(names, ["orders-0", "orders-1"]);
    assert_eq!(view.produce_rate[0].points, [10, 1, 0]);
    assert_eq!(view.produce_rate[1].points, [2, 0, 0]);
    // Buckets stay bounded however long the run.
    charts.observe(&at(7, 1_000_000, appended(1, 1, 11, 11, true)));
    charts.observe(&at(8, 1_001_000, TraceKind::AllHealed));
    let view = charts.view();
    assert!(view.produce_rate.iter().all(|s| s.points.len() == MAX_CHART_BUCKETS));
    assert_eq!(view.produce_rate[1].points.last(), Some(&1));
}

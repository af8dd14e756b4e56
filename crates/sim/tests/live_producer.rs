//! The playground's producer views (`samsa_sim::live`): the batching and idempotence numbers are the
//! producer's own and agree with the trace, config edits go through Kafka's rules (an explicit
//! `enable.idempotence=true` with `acks=1` is refused with Kafka's sentence), the timeline has the
//! producer's batches, and the per-partition produce rate shows where the records go.

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::rc::Rc;

use samsa_core::client::ProducerConfig;
use samsa_sim::cluster::build;
use samsa_sim::engine::SimConfig;
use samsa_sim::live::protocol::{Command, EventCategory, LiveView, Update, UserAction};
use samsa_sim::live::{build_view, LiveSession, Observers};
use samsa_sim::scenario::Scenario;
use samsa_sim::trace::{Trace, TraceKind};

/// One idempotent producer (explicitly, as Kafka ≥ 3.0 would by default) on a healthy 3-broker
/// cluster, lingering 10 ms so batches hold several records.
const IDEMPOTENT: &str = r#"
version = 1
name = "producer-view"
seed = 7
duration_ms = 60_000
[cluster]
brokers = 3
[[topics]]
name = "orders"
partitions = 3
"replication.factor" = 3
config = { "min.insync.replicas" = 2 }
[[producers]]
topic = "orders"
config = { acks = "all", retries = 5, "linger.ms" = 10, "enable.idempotence" = true }
workload = { rate_per_sec = 300, keys = 12, value_bytes = 100, start_ms = 500, stop_ms = 50_000 }
"#;

fn view(update: Update) -> LiveView {
    match update {
        Update::View(view) => *view,
        other => panic!("expected a view, got {other:?}"),
    }
}

fn set(name: &str, value: &str) -> Command {
    Command::Act {
        action: UserAction::SetClientConfig {
            client: "client-1".into(),
            name: name.into(),
            value: value.into(),
        },
    }
}

#[test]
fn the_producer_panel_shows_the_configs_and_idempotence_the_producer_runs_with() {
    let mut session = LiveSession::load(IDEMPOTENT, None).unwrap();
    let first = view(session.handle(Command::Advance { virtual_ms: 2_000 }));
    let producer = &first.producers[0];
    let names: Vec<&str> = producer.configs.iter().map(|e| e.name.as_str()).collect();
    for name in
        ["enable.idempotence", "linger.ms", "batch.size", "compression.type", "buffer.memory", "max.block.ms"]
    {
        assert!(names.contains(&name), "the panel lists {name}: {names:?}");
    }
    assert_eq!(names.len(), ProducerConfig::NAMES.len());
    assert!(producer.batching.idempotent);
    assert_eq!(producer.batching.buffer_memory_bytes, ProducerConfig::default().buffer_memory);

    let off = view(session.handle(set("enable.idempotence", "false")));
    assert!(!off.producers[0].batching.idempotent);
    assert_eq!(off.producers[0].batching.producer_id, None, "a producer without idempotence has no id");

    let smaller = view(session.handle(set("buffer.memory", "1048576")));
    assert_eq!(smaller.producers[0].batching.buffer_memory_bytes, 1_048_576);

    view(session.handle(set("acks", "1")));
    // Kafka refuses an explicit enable.idempotence=true with acks≠all (KAFKA-13673), in its words,
    // on the field the person edited; the running producer is kept.
    match session.handle(set("enable.idempotence", "true")) {
        Update::Refused { field, message } => {
            assert_eq!(field.as_deref(), Some("enable.idempotence"));
            assert!(
                message.contains("Must set acks to all in order to use the idempotent producer"),
                "{message}"
            );
        }
        other => panic!("expected a refusal, got {other:?}"),
    }
}

/// The view's batch counts are the producer's own and match the `BatchSent` events of the trace;
/// an idempotent producer shows the producer id it got, and the timeline says so.
#[test]
fn batch_counts_agree_with_the_trace_and_an_idempotent_producer_shows_its_id() {
    let scenario = Scenario::parse(IDEMPOTENT).unwrap();
    let config =
        SimConfig { network: scenario.network.clone(), ..SimConfig::new(scenario.seed, &scenario.name) };
    let mut sim = build(&scenario, config, Trace::hash_only()).unwrap();
    let observers = Rc::new(RefCell::new(Observers::new(&scenario)));
    let batches = Rc::new(RefCell::new((0_u64, 0_u64)));
    let (feed, count) = (Rc::clone(&observers), Rc::clone(&batches));
    sim.set_observer(Box::new(move |event| {
        if let TraceKind::BatchSent { client: 1, record_count, .. } = &event.kind {
            let mut count = count.borrow_mut();
            count.0 += 1;
            count.1 += u64::from(*record_count);
        }
        feed.borrow_mut().observe(event);
    }));
    sim.run_until(10_000).unwrap();
    let view = build_view(&sim, &scenario, &observers.borrow(), None);
    let b = &view.producers[0].batching;
    let (batch_events, records_in_batches) = *batches.borrow();
    assert!(b.batches_sent > 0, "the producer sent batches: {b:?}");
    assert_eq!(b.batches_sent, batch_events, "one BatchSent per batch per attempt");
    assert!(b.requests_sent >= 1 && b.bytes_sent > 0, "{b:?}");
    assert!(b.records_per_batch >= 1.0, "{b:?}");
    assert!(records_in_batches >= b.batches_sent);
    assert!(b.mean_ack_latency_ms > 0.0, "acks take a network round trip: {b:?}");
    assert!(b.buffered_bytes <= b.buffer_memory_bytes);
    assert!(b.idempotent);
    let (id, epoch) =
        (b.producer_id.expect("an id from InitProducerId"), b.producer_epoch.expect("an epoch"));
    assert!(id >= 0 && epoch >= 0, "{id} {epoch}");
    let producer_lines: Vec<&str> = view
        .events
        .iter()
        .filter(|e| e.category == EventCategory::Producer)
        .map(|e| e.text.as_str())
        .collect();
    assert!(producer_lines.iter().any(|t| t.starts_with("client-1 sent a batch of")), "{producer_lines:?}");
}

/// One key carries every record, so one partition's leader appends them all: the produce rate chart
/// shows that partition alone, and its total is what the leaders' logs hold.
#[test]
fn the_produce_rate_chart_shows_the_partition_a_hot_key_writes_to() {
    let hot = IDEMPOTENT.replace("keys = 12", "keys = 1");
    let mut session = LiveSession::load(&hot, None).unwrap();
    let view = view(session.handle(Command::Advance { virtual_ms: 8_000 }));
    let totals: BTreeMap<&str, i64> =
        view.charts.produce_rate.iter().map(|s| (s.name.as_str(), s.points.iter().sum())).collect();
    assert_eq!(totals.len(), 3, "one series per partition: {totals:?}");
    let busy: Vec<(&&str, &i64)> = totals.iter().filter(|(_, &n)| n > 0).collect();
    assert_eq!(busy.len(), 1, "one key, one partition: {totals:?}");
    let (name, &appended) = busy[0];
    let leader_end: i64 = view
        .cluster
        .partitions
        .iter()
        .filter(|p| format!("{}-{}", p.partition.topic, p.partition.partition) == **name)
        .map(|p| p.log_end_offset)
        .sum();
    // The chart's closed buckets end at the last whole second; the log has what came after too.
    assert!(appended > 0 && appended <= leader_end, "{appended} appended, log end {leader_end}");
    assert!(view
        .charts
        .produce_rate
        .iter()
        .all(|s| s.points.len() == view.charts.throughput[0].points.len()));
}

/// Without idempotence and with five requests in flight, a lossy network makes retries land after
/// later batches (Kafka's docs for `max.in.flight.requests.per.connection`): the live reorder count
/// agrees with the end-of-run checker's at the same moment.
#[test]
fn the_live_reorder_count_agrees_with_the_end_of_run_checker() {
    let lossy = IDEMPOTENT
        .replace(
            r#"retries = 5, "linger.ms" = 10, "enable.idempotence" = true"#,
            r#"retries = 10, "linger.ms" = 0, "enable.idempotence" = false, "max.in.flight.requests.per.connection" = 5, "request.timeout.ms" = 300, "delivery.timeout.ms" = 30000"#,
        )
        .replace("[cluster]", "[network]\ndrop_rate = 0.05\nreorder_rate = 0.2\n\n[cluster]");
    let scenario = Scenario::parse(&lossy).unwrap();
    let mut reordered_somewhere = false;
    for seed in 1..=4 {
        let config = SimConfig { network: scenario.network.clone(), ..SimConfig::new(seed, &scenario.name) };
        let mut sim = build(&scenario, config, Trace::hash_only()).unwrap();
        let observers = Rc::new(RefCell::new(Observers::new(&scenario)));
        let feed = Rc::clone(&observers);
        sim.set_observer(Box::new(move |event| feed.borrow_mut().observe(event)));
        for t_ms in [4_000, 8_000, 12_000] {
            sim.run_until(t_ms).unwrap();
            let live = build_view(&sim, &scenario, &observers.borrow(), None).checker;
            let state = samsa_sim::cluster::final_state(&sim).unwrap();
            let report = observers.borrow().checker().clone().finish(&state);
            assert_eq!(live.reordered, report.records_reordered, "seed {seed} at {t_ms} ms");
            reordered_somewhere |= live.reordered > 0;
        }
    }
    assert!(reordered_somewhere, "the lossy network reorders retried batches in some run");
}

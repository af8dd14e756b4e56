//! The playground's views of a running simulation (`samsa_sim::live::{Observers, build_view}`): what a
//! person sees after a crash, a truncation, at load, and whether the live checker counts agree with
//! the end-of-run checker.

use std::cell::RefCell;
use std::rc::Rc;

use samsa_sim::checker::{Report, ViolationKind};
use samsa_sim::cluster::{build, final_state};
use samsa_sim::engine::{SimConfig, Simulation};
use samsa_sim::live::protocol::{
    EventCategory, LiveView, NodeState, PartitionRef, MAX_CHART_BUCKETS, MAX_VIEW_EVENTS, MAX_VIEW_OFFSETS,
    MAX_VIEW_VIOLATIONS,
};
use samsa_sim::live::{branch_counts, build_view, Observers};
use samsa_sim::scenario::Scenario;
use samsa_sim::trace::Trace;

/// A scenario running with observers fed by the engine, as the live session runs it.
struct Run {
    scenario: Scenario,
    sim: Simulation,
    observers: Rc<RefCell<Observers>>,
}

impl Run {
    fn file(name: &str) -> Run {
        let file = format!("{}/../../scenarios/{name}.toml", env!("CARGO_MANIFEST_DIR"));
        let text = std::fs::read_to_string(&file).unwrap_or_else(|e| panic!("cannot read {file}: {e}"));
        Run::text(&text)
    }

    fn text(toml: &str) -> Run {
        let scenario = Scenario::parse(toml).unwrap();
        let config =
            SimConfig { network: scenario.network.clone(), ..SimConfig::new(scenario.seed, &scenario.name) };
        let mut sim = build(&scenario, config, Trace::hash_only()).unwrap();
        let observers = Rc::new(RefCell::new(Observers::new(&scenario)));
        let feed = Rc::clone(&observers);
        sim.set_observer(Box::new(move |event| feed.borrow_mut().observe(event)));
        Run { scenario, sim, observers }
    }

    fn until(&mut self, t_ms: u64) {
        self.sim.run_until(t_ms).unwrap();
    }

    fn view(&self) -> LiveView {
        build_view(&self.sim, &self.scenario, &self.observers.borrow(), None)
    }

    fn view_of(&self, focus: &PartitionRef) -> LiveView {
        build_view(&self.sim, &self.scenario, &self.observers.borrow(), Some(focus))
    }

    /// The view a freshly cloned `Observers` (no cached counts, as after a checkpoint restore) gives.
    fn cold_view(&self) -> LiveView {
        let observers = self.observers.borrow().clone();
        build_view(&self.sim, &self.scenario, &observers, None)
    }

    /// The end-of-run checker's verdict on the run so far.
    fn report(&self) -> Report {
        let state = final_state(&self.sim).unwrap();
        self.observers.borrow().checker().clone().finish(&state)
    }
}

fn orders(partition: i32) -> PartitionRef {
    PartitionRef { topic: "orders".to_owned(), partition }
}

/// The end-of-run checker's ordering count, as the live view counts it.
fn out_of_order(report: &Report) -> u64 {
    report.count_of(ViolationKind::ProducerOrder) + report.count_of(ViolationKind::ConsumerOrder)
}

#[test]
fn acks1_leader_crash_loses_acked_writes_live_and_agrees_with_the_end_of_run_checker() {
    let mut run = Run::file("acks1-leader-crash");
    let mut lost_before_crash = Vec::new();
    let mut most_lost = 0;
    let mut t_ms = 250;
    while t_ms <= run.scenario.duration_ms {
        run.until(t_ms);
        let view = run.view();
        // Incremental counts equal counts worked out from scratch, at every moment.
        assert_eq!(view, run.cold_view(), "cached and fresh views differ at {t_ms} ms");
        if t_ms < 6_000 {
            lost_before_crash.push(view.checker.lost);
        }
        most_lost = most_lost.max(view.checker.lost);
        t_ms += 250;
    }
    assert!(lost_before_crash.iter().all(|&lost| lost == 0), "nothing is lost while broker-1 leads");
    assert!(most_lost > 0, "records acked by the cut-off leader are lost once broker-2 leads");
    let view = run.view();
    let report = run.report();
    assert!(report.acked_lost > 0);
    assert_eq!(view.checker.lost, report.acked_lost, "live and end-of-run loss counts agree at the end");
    assert_eq!(view.checker.duplicated, report.duplicated);
    assert_eq!(view.checker.out_of_order, out_of_order(&report));
    assert_eq!(view.checker.records_acked, report.records_acked);
    let lost_rows: Vec<_> = view.checker.violations.iter().filter(|v| v.kind == "acked-write-lost").collect();
    assert!(!lost_rows.is_empty());
    for row in &lost_rows {
        // Dated at the ack, between the cut (4 s) and the crash (6 s), with the sentence saying why.
        assert!((4_000..=6_100).contains(&row.t_ms), "{row:?}");
        assert!(row.detail.contains("acked to client-1 at orders-0@"), "{}", row.detail);
        assert!(row.detail.contains("leader broker-2"), "{}", row.detail);
    }
    let counts = branch_counts(&run.observers.borrow());
    assert_eq!((counts.lost, counts.acked), (report.acked_lost, report.records_acked));
}

#[test]
fn acks_all_min_isr_2_loses_nothing_live_and_agrees_with_the_end_of_run_checker() {
    let mut run = Run::file("acks-all-min-isr-2");
    let mut t_ms = 500;
    while t_ms <= run.scenario.duration_ms {
        run.until(t_ms);
        let view = run.view();
        assert_eq!(view.checker.lost, 0, "at {t_ms} ms");
        assert_eq!(view, run.cold_view(), "cached and fresh views differ at {t_ms} ms");
        t_ms += 500;
    }
    let view = run.view();
    let report = run.report();
    assert_eq!((view.checker.lost, report.acked_lost), (0, 0));
    assert_eq!(view.checker.duplicated, report.duplicated);
    assert_eq!(view.checker.out_of_order, out_of_order(&report));
    assert!(view.checker.records_acked > 0);
    // The producer saw the ISR fall below min.insync.replicas: NOT_ENOUGH_REPLICAS is retriable, so
    // it retried (Kafka's default retries) until delivery.timeout.ms failed the records.
    let producer = &view.producers[0];
    assert!(producer.batching.batches_retried > 0, "{producer:?}");
    assert!(producer.records_failed.iter().any(|(_, n)| *n > 0), "{producer:?}");
    let counts = branch_counts(&run.observers.borrow());
    assert!(counts.failed > 0);
    assert_eq!(counts.lost, 0);
}

/// One partition, three replicas, acks=all; broker-1 (the first leader) crashes at 3 s.
const CRASH: &str = r#"
version = 1
name = "crash"
seed = 7
duration_ms = 12_000
[cluster]
brokers = 3
config = { "broker.session.timeout.ms" = 2000, "broker.heartbeat.interval.ms" = 500 }
[[topics]]
name = "orders"
partitions = 1
"replication.factor" = 3
config = { "min.insync.replicas" = 2 }
[[producers]]
topic = "orders"
config = { acks = "all" }
workload = { rate_per_sec = 50, keys = 5, value_bytes = 20, start_ms = 500, stop_ms = 12_000 }
[[consumers]]
topic = "orders"
[[faults]]
at_ms = 3_000
action = "crash"
node = "broker-1"
[[faults]]
at_ms = 8_000
action = "restart"
node = "broker-1"
"#;

#[test]
fn a_crash_shows_the_new_leader_the_isr_change_and_an_under_replicated_partition() {
    let mut run = Run::text(CRASH);
    run.until(2_900);
    let before = run.view();
    let partition = &before.cluster.partitions[0];
    assert_eq!((partition.leader, partition.isr.as_slice()), (Some(1), &[1, 2, 3][..]));
    assert!(!partition.under_replicated);
    assert_eq!(before.cluster.metrics.under_replicated_partitions, 0);
    assert_eq!(before.cluster.metrics.active_controller_count, 1);

    run.until(7_000);
    let view = run.view();
    let partition = &view.cluster.partitions[0];
    let leader = partition.leader.expect("a new leader is elected from the ISR");
    assert_ne!(leader, 1);
    assert!(!partition.isr.contains(&1), "the fenced broker leaves the ISR: {:?}", partition.isr);
    assert!(partition.leader_epoch > 0);
    assert!(partition.under_replicated && !partition.offline && !partition.under_min_isr);
    assert_eq!(view.cluster.metrics.under_replicated_partitions, 1);
    assert_eq!(view.cluster.metrics.offline_partitions_count, 0);
    assert_eq!(view.cluster.brokers[0].state, NodeState::Down);
    assert_eq!(view.cluster.brokers[0].leader_count, 0);
    assert_eq!(view.cluster.brokers[usize::try_from(leader - 1).unwrap()].leader_count, 1);
    assert!(partition.high_watermark > 0 && partition.log_end_offset >= partition.high_watermark);
    // The timeline tells it with Kafka's names.
    let elected = format!("broker-{leader} elected leader of orders-0 (epoch {})", partition.leader_epoch);
    let line =
        view.events.iter().find(|e| e.text.starts_with(&elected)).expect("the election is on the timeline");
    assert_eq!(line.category, EventCategory::Cluster);
    assert!(
        line.text.ends_with(&format!(
            "ISR [{}]",
            partition.isr.iter().map(i32::to_string).collect::<Vec<_>>().join(",")
        )),
        "{}",
        line.text
    );
    assert!(view.events.iter().any(|e| e.category == EventCategory::Fault && e.text == "broker-1 crashed"));
    // The log view: the crashed broker's replica is down and shows nothing; the leader's is marked.
    let log = view.log.as_ref().unwrap();
    assert_eq!(log.replicas.len(), 3);
    let down = log.replicas.iter().find(|r| r.broker == 1).unwrap();
    assert_eq!((down.state, down.batches.len(), down.log_end_offset), (NodeState::Down, 0, -1));
    let leader_log = log.replicas.iter().find(|r| r.broker == leader).unwrap();
    assert!(leader_log.is_leader && leader_log.in_isr && !down.in_isr);
    assert_eq!(leader_log.high_watermark, partition.high_watermark);

    run.until(12_000);
    let after = run.view();
    assert_eq!(after.cluster.partitions[0].isr.len(), 3, "broker-1 catches up and rejoins the ISR");
    assert_eq!(after.cluster.metrics.under_replicated_partitions, 0);
}

#[test]
fn the_log_view_shows_the_old_leader_truncated_after_its_restart() {
    let mut run = Run::file("acks1-leader-crash");
    run.until(5_990);
    let before = run.view_of(&orders(0));
    let old_leader = before.log.as_ref().unwrap().replicas.iter().find(|r| r.broker == 1).unwrap().clone();
    assert!(old_leader.is_leader);
    // broker-1 is cut off: its log runs ahead of the followers'.
    let follower_end =
        before.log.as_ref().unwrap().replicas.iter().find(|r| r.broker == 2).unwrap().log_end_offset;
    assert!(old_leader.log_end_offset > follower_end);

    // The timeline shows the truncation soon after the restart at 20 s.
    let mut t_ms = 20_000;
    let truncation = loop {
        run.until(t_ms);
        let view = run.view_of(&orders(0));
        let line =
            view.events.iter().find(|e| e.text.starts_with("broker-1 truncated orders-0 from")).cloned();
        if let Some(line) = line {
            break line;
        }

        assert!(t_ms < 25_000, "no truncation on the timeline by {t_ms} ms");
        // Every millisecond: the restarted follower then fetches the leader's batches and appends
        // hundreds in one step, which pushes the truncation out of the Log category's ring.
        t_ms += 1;
    };
    assert_eq!((truncation.category, truncation.node.as_deref()), (EventCategory::Log, Some("broker-1")));

    run.until(30_000);
    let after = run.view_of(&orders(0));
    let log = after.log.as_ref().unwrap();
    let restarted = log.replicas.iter().find(|r| r.broker == 1).unwrap();
    let leader = log.replicas.iter().find(|r| r.is_leader).unwrap();
    assert_eq!(restarted.state, NodeState::Up);
    assert!(!restarted.is_leader && leader.broker != 1);
    // After truncation by leader epoch (KIP-101) and catching up, broker-1 holds the leader's batches.
    assert_eq!(restarted.batches, leader.batches);
    assert_eq!(restarted.log_end_offset, leader.log_end_offset);
    // The records broker-1 had acked at the divergent offsets are gone from its log.
    let old_ids: Vec<(i64, Option<u64>)> = old_leader
        .batches
        .iter()
        .filter(|b| b.base_offset >= follower_end)
        .flat_map(|b| (b.base_offset..=b.last_offset).zip(b.record_ids.iter().copied()))
        .collect();
    assert!(!old_ids.is_empty());
    for batch in &restarted.batches {
        for (offset, id) in (batch.base_offset..=batch.last_offset).zip(&batch.record_ids) {
            if let Some((_, old)) = old_ids.iter().find(|(o, _)| *o == offset) {
                assert_ne!(old, id, "offset {offset} holds a new record after the truncation");
            }
        }
    }
    for replica in &log.replicas {
        let covered: i64 = replica.batches.iter().map(|b| b.last_offset - b.base_offset + 1).sum();
        assert!(covered <= MAX_VIEW_OFFSETS as i64);
        assert!(replica
            .batches
            .iter()
            .all(|b| b.record_ids.len() as i64 == b.last_offset - b.base_offset + 1));
    }
}

#[test]
fn events_are_categorised_for_the_timeline_filter() {
    let mut run = Run::file("acks-all-min-isr-2");
    run.until(30_000);
    let view = run.view();
    assert!(view.events.len() <= MAX_VIEW_EVENTS);
    let of = |category| view.events.iter().filter(move |e| e.category == category);
    // The network's traffic cannot crowd out the rest: every busy category has its share.
    for category in
        [EventCategory::Network, EventCategory::Log, EventCategory::Produce, EventCategory::Cluster]
    {
        assert!(of(category).count() > 0, "{category:?}");
    }
    assert!(of(EventCategory::Network)
        .all(|e| e.text.contains(" sent ") || e.text.contains(" received ") || e.text.contains(" dropped")));
    assert!(of(EventCategory::Fault).any(|e| e.text == "broker-1 lost power (unflushed data lost)"));
    assert!(of(EventCategory::Fault).any(|e| e.text == "every link healed"));
    assert!(of(EventCategory::Produce).any(|e| e.text.starts_with("client-1 acked orders-0@")));
    assert!(of(EventCategory::Log).any(|e| e.text.contains("high watermark →")));
    // Oldest first, every event up to now.
    assert!(view.events.windows(2).all(|w| (w[0].step, w[0].t_ms) <= (w[1].step, w[1].t_ms)));
    assert!(view.events.iter().all(|e| e.t_ms <= view.time.t_ms));
    // The failed sends of the under-min-ISR period, by Kafka's error name.
    let mut run = Run::file("acks-all-min-isr-2");
    run.until(14_000);
    let view = run.view();
    // NOT_ENOUGH_REPLICAS is retriable: the leader's answers show it (the producer retries them).
    assert!(view
        .events
        .iter()
        .any(|e| e.category == EventCategory::Produce && e.text.ends_with(": NOT_ENOUGH_REPLICAS")));
    assert!(view.producers[0].last_outcome.is_some());
}

#[test]
fn views_at_load_stay_within_the_protocol_bounds() {
    let mut run = Run::file("playground-load");
    run.until(20_000);
    let view = run.view();
    assert_eq!(view.cluster.partitions.len(), 12);
    assert!(view.events.len() <= MAX_VIEW_EVENTS);
    assert!(view.checker.violations.len() <= MAX_VIEW_VIOLATIONS);
    assert!(view.charts.throughput.iter().all(|s| s.points.len() <= MAX_CHART_BUCKETS));
    assert_eq!(view.charts.lag.len(), 12, "one lag series per partition");
    let produced = &view.charts.throughput[0];
    assert_eq!(produced.name, "produced");
    // 1,000 records a second, in one-second buckets (after the first, which starts at 500 ms).
    assert!(produced.points.iter().skip(1).all(|&n| n == 1_000), "{:?}", produced.points);
    assert_eq!(view.charts.start_ms, 0);
    for replica in &view.log.as_ref().unwrap().replicas {
        let covered: i64 = replica.batches.iter().map(|b| b.last_offset - b.base_offset + 1).sum();
        assert!(covered <= MAX_VIEW_OFFSETS as i64 && covered > 0);
    }
    let producer = &view.producers[0];
    assert_eq!((producer.rate_per_sec, producer.topic.as_str()), (1_000, "orders"));
    assert!(producer.configs.iter().any(|c| c.name == "acks" && c.value == "all"));
    let consumer = &view.consumers[0];
    assert_eq!(consumer.partitions.len(), 12);
    assert!(consumer.partitions.iter().all(|p| p.position > 0 && p.lag >= 0));
    assert_eq!((view.checker.lost, view.checker.duplicated), (0, 0));
    assert_eq!(view, run.cold_view());
}

/// A quiet run long enough to fill the charts past their bound.
const LONG: &str = r#"
version = 1
name = "long"
seed = 3
duration_ms = 200_000
[cluster]
brokers = 1
[[topics]]
name = "orders"
partitions = 1
"replication.factor" = 1
[[producers]]
topic = "orders"
config = { acks = "1" }
workload = { rate_per_sec = 2, value_bytes = 10, start_ms = 0, stop_ms = 200_000 }
[[consumers]]
topic = "orders"
"#;

#[test]
fn charts_keep_the_newest_buckets() {
    let mut run = Run::text(LONG);
    run.until(200_000);
    let view = run.view();
    for series in view.charts.throughput.iter().chain(&view.charts.lag) {
        assert_eq!(series.points.len(), MAX_CHART_BUCKETS, "{}", series.name);
    }
    let end_ms = view.charts.start_ms + MAX_CHART_BUCKETS as u64 * 1_000;
    assert!((199_000..=200_000).contains(&end_ms), "the newest closed bucket ends at {end_ms} ms");
    assert!(view.charts.throughput[1].points.iter().all(|&n| n == 2), "two acks a second");
    assert!(view.charts.lag[0].points.iter().all(|&lag| (0..=2).contains(&lag)));
}

#[test]
fn the_same_run_gives_the_same_views_however_often_they_are_built() {
    let mut often = Run::file("acks1-leader-crash");
    let mut rarely = Run::file("acks1-leader-crash");
    for t_ms in (100..=24_000).step_by(100) {
        often.until(t_ms);
        let _ = often.view();
    }
    rarely.until(12_000);
    let _ = rarely.view();
    rarely.until(24_000);
    assert_eq!(often.view(), rarely.view());
    assert_eq!(often.view_of(&orders(0)), rarely.view_of(&orders(0)));
}

/// retries without idempotence over a lossy network: a lost produce response makes the producer send
/// the record again, and the leader appends it twice (why Kafka has KIP-98).
const RETRIES: &str = r#"
version = 1
name = "retries"
seed = 5
duration_ms = 20_000
[cluster]
brokers = 3
[[topics]]
name = "orders"
partitions = 2
"replication.factor" = 3
config = { "min.insync.replicas" = 2 }
[[producers]]
topic = "orders"
config = { acks = "all", retries = 5, "enable.idempotence" = false, "request.timeout.ms" = 300, "delivery.timeout.ms" = 10000, "retry.backoff.ms" = 50 }
workload = { rate_per_sec = 50, keys = 10, value_bytes = 20, start_ms = 500, stop_ms = 15_000 }
[[consumers]]
topic = "orders"
[network]
latency_ms = { min = 1, max = 5 }
drop_rate = 0.05
"#;

#[test]
fn duplicates_from_retries_are_counted_live_as_the_end_of_run_checker_counts_them() {
    let mut run = Run::text(RETRIES);
    let mut t_ms = 1_000;
    while t_ms <= run.scenario.duration_ms {
        run.until(t_ms);
        assert_eq!(run.view(), run.cold_view(), "cached and fresh views differ at {t_ms} ms");
        t_ms += 1_000;
    }
    let view = run.view();
    let report = run.report();
    assert!(report.duplicated > 0, "the lossy network makes the producer write records twice");
    assert_eq!(view.checker.duplicated, report.duplicated);
    assert_eq!(view.checker.lost, report.acked_lost);
    assert_eq!(view.checker.out_of_order, out_of_order(&report));
    let row = view.checker.violations.iter().find(|v| v.kind == "duplicate").unwrap();
    assert!(row.detail.contains("is in the committed log of orders-"), "{}", row.detail);
}

/// The session's actions as scenario faults: a controller crash, network faults, a config change and
/// a new produce rate.
const ACTIONS: &str = r#"
version = 1
name = "actions"
seed = 11
duration_ms = 8_000
[cluster]
brokers = 3
[[topics]]
name = "orders"
partitions = 2
"replication.factor" = 3
config = { "min.insync.replicas" = 2 }
[[producers]]
topic = "orders"
config = { acks = "all" }
workload = { rate_per_sec = 20, value_bytes = 20, start_ms = 500, stop_ms = 8_000 }
[[consumers]]
topic = "orders"
[[faults]]
at_ms = 2_000
action = "crash"
node = "controller"
[[faults]]
at_ms = 2_000
action = "cut"
node = "broker-1"
peer = "broker-3"
[[faults]]
at_ms = 2_000
action = "isolate"
node = "client-2"
[[faults]]
at_ms = 2_000
action = "set-link-latency"
node = "broker-2"
peer = "broker-1"
min_ms = 7
max_ms = 9
[[faults]]
at_ms = 2_000
action = "set-drop-rate"
rate = 0.25
[[faults]]
at_ms = 2_000
action = "set-config"
node = "client-1"
name = "acks"
value = "1"
[[faults]]
at_ms = 2_000
action = "set-produce-rate"
node = "client-1"
rate_per_sec = 40
"#;

#[test]
fn the_view_follows_actions_and_shows_partitions_while_the_controller_is_down() {
    let mut run = Run::text(ACTIONS);
    run.until(1_900);
    let before = run.view();
    run.until(2_500);
    let view = run.view();
    assert_eq!(view.cluster.controller, NodeState::Down);
    assert_eq!(view.cluster.metrics.active_controller_count, 0);
    // The partitions as the brokers last heard them from the controller.
    assert_eq!(
        view.cluster.partitions,
        before
            .cluster
            .partitions
            .iter()
            .map(|p| {
                let now = view.cluster.partitions.iter().find(|q| q.partition == p.partition).unwrap();
                samsa_sim::live::protocol::PartitionStateView {
                    high_watermark: now.high_watermark,
                    log_end_offset: now.log_end_offset,
                    last_stable_offset: now.last_stable_offset,
                    ..p.clone()
                }
            })
            .collect::<Vec<_>>()
    );
    let network = &view.cluster.network;
    assert_eq!(network.cut_links, [("broker-1".to_owned(), "broker-3".to_owned())]);
    assert_eq!(network.isolated, ["client-2"]);
    assert_eq!(network.link_latencies.len(), 1);
    let link = &network.link_latencies[0];
    assert_eq!((link.a.as_str(), link.b.as_str(), link.min_ms, link.max_ms), ("broker-1", "broker-2", 7, 9));
    assert_eq!(network.drop_rate, 0.25);
    let producer = &view.producers[0];
    assert_eq!(producer.rate_per_sec, 40);
    assert!(producer.configs.iter().any(|c| c.name == "acks" && c.value == "1"), "{:?}", producer.configs);
    assert_eq!(before.producers[0].rate_per_sec, 20);
    let fault_lines: Vec<&str> =
        view.events.iter().filter(|e| e.category == EventCategory::Fault).map(|e| e.text.as_str()).collect();
    for line in [
        "controller crashed",
        "link broker-1 ↔ broker-3 cut",
        "client-2 isolated (every link cut)",
        "link broker-2 ↔ broker-1 latency now 7–9 ms",
        "network drop rate now 25%",
        "client-1 now sends 40 records/s",
    ] {
        assert!(fault_lines.contains(&line), "{line:?} not in {fault_lines:?}");
    }
    assert!(
        fault_lines.iter().any(|l| l.starts_with("client-1 replaced by a new client with acks=1")),
        "{fault_lines:?}"
    );
    assert_eq!(
        view.cluster.clients.iter().map(|c| c.name.as_str()).collect::<Vec<_>>(),
        ["client-1", "client-2"]
    );
}

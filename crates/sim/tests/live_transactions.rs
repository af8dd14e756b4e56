//! The playground's transaction views (issue 8): the coordinator's state per `transactional.id`, the
//! last stable offset per partition and replica, markers and aborted records in the log view, a
//! transactional producer's own state, and the pipelines.

use samsa_sim::cluster::build;
use samsa_sim::engine::{SimConfig, Simulation};
use samsa_sim::live::protocol::{LiveView, PartitionRef};
use samsa_sim::live::{build_view, Observers};
use samsa_sim::scenario::Scenario;
use samsa_sim::trace::Trace;

struct Run {
    scenario: Scenario,
    sim: Simulation,
    observers: std::rc::Rc<std::cell::RefCell<Observers>>,
}

impl Run {
    fn file(name: &str) -> Run {
        let file = format!("{}/../../scenarios/{name}.toml", env!("CARGO_MANIFEST_DIR"));
        let text = std::fs::read_to_string(&file).unwrap_or_else(|e| panic!("cannot read {file}: {e}"));
        let scenario = Scenario::parse(&text).unwrap();
        let config =
            SimConfig { network: scenario.network.clone(), ..SimConfig::new(scenario.seed, &scenario.name) };
        let mut sim = build(&scenario, config, Trace::hash_only()).unwrap();
        let observers = std::rc::Rc::new(std::cell::RefCell::new(Observers::new(&scenario)));
        let feed = std::rc::Rc::clone(&observers);
        sim.set_observer(Box::new(move |event| feed.borrow_mut().observe(event)));
        Run { scenario, sim, observers }
    }

    fn until(&mut self, t_ms: u64) {
        self.sim.run_until(t_ms).unwrap();
    }

    fn view_of(&self, topic: &str, partition: i32) -> LiveView {
        let focus = PartitionRef { topic: topic.into(), partition };
        build_view(&self.sim, &self.scenario, &self.observers.borrow(), Some(&focus))
    }
}

#[test]
fn a_hanging_transaction_is_ongoing_holds_the_lso_then_is_aborted_and_its_producer_fenced() {
    let mut run = Run::file("hanging-transaction");
    run.until(10_000);
    let view = run.view_of("stock", 0);
    let inventory = view.transactions.iter().find(|t| t.transactional_id == "inventory").expect("inventory");
    assert_eq!(inventory.state, "Ongoing");
    assert_eq!(inventory.timeout_ms, 10_000);
    let open_ms = inventory.open_ms.expect("an ongoing transaction has an age");
    assert!((3_000..10_000).contains(&open_ms), "open for {open_ms} ms");
    let held: Vec<_> = view
        .cluster
        .partitions
        .iter()
        .filter(|p| p.partition.topic == "stock" && p.last_stable_offset < p.high_watermark)
        .collect();
    assert!(!held.is_empty(), "the open transaction holds some LSO: {:?}", view.cluster.partitions);
    let producer =
        view.producers.first().and_then(|p| p.transaction.as_ref()).expect("client-1 is transactional");
    assert_eq!(producer.transactional_id, "inventory");
    assert_eq!(producer.state.as_deref(), Some("IN_TRANSACTION"));
    assert!(producer.committed > 0);
    assert!(view.producers.get(1).is_some_and(|p| p.transaction.is_none()), "client-2 is not transactional");

    run.until(16_500);
    let view = run.view_of("stock", 0);
    let inventory = view.transactions.iter().find(|t| t.transactional_id == "inventory").expect("inventory");
    assert_eq!(inventory.state, "CompleteAbort");
    assert!(inventory.producer_epoch > 0, "the timeout abort bumps the epoch");
    let markers: Vec<_> = (0..3)
        .flat_map(|p| run.view_of("stock", p).log.into_iter())
        .flat_map(|log| log.replicas.into_iter().filter(|r| r.is_leader))
        .flat_map(|r| r.batches.into_iter().filter_map(|b| b.marker))
        .collect();
    assert!(markers.iter().any(|m| m == "ABORT"), "{markers:?}");

    run.until(23_000);
    let view = run.view_of("stock", 0);
    let producer =
        view.producers.first().and_then(|p| p.transaction.as_ref()).expect("client-1 is transactional");
    assert_eq!(producer.state.as_deref(), Some("FATAL_ERROR"));
    assert_eq!(producer.error.as_deref(), Some("PRODUCER_FENCED"));
    for p in view.cluster.partitions.iter().filter(|p| p.partition.topic == "stock") {
        assert_eq!(p.last_stable_offset, p.high_watermark, "{p:?}");
    }
}

#[test]
fn the_log_view_marks_commit_and_abort_markers_and_the_aborted_records() {
    let mut run = Run::file("read-committed-vs-uncommitted");
    run.until(8_000);
    let view = run.view_of("payments", 0);
    let log = view.log.expect("payments-0 is focused");
    let leader = log.replicas.iter().find(|r| r.is_leader).expect("a leader");
    assert!(leader.last_stable_offset <= leader.high_watermark);
    let markers: Vec<&str> = leader.batches.iter().filter_map(|b| b.marker.as_deref()).collect();
    assert!(markers.contains(&"COMMIT") && markers.contains(&"ABORT"), "{markers:?}");
    let aborted = leader.batches.iter().filter(|b| b.aborted && b.marker.is_none()).count();
    let committed =
        leader.batches.iter().filter(|b| b.transactional && !b.aborted && b.marker.is_none()).count();
    assert!(aborted > 0 && committed > aborted, "aborted {aborted}, committed {committed}");
    let producer = view.producers.first().and_then(|p| p.transaction.as_ref()).expect("transactional");
    assert!(producer.committed > 0 && producer.aborted > 0, "{producer:?}");
    assert!(producer.committed >= producer.aborted * 2 - 1, "{producer:?}");
}

#[test]
fn pipelines_show_their_semantics_counts_and_the_exactly_once_transactions() {
    let mut run = Run::file("at-most-at-least-exactly-once");
    run.until(5_000);
    let view = run.view_of("orders", 0);
    let semantics: Vec<&str> = view.pipelines.iter().map(|p| p.semantics.as_str()).collect();
    assert_eq!(semantics, ["at-most-once", "at-least-once", "exactly-once"]);
    for p in &view.pipelines {
        assert!(p.records_consumed > 0 && p.records_transformed > 0 && p.records_acked > 0, "{p:?}");
        assert_eq!(p.transaction.is_some(), p.semantics == "exactly-once", "{p:?}");
    }
    let eos = view.pipelines.iter().find(|p| p.semantics == "exactly-once").expect("eos");
    let txn = eos.transaction.as_ref().expect("eos is transactional");
    assert_eq!(txn.transactional_id, "shipping-eos-1");
    assert!(txn.committed > 0);
    assert!(view.transactions.iter().any(|t| t.transactional_id == "shipping-eos-1"));
}

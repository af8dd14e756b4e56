use samsa_core::node::NodeId;
use samsa_core::replication::messages::Acks;

use super::{Scenario, ScenarioError};
use crate::engine::{Fault, Target};

const MINIMAL: &str = r#"
version = 1
name = "t"
duration_ms = 1000

[cluster]
brokers = 3

[[topics]]
name = "orders"
partitions = 2
"replication.factor" = 3
"#;

fn with(extra: &str) -> Result<Scenario, ScenarioError> {
    Scenario::parse(&format!("{MINIMAL}{extra}"))
}

/// The line of `needle`'s first occurrence in `MINIMAL + extra`, 1-based.
fn line_of(extra: &str, needle: &str) -> usize {
    let text = format!("{MINIMAL}{extra}");
    text.lines().position(|l| l.contains(needle)).unwrap() + 1
}

#[test]
fn the_basic_scenario_parses() {
    let text =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../../scenarios/basic.toml")).unwrap();
    let scenario = Scenario::parse(&text).unwrap();
    assert_eq!(scenario.name, "basic");
    assert_eq!(scenario.brokers, vec![1, 2, 3]);
    assert_eq!(scenario.topics[0].config.min_insync_replicas, 2);
    assert_eq!(scenario.producers[0].config.acks, Acks::All);
    assert_eq!(
        scenario.faults[0],
        (10_000, Fault::Crash { node: Target::Node(NodeId::Broker(2)), power_loss: false })
    );
}

#[test]
fn defaults_fill_what_is_left_out() {
    let scenario = with("").unwrap();
    assert_eq!(scenario.seed, 0);
    assert!(scenario.producers.is_empty() && scenario.faults.is_empty() && scenario.expect.is_empty());
    assert_eq!(scenario.network, crate::network::NetworkConfig::default());
}

#[test]
fn bad_acks_gives_kafkas_config_error_with_path_and_line() {
    let extra = "[[producers]]\ntopic = \"orders\"\n[producers.config]\nacks = \"2\"\n[producers.workload]\nrate_per_sec = 1\n";
    let err = with(extra).unwrap_err();
    assert_eq!(err.path, "producers[0].config[\"acks\"]");
    assert_eq!(err.line, Some(line_of(extra, "acks")));
    assert_eq!(err.message, "Invalid value 2 for configuration acks: String must be one of: all, -1, 0, 1");
}

#[test]
fn bad_topic_configs_name_the_field() {
    let extra = "[topics.config]\n\"min.insync.replicas\" = 0\n";
    let err = with(extra).unwrap_err();
    assert_eq!(err.path, "topics[0].config[\"min.insync.replicas\"]");
    assert_eq!(err.line, Some(line_of(extra, "min.insync")));
    assert!(err.message.contains("Value must be at least 1"), "{err}");
    let err = with("[topics.config]\n\"segment.bytes\" = \"big\"\n").unwrap_err();
    assert!(err.to_string().contains("segment.bytes"), "{err}");
    let err = with("[topics.config]\n\"unclean.leader.election.enable\" = \"maybe\"\n").unwrap_err();
    assert!(err.message.contains("Expected value to be either true or false"), "{err}");
}

#[test]
fn unknown_fields_are_refused_with_their_line() {
    let err = Scenario::parse(&MINIMAL.replace("duration_ms", "duration_secs")).unwrap_err();
    assert!(err.message.contains("duration_secs"), "{err}");
    assert!(err.line.is_some(), "{err:?}");
    let err = with("[network]\nlatency = 3\n").unwrap_err();
    assert!(err.message.contains("unknown field `latency`"), "{err}");
    assert_eq!(err.line, Some(line_of("[network]\nlatency = 3\n", "latency =")));
}

#[test]
fn unknown_broker_config_reads_like_kafka() {
    let extra = "[cluster.config]\n\"replica.lag.max.ms\" = 5\n";
    let err =
        Scenario::parse(&MINIMAL.replace("brokers = 3\n", &format!("brokers = 3\n{extra}"))).unwrap_err();
    assert_eq!(err.path, "cluster.config[\"replica.lag.max.ms\"]");
    assert_eq!(err.message, "The configuration 'replica.lag.max.ms' was supplied but isn't a known config.");
}

#[test]
fn version_must_be_one() {
    let err = Scenario::parse(&MINIMAL.replace("version = 1", "version = 2")).unwrap_err();
    assert_eq!((err.path.as_str(), err.line), ("version", Some(2)));
}

#[test]
fn replication_factor_above_brokers_is_refused() {
    let err = Scenario::parse(&MINIMAL.replace("\"replication.factor\" = 3", "\"replication.factor\" = 4"))
        .unwrap_err();
    assert_eq!(err.path, "topics[0].replication.factor");
    assert_eq!(err.message, "Replication factor: 4 larger than available brokers: 3.");
}

#[test]
fn faults_resolve_nodes_and_check_fields() {
    let extra =
        "[[faults]]\nat_ms = 5\naction = \"crash\"\nnode = \"leader-of:orders/1\"\npower_loss = true\n\
                 [[faults]]\nat_ms = 6\naction = \"cut\"\nnode = \"broker-1\"\npeer = \"controller\"\n\
                 [[faults]]\nat_ms = 7\naction = \"set-drop-rate\"\nrate = 0.5\n";
    let scenario = with(extra).unwrap();
    let tp = samsa_core::replication::messages::TopicPartition { topic: "orders".to_owned(), partition: 1 };
    assert_eq!(scenario.faults[0], (5, Fault::Crash { node: Target::LeaderOf(tp), power_loss: true }));
    assert_eq!(
        scenario.faults[1],
        (6, Fault::Cut { a: Target::Node(NodeId::Broker(1)), b: Target::Node(NodeId::Controller) })
    );
    assert_eq!(scenario.faults[2], (7, Fault::SetDropRate { rate: 0.5 }));

    let bad_node = "[[faults]]\nat_ms = 5\naction = \"crash\"\nnode = \"broker-9\"\n";
    let err = with(bad_node).unwrap_err();
    assert_eq!((err.path.as_str(), err.line), ("faults[0].node", Some(line_of(bad_node, "broker-9"))));
    let err = with("[[faults]]\nat_ms = 5\naction = \"explode\"\n").unwrap_err();
    assert!(err.message.starts_with("unknown action `explode`"), "{err}");
    let err = with("[[faults]]\nat_ms = 5\naction = \"cut\"\nnode = \"broker-1\"\n").unwrap_err();
    assert_eq!(err.path, "faults[0].peer");
    let err = with("[[faults]]\nat_ms = 5\naction = \"set-duplicate-rate\"\nrate = 2.0\n").unwrap_err();
    assert_eq!(err.message, "must be between 0 and 1, got 2");
}

#[test]
fn producers_must_name_a_known_topic() {
    let extra = "[[producers]]\ntopic = \"payments\"\n[producers.workload]\nrate_per_sec = 1\n";
    let err = with(extra).unwrap_err();
    assert_eq!(err.path, "producers[0].topic");
    assert_eq!(err.line, Some(line_of(extra, "payments")));
}

#[test]
fn expectations_are_checked_by_name() {
    let scenario =
        with("[expect]\nacked_lost = \"none\"\nnot_enough_replicas = \"some\"\nduplicates = \"any\"\n")
            .unwrap();
    assert_eq!(scenario.expect.len(), 3);
    let err = with("[expect]\nacked_lots = \"none\"\n").unwrap_err();
    assert_eq!(err.path, "expect.acked_lots");
    let err = with("[expect]\nacked_lost = \"few\"\n").unwrap_err();
    assert!(err.message.contains("unknown variant `few`"), "{err}");
}

#[test]
fn flush_needs_a_producer() {
    let producer = "[[producers]]\ntopic = \"orders\"\nworkload = { rate_per_sec = 10 }\n";
    let scenario =
        with(&format!("{producer}[[faults]]\nat_ms = 5\naction = \"flush\"\nnode = \"client-1\"\n")).unwrap();
    assert_eq!(scenario.faults, vec![(5, Fault::Flush { node: Target::Node(NodeId::Client(1)) })]);
    let err = with(&format!("{producer}[[faults]]\nat_ms = 5\naction = \"flush\"\nnode = \"broker-1\"\n"))
        .unwrap_err();
    assert_eq!(
        (err.path.as_str(), err.message.as_str()),
        ("faults[0].node", "`flush` needs a producer (client-N)")
    );
}

#[test]
fn hot_key_share_needs_keys_and_a_share_between_0_and_1() {
    let producer =
        |workload: &str| format!("[[producers]]\ntopic = \"orders\"\nworkload = {{ {workload} }}\n");
    let scenario = with(&producer("rate_per_sec = 10, keys = 5, hot_key_share = 0.8")).unwrap();
    assert_eq!(scenario.producers[0].hot_key_share, Some(0.8));
    assert_eq!(with(&producer("rate_per_sec = 10, keys = 5")).unwrap().producers[0].hot_key_share, None);

    let extra = producer("rate_per_sec = 10, keys = 5, hot_key_share = 1.5");
    let err = with(&extra).unwrap_err();
    assert_eq!(err.path, "producers[0].workload.hot_key_share");
    assert_eq!(err.line, Some(line_of(&extra, "hot_key_share")));
    assert_eq!(err.message, "must be between 0 and 1, got 1.5");

    let err = with(&producer("rate_per_sec = 10, hot_key_share = 0.5")).unwrap_err();
    assert_eq!(err.path, "producers[0].workload.hot_key_share");
    assert!(err.message.contains("needs `keys`"), "{err}");
}

mod evaluate {
    use super::with;
    use crate::checker::{Report, ViolationKind};
    use crate::scenario::evaluate;
    use crate::stats::RunStats;

    fn report(kinds: &[(ViolationKind, u64)]) -> Report {
        let mut report = Report::default();
        for (kind, n) in kinds {
            report.violation_counts.insert(*kind, *n);
        }
        report
    }

    #[test]
    fn none_some_and_any() {
        let scenario =
            with("[expect]\nacked_lost = \"none\"\nduplicates = \"any\"\nnot_enough_replicas = \"some\"\n")
                .unwrap();
        let mut stats = RunStats::default();
        let clean = report(&[]);
        assert_eq!(
            evaluate(&scenario.expect, &clean, &stats, false),
            vec!["expected not_enough_replicas = \"some\", found none"]
        );
        stats.produce_answers.insert("NOT_ENOUGH_REPLICAS".to_owned(), 2);
        assert!(evaluate(&scenario.expect, &clean, &stats, false).is_empty());
        // Explore does not require "some": random faults may change what the scenario demonstrates.
        assert!(evaluate(&scenario.expect, &clean, &RunStats::default(), true).is_empty());
        // Duplicates are allowed ("any"); a lost ack is not; an unnamed kind is unexpected.
        let dirty = report(&[
            (ViolationKind::Duplicate, 3),
            (ViolationKind::AckedWriteLost, 1),
            (ViolationKind::ConsumerOrder, 2),
        ]);
        assert_eq!(
            evaluate(&scenario.expect, &dirty, &stats, false),
            vec!["expected acked_lost = \"none\", found 1", "unexpected consumer-order violations: 2"]
        );
    }

    #[test]
    fn observations_have_keys_of_their_own_and_are_no_violations() {
        let scenario = with(
            "[expect]\nreordered = \"some\"\nunacknowledged_lost = \"some\"\nduplicate_batches = \"none\"\n\
             violations = \"none\"\n",
        )
        .unwrap();
        let mut stats = RunStats::default();
        let mut report = report(&[]);
        assert_eq!(
            evaluate(&scenario.expect, &report, &stats, false),
            vec![
                "expected reordered = \"some\", found none",
                "expected unacknowledged_lost = \"some\", found none",
            ]
        );
        report.records_reordered = 3;
        report.unacknowledged_lost = 7;
        assert!(evaluate(&scenario.expect, &report, &stats, false).is_empty(), "observations break nothing");
        stats.duplicate_batches = 2;
        assert_eq!(
            evaluate(&scenario.expect, &report, &stats, false),
            vec!["expected duplicate_batches = \"none\", found 2"]
        );
    }

    #[test]
    fn violations_covers_kinds_without_their_own_key() {
        let scenario = with("[expect]\nviolations = \"none\"\nacked_lost = \"some\"\n").unwrap();
        let stats = RunStats::default();
        let lost_only = report(&[(ViolationKind::AckedWriteLost, 4)]);
        assert!(
            evaluate(&scenario.expect, &lost_only, &stats, false).is_empty(),
            "acked_lost is judged by its own key"
        );
        let more = report(&[(ViolationKind::AckedWriteLost, 4), (ViolationKind::DivergentReplica, 1)]);
        assert_eq!(
            evaluate(&scenario.expect, &more, &stats, false),
            vec!["expected violations = \"none\", found 1"]
        );
    }
}

const ONE_PRODUCER: &str =
    "[[producers]]\ntopic = \"orders\"\nworkload = { rate_per_sec = 10 }\n[[consumers]]\ntopic = \"orders\"\n";

#[test]
fn link_latency_config_and_rate_faults_parse() {
    let extra = format!(
        "{ONE_PRODUCER}
[[faults]]
at_ms = 5
action = \"set-link-latency\"
node = \"broker-1\"
peer = \"broker-2\"
min_ms = 10
max_ms = 20

[[faults]]
at_ms = 6
action = \"set-config\"
node = \"client-1\"
name = \"acks\"
value = 1

[[faults]]
at_ms = 7
action = \"set-produce-rate\"
node = \"client-1\"
rate_per_sec = 0
"
    );
    let scenario = with(&extra).unwrap();
    let (b1, b2, c1) =
        (Target::Node(NodeId::Broker(1)), Target::Node(NodeId::Broker(2)), Target::Node(NodeId::Client(1)));
    assert_eq!(scenario.faults[0], (5, Fault::SetLinkLatency { a: b1, b: b2, min_ms: 10, max_ms: 20 }));
    assert_eq!(
        scenario.faults[1],
        (6, Fault::SetConfig { node: c1.clone(), name: "acks".into(), value: "1".into() })
    );
    assert_eq!(scenario.faults[2], (7, Fault::SetProduceRate { node: c1, rate_per_sec: 0 }));
}

#[test]
fn set_config_values_are_checked_by_kafkas_parsers() {
    let fault = |node: &str, name: &str, value: &str| {
        format!(
            "{ONE_PRODUCER}[[faults]]\nat_ms = 1\naction = \"set-config\"\nnode = \"{node}\"\nname = \"{name}\"\nvalue = {value}\n"
        )
    };
    let err = with(&fault("client-1", "acks", "\"2\"")).unwrap_err();
    assert_eq!(err.path, "faults[0].value");
    assert_eq!(err.message, "Invalid value 2 for configuration acks: String must be one of: all, -1, 0, 1");
    // The consumer (client-2) has its own configs: a producer config is unknown to it.
    assert!(with(&fault("client-2", "acks", "\"1\"")).is_err());
    assert!(with(&fault("client-2", "fetch.max.wait.ms", "100")).is_ok());
    let err = with(&fault("broker-1", "acks", "\"1\"")).unwrap_err();
    assert!(err.message.contains("needs a client"), "{err}");
    let rate = format!("{ONE_PRODUCER}[[faults]]\nat_ms = 1\naction = \"set-produce-rate\"\nnode = \"client-2\"\nrate_per_sec = 5\n");
    assert_eq!(with(&rate).unwrap_err().path, "faults[0].node");
}

#[test]
fn network_links_get_their_own_latency() {
    let extra = "[network]\nlinks = [ { a = \"broker-2\", b = \"broker-1\", latency_ms = { min = 30, max = 40 } } ]\n";
    let scenario = with(extra).unwrap();
    let link = (NodeId::Broker(1), NodeId::Broker(2));
    assert_eq!(scenario.network.link_latency_ms.get(&link), Some(&(30, 40)));
    let bad =
        "[network]\nlinks = [ { a = \"broker-7\", b = \"broker-1\", latency_ms = { min = 3, max = 4 } } ]\n";
    let err = with(bad).unwrap_err();
    assert_eq!((err.path.as_str(), err.line), ("network.links[0].a", Some(line_of(bad, "broker-7"))));
    let backwards =
        "[network]\nlinks = [ { a = \"broker-2\", b = \"broker-1\", latency_ms = { min = 9, max = 4 } } ]\n";
    assert_eq!(with(backwards).unwrap_err().path, "network.links[0].latency_ms");
}

#[test]
fn pipelines_are_validated_field_by_field() {
    let pipeline = |body: &str| {
        format!("[[topics]]\nname = \"out\"\npartitions = 1\n\"replication.factor\" = 3\n\n[[pipelines]]\n{body}\n")
    };
    let ok = pipeline(
        "input = \"orders\"\noutput = \"out\"\ngroup_id = \"g\"\nsemantics = \"exactly-once\"\ninstances = 2",
    );
    let scenario = with(&ok).unwrap();
    assert_eq!(scenario.pipelines.len(), 2);
    assert_eq!(scenario.pipelines[1].producer.transactional_id.as_deref(), Some("g-2"));
    assert_eq!(
        scenario.pipelines[0].consumer.isolation_level,
        samsa_core::client::IsolationLevel::ReadCommitted
    );
    assert!(!scenario.pipelines[0].consumer.enable_auto_commit);

    let extra =
        pipeline("input = \"orders\"\noutput = \"out\"\ngroup_id = \"g\"\nsemantics = \"maybe-once\"");
    let err = with(&extra).unwrap_err();
    assert_eq!(err.path, "pipelines[0].semantics");
    assert_eq!(err.line, Some(line_of(&extra, "maybe-once")));
    assert!(err.message.contains("at-most-once, at-least-once or exactly-once"), "{err}");

    let extra =
        pipeline("input = \"orders\"\noutput = \"nowhere\"\ngroup_id = \"g\"\nsemantics = \"at-least-once\"");
    assert_eq!(with(&extra).unwrap_err().path, "pipelines[0].output");
    let extra = pipeline("input = \"orders\"\noutput = \"out\"\ngroup_id = \"g\"\nsemantics = \"at-least-once\"\ninstances = 0");
    assert_eq!(with(&extra).unwrap_err().path, "pipelines[0].instances");
}

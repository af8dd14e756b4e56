//! The model driven as the page drives it: each test is a user story checked against Kafka's rules.

use samsa_core::log::LogEvent;
use samsa_core::partitioner::{murmur2, to_positive};

use super::*;

fn produce(model: &mut Playground, key: &str, value: &str) -> Result<ProduceOutcome, KafkaError> {
    model.apply(Action::Produce { key: key.to_owned(), value: value.to_owned() });
    model.last_produce().cloned().expect("a produce always leaves an outcome")
}

fn log_end_offsets(model: &Playground) -> Vec<i64> {
    model.partitions().iter().map(|p| p.log_end_offset).collect()
}

fn record_offsets(snapshot: &PartitionSnapshot) -> Vec<i64> {
    snapshot.segments.iter().flat_map(|s| &s.batches).flat_map(|b| &b.records).map(|r| r.offset).collect()
}

/// Kafka's rule for keyed records (`BuiltInPartitioner.partitionForKey`).
fn kafka_partition(key: &str) -> u32 {
    // to_positive clears the sign bit, so the value fits u32.
    u32::try_from(to_positive(murmur2(key.as_bytes()))).expect("non-negative") % PARTITION_COUNT
}

#[test]
fn keyed_records_go_to_murmur2_partitions_with_offsets_per_partition() {
    let mut model = Playground::new();
    let mut next_offset = [0_i64; PARTITION_COUNT as usize];
    for key in ["alice", "bob", "carol", "dave", "erin", "alice"] {
        let outcome = produce(&mut model, key, "v").expect("appended");
        let partition = kafka_partition(key);
        assert_eq!(outcome.partition, partition, "{key}");
        let slot = &mut next_offset[partition as usize];
        assert_eq!(outcome.offset, *slot, "{key}: offsets count from 0 in each partition");
        *slot += 1;
        assert!(outcome.reason.contains("murmur2"), "{}", outcome.reason);
        assert!(outcome.batch_size_bytes > samsa_core::record_batch::BATCH_HEADER_SIZE_BYTES);
        assert_eq!(outcome.key.as_deref(), Some(key));
    }
    assert_eq!(log_end_offsets(&model), next_offset.to_vec());
    assert_eq!(model.now_ms(), 6 * PRODUCE_CLOCK_STEP_MS, "each append moves the clock one step");
    for snapshot in model.partitions() {
        let expected: Vec<i64> = (0..snapshot.log_end_offset).collect();
        assert_eq!(record_offsets(snapshot), expected, "partition {}", snapshot.partition);
    }
}

#[test]
fn snapshot_shows_keys_values_and_timestamps_as_appended() {
    let mut model = Playground::new();
    let outcome = produce(&mut model, "carol", "hello carol").expect("appended");
    let snapshot = &model.partitions()[outcome.partition as usize];
    let batch = &snapshot.segments[0].batches[0];
    assert_eq!((batch.base_offset, batch.last_offset, batch.size_bytes), (0, 0, outcome.batch_size_bytes));
    let record = &batch.records[0];
    assert_eq!(record.key.as_deref(), Some("carol"));
    assert_eq!(record.value.as_deref(), Some("hello carol"));
    assert_eq!(record.timestamp_ms, i64::try_from(outcome.timestamp_ms).expect("small"));
}

#[test]
fn null_keys_use_the_sticky_partitioner_and_move_on_after_each_batch() {
    let mut model = Playground::new();
    let mut previous = None;
    for _ in 0..6 {
        let outcome = produce(&mut model, "", "no key").expect("appended");
        assert_eq!(outcome.key, None);
        assert!(outcome.reason.contains("sticky"), "{}", outcome.reason);
        // Each produce is its own batch, so KIP-480 picks a different partition for the next one.
        assert_ne!(Some(outcome.partition), previous);
        previous = Some(outcome.partition);
    }
}

#[test]
fn same_actions_give_the_same_page() {
    let actions =
        ["", "alice", "", "", "bob", ""].map(|key| Action::Produce { key: key.into(), value: "v".into() });
    let (mut a, mut b) = (Playground::new(), Playground::new());
    for action in actions {
        a.apply(action.clone());
        b.apply(action);
    }
    assert_eq!(a.partitions(), b.partitions());
}

#[test]
fn an_invalid_topic_name_is_refused_inline_and_on_produce() {
    let mut model = Playground::new();
    model.apply(Action::SetTopicName(String::new()));
    assert_eq!(model.topic_name_error().map(|e| e.name), Some("INVALID_TOPIC_EXCEPTION"));
    let error = produce(&mut model, "alice", "v").expect_err("refused");
    assert_eq!(error.name, "INVALID_TOPIC_EXCEPTION");
    assert_eq!(log_end_offsets(&model), [0, 0, 0]);
    assert_eq!(model.now_ms(), 0, "a refused record moves no time");

    model.apply(Action::SetTopicName("bad/name".into()));
    assert_eq!(model.topic_name_error().map(|e| e.name), Some("INVALID_TOPIC_EXCEPTION"));
    model.apply(Action::SetTopicName("orders.v2".into()));
    assert_eq!(model.topic_name_error(), None);
    assert_eq!(model.topic_name(), "orders.v2");
    produce(&mut model, "alice", "v").expect("valid name accepted");
}

#[test]
fn a_record_over_max_message_bytes_is_message_too_large_and_leaves_the_log_alone() {
    let mut model = Playground::new();
    produce(&mut model, "alice", "small").expect("appended");
    model.apply(Action::SetTopicConfig { name: "max.message.bytes".into(), value: "100".into() });
    assert_eq!(model.config_value("max.message.bytes").as_deref(), Some("100"));
    let before = model.partitions().to_vec();
    let now_before = model.now_ms();

    let error = produce(&mut model, "alice", &"x".repeat(300)).expect_err("too large");
    assert_eq!(error.name, "MESSAGE_TOO_LARGE");
    assert_eq!(model.partitions(), before.as_slice());
    assert_eq!(model.now_ms(), now_before);

    let outcome = produce(&mut model, "alice", "fits").expect("a small record still goes in");
    assert_eq!(outcome.offset, 1);
}

#[test]
fn a_bad_config_value_is_kept_with_kafkas_error_until_a_good_one_replaces_it() {
    let mut model = Playground::new();
    model.apply(Action::SetTopicConfig { name: "segment.bytes".into(), value: "13".into() });
    let rejection = model.config_rejection("segment.bytes").expect("refused");
    assert_eq!(rejection.value, "13");
    assert_eq!(rejection.error.name, "INVALID_CONFIG");
    assert!(rejection.error.message.contains("segment.bytes"), "{}", rejection.error.message);
    assert_eq!(model.config_value("segment.bytes"), Some(DEMO_SEGMENT_BYTES.to_string()));

    model.apply(Action::SetTopicConfig { name: "segment.bytes".into(), value: "2048".into() });
    assert_eq!(model.config_rejection("segment.bytes"), None);
    assert_eq!(model.config_value("segment.bytes").as_deref(), Some("2048"));
}

/// Produce `count` records with one key, so they all land on one partition; returns that partition.
fn fill_one_partition(model: &mut Playground, count: usize) -> usize {
    let mut partition = 0;
    for i in 0..count {
        partition = produce(model, "alice", &format!("event {i}")).expect("appended").partition as usize;
    }
    partition
}

#[test]
fn segments_roll_at_segment_bytes() {
    let mut model = Playground::new();
    let p = fill_one_partition(&mut model, 40);
    let snapshot = &model.partitions()[p];
    assert!(snapshot.segments.len() > 2, "{} segments", snapshot.segments.len());
    for segment in &snapshot.segments {
        assert!(segment.size_bytes <= u64::from(DEMO_SEGMENT_BYTES));
    }
    assert_eq!(snapshot.segments.iter().filter(|s| s.is_active).count(), 1);
    let rolls = model.events().iter().filter(|e| matches!(e.event, LogEvent::SegmentRolled { .. })).count();
    assert_eq!(rolls, snapshot.segments.len() - 1);
}

#[test]
fn lowering_retention_ms_deletes_old_segments_and_moves_the_log_start_offset() {
    let mut model = Playground::new();
    let p = fill_one_partition(&mut model, 40);
    let segments_before = model.partitions()[p].segments.len();
    model.apply(Action::AdvanceClock { ms: 2 * ADVANCE_CLOCK_STEP_MS });
    assert_eq!(model.partitions()[p].log_start_offset, 0, "10 min retention keeps everything");

    model.apply(Action::SetRetentionMs(Some(30_000)));
    assert_eq!(model.retention_ms(), Some(30_000));
    assert_eq!(model.config_value("retention.ms").as_deref(), Some("30000"));
    let snapshot = &model.partitions()[p];
    assert!(snapshot.log_start_offset > 0);
    assert!(snapshot.segments.len() < segments_before);
    assert_eq!(snapshot.log_end_offset, 40, "retention never moves the log end");
    assert!(record_offsets(snapshot).iter().all(|&o| o >= snapshot.log_start_offset));
    assert!(model.events().iter().any(|e| matches!(e.event, LogEvent::SegmentDeleted { .. })));
    assert!(model.events().iter().any(|e| matches!(e.event, LogEvent::LogStartOffsetAdvanced { .. })));

    model.apply(Action::SetRetentionMs(None));
    assert_eq!(model.config_value("retention.ms").as_deref(), Some("-1"));
}

#[test]
fn the_event_list_keeps_the_newest_max_events() {
    let mut model = Playground::new();
    // 100 bytes hold one ~80-byte batch, so every append after the first rolls.
    model.apply(Action::SetTopicConfig { name: "segment.bytes".into(), value: "100".into() });
    fill_one_partition(&mut model, MAX_EVENTS + 20);
    let events = model.events();
    assert_eq!(events.len(), MAX_EVENTS);
    let seqs: Vec<u64> = events.iter().map(|e| e.seq).collect();
    let newest = seqs.last().copied().expect("not empty");
    assert_eq!(seqs.first().copied(), Some(newest + 1 - MAX_EVENTS as u64), "oldest dropped first");
}

#[test]
fn only_the_newest_segments_are_drawn() {
    let mut model = Playground::new();
    model.apply(Action::SetTopicConfig { name: "segment.bytes".into(), value: "100".into() });
    let p = fill_one_partition(&mut model, snapshot::MAX_SEGMENTS_SHOWN + 5);
    let snapshot = &model.partitions()[p];
    assert_eq!(snapshot.segments.len(), snapshot::MAX_SEGMENTS_SHOWN);
    assert!(snapshot.hidden_segments >= 5);
    assert_eq!(snapshot.read_error, None);
    assert!(snapshot.segments.last().is_some_and(|s| s.is_active));
}

#[test]
fn reset_starts_over() {
    let mut model = Playground::new();
    fill_one_partition(&mut model, 3);
    model.apply(Action::SetTopicName("x".into()));
    model.apply(Action::Reset);
    assert_eq!(log_end_offsets(&model), [0, 0, 0]);
    assert_eq!((model.now_ms(), model.topic_name()), (0, DEFAULT_TOPIC_NAME));
    assert!(model.events().is_empty() && model.last_produce().is_none());
}

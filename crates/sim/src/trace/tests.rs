use std::cell::RefCell;
use std::rc::Rc;

use samsa_core::node::NodeId;
use samsa_core::replication::events::ReplicationEvent;
use samsa_core::replication::messages::TopicPartition;
use samsa_core::ErrorCode;

use super::{read_jsonl, Api, DropReason, Fnv1a64, Trace, TraceEvent, TraceKind};

fn tp() -> TopicPartition {
    TopicPartition { topic: "orders".to_owned(), partition: 0 }
}

fn sample() -> Vec<TraceEvent> {
    let kinds = vec![
        TraceKind::RunStarted { scenario: "basic".to_owned(), seed: 7, explore: false },
        TraceKind::MessageSent {
            msg_id: 1,
            from: NodeId::Broker(1),
            to: NodeId::Controller,
            api: Api::BrokerHeartbeat,
            deliver_at_ms: 3,
        },
        TraceKind::MessageDropped {
            msg_id: 1,
            from: NodeId::Client(2),
            to: NodeId::Broker(3),
            api: Api::Produce,
            reason: DropReason::LinkCut,
        },
        TraceKind::DropRateChanged { rate: 0.125 },
        TraceKind::AllHealed,
        TraceKind::from(ReplicationEvent::ProduceAnswered {
            broker: 1,
            tp: tp(),
            error: ErrorCode::NotEnoughReplicas,
            base_offset: -1,
        }),
        TraceKind::from(ReplicationEvent::IsrChanged { tp: tp(), isr: vec![1, 2], partition_epoch: 4 }),
        TraceKind::InvariantViolation { node: NodeId::Broker(2), message: "hw > leo".to_owned() },
    ];
    kinds
        .into_iter()
        .enumerate()
        .map(|(i, kind)| TraceEvent { step: i as u64, t_ms: 10 * i as u64, kind })
        .collect()
}

/// Reference values of FNV-1a 64 from the FNV authors' test suite (`test_fnv.c`).
#[test]
fn fnv1a64_matches_reference_vectors() {
    let hash = |bytes: &[u8]| {
        let mut h = Fnv1a64::new();
        h.update(bytes);
        h.value()
    };
    assert_eq!(hash(b""), 0xcbf2_9ce4_8422_2325);
    assert_eq!(hash(b"a"), 0xaf63_dc4c_8601_ec8c);
    assert_eq!(hash(b"foobar"), 0x8594_4171_f739_67e8);
}

#[test]
fn lines_have_fixed_field_order_and_readable_ids() {
    let buf = Rc::new(RefCell::new(Vec::new()));
    let mut trace = Trace::hash_only().with_writer(Box::new(SharedBuf(Rc::clone(&buf))));
    trace.record(sample()[1].clone()).unwrap();
    trace.flush().unwrap();
    let text = String::from_utf8(buf.borrow().clone()).unwrap();
    assert_eq!(
        text,
        "{\"step\":1,\"t_ms\":10,\"kind\":{\"event\":\"message_sent\",\"msg_id\":1,\"from\":\"broker-1\",\
         \"to\":\"controller\",\"api\":\"BrokerHeartbeat\",\"deliver_at_ms\":3}}\n"
    );
}

/// A writer the test can read back after handing it to the trace.
struct SharedBuf(Rc<RefCell<Vec<u8>>>);

impl std::io::Write for SharedBuf {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.borrow_mut().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[test]
fn round_trips_through_jsonl_and_hash_covers_bytes() {
    let events = sample();
    let buf = Rc::new(RefCell::new(Vec::new()));
    let mut written = Trace::hash_only().with_writer(Box::new(SharedBuf(Rc::clone(&buf))));
    for event in &events {
        written.record(event.clone()).unwrap();
    }
    let bytes = buf.borrow().clone();
    let mut direct = Fnv1a64::new();
    direct.update(&bytes);
    assert_eq!(written.hash(), direct.value(), "the hash is FNV-1a over exactly the written bytes");
    assert_eq!(written.recorded(), events.len() as u64);
    let back = read_jsonl(&bytes[..]).unwrap();
    assert_eq!(back, events);
}

#[test]
fn memory_ring_keeps_the_newest_and_counts_evictions() {
    let mut trace = Trace::in_memory(3);
    for event in sample() {
        trace.record(event).unwrap();
    }
    let steps: Vec<u64> = trace.events().map(|e| e.step).collect();
    assert_eq!(steps, vec![5, 6, 7]);
    assert_eq!(trace.evicted(), 5);
    assert_eq!(trace.recorded(), 8);
    // Hash-only and in-memory traces of the same events hash the same.
    let mut hash_only = Trace::hash_only();
    for event in sample() {
        hash_only.record(event).unwrap();
    }
    assert_eq!(hash_only.hash(), trace.hash());
    assert_eq!(hash_only.events().count(), 0);
}

#[test]
fn bad_lines_name_the_line_and_field() {
    let text = "{\"step\":0,\"t_ms\":0,\"kind\":{\"event\":\"all_healed\"}}\n\
                {\"step\":1,\"t_ms\":0,\"kind\":{\"event\":\"node_restarted\",\"node\":\"broker-x\"}}\n";
    let err = read_jsonl(text.as_bytes()).unwrap_err();
    let message = err.to_string();
    assert!(message.starts_with("trace line 2:"), "{message}");
    assert!(message.contains("broker-x"), "{message}");
    let text = "{\"step\":0,\"t_ms\":0,\"kind\":{\"event\":\"produce_answered\",\"broker\":1,\"tp\":\"o/0\",\
                \"error\":\"NOPE\",\"base_offset\":0}}\n";
    assert!(read_jsonl(text.as_bytes()).unwrap_err().to_string().contains("unknown error code `NOPE`"));
}

#[test]
fn counter_only_counts_without_hashing() {
    let mut trace = Trace::counter_only();
    assert!(!trace.is_hashing());
    for event in sample() {
        trace.record(event).unwrap();
    }
    assert_eq!(trace.recorded(), 8);
    assert_eq!(trace.hash(), Fnv1a64::OFFSET_BASIS, "nothing hashed");
    assert!(Trace::hash_only().is_hashing());
}

/// The hand-written JSON of the frequent events is byte for byte serde_json's, for every node id
/// form, every API, extreme integers and a topic that needs escaping (which falls back to serde).
#[test]
fn fast_writer_matches_serde_json_byte_for_byte() {
    let nodes = [
        NodeId::Broker(0),
        NodeId::Broker(-7),
        NodeId::Broker(i32::MAX),
        NodeId::Controller,
        NodeId::Client(u32::MAX),
    ];
    let apis = [
        Api::MetadataRequest,
        Api::MetadataResponse,
        Api::Produce,
        Api::ProduceResponse,
        Api::Fetch,
        Api::FetchResponse,
        Api::OffsetsForLeaderEpoch,
        Api::OffsetsForLeaderEpochResponse,
        Api::BrokerHeartbeat,
        Api::BrokerHeartbeatResponse,
        Api::AlterPartition,
        Api::AlterPartitionResponse,
        Api::InitProducerId,
        Api::InitProducerIdResponse,
        Api::AllocateProducerIds,
        Api::AllocateProducerIdsResponse,
    ];
    let topics = ["orders", "a.b_c-d", "quote\"d", "back\\slash", "tab\there", "ünï"];
    let mut kinds = Vec::new();
    for (i, &from) in nodes.iter().enumerate() {
        for (j, &api) in apis.iter().enumerate() {
            let to = nodes[(i + j) % nodes.len()];
            let msg_id = [0, 9, 10, u64::MAX][j % 4];
            kinds.push(TraceKind::MessageSent { msg_id, from, to, api, deliver_at_ms: msg_id / 3 });
            kinds.push(TraceKind::MessageDelivered { msg_id, from, to, api });
        }
    }
    for (i, topic) in topics.iter().enumerate() {
        let tp = TopicPartition { topic: (*topic).to_owned(), partition: [0, 11, -1, i32::MAX][i % 4] };
        for value in [0, 1, -1, 99, i64::MIN, i64::MAX] {
            kinds.push(TraceKind::HighWatermarkChanged {
                broker: i32::MIN,
                tp: tp.clone(),
                high_watermark: value,
            });
            kinds.push(TraceKind::Appended {
                broker: 3,
                tp: tp.clone(),
                base_offset: value,
                last_offset: value.wrapping_add(5),
                leader_epoch: i32::MIN,
                as_leader: value % 2 == 0,
            });
        }
    }
    for (i, topic) in topics.iter().enumerate() {
        let tp = TopicPartition { topic: (*topic).to_owned(), partition: i as i32 };
        for (j, &error) in ErrorCode::ALL.iter().enumerate() {
            let base_offset = [-1, 0, i64::MAX][j % 3];
            kinds.push(TraceKind::ProduceAnswered { broker: 2, tp: tp.clone(), error, base_offset });
        }
        for (j, value) in [0, 1, u64::MAX].into_iter().enumerate() {
            let (client, record_id) = ([0, 7, u32::MAX][j], value);
            let key = [None, Some(0), Some(u64::MAX)][(i + j) % 3];
            kinds.push(TraceKind::WorkloadSend { client, record_id, key, value_bytes: client });
            kinds.push(TraceKind::RecordSent { client, record_id, tp: tp.clone() });
            kinds.push(TraceKind::BatchSent {
                client,
                tp: tp.clone(),
                record_count: [0, 1, u32::MAX][j],
                size_bytes: [u32::MAX, 0, 61][j],
                producer_id: [-1, 0, i64::MAX][j],
                producer_epoch: [-1, i16::MIN, i16::MAX][j],
                base_sequence: [-1, 0, i32::MAX][j],
                attempt: [0, 1, u32::MAX][j],
            });
            kinds.push(TraceKind::RecordAcked { client, record_id, tp: tp.clone(), offset: -(j as i64) });
            kinds.push(TraceKind::RecordConsumed {
                client,
                tp: tp.clone(),
                offset: i64::MAX,
                record_id: [None, Some(value)][j % 2],
                high_watermark: i64::MIN,
            });
        }
    }
    kinds.extend(sample().into_iter().map(|event| event.kind));
    let mut handled = 0;
    for (n, kind) in kinds.into_iter().enumerate() {
        let event = TraceEvent { step: [0, 7, u64::MAX][n % 3], t_ms: n as u64 * 1001, kind };
        let mut fast = b"prefix".to_vec();
        if super::fast::write_event(&event, &mut fast) {
            handled += 1;
            let mut expected = b"prefix".to_vec();
            serde_json::to_writer(&mut expected, &event).unwrap();
            assert_eq!(String::from_utf8(fast).unwrap(), String::from_utf8(expected).unwrap());
        } else {
            assert_eq!(fast, b"prefix", "an unhandled event writes nothing");
        }
    }
    // Every message event and all but the escaped topics' events take the fast path.
    assert!(handled >= 2 * nodes.len() * apis.len() + 2 * 6 * 3 + 3 * 3, "{handled}");
}

//! Trace events as a person reads them: a category for the timeline's filter, the node it happened on,
//! and one line with Kafka's names (`broker-2 elected leader of orders-0 (epoch 3), ISR [2,3]`,
//! `client-1 acked orders-0@41`, `NOT_ENOUGH_REPLICAS`).

use std::fmt::Write as _;

use samsa_core::node::{BrokerId, NodeId};
use samsa_core::replication::messages::TopicPartition;
use samsa_core::ErrorCode;

use crate::live::protocol::EventCategory;
use crate::trace::{DropReason, TraceEvent, TraceKind};

/// One event's line on the timeline, before it gets its step and time.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Described {
    /// For the filter.
    pub(crate) category: EventCategory,
    /// Where it happened.
    pub(crate) node: Option<NodeId>,
    /// What happened.
    pub(crate) text: String,
}

/// A partition as Kafka prints a `TopicPartition`: `orders-0`.
pub(crate) fn tp_name(tp: &TopicPartition) -> String {
    format!("{}-{}", tp.topic, tp.partition)
}

/// Broker ids as Kafka prints an ISR: `[2,3]`.
pub(crate) fn broker_list(brokers: &[BrokerId]) -> String {
    let ids: Vec<String> = brokers.iter().map(i32::to_string).collect();
    format!("[{}]", ids.join(","))
}

fn drop_reason(reason: DropReason) -> &'static str {
    match reason {
        DropReason::LinkCut => "link cut",
        DropReason::Random => "random drop",
        DropReason::NodeDown => "receiver down",
        DropReason::QueueFull => "in-flight queue full",
    }
}

fn percent(rate: f64) -> String {
    format!("{}%", (rate * 1000.0).round() / 10.0)
}

/// A line before it gets its category (set by [`describe`] from [`category`]).
pub(crate) fn described(node: Option<NodeId>, text: String) -> Described {
    Described { category: EventCategory::Cluster, node, text }
}

/// The timeline category of `kind` (cheap: the timeline keeps every event's category but describes
/// only the events a view shows).
pub(crate) fn category(kind: &TraceKind) -> EventCategory {
    match kind {
        TraceKind::MessageSent { .. }
        | TraceKind::MessageDelivered { .. }
        | TraceKind::MessageHeld { .. }
        | TraceKind::MessageDropped { .. }
        | TraceKind::MessageDuplicated { .. } => EventCategory::Network,
        TraceKind::NodeCrashed { .. }
        | TraceKind::NodeRestarted { .. }
        | TraceKind::NodePaused { .. }
        | TraceKind::NodeResumed { .. }
        | TraceKind::LinkCut { .. }
        | TraceKind::LinkHealed { .. }
        | TraceKind::NodeIsolated { .. }
        | TraceKind::NodeRejoined { .. }
        | TraceKind::AllHealed
        | TraceKind::LatencyChanged { .. }
        | TraceKind::LinkLatencyChanged { .. }
        | TraceKind::DropRateChanged { .. }
        | TraceKind::DuplicateRateChanged { .. }
        | TraceKind::ReorderRateChanged { .. }
        | TraceKind::FaultSkipped { .. }
        | TraceKind::ClientReconfigured { .. }
        | TraceKind::ProduceRateChanged { .. } => EventCategory::Fault,
        TraceKind::Appended { .. } | TraceKind::HighWatermarkChanged { .. } | TraceKind::Truncated { .. } => {
            EventCategory::Log
        }
        TraceKind::WorkloadSend { .. }
        | TraceKind::SendRejected { .. }
        | TraceKind::RecordSent { .. }
        | TraceKind::RecordAcked { .. }
        | TraceKind::RecordFailed { .. }
        | TraceKind::ProduceAnswered { .. } => EventCategory::Produce,
        TraceKind::BatchSent { .. }
        | TraceKind::ProducerIdAssigned { .. }
        | TraceKind::FlushCompleted { .. }
        | TraceKind::DuplicateBatch { .. } => EventCategory::Producer,
        TraceKind::RecordConsumed { .. }
        | TraceKind::ConsumeFailed { .. }
        | TraceKind::PositionReset { .. }
        | TraceKind::GroupJoined { .. }
        | TraceKind::PartitionsAssigned { .. }
        | TraceKind::PartitionsRevoked { .. }
        | TraceKind::PartitionsLost { .. }
        | TraceKind::OffsetsCommitted { .. }
        | TraceKind::CommitFailed { .. }
        | TraceKind::PositionRestored { .. }
        | TraceKind::OffsetsForTimes { .. }
        | TraceKind::RecordsProcessed { .. }
        | TraceKind::GroupLeft { .. }
        | TraceKind::GroupStateChanged { .. }
        | TraceKind::GroupMemberRemoved { .. }
        | TraceKind::GroupOffsetsStored { .. }
        | TraceKind::CoordinatorLoaded { .. } => EventCategory::Consume,
        TraceKind::InvariantViolation { .. } => EventCategory::Checker,
        // Run start, elections, ISR, fencing, roles, purgatory limits — and events added after this
        // file was written, until they are named above.
        _ => EventCategory::Cluster,
    }
}

/// Describes `event`; `isr` is the partition's ISR as last committed (for election lines).
pub(crate) fn describe(event: &TraceEvent, isr: Option<&[BrokerId]>) -> Described {
    let line = match &event.kind {
        TraceKind::MessageSent { from, to, api, deliver_at_ms, .. } => {
            described(Some(*from), format!("{from} sent {api:?} to {to} (arrives at {deliver_at_ms} ms)"))
        }
        TraceKind::MessageDelivered { from, to, api, .. } => {
            described(Some(*to), format!("{to} received {api:?} from {from}"))
        }
        TraceKind::MessageHeld { from, to, api, .. } => {
            described(Some(*to), format!("{to} is paused: {api:?} from {from} waits"))
        }
        TraceKind::MessageDropped { from, to, api, reason, .. } => {
            described(Some(*from), format!("{api:?} from {from} to {to} dropped ({})", drop_reason(*reason)))
        }
        TraceKind::MessageDuplicated { from, to, api, deliver_at_ms, .. } => described(
            Some(*from),
            format!("{api:?} from {from} to {to} duplicated (copy arrives at {deliver_at_ms} ms)"),
        ),
        _ => describe_fault(event)
            .or_else(|| describe_producer(event))
            .or_else(|| super::describe_group::describe_group(event))
            .unwrap_or_else(|| describe_replication(event, isr)),
    };
    Described { category: category(&event.kind), ..line }
}

/// Faults and a person's actions.
fn describe_fault(event: &TraceEvent) -> Option<Described> {
    let d = match &event.kind {
        TraceKind::NodeCrashed { node, power_loss: false } => {
            described(Some(*node), format!("{node} crashed"))
        }
        TraceKind::NodeCrashed { node, power_loss: true } => {
            described(Some(*node), format!("{node} lost power (unflushed data lost)"))
        }
        TraceKind::NodeRestarted { node } => described(Some(*node), format!("{node} restarted")),
        TraceKind::NodePaused { node, until_ms } => {
            described(Some(*node), format!("{node} paused until {until_ms} ms"))
        }
        TraceKind::NodeResumed { node } => described(Some(*node), format!("{node} resumed")),
        TraceKind::LinkCut { a, b } => described(Some(*a), format!("link {a} ↔ {b} cut")),
        TraceKind::LinkHealed { a, b } => described(Some(*a), format!("link {a} ↔ {b} healed")),
        TraceKind::NodeIsolated { node } => {
            described(Some(*node), format!("{node} isolated (every link cut)"))
        }
        TraceKind::NodeRejoined { node } => {
            described(Some(*node), format!("{node} rejoined the network"))
        }
        TraceKind::AllHealed => described(None, "every link healed".to_owned()),
        TraceKind::LatencyChanged { min_ms, max_ms } => {
            described(None, format!("network latency now {min_ms}–{max_ms} ms"))
        }
        TraceKind::LinkLatencyChanged { a, b, min_ms, max_ms } => {
            described(Some(*a), format!("link {a} ↔ {b} latency now {min_ms}–{max_ms} ms"))
        }
        TraceKind::DropRateChanged { rate } => {
            described(None, format!("network drop rate now {}", percent(*rate)))
        }
        TraceKind::DuplicateRateChanged { rate } => {
            described(None, format!("network duplicate rate now {}", percent(*rate)))
        }
        TraceKind::ReorderRateChanged { rate } => {
            described(None, format!("network reorder rate now {}", percent(*rate)))
        }
        TraceKind::FaultSkipped { action, reason } => {
            described(None, format!("fault {action} skipped: {reason}"))
        }
        TraceKind::ClientReconfigured { node, name, value } => described(Some(*node),
            format!("{node} replaced by a new client with {name}={value} (a Kafka client cannot change configs while running)"),
        ),
        TraceKind::ProduceRateChanged { client, rate_per_sec } => described(Some(NodeId::Client(*client)),
            format!("client-{client} now sends {rate_per_sec} records/s"),
        ),
        _ => return None,
    };
    Some(d)
}

/// The last sequence number of a batch of `record_count` records from `base_sequence`: sequences
/// wrap from `i32::MAX` to 0 (Kafka's `DefaultRecordBatch.incrementSequence`).
fn last_sequence(base_sequence: i32, record_count: u32) -> i64 {
    let wrap = i64::from(i32::MAX) + 1;
    (i64::from(base_sequence) + i64::from(record_count.max(1)) - 1).rem_euclid(wrap)
}

/// A producer's batches and idempotence: what it sent with which sequence numbers, the ids it got,
/// its flushes, and the retried batches a leader recognised (KIP-98, KIP-360).
fn describe_producer(event: &TraceEvent) -> Option<Described> {
    let d = match &event.kind {
        TraceKind::BatchSent {
            client,
            tp,
            record_count,
            size_bytes,
            producer_id,
            producer_epoch,
            base_sequence,
            attempt,
        } => {
            let records = if *record_count == 1 { "record" } else { "records" };
            let mut text = format!(
                "client-{client} sent a batch of {record_count} {records} ({size_bytes} bytes) to {}",
                tp_name(tp)
            );
            if *producer_id >= 0 {
                let last = last_sequence(*base_sequence, *record_count);
                let _ = write!(text, " (producer id {producer_id}, seq {base_sequence}");
                if last != i64::from(*base_sequence) {
                    let _ = write!(text, "–{last}");
                }
                let _ = write!(text, ", epoch {producer_epoch})");
            }
            if *attempt > 0 {
                let _ = write!(text, ", attempt {}", u64::from(*attempt) + 1);
            }
            described(Some(NodeId::Client(*client)), text)
        }
        TraceKind::ProducerIdAssigned { client, producer_id, producer_epoch, bumped: false } => described(
            Some(NodeId::Client(*client)),
            format!("client-{client} got producer id {producer_id}, epoch {producer_epoch} (InitProducerId)"),
        ),
        TraceKind::ProducerIdAssigned { client, producer_id, producer_epoch, bumped: true } => described(
            Some(NodeId::Client(*client)),
            format!(
                "client-{client} bumped producer id {producer_id} to epoch {producer_epoch} and reset its \
                 sequence numbers (KIP-360)"
            ),
        ),
        TraceKind::FlushCompleted { client } => described(
            Some(NodeId::Client(*client)),
            format!("client-{client} flush() completed: every record sent before it has its outcome"),
        ),
        TraceKind::DuplicateBatch { broker, tp, producer_id, producer_epoch, base_sequence, base_offset } => {
            described(
                Some(NodeId::Broker(*broker)),
                format!(
                    "broker-{broker} recognised a retried batch of producer id {producer_id} (epoch \
                     {producer_epoch}, seq {base_sequence}) on {} and answered with the original offset \
                     {base_offset} instead of appending it again",
                    tp_name(tp)
                ),
            )
        }
        _ => return None,
    };
    Some(d)
}

/// The cluster, the logs, the clients and the checker's per-step findings.
fn describe_replication(event: &TraceEvent, isr: Option<&[BrokerId]>) -> Described {
    let broker = |id: BrokerId| Some(NodeId::Broker(id));
    let client = |id: u32| Some(NodeId::Client(id));
    match &event.kind {
        TraceKind::RunStarted { scenario, seed, explore } => {
            let explore = if *explore { ", with random faults" } else { "" };
            described(None, format!("run of {scenario} started (seed {seed}{explore})"))
        }
        TraceKind::ControllerFailedOver => {
            described(Some(NodeId::Controller), "a new active controller took over".to_owned())
        }
        TraceKind::LeaderElected { tp, leader: Some(leader), leader_epoch, unclean } => {
            let mut text =
                format!("broker-{leader} elected leader of {} (epoch {leader_epoch})", tp_name(tp));
            if *unclean {
                text.push_str(" from outside the ISR (unclean election)");
            }
            if let Some(isr) = isr {
                let _ = write!(text, ", ISR {}", broker_list(isr));
            }
            described(Some(NodeId::Controller), text)
        }
        TraceKind::LeaderElected { tp, leader: None, leader_epoch, .. } => described(
            Some(NodeId::Controller),
            format!("{} offline: no leader (epoch {leader_epoch})", tp_name(tp)),
        ),
        TraceKind::IsrChanged { tp, isr, partition_epoch } => described(
            Some(NodeId::Controller),
            format!("{} ISR now {} (partition epoch {partition_epoch})", tp_name(tp), broker_list(isr)),
        ),
        TraceKind::BrokerFenced { broker: id } => {
            described(Some(NodeId::Controller), format!("controller fenced broker-{id}"))
        }
        TraceKind::BrokerUnfenced { broker: id } => {
            described(Some(NodeId::Controller), format!("controller unfenced broker-{id}"))
        }
        TraceKind::BecameLeader { broker: id, tp, leader_epoch } => described(
            broker(*id),
            format!("broker-{id} became leader of {} (epoch {leader_epoch})", tp_name(tp)),
        ),
        TraceKind::BecameFollower { broker: id, tp, leader: Some(leader), leader_epoch } => described(
            broker(*id),
            format!("broker-{id} follows broker-{leader} for {} (epoch {leader_epoch})", tp_name(tp)),
        ),
        TraceKind::BecameFollower { broker: id, tp, leader: None, leader_epoch } => described(
            broker(*id),
            format!("broker-{id} is a follower of {} with no leader (epoch {leader_epoch})", tp_name(tp)),
        ),
        TraceKind::DelayedRequestLimitReached { broker: id, tp, purgatory, limit } => described(
            broker(*id),
            format!("broker-{id} {purgatory} purgatory of {} is full ({limit} requests)", tp_name(tp)),
        ),
        TraceKind::Appended { broker: id, tp, base_offset, last_offset, leader_epoch, as_leader } => {
            let role = if *as_leader { "leader" } else { "follower" };
            let range = if base_offset == last_offset {
                format!("{}@{base_offset}", tp_name(tp))
            } else {
                format!("{}@{base_offset}..{last_offset}", tp_name(tp))
            };
            described(broker(*id), format!("broker-{id} appended {range} (epoch {leader_epoch}) as {role}"))
        }
        TraceKind::HighWatermarkChanged { broker: id, tp, high_watermark } => {
            described(broker(*id), format!("broker-{id} {} high watermark → {high_watermark}", tp_name(tp)))
        }
        TraceKind::Truncated { broker: id, tp, from_offset, to_offset } => described(
            broker(*id),
            format!("broker-{id} truncated {} from {from_offset} to {to_offset}", tp_name(tp)),
        ),
        TraceKind::ProduceAnswered { broker: id, tp, error, base_offset } => {
            let outcome = if *error == ErrorCode::None {
                format!("offset {base_offset}")
            } else {
                error.name().to_owned()
            };
            described(broker(*id), format!("broker-{id} answered produce to {}: {outcome}", tp_name(tp)))
        }
        TraceKind::WorkloadSend { client: id, record_id, key, value_bytes } => {
            let key = key.map_or_else(|| "null key".to_owned(), |k| format!("key-{k}"));
            described(
                client(*id),
                format!("client-{id} send(record {record_id}, {key}, {value_bytes} bytes)"),
            )
        }
        TraceKind::SendRejected { client: id, record_id, error, reason } => described(
            client(*id),
            format!("client-{id} refused record {record_id}: {} ({reason})", error.name()),
        ),
        TraceKind::RecordSent { client: id, record_id, tp } => {
            described(client(*id), format!("client-{id} sent record {record_id} to {}", tp_name(tp)))
        }
        TraceKind::RecordAcked { client: id, record_id, tp, offset } if *offset >= 0 => {
            described(client(*id), format!("client-{id} acked {}@{offset} (record {record_id})", tp_name(tp)))
        }
        TraceKind::RecordAcked { client: id, record_id, tp, .. } => described(
            client(*id),
            format!("client-{id} acked record {record_id} to {} without an offset (acks=0)", tp_name(tp)),
        ),
        TraceKind::RecordFailed { client: id, record_id, tp, error } => described(
            client(*id),
            format!("client-{id} record {record_id} to {} failed: {}", tp_name(tp), error.name()),
        ),
        TraceKind::RecordConsumed { client: id, tp, offset, record_id, .. } => {
            let record = record_id.map_or_else(|| "no record id".to_owned(), |r| format!("record {r}"));
            described(client(*id), format!("client-{id} consumed {}@{offset} ({record})", tp_name(tp)))
        }
        TraceKind::ConsumeFailed { client: id, tp, offset, error } => {
            described(client(*id), format!("client-{id} fetch of {}@{offset} failed: {error}", tp_name(tp)))
        }
        TraceKind::PositionReset { client: id, tp, from_offset, to_offset } => {
            let from = from_offset.map_or_else(|| "none".to_owned(), |o| o.to_string());
            described(
                client(*id),
                format!("client-{id} position on {} reset {from} → {to_offset}", tp_name(tp)),
            )
        }
        TraceKind::InvariantViolation { node, message } => {
            described(Some(*node), format!("{node} invariant broken: {message}"))
        }
        // Events added after this file was written land here until they are named above.
        #[allow(unreachable_patterns)]
        other => described(None, format!("{other:?}")),
    }
}

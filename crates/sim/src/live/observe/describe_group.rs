//! Timeline lines for consumer groups: joins, assignments, revocations, commits, coordinator state.

use samsa_core::node::NodeId;
use samsa_core::replication::messages::TopicPartition;

use super::describe::{described, Described};
use crate::trace::{TraceEvent, TraceKind};

fn names(tps: &[TopicPartition]) -> String {
    if tps.is_empty() {
        return "nothing".to_owned();
    }
    let names: Vec<String> = tps.iter().map(|tp| format!("{}-{}", tp.topic, tp.partition)).collect();
    names.join(", ")
}

fn offsets(offsets: &[(TopicPartition, i64)]) -> String {
    let parts: Vec<String> =
        offsets.iter().map(|(tp, o)| format!("{}-{}@{o}", tp.topic, tp.partition)).collect();
    parts.join(", ")
}

/// The line for a group event, or `None` for other events.
pub(crate) fn describe_group(event: &TraceEvent) -> Option<Described> {
    let client = |id: u32| Some(NodeId::Client(id));
    let broker = |id: i32| Some(NodeId::Broker(id));
    let d = match &event.kind {
        TraceKind::GroupJoined { client: c, group_id, member_id, generation_id, leader, protocol } => {
            described(
                client(*c),
                format!(
                    "client-{c} joined group {group_id} as {member_id}, generation {generation_id}{} ({})",
                    if *leader { ", leader" } else { "" },
                    protocol.as_deref().unwrap_or("no protocol")
                ),
            )
        }
        TraceKind::PartitionsAssigned { client: c, group_id, generation_id, added, owned } => described(
            client(*c),
            format!(
                "client-{c} (group {group_id}, generation {generation_id}) assigned {}; owns {}",
                names(added),
                names(owned)
            ),
        ),
        TraceKind::PartitionsRevoked { client: c, group_id, partitions, .. } => {
            described(client(*c), format!("client-{c} (group {group_id}) revoked {}", names(partitions)))
        }
        TraceKind::PartitionsLost { client: c, group_id, partitions, .. } => described(
            client(*c),
            format!("client-{c} lost {} (no longer a member of {group_id})", names(partitions)),
        ),
        TraceKind::OffsetsCommitted { client: c, group_id, offsets: o, auto, .. } => described(
            client(*c),
            format!(
                "client-{c} committed {} for {group_id}{}",
                offsets(o),
                if *auto { " (auto commit)" } else { "" }
            ),
        ),
        TraceKind::CommitFailed { client: c, group_id, error, .. } => {
            described(client(*c), format!("client-{c}'s commit for {group_id} failed: {}", error.name()))
        }
        TraceKind::PositionRestored { client: c, tp, offset } => described(
            client(*c),
            format!("client-{c} resumes {}-{} at the committed offset {offset}", tp.topic, tp.partition),
        ),
        TraceKind::RecordsProcessed { client: c, tp, first_offset, last_offset } => described(
            client(*c),
            format!(
                "client-{c} processed {}-{} offsets {first_offset}..={last_offset}",
                tp.topic, tp.partition
            ),
        ),
        TraceKind::GroupLeft { client: c, group_id, reason, .. } => {
            described(client(*c), format!("client-{c} left group {group_id}: {reason}"))
        }
        TraceKind::OffsetsForTimes { client: c, tp, result, .. } => described(
            client(*c),
            match result {
                Some((offset, ts)) => {
                    format!("client-{c}: {}-{} offset {offset} for time {ts}", tp.topic, tp.partition)
                }
                None => format!("client-{c}: no offset that late in {}-{}", tp.topic, tp.partition),
            },
        ),
        TraceKind::GroupStateChanged { broker: b, group_id, state, generation_id, members } => described(
            broker(*b),
            format!(
                "group {group_id} is {state} (generation {generation_id}, {members} members) on broker-{b}"
            ),
        ),
        TraceKind::GroupMemberRemoved { broker: b, group_id, member_id, reason } => {
            described(broker(*b), format!("broker-{b} removed {member_id} from group {group_id}: {reason}"))
        }
        TraceKind::GroupOffsetsStored { broker: b, group_id, offsets: o } => {
            described(broker(*b), format!("broker-{b} stored {group_id}'s offsets {}", offsets(o)))
        }
        TraceKind::CoordinatorLoaded { broker: b, partition, loaded, groups } => described(
            broker(*b),
            if *loaded {
                format!("broker-{b} now coordinates __consumer_offsets-{partition} ({groups} groups loaded)")
            } else {
                format!("broker-{b} no longer coordinates __consumer_offsets-{partition}")
            },
        ),
        _ => return None,
    };
    Some(d)
}

//! What the coordinator writes to `__consumer_offsets`, in Kafka's own schemas, so a new coordinator
//! rebuilds every group by replaying the partition (Kafka's `GroupMetadataManager`):
//! - offset commit: key `OffsetCommitKey` v1 (group, topic, partition), value `OffsetCommitValue` v3
//!   (offset, leader epoch, metadata, commit timestamp);
//! - group metadata: key `GroupMetadataKey` v2 (group), value `GroupMetadataValue` v3 (protocol type,
//!   generation, protocol, leader, members with their subscription and assignment bytes).
//!
//! A null value is a tombstone. The partition is compacted (`cleanup.policy=compact`), so the latest value
//! per key is what survives.

use alloc::string::String;
use alloc::vec::Vec;

use crate::group::consumer_protocol::{
    put_bytes, put_i16, put_i32, put_len, put_string, ProtocolError, Reader,
};
use crate::group::messages::OffsetAndMetadata;
use crate::record_batch::NewRecord;
use crate::replication::messages::TopicPartition;

/// A group member as stored in `GroupMetadataValue`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoredMember {
    /// Member id.
    pub member_id: String,
    /// `group.instance.id`, if static.
    pub group_instance_id: Option<String>,
    /// The client that joined (`client-<n>` in the simulator).
    pub client_id: String,
    /// `max.poll.interval.ms` it joined with.
    pub rebalance_timeout_ms: i32,
    /// `session.timeout.ms` it joined with.
    pub session_timeout_ms: i32,
    /// Its metadata for the chosen protocol.
    pub subscription: Vec<u8>,
    /// Its assignment.
    pub assignment: Vec<u8>,
}

/// A group as stored in `GroupMetadataValue`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoredGroup {
    /// `"consumer"`.
    pub protocol_type: String,
    /// Generation.
    pub generation_id: i32,
    /// Chosen protocol.
    pub protocol: Option<String>,
    /// Leader member id.
    pub leader: Option<String>,
    /// When the state was stored.
    pub current_state_timestamp_ms: i64,
    /// Members.
    pub members: Vec<StoredMember>,
}

/// One decoded `__consumer_offsets` record.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum OffsetsRecord {
    /// A committed offset (or its tombstone: `None`).
    Offset {
        /// The group.
        group_id: String,
        /// The partition.
        tp: TopicPartition,
        /// The commit, or `None` for a tombstone.
        committed: Option<OffsetAndMetadata>,
    },
    /// A group's metadata (or its tombstone: `None`).
    Group {
        /// The group.
        group_id: String,
        /// The metadata, or `None` for a tombstone.
        group: Option<StoredGroup>,
    },
}

/// The record storing `committed` for `group_id`/`tp` at `now_ms`.
pub fn offset_commit_record(
    group_id: &str,
    tp: &TopicPartition,
    committed: &OffsetAndMetadata,
    now_ms: u64,
) -> NewRecord {
    let mut key = Vec::new();
    put_i16(&mut key, 1);
    put_string(&mut key, group_id);
    put_string(&mut key, &tp.topic);
    put_i32(&mut key, tp.partition);
    let mut value = Vec::new();
    put_i16(&mut value, 3);
    value.extend_from_slice(&committed.offset.to_be_bytes());
    put_i32(&mut value, committed.leader_epoch);
    put_string(&mut value, &committed.metadata);
    value.extend_from_slice(&timestamp(now_ms).to_be_bytes());
    NewRecord { key: Some(key), value: Some(value), headers: Vec::new(), timestamp_ms: timestamp(now_ms) }
}

/// The record storing `group`'s metadata at `now_ms`.
pub fn group_metadata_record(group_id: &str, group: &StoredGroup, now_ms: u64) -> NewRecord {
    let mut key = Vec::new();
    put_i16(&mut key, 2);
    put_string(&mut key, group_id);
    let mut value = Vec::new();
    put_i16(&mut value, 3);
    put_string(&mut value, &group.protocol_type);
    put_i32(&mut value, group.generation_id);
    put_nullable_string(&mut value, group.protocol.as_deref());
    put_nullable_string(&mut value, group.leader.as_deref());
    value.extend_from_slice(&group.current_state_timestamp_ms.to_be_bytes());
    put_len(&mut value, group.members.len());
    for member in &group.members {
        put_string(&mut value, &member.member_id);
        put_nullable_string(&mut value, member.group_instance_id.as_deref());
        put_string(&mut value, &member.client_id);
        put_string(&mut value, "");
        put_i32(&mut value, member.rebalance_timeout_ms);
        put_i32(&mut value, member.session_timeout_ms);
        put_bytes(&mut value, Some(&member.subscription));
        put_bytes(&mut value, Some(&member.assignment));
    }
    NewRecord { key: Some(key), value: Some(value), headers: Vec::new(), timestamp_ms: timestamp(now_ms) }
}

fn timestamp(now_ms: u64) -> i64 {
    i64::try_from(now_ms).unwrap_or(i64::MAX)
}

fn put_nullable_string(out: &mut Vec<u8>, s: Option<&str>) {
    match s {
        Some(s) => put_string(out, s),
        None => put_i16(out, -1),
    }
}

/// Decodes one `__consumer_offsets` record from its key and value. Records of other versions or
/// shapes are errors the loader reports and skips.
pub fn decode(key: &[u8], value: Option<&[u8]>) -> Result<OffsetsRecord, ProtocolError> {
    let mut k = Reader { rest: key };
    let key_version = k.i16("key version")?;
    match key_version {
        0 | 1 => {
            let group_id = k.string("group")?;
            let topic = k.string("topic")?;
            let partition = k.i32("partition")?;
            let tp = TopicPartition { topic, partition };
            let committed = match value {
                None => None,
                Some(value) => Some(decode_offset_value(value)?),
            };
            Ok(OffsetsRecord::Offset { group_id, tp, committed })
        }
        2 => {
            let group_id = k.string("group")?;
            let group = match value {
                None => None,
                Some(value) => Some(decode_group_value(value)?),
            };
            Ok(OffsetsRecord::Group { group_id, group })
        }
        other => Err(ProtocolError::BadVersion(other)),
    }
}

fn i64_of(r: &mut Reader<'_>, field: &'static str) -> Result<i64, ProtocolError> {
    let high = r.i32(field)?;
    let low = r.i32(field)?;
    Ok((i64::from(high) << 32) | i64::from(low as u32))
}

fn decode_offset_value(value: &[u8]) -> Result<OffsetAndMetadata, ProtocolError> {
    let mut r = Reader { rest: value };
    let version = r.i16("offset value version")?;
    let offset = i64_of(&mut r, "offset")?;
    let leader_epoch = if version >= 3 { r.i32("leader epoch")? } else { -1 };
    let metadata = r.string("metadata")?;
    Ok(OffsetAndMetadata { offset, leader_epoch, metadata })
}

fn decode_group_value(value: &[u8]) -> Result<StoredGroup, ProtocolError> {
    let mut r = Reader { rest: value };
    let version = r.i16("group value version")?;
    if version != 3 {
        return Err(ProtocolError::BadVersion(version));
    }
    let protocol_type = r.string("protocol type")?;
    let generation_id = r.i32("generation")?;
    let protocol = r.nullable_string("protocol")?;
    let leader = r.nullable_string("leader")?;
    let current_state_timestamp_ms = i64_of(&mut r, "current state timestamp")?;
    let count = r.len("members")?;
    let mut members = Vec::with_capacity(count.min(64));
    for _ in 0..count {
        let member_id = r.string("member id")?;
        let group_instance_id = r.nullable_string("group instance id")?;
        let client_id = r.string("client id")?;
        let _client_host = r.string("client host")?;
        let rebalance_timeout_ms = r.i32("rebalance timeout")?;
        let session_timeout_ms = r.i32("session timeout")?;
        let subscription = r.bytes("subscription")?.unwrap_or_default();
        let assignment = r.bytes("assignment")?.unwrap_or_default();
        members.push(StoredMember {
            member_id,
            group_instance_id,
            client_id,
            rebalance_timeout_ms,
            session_timeout_ms,
            subscription,
            assignment,
        });
    }
    Ok(StoredGroup { protocol_type, generation_id, protocol, leader, current_state_timestamp_ms, members })
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::vec;

    #[test]
    fn offsets_and_groups_round_trip() {
        let tp = TopicPartition { topic: "orders".into(), partition: 2 };
        let committed = OffsetAndMetadata { offset: 1 << 40, leader_epoch: 3, metadata: "m".into() };
        let record = offset_commit_record("billing", &tp, &committed, 1234);
        let decoded = decode(record.key.as_deref().unwrap(), record.value.as_deref()).unwrap();
        assert_eq!(
            decoded,
            OffsetsRecord::Offset { group_id: "billing".into(), tp, committed: Some(committed) }
        );
        let group = StoredGroup {
            protocol_type: "consumer".into(),
            generation_id: 4,
            protocol: Some("range".into()),
            leader: Some("client-1-0".into()),
            current_state_timestamp_ms: 99,
            members: vec![StoredMember {
                member_id: "client-1-0".into(),
                group_instance_id: Some("w-0".into()),
                client_id: "client-1".into(),
                rebalance_timeout_ms: 300_000,
                session_timeout_ms: 45_000,
                subscription: vec![1, 2],
                assignment: vec![3],
            }],
        };
        let record = group_metadata_record("billing", &group, 5);
        let decoded = decode(record.key.as_deref().unwrap(), record.value.as_deref()).unwrap();
        assert_eq!(decoded, OffsetsRecord::Group { group_id: "billing".into(), group: Some(group) });
    }

    #[test]
    fn garbage_is_an_error() {
        assert!(decode(&[0, 9], None).is_err());
        assert!(decode(&[0, 1, 0], None).is_err());
        assert!(decode(&[0, 2, 0, 1, b'g'], Some(&[0, 3, 0])).is_err());
    }
}

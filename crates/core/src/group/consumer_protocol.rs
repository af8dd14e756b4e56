//! Kafka's consumer protocol: how consumers encode their subscription (JoinGroup metadata) and
//! assignment (SyncGroup) as the opaque bytes the group coordinator passes around
//! (`ConsumerProtocolSubscription` / `ConsumerProtocolAssignment`, versions 0–3).
//!
//! Every message starts with an `int16` version; fields follow in Kafka's classic (non-flexible)
//! encoding: `string` = int16 length + UTF-8, `array` = int32 count, nullable `bytes` = int32 length
//! (-1 for null). Newer versions only append fields, so a reader decodes the fields it knows from any
//! version ≥ 0 and ignores the rest, as Kafka's `ConsumerProtocol.deserialize*` does.
//! Versions: v1 adds `owned_partitions` (KIP-429), v2 `generation_id` (KIP-792), v3 `rack_id` (KIP-881).

use alloc::collections::BTreeMap;
use alloc::string::String;
use alloc::vec::Vec;
use core::fmt;

use crate::replication::messages::TopicPartition;

/// The subscription version samsa's consumers write.
pub const SUBSCRIPTION_VERSION: i16 = 3;
/// The assignment version samsa's consumers write.
pub const ASSIGNMENT_VERSION: i16 = 3;
/// Most topics or partitions one message may list: a bound on what a decoder allocates.
pub const MAX_ENTRIES: usize = 100_000;

/// A member's subscription (`ConsumerProtocolSubscription`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Subscription {
    /// Subscribed topics, sorted.
    pub topics: Vec<String>,
    /// Assignor-specific data, if any.
    pub user_data: Option<Vec<u8>>,
    /// Partitions the member owns now (v1+, used by the sticky assignors and KIP-429).
    pub owned_partitions: Vec<TopicPartition>,
    /// The generation those partitions were owned in (v2+, KIP-792), or -1.
    pub generation_id: i32,
    /// `client.rack` (v3+), if set.
    pub rack_id: Option<String>,
}

/// A member's assignment (`ConsumerProtocolAssignment`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Assignment {
    /// The assigned partitions, sorted.
    pub partitions: Vec<TopicPartition>,
    /// Assignor-specific data, if any.
    pub user_data: Option<Vec<u8>>,
}

/// Why consumer-protocol bytes did not decode.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ProtocolError {
    /// The bytes ended inside `field`.
    Truncated {
        /// The field being read.
        field: &'static str,
    },
    /// A negative version.
    BadVersion(i16),
    /// A length or count that is negative (where null is not allowed) or over [`MAX_ENTRIES`].
    BadLength {
        /// The field being read.
        field: &'static str,
        /// The length read.
        length: i32,
    },
    /// A string that is not UTF-8.
    NotUtf8 {
        /// The field being read.
        field: &'static str,
    },
}

impl fmt::Display for ProtocolError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ProtocolError::Truncated { field } => write!(f, "consumer protocol data ends inside {field}"),
            ProtocolError::BadVersion(v) => write!(f, "consumer protocol version {v} is negative"),
            ProtocolError::BadLength { field, length } => {
                write!(f, "consumer protocol {field} has an invalid length {length}")
            }
            ProtocolError::NotUtf8 { field } => write!(f, "consumer protocol {field} is not UTF-8"),
        }
    }
}

impl Subscription {
    /// Encodes as [`SUBSCRIPTION_VERSION`].
    pub fn encode(&self) -> Vec<u8> {
        let mut out = Vec::new();
        put_i16(&mut out, SUBSCRIPTION_VERSION);
        put_len(&mut out, self.topics.len());
        for topic in &self.topics {
            put_string(&mut out, topic);
        }
        put_bytes(&mut out, self.user_data.as_deref());
        put_partitions(&mut out, &self.owned_partitions);
        put_i32(&mut out, self.generation_id);
        match &self.rack_id {
            Some(rack) => put_string(&mut out, rack),
            None => put_i16(&mut out, -1),
        }
        out
    }

    /// Decodes any version; fields a version lacks get their defaults.
    pub fn decode(bytes: &[u8]) -> Result<Self, ProtocolError> {
        let mut r = Reader { rest: bytes };
        let version = r.version()?;
        let count = r.len("topics")?;
        let mut topics = Vec::with_capacity(count.min(64));
        for _ in 0..count {
            topics.push(r.string("topics")?);
        }
        let user_data = r.bytes("user_data")?;
        let mut subscription = Subscription {
            topics,
            user_data,
            owned_partitions: Vec::new(),
            generation_id: -1,
            rack_id: None,
        };
        if version >= 1 {
            subscription.owned_partitions = r.partitions("owned_partitions")?;
        }
        if version >= 2 {
            subscription.generation_id = r.i32("generation_id")?;
        }
        if version >= 3 {
            subscription.rack_id = r.nullable_string("rack_id")?;
        }
        Ok(subscription)
    }
}

impl Assignment {
    /// Encodes as [`ASSIGNMENT_VERSION`].
    pub fn encode(&self) -> Vec<u8> {
        let mut out = Vec::new();
        put_i16(&mut out, ASSIGNMENT_VERSION);
        put_partitions(&mut out, &self.partitions);
        put_bytes(&mut out, self.user_data.as_deref());
        out
    }

    /// Decodes any version. Empty bytes decode as an empty assignment (what a coordinator sends a member
    /// the leader gave nothing).
    pub fn decode(bytes: &[u8]) -> Result<Self, ProtocolError> {
        if bytes.is_empty() {
            return Ok(Assignment::default());
        }
        let mut r = Reader { rest: bytes };
        r.version()?;
        let partitions = r.partitions("assigned_partitions")?;
        let user_data = r.bytes("user_data")?;
        Ok(Assignment { partitions, user_data })
    }
}

pub(crate) fn put_i16(out: &mut Vec<u8>, v: i16) {
    out.extend_from_slice(&v.to_be_bytes());
}

pub(crate) fn put_i32(out: &mut Vec<u8>, v: i32) {
    out.extend_from_slice(&v.to_be_bytes());
}

pub(crate) fn put_len(out: &mut Vec<u8>, len: usize) {
    put_i32(out, i32::try_from(len).unwrap_or(i32::MAX));
}

pub(crate) fn put_string(out: &mut Vec<u8>, s: &str) {
    // Topic names are at most 249 bytes; longer strings are cut at the int16 limit.
    let bytes = s.as_bytes();
    let len = bytes.len().min(i16::MAX as usize);
    put_i16(out, i16::try_from(len).unwrap_or(i16::MAX));
    out.extend_from_slice(&bytes[..len]);
}

pub(crate) fn put_bytes(out: &mut Vec<u8>, bytes: Option<&[u8]>) {
    match bytes {
        Some(b) => {
            put_len(out, b.len());
            out.extend_from_slice(b);
        }
        None => put_i32(out, -1),
    }
}

/// Partitions grouped by topic, as Kafka's `TopicPartition` arrays are.
fn put_partitions(out: &mut Vec<u8>, partitions: &[TopicPartition]) {
    let mut by_topic: BTreeMap<&str, Vec<i32>> = BTreeMap::new();
    for tp in partitions {
        by_topic.entry(tp.topic.as_str()).or_default().push(tp.partition);
    }
    put_len(out, by_topic.len());
    for (topic, mut indexes) in by_topic {
        indexes.sort_unstable();
        put_string(out, topic);
        put_len(out, indexes.len());
        for index in indexes {
            put_i32(out, index);
        }
    }
}

pub(crate) struct Reader<'a> {
    pub(crate) rest: &'a [u8],
}

impl Reader<'_> {
    fn take<const N: usize>(&mut self, field: &'static str) -> Result<[u8; N], ProtocolError> {
        let (head, rest) = self.rest.split_first_chunk::<N>().ok_or(ProtocolError::Truncated { field })?;
        self.rest = rest;
        Ok(*head)
    }

    pub(crate) fn i16(&mut self, field: &'static str) -> Result<i16, ProtocolError> {
        self.take::<2>(field).map(i16::from_be_bytes)
    }

    pub(crate) fn i32(&mut self, field: &'static str) -> Result<i32, ProtocolError> {
        self.take::<4>(field).map(i32::from_be_bytes)
    }

    fn version(&mut self) -> Result<i16, ProtocolError> {
        let version = self.i16("version")?;
        if version < 0 {
            return Err(ProtocolError::BadVersion(version));
        }
        Ok(version)
    }

    pub(crate) fn len(&mut self, field: &'static str) -> Result<usize, ProtocolError> {
        let length = self.i32(field)?;
        usize::try_from(length)
            .ok()
            .filter(|&n| n <= MAX_ENTRIES)
            .ok_or(ProtocolError::BadLength { field, length })
    }

    fn slice(&mut self, field: &'static str, len: usize) -> Result<&[u8], ProtocolError> {
        if self.rest.len() < len {
            return Err(ProtocolError::Truncated { field });
        }
        let (head, rest) = self.rest.split_at(len);
        self.rest = rest;
        Ok(head)
    }

    pub(crate) fn nullable_string(&mut self, field: &'static str) -> Result<Option<String>, ProtocolError> {
        let length = self.i16(field)?;
        if length == -1 {
            return Ok(None);
        }
        let len = usize::try_from(length)
            .map_err(|_| ProtocolError::BadLength { field, length: i32::from(length) })?;
        let bytes = self.slice(field, len)?;
        let s = core::str::from_utf8(bytes).map_err(|_| ProtocolError::NotUtf8 { field })?;
        Ok(Some(String::from(s)))
    }

    pub(crate) fn string(&mut self, field: &'static str) -> Result<String, ProtocolError> {
        self.nullable_string(field)?.ok_or(ProtocolError::BadLength { field, length: -1 })
    }

    pub(crate) fn bytes(&mut self, field: &'static str) -> Result<Option<Vec<u8>>, ProtocolError> {
        let length = self.i32(field)?;
        if length == -1 {
            return Ok(None);
        }
        let len = usize::try_from(length).map_err(|_| ProtocolError::BadLength { field, length })?;
        Ok(Some(self.slice(field, len)?.to_vec()))
    }

    fn partitions(&mut self, field: &'static str) -> Result<Vec<TopicPartition>, ProtocolError> {
        let topics = self.len(field)?;
        let mut out = Vec::new();
        for _ in 0..topics {
            let topic = self.string(field)?;
            let count = self.len(field)?;
            if out.len().saturating_add(count) > MAX_ENTRIES {
                return Err(ProtocolError::BadLength { field, length: i32::try_from(count).unwrap_or(-1) });
            }
            for _ in 0..count {
                let partition = self.i32(field)?;
                out.push(TopicPartition { topic: topic.clone(), partition });
            }
        }
        out.sort();
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::vec;

    fn tp(topic: &str, partition: i32) -> TopicPartition {
        TopicPartition { topic: topic.into(), partition }
    }

    #[test]
    fn subscription_round_trips() {
        let subscription = Subscription {
            topics: vec!["a".into(), "orders".into()],
            user_data: Some(vec![1, 2, 3]),
            owned_partitions: vec![tp("a", 0), tp("orders", 1), tp("orders", 2)],
            generation_id: 7,
            rack_id: Some("rack-1".into()),
        };
        assert_eq!(Subscription::decode(&subscription.encode()), Ok(subscription));
    }

    #[test]
    fn assignment_round_trips_and_empty_bytes_mean_nothing_assigned() {
        let assignment = Assignment { partitions: vec![tp("orders", 0), tp("orders", 3)], user_data: None };
        assert_eq!(Assignment::decode(&assignment.encode()), Ok(assignment));
        assert_eq!(Assignment::decode(&[]), Ok(Assignment::default()));
    }

    #[test]
    fn version_0_subscription_decodes_with_defaults() {
        // Kafka's v0: version, topics ["t"], null user data.
        let bytes = [0, 0, 0, 0, 0, 1, 0, 1, b't', 0xff, 0xff, 0xff, 0xff];
        let subscription = Subscription::decode(&bytes).unwrap();
        assert_eq!(subscription.topics, vec![String::from("t")]);
        assert_eq!(subscription.generation_id, -1);
        assert!(subscription.owned_partitions.is_empty());
    }

    #[test]
    fn every_truncation_is_an_error_not_a_panic() {
        let bytes = Subscription {
            topics: vec!["orders".into()],
            owned_partitions: vec![tp("orders", 1)],
            ..Subscription::default()
        }
        .encode();
        for cut in 0..bytes.len() - 2 {
            assert!(Subscription::decode(&bytes[..cut]).is_err(), "cut at {cut}");
        }
        assert_eq!(
            Subscription::decode(&[0, 1, 0x7f, 0xff, 0xff, 0xff]),
            Err(ProtocolError::BadLength { field: "topics", length: i32::MAX })
        );
        assert_eq!(Assignment::decode(&[0xff, 0xff]), Err(ProtocolError::BadVersion(-1)));
    }
}

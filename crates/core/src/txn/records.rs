//! What a transaction coordinator writes to `__transaction_state`, in Kafka's schemas
//! (`TransactionLogKey` v0: the transactional id; `TransactionLogValue` v0: producer id and epoch,
//! timeout, state, partitions, last update and start timestamps), so a new coordinator rebuilds every
//! transaction by replaying the partition. A null value is a tombstone (an expired id).

use alloc::collections::BTreeSet;
use alloc::string::String;
use alloc::vec::Vec;

use super::TransactionState;
use crate::group::consumer_protocol::{put_i16, put_i32, put_len, put_string, ProtocolError, Reader};
use crate::record_batch::NewRecord;
use crate::replication::messages::TopicPartition;

/// One transactional id's state as stored.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoredTransaction {
    /// The producer id.
    pub producer_id: i64,
    /// The producer epoch.
    pub producer_epoch: i16,
    /// `transaction.timeout.ms`.
    pub timeout_ms: i32,
    /// The state.
    pub state: TransactionState,
    /// The partitions of the open (or ending) transaction.
    pub partitions: BTreeSet<TopicPartition>,
    /// When the state was written.
    pub last_update_ms: i64,
    /// When the transaction started (-1 without one).
    pub start_ms: i64,
}

/// The record storing `txn` for `transactional_id` at `now_ms`.
pub fn transaction_record(transactional_id: &str, txn: &StoredTransaction, now_ms: u64) -> NewRecord {
    let mut key = Vec::new();
    put_i16(&mut key, 0);
    put_string(&mut key, transactional_id);
    let mut value = Vec::new();
    put_i16(&mut value, 0);
    value.extend_from_slice(&txn.producer_id.to_be_bytes());
    put_i16(&mut value, txn.producer_epoch);
    put_i32(&mut value, txn.timeout_ms);
    value.push(txn.state.id().to_be_bytes()[0]);
    let mut by_topic: alloc::collections::BTreeMap<&str, Vec<i32>> = alloc::collections::BTreeMap::new();
    for tp in &txn.partitions {
        by_topic.entry(tp.topic.as_str()).or_default().push(tp.partition);
    }
    put_len(&mut value, by_topic.len());
    for (topic, partitions) in by_topic {
        put_string(&mut value, topic);
        put_len(&mut value, partitions.len());
        for partition in partitions {
            put_i32(&mut value, partition);
        }
    }
    value.extend_from_slice(&txn.last_update_ms.to_be_bytes());
    value.extend_from_slice(&txn.start_ms.to_be_bytes());
    let timestamp_ms = i64::try_from(now_ms).unwrap_or(i64::MAX);
    NewRecord { key: Some(key), value: Some(value), headers: Vec::new(), timestamp_ms }
}

fn i64_of(r: &mut Reader<'_>, field: &'static str) -> Result<i64, ProtocolError> {
    let high = r.i32(field)?;
    let low = r.i32(field)?;
    Ok((i64::from(high) << 32) | i64::from(low as u32))
}

/// Decodes one `__transaction_state` record: the transactional id and its state (`None`: tombstone).
pub fn decode(
    key: &[u8],
    value: Option<&[u8]>,
) -> Result<(String, Option<StoredTransaction>), ProtocolError> {
    let mut k = Reader { rest: key };
    let version = k.i16("key version")?;
    if version != 0 {
        return Err(ProtocolError::BadVersion(version));
    }
    let transactional_id = k.string("transactional id")?;
    let Some(value) = value else { return Ok((transactional_id, None)) };
    let mut r = Reader { rest: value };
    let version = r.i16("value version")?;
    if version != 0 {
        return Err(ProtocolError::BadVersion(version));
    }
    let producer_id = i64_of(&mut r, "producer id")?;
    let producer_epoch = r.i16("producer epoch")?;
    let timeout_ms = r.i32("transaction timeout")?;
    let state_and_rest = r.rest.split_first().ok_or(ProtocolError::Truncated { field: "state" })?;
    r.rest = state_and_rest.1;
    let state = TransactionState::from_id(i8::from_be_bytes([*state_and_rest.0]))
        .ok_or(ProtocolError::Truncated { field: "state" })?;
    let mut partitions = BTreeSet::new();
    for _ in 0..r.len("topics")? {
        let topic = r.string("topic")?;
        for _ in 0..r.len("partitions")? {
            partitions.insert(TopicPartition { topic: topic.clone(), partition: r.i32("partition")? });
        }
    }
    let last_update_ms = i64_of(&mut r, "last update")?;
    let start_ms = i64_of(&mut r, "start")?;
    let txn = StoredTransaction {
        producer_id,
        producer_epoch,
        timeout_ms,
        state,
        partitions,
        last_update_ms,
        start_ms,
    };
    Ok((transactional_id, Some(txn)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_transaction_round_trips() {
        let mut partitions = BTreeSet::new();
        partitions.insert(TopicPartition { topic: "out".into(), partition: 2 });
        partitions.insert(TopicPartition { topic: "__consumer_offsets".into(), partition: 0 });
        let txn = StoredTransaction {
            producer_id: 4001,
            producer_epoch: 7,
            timeout_ms: 60_000,
            state: TransactionState::PrepareCommit,
            partitions,
            last_update_ms: 123,
            start_ms: 100,
        };
        let record = transaction_record("app-1", &txn, 123);
        let decoded = decode(record.key.as_deref().unwrap(), record.value.as_deref()).unwrap();
        assert_eq!(decoded, (String::from("app-1"), Some(txn)));
    }

    #[test]
    fn garbage_is_an_error_not_a_panic() {
        assert!(decode(&[0, 0, 0, 3, b'a'], Some(&[0, 0, 1])).is_err());
        assert!(decode(&[0, 9], None).is_err());
    }
}

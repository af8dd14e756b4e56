//! Unit tests of [`super::ProducerStateManager`]: Kafka's `ProducerStateManagerTest` rules (KIP-98,
//! KIP-360).

use alloc::vec::Vec;

use super::*;
use crate::record_batch::BatchAttributes;

const DAY_MS: u64 = 86_400_000;

/// The stored header of a batch of `count` records from `producer_id`/`epoch` starting at sequence
/// `sequence`, written at `base_offset`, with timestamp `timestamp_ms`.
fn header(producer_id: i64, epoch: i16, sequence: i32, count: i32, base_offset: i64) -> BatchHeader {
    BatchHeader {
        base_offset,
        batch_length: 100,
        partition_leader_epoch: 0,
        magic: 2,
        crc: 0,
        attributes: BatchAttributes::default(),
        last_offset_delta: count - 1,
        base_timestamp_ms: 0,
        max_timestamp_ms: 1_000,
        producer_id,
        producer_epoch: epoch,
        base_sequence: sequence,
        record_count: count,
    }
}

fn state_with(headers: &[BatchHeader]) -> ProducerStateManager {
    let mut state = ProducerStateManager::default();
    for header in headers {
        assert_eq!(state.check(header), Ok(ProducerCheck::Append), "{header:?}");
        state.update(header);
    }
    state
}

#[test]
fn in_sequence_batches_are_appended_and_remembered() {
    let state = state_with(&[header(7, 0, 0, 3, 0), header(7, 0, 3, 2, 3)]);
    let entry = state.entry(7).unwrap();
    assert_eq!(entry.producer_epoch, 0);
    assert_eq!(entry.last_sequence(), 4);
    assert_eq!(entry.last_offset(), 4);
    assert_eq!(entry.batches.len(), 2);
}

#[test]
fn a_retry_of_one_of_the_last_five_batches_is_a_duplicate_with_the_original_offsets() {
    let headers: Vec<BatchHeader> = (0..5).map(|i| header(7, 0, i * 2, 2, 10 + i64::from(i) * 2)).collect();
    let state = state_with(&headers);
    // The retry arrives at base offset 0, as a producer sends it; the broker answers with the original.
    let check = state.check(&header(7, 0, 4, 2, 0));
    let Ok(ProducerCheck::Duplicate(original)) = check else { panic!("{check:?}") };
    assert_eq!((original.first_offset, original.last_offset), (14, 15));
    // A different sequence range overlapping a batch is not a duplicate: it is out of order.
    let overlapping = state.check(&header(7, 0, 4, 3, 0));
    assert_eq!(overlapping.unwrap_err().error_code(), ErrorCode::OutOfOrderSequenceNumber);
}

#[test]
fn only_the_last_five_batches_are_remembered() {
    let headers: Vec<BatchHeader> = (0..6).map(|i| header(7, 0, i, 1, i64::from(i))).collect();
    let state = state_with(&headers);
    assert_eq!(state.entry(7).unwrap().batches.len(), NUM_BATCHES_TO_RETAIN);
    assert!(matches!(state.check(&header(7, 0, 1, 1, 0)), Ok(ProducerCheck::Duplicate(_))));
    // The first batch fell out: its retry is no longer recognised, and it is out of order.
    assert_eq!(
        state.check(&header(7, 0, 0, 1, 0)).unwrap_err().error_code(),
        ErrorCode::OutOfOrderSequenceNumber
    );
}

#[test]
fn a_gap_is_out_of_order() {
    let state = state_with(&[header(7, 0, 0, 3, 0)]);
    let error = state.check(&header(7, 0, 4, 1, 0)).unwrap_err();
    assert_eq!(error.error_code(), ErrorCode::OutOfOrderSequenceNumber);
    assert!(alloc::format!("{error}").contains("Out of order sequence number"), "{error}");
}

#[test]
fn an_older_epoch_is_invalid_producer_epoch() {
    let state = state_with(&[header(7, 3, 0, 1, 0)]);
    let error = state.check(&header(7, 2, 1, 1, 0)).unwrap_err();
    assert_eq!(error.error_code(), ErrorCode::InvalidProducerEpoch);
}

#[test]
fn a_new_epoch_must_start_at_sequence_zero() {
    let state = state_with(&[header(7, 0, 0, 5, 0)]);
    let error = state.check(&header(7, 1, 3, 1, 0)).unwrap_err();
    assert_eq!(error.error_code(), ErrorCode::OutOfOrderSequenceNumber);
    assert!(alloc::format!("{error}").contains("Invalid sequence number for new epoch"), "{error}");
    assert_eq!(state.check(&header(7, 1, 0, 1, 0)), Ok(ProducerCheck::Append));
}

#[test]
fn a_new_epoch_forgets_the_old_epochs_batches() {
    let mut state = state_with(&[header(7, 0, 0, 5, 0)]);
    state.update(&header(7, 1, 0, 1, 5));
    let entry = state.entry(7).unwrap();
    assert_eq!((entry.producer_epoch, entry.batches.len(), entry.last_sequence()), (1, 1, 0));
    // The old epoch's batch is not a duplicate any more: its epoch is fenced.
    assert_eq!(
        state.check(&header(7, 0, 0, 5, 0)).unwrap_err().error_code(),
        ErrorCode::InvalidProducerEpoch
    );
}

#[test]
fn an_unknown_producer_may_start_at_any_sequence_kip_360() {
    let state = ProducerStateManager::default();
    assert_eq!(state.check(&header(9, 4, 1_234, 2, 0)), Ok(ProducerCheck::Append));
}

#[test]
fn batches_without_a_producer_id_are_neither_checked_nor_tracked() {
    let mut state = ProducerStateManager::default();
    let plain = header(NO_PRODUCER_ID, -1, -1, 3, 0);
    assert_eq!(state.check(&plain), Ok(ProducerCheck::Append));
    state.update(&plain);
    assert!(state.is_empty());
}

#[test]
fn sequences_wrap_at_i32_max() {
    assert_eq!(increment_sequence(i32::MAX, 1), 0);
    assert_eq!(increment_sequence(i32::MAX - 1, 3), 1);
    let state = state_with(&[header(7, 0, i32::MAX - 1, 2, 0)]);
    assert_eq!(state.entry(7).unwrap().last_sequence(), i32::MAX);
    assert_eq!(state.check(&header(7, 0, 0, 1, 0)), Ok(ProducerCheck::Append));
    // A batch crossing the wrap has its last sequence past 0.
    let state = state_with(&[header(7, 0, i32::MAX, 3, 0)]);
    assert_eq!(state.entry(7).unwrap().last_sequence(), 1);
    assert_eq!(state.check(&header(7, 0, 2, 1, 0)), Ok(ProducerCheck::Append));
}

#[test]
fn producers_expire_after_producer_id_expiration_ms() {
    let mut state = state_with(&[header(7, 0, 0, 1, 0)]); // timestamp 1 000
    assert_eq!(state.remove_expired(DAY_MS + 999, DAY_MS), 0);
    assert_eq!(state.remove_expired(DAY_MS + 1_000, DAY_MS), 1);
    assert!(state.entry(7).is_none());
}

#[test]
fn past_the_bound_the_least_recently_used_producer_is_forgotten() {
    let mut state = ProducerStateManager::new(2);
    state.update(&header(1, 0, 0, 1, 0));
    state.update(&header(2, 0, 0, 1, 1));
    state.update(&header(1, 0, 1, 1, 2)); // producer 1 is now the more recent one
    state.update(&header(3, 0, 0, 1, 3));
    assert_eq!(state.len(), 2);
    assert!(state.entry(2).is_none(), "producer 2 was the least recently used");
    assert!(state.entry(1).is_some() && state.entry(3).is_some());
    assert_eq!(state.evicted_count(), 1);
    // Forgotten means unknown: any sequence goes (KIP-360).
    assert_eq!(state.check(&header(2, 0, 42, 1, 0)), Ok(ProducerCheck::Append));
}

#[test]
fn rebuild_replays_the_log_and_keeps_producers_removed_by_retention() {
    let mut state = state_with(&[header(1, 0, 0, 2, 0), header(2, 0, 0, 2, 2), header(2, 0, 2, 2, 4)]);
    // Retention moved the log start to 2 (producer 1's batch is gone), then a truncation to 4 removed
    // producer 2's second batch.
    let remaining = [header(2, 0, 0, 2, 2)];
    state.rebuild(remaining.into_iter(), 2, 2_000, DAY_MS);
    assert_eq!(state.entry(1).unwrap().last_sequence(), 1, "kept until it expires (KIP-360)");
    assert_eq!(state.entry(2).unwrap().last_sequence(), 1, "as the remaining log says");
    assert_eq!(state.check(&header(2, 0, 2, 2, 0)), Ok(ProducerCheck::Append));
    // Expired producers do not come back.
    state.rebuild(remaining.into_iter(), 2, DAY_MS + 1_000, DAY_MS);
    assert!(state.is_empty());
}

#[test]
fn sequence_less_batches_get_the_epoch_check_only_and_leave_the_sequences_alone() {
    // A transactional producer's batches, then the group coordinator's TxnOffsetCommit writes for the
    // same producer id: no sequence (Kafka validates sequences for client batches only).
    let mut state = state_with(&[header(7, 2, 0, 3, 0)]);
    let offsets = header(7, 2, NO_SEQUENCE, 1, 3);
    for base_offset in [3, 4] {
        // Twice: a second commit in the same transaction is no duplicate and no gap.
        let offsets = BatchHeader { base_offset, ..offsets };
        assert_eq!(state.check(&offsets), Ok(ProducerCheck::Append));
        state.update(&offsets);
    }
    assert_eq!(state.entry(7).unwrap().last_sequence(), 2, "sequences continue from the client's batches");
    assert_eq!(state.check(&header(7, 2, 3, 1, 5)), Ok(ProducerCheck::Append));
    let stale = state.check(&header(7, 1, NO_SEQUENCE, 1, 5));
    assert_eq!(stale.unwrap_err().error_code(), ErrorCode::InvalidProducerEpoch);
}

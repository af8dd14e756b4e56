//! Unit tests of the partitioner's state: sticky (KIP-480) and round robin. The murmur2 golden vectors
//! live in `tests/partitioner_vectors.rs`.

use alloc::format;
use alloc::vec::Vec;

use super::{NullKeyStrategy, PartitionChoice, PartitionReason, Partitioner, PartitionerError};
use crate::ErrorCode;

/// Keyless records through a sticky partitioner, one `random` per call.
fn keyless(p: &mut Partitioner, n: u32, available: Option<&[u32]>, random: u32) -> PartitionChoice {
    p.partition_with_available(None, n, available, random).unwrap()
}

#[test]
fn sticky_stays_until_on_new_batch() {
    let mut p = Partitioner::new(NullKeyStrategy::Sticky);
    let first = keyless(&mut p, 6, None, 4);
    assert_eq!(first.partition, 4); // toPositive(4) % 6
    assert_eq!(first.reason, PartitionReason::Sticky { newly_chosen: true });
    for random in [0, 1, 2, 3, 5, u32::MAX] {
        // The random numbers differ but are not consumed: the batch on partition 4 is still open.
        let next = keyless(&mut p, 6, None, random);
        assert_eq!(
            next,
            PartitionChoice { partition: 4, reason: PartitionReason::Sticky { newly_chosen: false } }
        );
    }
    assert_eq!(p.sticky_partition(), Some(4));
}

#[test]
fn sticky_moves_to_a_different_partition_after_the_batch() {
    let mut p = Partitioner::new(NullKeyStrategy::Sticky);
    let mut current = keyless(&mut p, 3, None, 0).partition;
    // Every random number, including ones that would pick the old partition if it were not left out.
    for random in 0..64 {
        p.on_new_batch(current);
        let next = keyless(&mut p, 3, None, random);
        assert_eq!(next.reason, PartitionReason::Sticky { newly_chosen: true });
        assert_ne!(next.partition, current, "random {random}");
        assert!(next.partition < 3);
        current = next.partition;
    }
}

#[test]
fn sticky_draws_every_other_partition() {
    // After a batch on partition 2 of 4, the random number selects among 0, 1 and 3 uniformly.
    let mut seen = Vec::new();
    for random in 0..3 {
        let mut p = Partitioner::new(NullKeyStrategy::Sticky);
        assert_eq!(keyless(&mut p, 4, None, 2).partition, 2);
        p.on_new_batch(2);
        seen.push(keyless(&mut p, 4, None, random).partition);
    }
    assert_eq!(seen, [0, 1, 3]);
}

#[test]
fn sticky_with_one_partition_stays_on_it() {
    let mut p = Partitioner::new(NullKeyStrategy::Sticky);
    assert_eq!(keyless(&mut p, 1, None, 9).partition, 0);
    p.on_new_batch(0);
    let next = keyless(&mut p, 1, None, 5);
    assert_eq!(
        next,
        PartitionChoice { partition: 0, reason: PartitionReason::Sticky { newly_chosen: true } }
    );
}

#[test]
fn stale_on_new_batch_is_ignored() {
    // Kafka's StickyPartitionCache only replaces the sticky partition if it is the one whose batch ended.
    let mut p = Partitioner::new(NullKeyStrategy::Sticky);
    let current = keyless(&mut p, 5, None, 1).partition;
    p.on_new_batch(current + 1);
    assert_eq!(keyless(&mut p, 5, None, 3).reason, PartitionReason::Sticky { newly_chosen: false });
    assert_eq!(p.sticky_partition(), Some(current));
}

#[test]
fn sticky_respects_available_partitions() {
    let available = [1, 3, 5];
    for random in 0..32 {
        let mut p = Partitioner::new(NullKeyStrategy::Sticky);
        let first = keyless(&mut p, 6, Some(&available), random).partition;
        assert!(available.contains(&first), "random {random} chose {first}");
        p.on_new_batch(first);
        let second = keyless(&mut p, 6, Some(&available), random.wrapping_mul(7)).partition;
        assert!(available.contains(&second), "random {random} chose {second}");
        assert_ne!(first, second);
    }
    // One available partition: every pick is that one (Kafka's `availablePartitions.size() == 1` case).
    let mut p = Partitioner::new(NullKeyStrategy::Sticky);
    assert_eq!(keyless(&mut p, 6, Some(&[4]), 0).partition, 4);
    p.on_new_batch(4);
    assert_eq!(keyless(&mut p, 6, Some(&[4]), 1).partition, 4);
}

#[test]
fn sticky_partition_kept_when_it_becomes_unavailable() {
    // The batch is open on the sticky partition; Kafka only moves on `onNewBatch`.
    let mut p = Partitioner::new(NullKeyStrategy::Sticky);
    assert_eq!(keyless(&mut p, 4, None, 2).partition, 2);
    assert_eq!(keyless(&mut p, 4, Some(&[0, 1]), 0).partition, 2);
    p.on_new_batch(2);
    assert!([0, 1].contains(&keyless(&mut p, 4, Some(&[0, 1]), 0).partition));
}

#[test]
fn sticky_partition_beyond_a_smaller_count_is_replaced() {
    let mut p = Partitioner::new(NullKeyStrategy::Sticky);
    assert_eq!(keyless(&mut p, 8, None, 7).partition, 7);
    let next = keyless(&mut p, 4, None, 6);
    assert_eq!(
        next,
        PartitionChoice { partition: 2, reason: PartitionReason::Sticky { newly_chosen: true } }
    );
}

#[test]
fn keyed_records_ignore_sticky_state_and_availability() {
    let mut p = Partitioner::new(NullKeyStrategy::Sticky);
    let sticky = keyless(&mut p, 3, None, 0).partition;
    let keyed = p.partition_with_available(Some(b"abc"), 3, Some(&[0]), 0).unwrap();
    // UtilsTest.testMurmur2: murmur2("abc") = 479470107, already positive; 479470107 % 3 = 0.
    assert_eq!(
        keyed,
        PartitionChoice {
            partition: 0,
            reason: PartitionReason::Murmur2 { hash: 479_470_107, positive: 479_470_107, num_partitions: 3 }
        }
    );
    let keyed = p.partition_with_available(Some(b"21"), 3, Some(&[0]), 0).unwrap();
    assert_eq!(keyed.partition, 1_173_551_340 % 3);
    assert_eq!(p.sticky_partition(), Some(sticky));
}

#[test]
fn round_robin_counts_and_ignores_keys() {
    let mut p = Partitioner::new(NullKeyStrategy::RoundRobin);
    let keys: [Option<&[u8]>; 7] = [None, Some(b"a"), None, Some(b"a"), Some(b""), None, None];
    let choices: Vec<u32> = keys.iter().map(|k| p.partition(*k, 3, 0).unwrap().partition).collect();
    assert_eq!(choices, [0, 1, 2, 0, 1, 2, 0]);
    let eighth = p.partition(Some(b"x"), 3, 0).unwrap();
    assert_eq!(
        eighth,
        PartitionChoice {
            partition: 1,
            reason: PartitionReason::RoundRobin { counter: 7, num_partitions: 3 }
        }
    );
    assert_eq!(format!("{}", eighth.reason), "round robin: counter 7 % 3 = 1");
    // Batches do not move a round-robin partitioner.
    p.on_new_batch(1);
    assert_eq!(p.partition(None, 3, 0).unwrap().partition, 2);
    assert_eq!(p.sticky_partition(), None);
}

#[test]
fn round_robin_over_available_partitions() {
    let mut p = Partitioner::new(NullKeyStrategy::RoundRobin);
    let available = [2, 5];
    let choices: Vec<u32> =
        (0..5).map(|_| p.partition_with_available(None, 6, Some(&available), 0).unwrap().partition).collect();
    assert_eq!(choices, [2, 5, 2, 5, 2]);
    let sixth = p.partition_with_available(None, 6, Some(&available), 0).unwrap();
    assert_eq!(sixth.reason, PartitionReason::RoundRobinAvailable { counter: 5, num_available: 2, index: 1 });
    assert_eq!(sixth.partition, 5);
}

#[test]
fn round_robin_counter_wraps_like_a_java_int() {
    // Java's AtomicInteger wraps to Integer.MIN_VALUE; toPositive maps it to 0 and counting resumes.
    let mut p = Partitioner::new(NullKeyStrategy::RoundRobin);
    p.round_robin = super::round_robin::RoundRobinState::starting_at(i32::MAX);
    let at_max = p.partition(None, 10, 0).unwrap();
    assert_eq!(at_max.reason, PartitionReason::RoundRobin { counter: i32::MAX as u32, num_partitions: 10 });
    assert_eq!(at_max.partition, 7); // 2147483647 % 10
    let wrapped = p.partition(None, 10, 0).unwrap();
    assert_eq!(wrapped.reason, PartitionReason::RoundRobin { counter: 0, num_partitions: 10 });
    assert_eq!(p.partition(None, 10, 0).unwrap().partition, 1);
}

#[test]
fn zero_partitions_is_invalid_partitions() {
    for strategy in [NullKeyStrategy::Sticky, NullKeyStrategy::RoundRobin] {
        let mut p = Partitioner::new(strategy);
        for key in [None, Some(&b"k"[..])] {
            let err = p.partition(key, 0, 0).unwrap_err();
            assert_eq!(err, PartitionerError::NoPartitions);
            assert_eq!(format!("{err}"), "topic has no partitions");
            assert_eq!(err.error_code(), ErrorCode::InvalidPartitions);
        }
    }
}

#[test]
fn bad_availability_lists_are_named_errors() {
    let mut p = Partitioner::new(NullKeyStrategy::Sticky);
    let err = p.partition_with_available(None, 3, Some(&[0, 7]), 0).unwrap_err();
    assert_eq!(err, PartitionerError::AvailablePartitionOutOfRange { partition: 7, num_partitions: 3 });
    assert_eq!(err.error_code(), ErrorCode::UnknownTopicOrPartition);
    assert_eq!(format!("{err}"), "available partition 7 does not exist: the topic has 3 partitions");
    let err = p.partition_with_available(Some(b"k"), 3, Some(&[2, 1]), 0).unwrap_err();
    assert_eq!(err, PartitionerError::AvailablePartitionsNotAscending { previous: 2, partition: 1 });
    assert_eq!(err.error_code(), ErrorCode::InvalidRequest);
    // No state changed by the failed calls.
    assert_eq!(p.sticky_partition(), None);
}

#[test]
fn reasons_print_the_arithmetic() {
    let murmur =
        PartitionReason::Murmur2 { hash: -1_137_236_017, positive: 1_010_247_631, num_partitions: 3 };
    assert_eq!(format!("{murmur}"), "murmur2(key) = -1137236017 → toPositive = 1010247631 → % 3 = 1");
    assert_eq!(
        format!("{}", PartitionReason::Sticky { newly_chosen: false }),
        "no key: sticky partition (KIP-480), kept until the batch is sent"
    );
    assert_eq!(
        format!("{}", PartitionReason::Sticky { newly_chosen: true }),
        "no key: new sticky partition chosen at random (KIP-480)"
    );
    let rr = PartitionReason::RoundRobinAvailable { counter: 5, num_available: 2, index: 1 };
    assert_eq!(format!("{rr}"), "round robin over the available partitions: counter 5 % 2 = index 1");
    // A hand-built reason with a zero divisor prints, it does not panic.
    let zero = PartitionReason::RoundRobin { counter: 5, num_partitions: 0 };
    assert_eq!(format!("{zero}"), "round robin: counter 5 % 0 = ?");
    let choice = PartitionChoice {
        partition: 1,
        reason: PartitionReason::RoundRobin { counter: 7, num_partitions: 3 },
    };
    assert_eq!(format!("{choice}"), "partition 1: round robin: counter 7 % 3 = 1");
}

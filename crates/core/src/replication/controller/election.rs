//! Pure rules of the controller: replica assignment at topic creation and leader election.

use alloc::vec::Vec;

use crate::node::BrokerId;
use crate::replication::messages::PartitionState;

/// Kafka's `assignReplicasToBrokersRackUnaware` with a fixed start index of 0 (Kafka picks it at
/// random; a simulation needs it deterministic): partition `p`'s first replica is broker `p mod n`, the
/// others follow at a shift that grows every `n` partitions, so leaders and followers spread evenly.
/// `brokers` must be non-empty and `replication_factor` ≤ its length (the caller checks).
pub(crate) fn assign_replicas(
    brokers: &[BrokerId],
    partitions: i32,
    replication_factor: usize,
) -> Vec<Vec<BrokerId>> {
    let n = brokers.len();
    let mut next_replica_shift = 0usize;
    (0..partitions.max(0) as usize)
        .map(|partition| {
            if partition > 0 && partition % n == 0 {
                next_replica_shift += 1;
            }
            let first = partition % n;
            let mut replicas = Vec::with_capacity(replication_factor);
            replicas.push(brokers[first]);
            for j in 0..replication_factor.saturating_sub(1) {
                // n ≥ 2 whenever replication_factor ≥ 2.
                let shift = 1 + (next_replica_shift + j) % (n - 1);
                replicas.push(brokers[(first + shift) % n]);
            }
            replicas
        })
        .collect()
}

/// The outcome of a leader election.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Election {
    /// The leader, or `None` when no replica is eligible.
    pub leader: Option<BrokerId>,
    /// Chosen from outside the ISR.
    pub unclean: bool,
}

/// Kafka's `PartitionChangeBuilder` election: keep a current leader that is still in the ISR and
/// unfenced; else the first replica, in assignment order (the preferred one first), that is in the ISR
/// and unfenced; else, only with `unclean.leader.election.enable`, the first unfenced replica at all.
pub(crate) fn elect(
    state: &PartitionState,
    is_fenced: impl Fn(BrokerId) -> bool,
    unclean_enabled: bool,
) -> Election {
    if let Some(leader) = state.leader {
        if state.isr.contains(&leader) && !is_fenced(leader) {
            return Election { leader: Some(leader), unclean: false };
        }
    }
    let clean = state.replicas.iter().copied().find(|&r| state.isr.contains(&r) && !is_fenced(r));
    if clean.is_some() {
        return Election { leader: clean, unclean: false };
    }
    if unclean_enabled {
        let any = state.replicas.iter().copied().find(|&r| !is_fenced(r));
        return Election { leader: any, unclean: any.is_some() };
    }
    Election { leader: None, unclean: false }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::replication::messages::TopicPartition;
    use alloc::string::ToString;
    use alloc::vec;

    #[test]
    fn assignment_spreads_leaders_and_shifts_followers_like_kafka() {
        let assignment = assign_replicas(&[1, 2, 3], 6, 3);
        assert_eq!(
            assignment,
            vec![vec![1, 2, 3], vec![2, 3, 1], vec![3, 1, 2], vec![1, 3, 2], vec![2, 1, 3], vec![3, 2, 1]]
        );
        assert_eq!(assign_replicas(&[7], 2, 1), vec![vec![7], vec![7]]);
    }

    fn state(replicas: &[BrokerId], isr: &[BrokerId], leader: Option<BrokerId>) -> PartitionState {
        PartitionState {
            tp: TopicPartition { topic: "t".to_string(), partition: 0 },
            replicas: replicas.to_vec(),
            isr: isr.to_vec(),
            leader,
            leader_epoch: 0,
            partition_epoch: 0,
        }
    }

    #[test]
    fn preferred_isr_member_first_then_unclean_only_if_enabled() {
        let fenced = |b: BrokerId| b == 1;
        assert_eq!(elect(&state(&[1, 2, 3], &[1, 3, 2], Some(1)), fenced, false).leader, Some(2));
        assert_eq!(elect(&state(&[1, 2, 3], &[1, 3], Some(3)), fenced, false).leader, Some(3));
        let offline = state(&[1, 2, 3], &[1], Some(1));
        assert_eq!(elect(&offline, fenced, false), Election { leader: None, unclean: false });
        assert_eq!(elect(&offline, fenced, true), Election { leader: Some(2), unclean: true });
    }
}

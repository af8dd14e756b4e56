//! Known causes: violations Kafka itself would show, recognised from the trace so a report can say
//! "this is the documented gap" instead of leaving a reader to rediscover it.
//!
//! The one recognised today is KIP-966's "last replica standing": the only in-sync replica of a
//! partition loses its unflushed log in a power loss (Kafka does not fsync each write; durability comes
//! from replication), restarts, and — still the only ISR member — is elected again; the other replicas
//! truncate to its shorter log. Records acknowledged before the crash are gone even with acks=all and
//! `min.insync.replicas=2`. Kafka closes this with Eligible Leader Replicas (KIP-966).

use std::collections::BTreeMap;

use samsa_core::node::BrokerId;
use samsa_core::replication::messages::TopicPartition;

use super::report::{At, Cause};

/// Most power-loss re-elections remembered per partition: each needs a crash and a restart, so a run
/// has few; the bound keeps a pathological trace from growing this without limit.
const MAX_EVENTS_PER_PARTITION: usize = 64;

/// What the trace showed that can explain a violation.
#[derive(Clone, Debug, Default)]
pub(crate) struct KnownCauses {
    /// The controller's committed ISR per partition (from `IsrChanged`).
    isr: BTreeMap<TopicPartition, Vec<BrokerId>>,
    /// Each broker's latest power-loss crash.
    power_losses: BTreeMap<BrokerId, At>,
    /// Per partition: power-lost sole-ISR replicas elected again.
    reelections: BTreeMap<TopicPartition, Vec<Cause>>,
}

impl KnownCauses {
    /// The controller committed a new ISR.
    pub(crate) fn isr_changed(&mut self, tp: &TopicPartition, isr: &[BrokerId]) {
        self.isr.insert(tp.clone(), isr.to_vec());
    }

    /// A broker crashed; `power_loss` means it lost what it had not flushed.
    pub(crate) fn crashed(&mut self, at: At, broker: BrokerId, power_loss: bool) {
        if power_loss {
            self.power_losses.insert(broker, at);
        }
    }

    /// The controller elected `leader`: the gap applies when it is the sole ISR member and lost its
    /// log in a power loss since it last led or followed with a full log.
    pub(crate) fn leader_elected(&mut self, at: At, tp: &TopicPartition, leader: Option<BrokerId>) {
        let Some(leader) = leader else { return };
        let Some(&crashed_at) = self.power_losses.get(&leader) else { return };
        if self.isr.get(tp).is_some_and(|isr| isr.as_slice() == [leader]) {
            let causes = self.reelections.entry(tp.clone()).or_default();
            if causes.len() < MAX_EVENTS_PER_PARTITION {
                causes.push(Cause::LastReplicaPowerLoss { broker: leader, crashed_at, elected_at: at });
            }
        }
    }

    /// A known cause for a consumer of `tp` going back at `at`: a power-loss re-election before it (the
    /// consumer's position was past the shorter log, so it reset).
    pub(crate) fn for_rewind(&self, tp: &TopicPartition, at: At) -> Option<Cause> {
        self.reelections.get(tp)?.iter().copied().find(|cause| match cause {
            Cause::LastReplicaPowerLoss { elected_at, .. } => *elected_at <= at,
        })
    }

    /// A known cause for losing, in `tp`, something acked or read at `since`: a power-loss re-election
    /// after it. (Not "a crash after it": a response the leader sent just before losing power can
    /// reach the client just after.)
    pub(crate) fn for_loss(&self, tp: &TopicPartition, since: At) -> Option<Cause> {
        self.reelections.get(tp)?.iter().copied().find(|cause| match cause {
            Cause::LastReplicaPowerLoss { elected_at, .. } => *elected_at > since,
        })
    }
}

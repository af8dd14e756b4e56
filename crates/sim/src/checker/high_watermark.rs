//! A leader's high watermark never moves backwards within its leader epoch.
//!
//! The high watermark is what consumers may read and what `acks=all` waits for; a leader that lowered it
//! would un-commit records it may already have handed out. (A *new* leader may start lower and catch up
//! — Kafka allows that, KIP-101 discusses it — so the rule is per broker, per epoch.)

use std::collections::BTreeMap;

use samsa_core::node::BrokerId;
use samsa_core::replication::messages::TopicPartition;

use super::report::{At, Report, Violation, ViolationKind};

/// A leader's epoch and the highest high watermark it reported in it.
#[derive(Clone, Copy, Debug)]
struct LeaderTerm {
    leader_epoch: i32,
    high_watermark: Option<i64>,
}

/// The current leadership terms, per broker and partition.
#[derive(Clone, Debug, Default)]
pub(crate) struct HighWatermarks {
    terms: BTreeMap<(BrokerId, TopicPartition), LeaderTerm>,
}

impl HighWatermarks {
    /// `broker` leads `tp` from now on, in `leader_epoch`.
    pub(crate) fn became_leader(&mut self, broker: BrokerId, tp: &TopicPartition, leader_epoch: i32) {
        self.terms.insert((broker, tp.clone()), LeaderTerm { leader_epoch, high_watermark: None });
    }

    /// `broker` no longer leads `tp`.
    pub(crate) fn became_follower(&mut self, broker: BrokerId, tp: &TopicPartition) {
        self.terms.remove(&(broker, tp.clone()));
    }

    /// `broker` crashed: it leads nothing until it is elected again.
    pub(crate) fn crashed(&mut self, broker: BrokerId) {
        self.terms.retain(|(b, _), _| *b != broker);
    }

    /// `broker` reported a new high watermark for `tp`.
    pub(crate) fn changed(
        &mut self,
        at: At,
        broker: BrokerId,
        tp: &TopicPartition,
        high_watermark: i64,
        report: &mut Report,
    ) {
        let Some(term) = self.terms.get_mut(&(broker, tp.clone())) else {
            return; // a follower's high watermark follows the leader's and may be reset on truncation
        };
        if let Some(previous) = term.high_watermark {
            if high_watermark < previous {
                report.push(Violation {
                    kind: ViolationKind::HighWatermarkRegressed,
                    tp: Some(tp.clone()),
                    record_id: None,
                    offsets: vec![previous, high_watermark],
                    at,
                    detail: format!(
                        "leader broker-{broker} lowered its high watermark from {previous} to \
                         {high_watermark} within leader epoch {}",
                        term.leader_epoch
                    ),
                    cause: None,
                });
            }
        }
        term.high_watermark = Some(term.high_watermark.map_or(high_watermark, |p| p.max(high_watermark)));
    }
}

//! Per consumer group: rebalances, each member's idle time (owning nothing while a member — the
//! stop-the-world pause of an eager rebalance shows here, a cooperative one's does not), and the records
//! its applications processed.

use std::collections::BTreeMap;

use serde::Serialize;

/// One member's counts.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct MemberRunStats {
    /// Partitions owned now.
    pub owned: usize,
    /// Time spent owning nothing after joining (waiting for an assignment, or revoked during a
    /// rebalance), in ms, up to the last event counted.
    pub idle_ms: u64,
    /// Since when it owns nothing, if it does now.
    idle_since_ms: Option<u64>,
    /// Records its application finished.
    pub records_processed: u64,
    /// Rebalance callbacks it ran (revoked, assigned, lost).
    pub callbacks: u64,
}

/// One group's counts.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct GroupRunStats {
    /// Rebalances completed (join phases ended with members).
    pub rebalances: u64,
    /// The last generation seen.
    pub generation_id: i32,
    /// Its members, by client id.
    pub members: BTreeMap<u32, MemberRunStats>,
    /// Records processed, with the first and last time, for the processing rate.
    pub records_processed: u64,
    first_processed_ms: Option<u64>,
    last_processed_ms: u64,
}

impl GroupRunStats {
    /// Records processed per second between the first and the last processed record.
    pub fn processing_rate_per_sec(&self) -> f64 {
        let Some(first) = self.first_processed_ms else { return 0.0 };
        let span_ms = self.last_processed_ms.saturating_sub(first).max(1);
        self.records_processed as f64 * 1_000.0 / span_ms as f64
    }

    /// A member's idle time up to `now_ms` (an open idle interval counts).
    pub fn idle_ms(&self, client: u32, now_ms: u64) -> u64 {
        self.members
            .get(&client)
            .map_or(0, |m| m.idle_ms + m.idle_since_ms.map_or(0, |since| now_ms.saturating_sub(since)))
    }
}

/// Every group's counts, fed by the trace.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct GroupCounts {
    /// By `group.id`.
    pub groups: BTreeMap<String, GroupRunStats>,
    #[serde(skip)]
    group_of: BTreeMap<u32, String>,
}

impl GroupCounts {
    fn member(&mut self, client: u32) -> Option<(&mut GroupRunStats, u32)> {
        let group = self.group_of.get(&client)?;
        self.groups.get_mut(group).map(|g| (g, client))
    }

    pub(crate) fn joined(&mut self, now_ms: u64, client: u32, group_id: &str, generation_id: i32) {
        self.group_of.insert(client, group_id.to_owned());
        let group = self.groups.entry(group_id.to_owned()).or_default();
        group.generation_id = group.generation_id.max(generation_id);
        let member = group.members.entry(client).or_default();
        if member.owned == 0 && member.idle_since_ms.is_none() {
            member.idle_since_ms = Some(now_ms);
        }
    }

    pub(crate) fn rebalanced(&mut self, group_id: &str, generation_id: i32) {
        let group = self.groups.entry(group_id.to_owned()).or_default();
        group.rebalances += 1;
        group.generation_id = group.generation_id.max(generation_id);
    }

    pub(crate) fn owned_changed(&mut self, now_ms: u64, client: u32, owned: Option<usize>, removed: usize) {
        let Some((group, client)) = self.member(client) else { return };
        let member = group.members.entry(client).or_default();
        member.callbacks += 1;
        member.owned = owned.unwrap_or(member.owned.saturating_sub(removed));
        match (member.owned, member.idle_since_ms) {
            (0, None) => member.idle_since_ms = Some(now_ms),
            (n, Some(since)) if n > 0 => {
                member.idle_ms += now_ms.saturating_sub(since);
                member.idle_since_ms = None;
            }
            _ => {}
        }
    }

    /// The member is gone (crashed, left): it stops counting as idle.
    pub(crate) fn gone(&mut self, now_ms: u64, client: u32) {
        let Some((group, client)) = self.member(client) else { return };
        if let Some(member) = group.members.get_mut(&client) {
            if let Some(since) = member.idle_since_ms.take() {
                member.idle_ms += now_ms.saturating_sub(since);
            }
            member.owned = 0;
        }
    }

    pub(crate) fn processed(&mut self, now_ms: u64, client: u32, records: u64) {
        let Some((group, client)) = self.member(client) else { return };
        group.records_processed += records;
        group.first_processed_ms.get_or_insert(now_ms);
        group.last_processed_ms = now_ms;
        group.members.entry(client).or_default().records_processed += records;
    }
}

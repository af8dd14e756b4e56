//! The workload: producers sending records at a steady rate, keyed or not, from the workload's own RNG.

use samsa_core::node::NodeId;

use super::{Action, SimError, Simulation, Slot};
use crate::rng::SimRng;
use crate::sim_node::WorkloadRecord;
use crate::trace::TraceKind;

/// Most records one workload sends in a single millisecond: a bound on per-step work, whatever the
/// configured rate (1,000,000 records/s).
pub const MAX_RECORDS_PER_MS: u64 = 1_000;

/// One producer's steady stream of records.
#[derive(Clone, Debug, PartialEq)]
pub struct Workload {
    /// The producer node (a `NodeId::Client`).
    pub producer: NodeId,
    /// Destination topic.
    pub topic: String,
    /// Records per second (spread evenly: record `n` goes at `start + n * 1000 / rate` ms).
    pub rate_per_sec: u64,
    /// Distinct keys (`key-0` … `key-{n-1}`, drawn uniformly), or `None` for null keys.
    pub key_count: Option<u64>,
    /// With keys: the share of records, in `[0, 1]`, that carry `key-0` (a hot key); the rest are drawn
    /// uniformly from the other keys. `None`: every key is equally likely.
    pub hot_key_share: Option<f64>,
    /// Value size of every record.
    pub value_bytes: u32,
    /// When record number `first_record` is due (the first send, or the moment the rate last changed).
    pub start_ms: u64,
    /// The record number due at `start_ms`: 0, or the count sent when the rate last changed (the
    /// spacing restarts then).
    pub first_record: u64,
    /// No sends at or after this time.
    pub stop_ms: u64,
    /// Records sent so far.
    pub sent: u64,
}

impl Workload {
    /// The next record's key number, from the workload's RNG.
    fn draw_key(&self, rng: &mut SimRng) -> Option<u64> {
        let count = self.key_count?;
        match self.hot_key_share {
            None => Some(rng.below(count)),
            Some(share) if rng.chance(share) || count <= 1 => Some(0),
            Some(_) => Some(1 + rng.below(count - 1)),
        }
    }

    /// When record number `n` (0-based) is due.
    fn due_ms(&self, n: u64) -> u64 {
        let offset_ms =
            u128::from(n.saturating_sub(self.first_record)) * 1_000 / u128::from(self.rate_per_sec.max(1));
        self.start_ms.saturating_add(u64::try_from(offset_ms).unwrap_or(u64::MAX))
    }
}

impl Simulation {
    pub(super) fn run_workload(&mut self, index: usize) -> Result<(), SimError> {
        let now_ms = self.clock.now_ms();
        let Some(workload) = self.workloads.get(index) else {
            return Ok(());
        };
        if workload.rate_per_sec == 0 || now_ms >= workload.stop_ms {
            return Ok(());
        }
        let producer = workload.producer;
        let mut sends = 0;
        while sends < MAX_RECORDS_PER_MS && self.workloads[index].due_ms(self.workloads[index].sent) <= now_ms
        {
            self.send_one(index, producer, now_ms)?;
            self.workloads[index].sent += 1;
            sends += 1;
        }
        let workload = &self.workloads[index];
        let next_ms = workload.due_ms(workload.sent).max(now_ms + 1);
        if next_ms < workload.stop_ms {
            self.schedule_action(next_ms, Action::Workload(index));
        }
        if sends > 0 {
            self.after_call(producer)?;
        }
        Ok(())
    }

    fn send_one(&mut self, index: usize, producer: NodeId, now_ms: u64) -> Result<(), SimError> {
        let workload = &self.workloads[index];
        let (topic, value_bytes) = (workload.topic.clone(), workload.value_bytes);
        let key = workload.draw_key(&mut self.workload_rng);
        let random = self.workload_rng.next_u32();
        let record_id = self.take_record_id();
        let NodeId::Client(client) = producer else {
            return Ok(());
        };
        // A crashed or paused producer sends nothing (the draws above still happen, so the workload's
        // stream does not depend on the fault schedule).
        if !matches!(self.nodes.get(&producer), Some(Slot::Up { .. })) {
            return Ok(());
        }
        self.record(TraceKind::WorkloadSend { client, record_id, key, value_bytes })?;
        let record = WorkloadRecord {
            topic,
            key: key.map(|k| format!("key-{k}").into_bytes()),
            // A fixed filler: values only need their size; the record id header identifies them.
            value: vec![b'v'; value_bytes as usize],
            record_id,
            random,
        };
        let result = match self.nodes.get_mut(&producer) {
            Some(Slot::Up { node, .. }) => node.send_record(now_ms, record),
            _ => return Ok(()),
        };
        if let Err(rejected) = result {
            self.record(TraceKind::SendRejected {
                client,
                record_id,
                error: rejected.error,
                reason: rejected.reason,
            })?;
        }
        Ok(())
    }
}

//! Changing a client while the cluster runs: a new config (a new client in the old one's place, as
//! Kafka clients cannot be reconfigured live), a producer's workload rate, a producer's `flush()`.

use samsa_core::node::NodeId;

use super::{Action, SimError, Simulation, Slot};
use crate::trace::{Api, DropReason, TraceKind};

impl Simulation {
    /// Sets config `name` of client `id` to `value`: the running client is closed and a new one with
    /// the changed config takes its place (same client id, bootstrap list and workload; answers still
    /// on their way to the old client are never read). `Ok(Err(reason))` refuses the change and changes
    /// nothing: an invalid value (Kafka's `ConfigException` sentence), an unknown node, or a client that
    /// is not running.
    pub fn reconfigure_client(
        &mut self,
        id: NodeId,
        name: &str,
        value: &str,
    ) -> Result<Result<(), String>, SimError> {
        let replacement = match self.nodes.get(&id) {
            Some(Slot::Up { node, .. }) => match node.reconfigured(name, value) {
                Some(Ok(replacement)) => replacement,
                Some(Err(reason)) => return Ok(Err(reason)),
                None => return Ok(Err(format!("{id} is not a client"))),
            },
            Some(Slot::Paused { .. } | Slot::Down(_)) => {
                return Ok(Err(format!("{id} is not running; restart it first")))
            }
            None => return Ok(Err(format!("no node {id}"))),
        };
        self.take_slot(id);
        self.put_slot(id, Slot::Up { node: replacement, next_tick_ms: None });
        self.record(TraceKind::ClientReconfigured {
            node: id,
            name: name.to_owned(),
            value: value.to_owned(),
        })?;
        for m in self.network.remove_to(id) {
            let (msg_id, from, to, api) = (m.id, m.from, m.to, Api::of(&m.message));
            self.record(TraceKind::MessageDropped { msg_id, from, to, api, reason: DropReason::NodeDown })?;
        }
        self.after_call(id)?;
        Ok(Ok(()))
    }

    /// Producer `id` flushes (Kafka's `KafkaProducer.flush`). `Ok(Err(reason))` when `id` is not a
    /// running producer.
    pub fn flush(&mut self, id: NodeId) -> Result<Result<(), String>, SimError> {
        let now_ms = self.clock.now_ms();
        let result = match self.nodes.get_mut(&id) {
            Some(Slot::Up { node, .. }) => node.flush(now_ms),
            Some(Slot::Paused { .. } | Slot::Down(_)) => Err(format!("{id} is not running")),
            None => Err(format!("no node {id}")),
        };
        if let Err(reason) = result {
            return Ok(Err(reason));
        }
        self.after_call(id)?;
        Ok(Ok(()))
    }

    /// The workloads, in the order they were added.
    pub fn workloads(&self) -> &[super::Workload] {
        &self.workloads
    }

    /// Producer `id`'s workload sends `rate_per_sec` records per second from now on (0 stops it).
    /// `Ok(Err(reason))` when `id` has no workload.
    pub fn set_produce_rate(
        &mut self,
        id: NodeId,
        rate_per_sec: u64,
    ) -> Result<Result<(), String>, SimError> {
        let Some(index) = self.workloads.iter().position(|w| w.producer == id) else {
            return Ok(Err(format!("{id} has no workload")));
        };
        let now_ms = self.clock.now_ms();
        let workload = &mut self.workloads[index];
        // The spacing restarts now: the next record is due at once, later ones at the new rate.
        workload.rate_per_sec = rate_per_sec;
        workload.start_ms = now_ms;
        workload.first_record = workload.sent;
        let runs = now_ms < workload.stop_ms && rate_per_sec > 0;
        // One pending send per workload at most: drop the old rate's, schedule the new one's.
        self.schedule.retain(|_, action| *action != Action::Workload(index));
        if runs {
            self.schedule_action(now_ms, Action::Workload(index));
        }
        let NodeId::Client(client) = id else {
            return Ok(Ok(()));
        };
        self.record(TraceKind::ProduceRateChanged { client, rate_per_sec })?;
        Ok(Ok(()))
    }
}

//! The simulated network: latency, drops, duplicates, reordering and partitions, all drawn from the
//! simulation's seeded RNG.
//!
//! Like raft-rs's test `Network` and TigerBeetle's VOPR packet simulator, faults are verbs: [`Network::cut`]
//! (both directions), [`Network::heal`], [`Network::heal_all`], [`Network::isolate`], and knobs for
//! latency, drop, duplicate and reorder rates. Messages wait in one bounded in-flight queue ordered by
//! (delivery time, send sequence): two messages due at the same millisecond leave in the order they were
//! sent, never in an order a hash map picked.
//!
//! Each direction of a link is a TCP connection, as Kafka's are: latency varies message by message,
//! but a message never overtakes one sent before it from the same sender to the same receiver (Kafka
//! relies on this: a broker answers a connection's requests in order, and the idempotent producer's
//! five in-flight batches arrive in sequence order). Messages on different links do overtake each
//! other. Only the explicit faults break the order of one link: `reorder_rate` holds a message back so
//! later ones pass it, and a duplicate's copy travels on its own.

use std::cmp::Ordering;
use std::collections::{BTreeMap, BTreeSet, BinaryHeap};
use std::fmt;

use samsa_core::node::NodeId;
use samsa_core::replication::messages::Message;

use crate::rng::SimRng;
use crate::trace::DropReason;

/// Default cap on messages in flight: far above what a healthy small cluster has queued, low enough
/// that a runaway retry loop is a named drop instead of memory exhaustion.
pub const DEFAULT_MAX_IN_FLIGHT_MESSAGES: usize = 100_000;

/// Network behaviour applied to every link unless a link has its own latency.
#[derive(Clone, Debug, PartialEq)]
pub struct NetworkConfig {
    /// Fastest one-way delivery.
    pub latency_min_ms: u64,
    /// Slowest one-way delivery (uniform between min and max, so jitter alone reorders messages).
    pub latency_max_ms: u64,
    /// Probability that a message is lost.
    pub drop_rate: f64,
    /// Probability that a message is delivered twice (the copy with its own latency).
    pub duplicate_rate: f64,
    /// Probability that a message is held back by up to `reorder_delay_max_ms` extra, so later ones
    /// overtake it.
    pub reorder_rate: f64,
    /// Largest extra delay of a reordered message.
    pub reorder_delay_max_ms: u64,
    /// Most messages in flight at once; a send beyond it is dropped with [`DropReason::QueueFull`].
    pub max_in_flight_messages: usize,
    /// Links with their own latency range at the start, keyed by their two ends (either order).
    pub link_latency_ms: BTreeMap<(NodeId, NodeId), (u64, u64)>,
}

impl Default for NetworkConfig {
    fn default() -> Self {
        NetworkConfig {
            latency_min_ms: 1,
            latency_max_ms: 5,
            drop_rate: 0.0,
            duplicate_rate: 0.0,
            reorder_rate: 0.0,
            reorder_delay_max_ms: 20,
            max_in_flight_messages: DEFAULT_MAX_IN_FLIGHT_MESSAGES,
            link_latency_ms: BTreeMap::new(),
        }
    }
}

/// Why a network setting was refused.
#[derive(Clone, Debug, PartialEq)]
pub enum NetworkError {
    /// `latency_min_ms` is above `latency_max_ms`.
    LatencyRange {
        /// The minimum asked for.
        min_ms: u64,
        /// The maximum asked for.
        max_ms: u64,
    },
    /// A probability outside `[0, 1]` (or NaN).
    Rate {
        /// Which knob (`drop_rate`, `duplicate_rate`, `reorder_rate`).
        name: &'static str,
        /// The value asked for.
        value: f64,
    },
}

impl fmt::Display for NetworkError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            NetworkError::LatencyRange { min_ms, max_ms } => {
                write!(f, "latency min {min_ms} ms is above max {max_ms} ms")
            }
            NetworkError::Rate { name, value } => write!(f, "{name} must be between 0 and 1, got {value}"),
        }
    }
}

impl std::error::Error for NetworkError {}

fn check_rate(name: &'static str, value: f64) -> Result<f64, NetworkError> {
    if (0.0..=1.0).contains(&value) {
        Ok(value)
    } else {
        Err(NetworkError::Rate { name, value })
    }
}

/// A message on its way.
#[derive(Clone, Debug, PartialEq)]
pub struct InFlight {
    /// The network's id for this message (a duplicate has its own).
    pub id: u64,
    /// Sender.
    pub from: NodeId,
    /// Receiver.
    pub to: NodeId,
    /// When it arrives.
    pub deliver_at_ms: u64,
    /// The payload.
    pub message: Message,
}

/// Heap entry: ordered by (delivery time, id) only; ids are unique and increase with every send, so
/// the order is total and fixed by the seed. The key is copied beside the boxed message so that
/// sifting the heap compares and moves three words, not a whole `Message`.
#[derive(Clone)]
struct Queued {
    deliver_at_ms: u64,
    id: u64,
    in_flight: Box<InFlight>,
}

impl Queued {
    fn new(in_flight: InFlight) -> Self {
        Queued { deliver_at_ms: in_flight.deliver_at_ms, id: in_flight.id, in_flight: Box::new(in_flight) }
    }
}

impl PartialEq for Queued {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}
impl Eq for Queued {}
impl PartialOrd for Queued {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Queued {
    fn cmp(&self, other: &Self) -> Ordering {
        // Reversed: BinaryHeap is a max-heap and we want the earliest first.
        (other.deliver_at_ms, other.id).cmp(&(self.deliver_at_ms, self.id))
    }
}

/// What [`Network::send`] did with a message.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SendOutcome {
    /// Queued for delivery at `deliver_at_ms`; `duplicate` is the copy's `(id, deliver_at_ms)`.
    Queued {
        /// The message's id.
        id: u64,
        /// When it arrives.
        deliver_at_ms: u64,
        /// A second copy, if the duplicate rate fired.
        duplicate: Option<(u64, u64)>,
    },
    /// Lost at once.
    Dropped {
        /// The message's id.
        id: u64,
        /// Why.
        reason: DropReason,
    },
}

/// A link's identity regardless of direction: cuts are symmetric, like a partition.
fn link(a: NodeId, b: NodeId) -> (NodeId, NodeId) {
    if a <= b {
        (a, b)
    } else {
        (b, a)
    }
}

/// The simulated network. `Clone` copies the in-flight queue and the RNG state, so a copy delivers
/// exactly what the original would (the live playground's checkpoints).
#[derive(Clone, Debug)]
pub struct Network {
    config: NetworkConfig,
    rng: SimRng,
    link_latency_ms: BTreeMap<(NodeId, NodeId), (u64, u64)>,
    cut_links: BTreeSet<(NodeId, NodeId)>,
    isolated: BTreeSet<NodeId>,
    queue: BinaryHeap<Queued>,
    next_id: u64,
    /// Per direction (sender, receiver): when its latest in-order message arrives. A later message on
    /// the same direction arrives no earlier (TCP's order; see the module docs). One entry per
    /// direction that ever carried a message, so bounded by the node count squared.
    link_arrival_ms: BTreeMap<(NodeId, NodeId), u64>,
}

impl fmt::Debug for Queued {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.in_flight.fmt(f)
    }
}

impl Network {
    /// A healed network with `config`, drawing from `rng` (the simulation's network fork).
    pub fn new(config: NetworkConfig, rng: SimRng) -> Result<Self, NetworkError> {
        let mut network = Network {
            config: NetworkConfig::default(),
            rng,
            link_latency_ms: BTreeMap::new(),
            cut_links: BTreeSet::new(),
            isolated: BTreeSet::new(),
            queue: BinaryHeap::new(),
            next_id: 1,
            link_arrival_ms: BTreeMap::new(),
        };
        network.set_latency(config.latency_min_ms, config.latency_max_ms)?;
        network.set_drop_rate(config.drop_rate)?;
        network.set_duplicate_rate(config.duplicate_rate)?;
        network.set_reorder_rate(config.reorder_rate, config.reorder_delay_max_ms)?;
        network.config.max_in_flight_messages = config.max_in_flight_messages;
        for (&(a, b), &(min_ms, max_ms)) in &config.link_latency_ms {
            network.set_link_latency(a, b, min_ms, max_ms)?;
        }
        Ok(network)
    }

    /// The current settings.
    pub fn config(&self) -> &NetworkConfig {
        &self.config
    }

    /// Cuts the link between `a` and `b` in both directions; messages already in flight on it are lost.
    pub fn cut(&mut self, a: NodeId, b: NodeId) {
        self.cut_links.insert(link(a, b));
    }

    /// Heals the link between `a` and `b` (an isolated end stays isolated until [`Network::heal_all`]
    /// or [`Network::rejoin`]).
    pub fn heal(&mut self, a: NodeId, b: NodeId) {
        self.cut_links.remove(&link(a, b));
    }

    /// Cuts every link to and from `node`.
    pub fn isolate(&mut self, node: NodeId) {
        self.isolated.insert(node);
    }

    /// Ends the isolation of `node` (its individually cut links stay cut).
    pub fn rejoin(&mut self, node: NodeId) {
        self.isolated.remove(&node);
    }

    /// Heals every cut link and ends every isolation.
    pub fn heal_all(&mut self) {
        self.cut_links.clear();
        self.isolated.clear();
    }

    /// Whether messages between `a` and `b` are dropped.
    pub fn is_cut(&self, a: NodeId, b: NodeId) -> bool {
        self.isolated.contains(&a) || self.isolated.contains(&b) || self.cut_links.contains(&link(a, b))
    }

    /// The cut links, each as `(lower, higher)` node id.
    pub fn cut_links(&self) -> impl Iterator<Item = (NodeId, NodeId)> + '_ {
        self.cut_links.iter().copied()
    }

    /// The isolated nodes.
    pub fn isolated(&self) -> impl Iterator<Item = NodeId> + '_ {
        self.isolated.iter().copied()
    }

    /// The links with their own latency range ([`Network::set_link_latency`]), each as
    /// `((lower, higher) node id, (min_ms, max_ms))`, in node id order.
    pub fn link_latencies(&self) -> impl Iterator<Item = ((NodeId, NodeId), (u64, u64))> + '_ {
        self.link_latency_ms.iter().map(|(&link, &range)| (link, range))
    }

    /// Whether any link is cut or any node isolated.
    pub fn is_partitioned(&self) -> bool {
        !self.cut_links.is_empty() || !self.isolated.is_empty()
    }

    /// Every link's latency becomes uniform in `min_ms..=max_ms` (per-link settings are cleared).
    pub fn set_latency(&mut self, min_ms: u64, max_ms: u64) -> Result<(), NetworkError> {
        if min_ms > max_ms {
            return Err(NetworkError::LatencyRange { min_ms, max_ms });
        }
        self.config.latency_min_ms = min_ms;
        self.config.latency_max_ms = max_ms;
        self.link_latency_ms.clear();
        Ok(())
    }

    /// The link between `a` and `b` (both directions) gets its own latency range.
    pub fn set_link_latency(
        &mut self,
        a: NodeId,
        b: NodeId,
        min_ms: u64,
        max_ms: u64,
    ) -> Result<(), NetworkError> {
        if min_ms > max_ms {
            return Err(NetworkError::LatencyRange { min_ms, max_ms });
        }
        self.link_latency_ms.insert(link(a, b), (min_ms, max_ms));
        Ok(())
    }

    /// The probability that a message is lost.
    pub fn set_drop_rate(&mut self, rate: f64) -> Result<(), NetworkError> {
        self.config.drop_rate = check_rate("drop_rate", rate)?;
        Ok(())
    }

    /// The probability that a message arrives twice.
    pub fn set_duplicate_rate(&mut self, rate: f64) -> Result<(), NetworkError> {
        self.config.duplicate_rate = check_rate("duplicate_rate", rate)?;
        Ok(())
    }

    /// The probability that a message is held back by up to `delay_max_ms`.
    pub fn set_reorder_rate(&mut self, rate: f64, delay_max_ms: u64) -> Result<(), NetworkError> {
        self.config.reorder_rate = check_rate("reorder_rate", rate)?;
        self.config.reorder_delay_max_ms = delay_max_ms;
        Ok(())
    }

    /// Messages in flight.
    pub fn in_flight(&self) -> usize {
        self.queue.len()
    }

    /// When the next message is due, if any.
    pub fn next_delivery_ms(&self) -> Option<u64> {
        self.queue.peek().map(|q| q.deliver_at_ms)
    }

    /// A latency draw: the link's latency, and the extra delay when `reorder_rate` holds the message
    /// back (`None` when it does not).
    fn latency_ms(&mut self, from: NodeId, to: NodeId) -> (u64, Option<u64>) {
        let (min_ms, max_ms) = self
            .link_latency_ms
            .get(&link(from, to))
            .copied()
            .unwrap_or((self.config.latency_min_ms, self.config.latency_max_ms));
        let latency_ms = min_ms + self.rng.below(max_ms - min_ms + 1);
        let held_ms = if self.rng.chance(self.config.reorder_rate) {
            Some(self.rng.below(self.config.reorder_delay_max_ms + 1))
        } else {
            None
        };
        (latency_ms, held_ms)
    }

    /// When a message sent now on `from → to` arrives: after its latency, and no earlier than the
    /// message before it on the same direction — unless `reorder_rate` held it back, which lets later
    /// messages pass it (it then neither waits for nor delays the others).
    fn arrival_ms(&mut self, now_ms: u64, from: NodeId, to: NodeId) -> u64 {
        match self.latency_ms(from, to) {
            (latency_ms, Some(held_ms)) => now_ms.saturating_add(latency_ms).saturating_add(held_ms),
            (latency_ms, None) => {
                let earliest = now_ms.saturating_add(latency_ms);
                let arrival = self.link_arrival_ms.get(&(from, to)).map_or(earliest, |&t| t.max(earliest));
                self.link_arrival_ms.insert((from, to), arrival);
                arrival
            }
        }
    }

    /// A duplicate's copy: its own latency, outside the link's order (the network made it, not TCP).
    fn copy_arrival_ms(&mut self, now_ms: u64, from: NodeId, to: NodeId) -> u64 {
        let (latency_ms, held_ms) = self.latency_ms(from, to);
        now_ms.saturating_add(latency_ms).saturating_add(held_ms.unwrap_or(0))
    }

    fn take_id(&mut self) -> u64 {
        let id = self.next_id;
        self.next_id += 1;
        id
    }

    /// Hands `message` to the network at `now_ms`.
    pub fn send(&mut self, now_ms: u64, from: NodeId, to: NodeId, message: Message) -> SendOutcome {
        let id = self.take_id();
        if self.is_cut(from, to) {
            return SendOutcome::Dropped { id, reason: DropReason::LinkCut };
        }
        if self.rng.chance(self.config.drop_rate) {
            return SendOutcome::Dropped { id, reason: DropReason::Random };
        }
        if self.queue.len() >= self.config.max_in_flight_messages {
            return SendOutcome::Dropped { id, reason: DropReason::QueueFull };
        }
        let deliver_at_ms = self.arrival_ms(now_ms, from, to);
        let duplicate = if self.rng.chance(self.config.duplicate_rate)
            && self.queue.len() + 1 < self.config.max_in_flight_messages
        {
            let copy_id = self.take_id();
            let copy_at_ms = self.copy_arrival_ms(now_ms, from, to);
            let copy =
                InFlight { id: copy_id, from, to, deliver_at_ms: copy_at_ms, message: message.clone() };
            self.queue.push(Queued::new(copy));
            Some((copy_id, copy_at_ms))
        } else {
            None
        };
        self.queue.push(Queued::new(InFlight { id, from, to, deliver_at_ms, message }));
        SendOutcome::Queued { id, deliver_at_ms, duplicate }
    }

    /// Takes every message in flight to `node` out of the network, in delivery order: what a client's
    /// closed connections do to the answers still on their way (they are never read).
    pub fn remove_to(&mut self, node: NodeId) -> Vec<InFlight> {
        let (to_node, rest): (Vec<Queued>, Vec<Queued>) =
            std::mem::take(&mut self.queue).into_iter().partition(|q| q.in_flight.to == node);
        self.queue = rest.into();
        let mut removed: Vec<InFlight> = to_node.into_iter().map(|q| *q.in_flight).collect();
        removed.sort_by_key(|m| (m.deliver_at_ms, m.id));
        removed
    }

    /// Takes the next message due at or before `now_ms`. `Err` carries a message lost because its link
    /// was cut while it was in flight.
    pub fn poll_due(&mut self, now_ms: u64) -> Option<Result<InFlight, InFlight>> {
        if self.queue.peek()?.deliver_at_ms > now_ms {
            return None;
        }
        let in_flight = *self.queue.pop()?.in_flight;
        if self.is_cut(in_flight.from, in_flight.to) {
            Some(Err(in_flight))
        } else {
            Some(Ok(in_flight))
        }
    }
}

#[cfg(test)]
mod tests;

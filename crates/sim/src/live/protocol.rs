//! The messages between the playground's page and the simulation in its Web Worker: [`Command`]s in,
//! [`Update`]s out. Plain serde types (no `#[serde(tag)]`, `untagged`, `flatten` or `skip_*`), so
//! any serde format carries them, including bincode, which the worker bridge uses.
//!
//! Everything here is a view: the page draws it and never decides a Kafka rule itself. Every list is
//! bounded (the `MAX_*` constants), so a long run cannot make a view grow without limit.

use serde::{Deserialize, Serialize};

mod clients;
mod transactions;

pub use clients::{
    ConfigEntry, ConsumerGroupView, ConsumerPartitionView, ConsumerView, GroupMemberView, GroupPartitionView,
    GroupView, ProducerBatchingView, ProducerView,
};
pub use transactions::{
    PipelineView, ProducerTransactionView, TransactionView, MAX_TRANSACTION_PARTITIONS, MAX_VIEW_TRANSACTIONS,
};

/// Most trace events a view carries (the newest ones up to the current moment).
pub const MAX_VIEW_EVENTS: usize = 400;
/// Most offsets of one replica's log a view carries (the newest ones).
pub const MAX_VIEW_OFFSETS: usize = 64;
/// Most violations a view lists (the first ones; the counts cover all).
pub const MAX_VIEW_VIOLATIONS: usize = 100;
/// Most chart buckets a view carries (the newest ones).
pub const MAX_CHART_BUCKETS: usize = 120;
/// Most partitions the per-partition produce rate chart draws (the first ones by topic and index).
pub const MAX_CHART_PARTITIONS: usize = 24;
/// Most virtual milliseconds one [`Command::Advance`] may ask for (a minute): the page asks for wall
/// time × speed, so even 1000× at a slow frame stays below it.
pub const MAX_ADVANCE_MS: u64 = 60_000;

/// What the page asks the simulation to do.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum Command {
    /// Start over from a scenario file's text (TOML, `scenarios/README.md`); `seed` overrides the
    /// file's. Everything before is dropped. A bad file answers [`Update::LoadFailed`] and keeps the
    /// running simulation.
    Load {
        /// The scenario file's text.
        scenario_toml: String,
        /// The seed, or `None` for the file's `seed`.
        seed: Option<u64>,
    },
    /// Run `virtual_ms` of simulated time forward from the current moment (the play loop sends wall
    /// time × speed). At most [`MAX_ADVANCE_MS`].
    Advance {
        /// Simulated milliseconds to run.
        virtual_ms: u64,
    },
    /// Take exactly one step (deliver one message, fire one timer, or apply one scheduled action).
    Step,
    /// Go to any moment of the current branch between 0 and its furthest moment (rewind or
    /// fast-forward). What was there is reproduced exactly: same seed, same actions, same trace.
    Seek {
        /// The moment, in virtual milliseconds.
        t_ms: u64,
    },
    /// Do something at the current moment. When the current moment is earlier than the branch's
    /// furthest moment, this **forks**: a new branch starts here with this action, and the old branch
    /// is kept (and listed in [`LiveView::branches`]) for comparison.
    Act {
        /// What to do.
        action: UserAction,
    },
    /// Make another branch current, at the same moment if it reaches it (else at its furthest).
    SwitchBranch {
        /// The branch's id ([`BranchView::id`]).
        branch: u32,
    },
    /// Which partition the log view shows (`None`: the first partition).
    Focus {
        /// The partition.
        partition: Option<PartitionRef>,
    },
}

/// A partition by topic and index.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct PartitionRef {
    /// Topic name.
    pub topic: String,
    /// Partition index.
    pub partition: i32,
}

/// Something a person does to the running cluster: a fault, or a client config change. Nodes are named
/// as scenario files name them: `broker-1`, `controller`, `client-1`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum UserAction {
    /// The node's process dies (`power_loss`: unflushed data is lost too).
    Crash {
        /// Which node.
        node: String,
        /// Lose unflushed data.
        power_loss: bool,
    },
    /// A crashed node starts again.
    Restart {
        /// Which node.
        node: String,
    },
    /// Cut the link between two nodes (both directions).
    Cut {
        /// One end.
        a: String,
        /// Other end.
        b: String,
    },
    /// Heal the link between two nodes.
    Heal {
        /// One end.
        a: String,
        /// Other end.
        b: String,
    },
    /// Cut every link of a node.
    Isolate {
        /// Which node.
        node: String,
    },
    /// End a node's isolation.
    Rejoin {
        /// Which node.
        node: String,
    },
    /// Heal every cut and isolation.
    HealAll,
    /// Every link's one-way latency range.
    SetLatency {
        /// Fastest delivery.
        min_ms: u64,
        /// Slowest delivery.
        max_ms: u64,
    },
    /// Extra latency on the link between two nodes (both directions).
    SetLinkLatency {
        /// One end.
        a: String,
        /// Other end.
        b: String,
        /// Fastest delivery.
        min_ms: u64,
        /// Slowest delivery.
        max_ms: u64,
    },
    /// The probability that the network drops a message, in `[0, 1]`.
    SetDropRate {
        /// The probability.
        rate: f64,
    },
    /// Set one config of a producer or consumer by Kafka's name (`acks`, `max.in.flight.requests.per.connection`, …), from
    /// the text a person typed. A Kafka client cannot change its config while running, so the client
    /// is closed and a new one with the new config takes its place (same client id and workload).
    SetClientConfig {
        /// The client, e.g. `client-1`.
        client: String,
        /// Kafka's config name.
        name: String,
        /// The value as typed.
        value: String,
    },
    /// The rate a producer's workload sends at.
    SetProduceRate {
        /// The producer, e.g. `client-1`.
        client: String,
        /// Records per second (0 stops it).
        rate_per_sec: u32,
    },
}

/// What the simulation tells the page.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum Update {
    /// The state after a command (or after a load).
    View(Box<LiveView>),
    /// A command was refused and nothing changed; `field` names what was wrong (`acks`, `node`,
    /// `t_ms`, …) so the page can show the error beside it. The message is Kafka's wording where
    /// Kafka has one (e.g. a `ConfigException`).
    Refused {
        /// The field at fault, if one.
        field: Option<String>,
        /// What was wrong.
        message: String,
    },
    /// A scenario did not load; the message names the field path and line, as the CLI prints it.
    LoadFailed {
        /// What was wrong.
        message: String,
    },
}

/// Everything the page draws, at one moment of one branch.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct LiveView {
    /// The scenario running.
    pub scenario: ScenarioInfo,
    /// Where in time the view is.
    pub time: TimeView,
    /// Brokers, controller, partitions, network.
    pub cluster: ClusterView,
    /// The focused partition's log on every replica.
    pub log: Option<PartitionLogView>,
    /// Producers.
    pub producers: Vec<ProducerView>,
    /// Consumers.
    pub consumers: Vec<ConsumerView>,
    /// Consumer groups, as their coordinators see them.
    pub groups: Vec<GroupView>,
    /// Consume-transform-produce pipelines.
    pub pipelines: Vec<PipelineView>,
    /// Transactional ids, as their coordinators see them (at most [`MAX_VIEW_TRANSACTIONS`]).
    pub transactions: Vec<TransactionView>,
    /// The newest trace events up to now (oldest first), at most [`MAX_VIEW_EVENTS`].
    pub events: Vec<EventView>,
    /// The checker's live counts and violations.
    pub checker: CheckerView,
    /// Throughput and lag over time.
    pub charts: ChartsView,
    /// Every branch of the session (the first is the original run).
    pub branches: Vec<BranchView>,
    /// The current branch's id.
    pub current_branch: u32,
}

/// The scenario running.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScenarioInfo {
    /// Its `name`.
    pub name: String,
    /// Its `description`.
    pub description: String,
    /// The seed in use.
    pub seed: u64,
}

/// Where in time the view is.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TimeView {
    /// Virtual time now.
    pub t_ms: u64,
    /// Steps taken.
    pub step: u64,
    /// The furthest moment this branch has reached (the scrubber's end).
    pub furthest_ms: u64,
    /// The trace hash so far (FNV-1a, hex), the same natively and in wasm for the same seed and actions.
    pub trace_hash: String,
    /// Trace events so far.
    pub trace_events: u64,
}

/// A node's status.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum NodeState {
    /// Running.
    Up,
    /// Paused (a long GC pause).
    Paused,
    /// Crashed.
    Down,
}

/// The cluster at this moment.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ClusterView {
    /// The controller's status.
    pub controller: NodeState,
    /// Every broker, by id.
    pub brokers: Vec<BrokerView>,
    /// Every partition, as the controller decided it (topic, then index).
    pub partitions: Vec<PartitionStateView>,
    /// Kafka's cluster metrics.
    pub metrics: ClusterMetrics,
    /// The network.
    pub network: NetworkView,
    /// Clients (producers and consumers): name and status.
    pub clients: Vec<ClientNodeView>,
}

/// One broker.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct BrokerView {
    /// Broker id.
    pub id: i32,
    /// `broker-<id>`.
    pub name: String,
    /// Up, paused or down.
    pub state: NodeState,
    /// Partitions this broker leads (as the controller decided).
    pub leader_count: u32,
    /// Replicas assigned to this broker.
    pub replica_count: u32,
}

/// One client node.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClientNodeView {
    /// `client-<n>`.
    pub name: String,
    /// Up or down.
    pub state: NodeState,
}

/// One partition as the controller decided it, plus its leader's offsets.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PartitionStateView {
    /// Which partition.
    pub partition: PartitionRef,
    /// Assigned replicas, preferred first.
    pub replicas: Vec<i32>,
    /// In-sync replicas.
    pub isr: Vec<i32>,
    /// The leader, or `None` when offline.
    pub leader: Option<i32>,
    /// The leader epoch.
    pub leader_epoch: i32,
    /// ISR smaller than the replica set (Kafka's `UnderReplicatedPartitions` counts these).
    pub under_replicated: bool,
    /// No leader (Kafka's `OfflinePartitionsCount` counts these).
    pub offline: bool,
    /// ISR smaller than `min.insync.replicas`: `acks=all` writes fail (`UnderMinIsrPartitionCount`).
    pub under_min_isr: bool,
    /// The leader's high watermark (−1 when offline).
    pub high_watermark: i64,
    /// The leader's log end offset (−1 when offline).
    pub log_end_offset: i64,
    /// The leader's last stable offset (KIP-98): `read_committed` consumers read below it (−1 when
    /// offline).
    pub last_stable_offset: i64,
}

/// Kafka's cluster-level metrics, by Kafka's names.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClusterMetrics {
    /// `UnderReplicatedPartitions`.
    pub under_replicated_partitions: u32,
    /// `OfflinePartitionsCount`.
    pub offline_partitions_count: u32,
    /// `UnderMinIsrPartitionCount`.
    pub under_min_isr_partition_count: u32,
    /// `ActiveControllerCount` (0 or 1).
    pub active_controller_count: u32,
}

/// The network's faults and settings.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct NetworkView {
    /// Cut links, each as two node names.
    pub cut_links: Vec<(String, String)>,
    /// Isolated nodes.
    pub isolated: Vec<String>,
    /// Fastest one-way latency.
    pub latency_min_ms: u64,
    /// Slowest one-way latency.
    pub latency_max_ms: u64,
    /// Links with their own latency: both ends, min, max.
    pub link_latencies: Vec<LinkLatencyView>,
    /// Drop probability.
    pub drop_rate: f64,
    /// Messages in flight.
    pub in_flight_messages: u64,
}

/// A link with its own latency.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LinkLatencyView {
    /// One end.
    pub a: String,
    /// Other end.
    pub b: String,
    /// Fastest delivery.
    pub min_ms: u64,
    /// Slowest delivery.
    pub max_ms: u64,
}

/// One partition's log on every replica, so divergence and truncation are visible side by side.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PartitionLogView {
    /// Which partition.
    pub partition: PartitionRef,
    /// One entry per assigned replica, in assignment order (a crashed broker's shows what survived
    /// on its disk, marked [`NodeState::Down`]).
    pub replicas: Vec<ReplicaLogView>,
}

/// One replica's log.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReplicaLogView {
    /// The broker holding it.
    pub broker: i32,
    /// The broker's status.
    pub state: NodeState,
    /// Whether this replica leads the partition.
    pub is_leader: bool,
    /// Whether the controller has it in the ISR.
    pub in_isr: bool,
    /// The leader epoch this replica knows.
    pub leader_epoch: i32,
    /// First offset a reader may fetch.
    pub log_start_offset: i64,
    /// The high watermark this replica knows.
    pub high_watermark: i64,
    /// Its last stable offset (KIP-98; the leader's is what `read_committed` fetches stop at).
    pub last_stable_offset: i64,
    /// The next offset this replica would write.
    pub log_end_offset: i64,
    /// Base offsets of the segments (oldest first; the last is the active segment).
    pub segment_base_offsets: Vec<i64>,
    /// The newest batches, oldest first, covering at most [`MAX_VIEW_OFFSETS`] offsets.
    pub batches: Vec<BatchView>,
}

/// One record batch in a replica's log.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct BatchView {
    /// First offset.
    pub base_offset: i64,
    /// Last offset.
    pub last_offset: i64,
    /// The leader epoch that wrote it.
    pub leader_epoch: i32,
    /// Encoded size.
    pub size_bytes: u32,
    /// The record ids in it (the workload's ids, from the `samsa.record-id` header), one per offset
    /// (`None` for a record without one).
    pub record_ids: Vec<Option<u64>>,
    /// A transaction marker (control batch): `COMMIT` or `ABORT`.
    pub marker: Option<String>,
    /// Written inside a transaction (KIP-98): `true` for its records, and for its marker.
    pub transactional: bool,
    /// Its records belong to an aborted transaction (this replica's aborted-transaction index says so):
    /// `read_committed` consumers skip them.
    pub aborted: bool,
}

/// What kind of event, for the timeline's filter.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub enum EventCategory {
    /// Crash, restart, cut, heal, latency, a person's action.
    Fault,
    /// Leader elections, ISR changes, fencing, controller failover.
    Cluster,
    /// Appends, truncations, high watermark moves, segment rolls and deletes.
    Log,
    /// Producer sends, acks and failures.
    Produce,
    /// Producer batches and idempotence: batches sent (sequence numbers, attempt), producer ids and
    /// epoch bumps, flushes, retried batches a leader recognised as duplicates.
    Producer,
    /// Consumer fetches and records received; consumer groups (joins, assignments, commits, the
    /// coordinator's group states).
    Consume,
    /// Network messages (sent, delivered, dropped).
    Network,
    /// Invariant violations and checker findings.
    Checker,
}

/// One trace event as the timeline lists it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct EventView {
    /// The step.
    pub step: u64,
    /// Virtual time.
    pub t_ms: u64,
    /// For filtering.
    pub category: EventCategory,
    /// The node it happened on, when one.
    pub node: Option<String>,
    /// One line saying what happened, with Kafka's names.
    pub text: String,
}

/// The checker's counts and findings so far.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CheckerView {
    /// Records sent.
    pub records_sent: u64,
    /// Records acknowledged with an offset (acks=1/all).
    pub records_acked: u64,
    /// Acknowledged records no longer in the committed log at their offset.
    pub lost: u64,
    /// Records at two offsets of one partition's committed log.
    pub duplicated: u64,
    /// Ordering violations (producer order for producers that promise it — one request in flight, or
    /// idempotence; consumer order).
    pub out_of_order: u64,
    /// Committed records that sit after a record their producer sent later, for every producer (with
    /// several requests in flight and no idempotence, retries reorder: Kafka allows it, so it is an
    /// observation, not a violation; for producers that promise order it is in `out_of_order` too).
    pub reordered: u64,
    /// Records "acknowledged" with acks=0: no offset, so the producer cannot know whether they landed.
    pub acked_without_offset: u64,
    /// Records consumers received.
    pub records_consumed: u64,
    /// The first violations, each with the moment it happened (click to jump there).
    pub violations: Vec<ViolationView>,
}

/// One violation.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ViolationView {
    /// The checker's kebab-case name (`acked-write-lost`, `duplicate`, …).
    pub kind: String,
    /// The step it happened at.
    pub step: u64,
    /// When.
    pub t_ms: u64,
    /// The sentence saying what went wrong (and its known cause, if any).
    pub detail: String,
}

/// Series over time, one value per bucket.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChartsView {
    /// Bucket width.
    pub bucket_ms: u64,
    /// Start time of the first bucket.
    pub start_ms: u64,
    /// Records per second: `produced`, `acked`, `consumed`.
    pub throughput: Vec<Series>,
    /// Consumer lag per partition (`<topic>-<partition>`), records, at each bucket's end.
    pub lag: Vec<Series>,
    /// Records per second the partition's leader appended from producers, per partition
    /// (`<topic>-<partition>`), at most [`MAX_CHART_PARTITIONS`] of them: a hot partition stands out.
    pub produce_rate: Vec<Series>,
}

/// One named series.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Series {
    /// Its name.
    pub name: String,
    /// One value per bucket.
    pub points: Vec<i64>,
}

/// One branch of the session: the original run, or a fork taken from a past moment.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct BranchView {
    /// Its id (0 is the original run).
    pub id: u32,
    /// `A`, `B`, …
    pub label: String,
    /// The branch it forked from, and when.
    pub forked_from: Option<(u32, u64)>,
    /// The furthest moment it reached.
    pub furthest_ms: u64,
    /// The actions taken on it, as sentences with their time.
    pub actions: Vec<String>,
    /// The checker's counts at its furthest moment.
    pub checker: BranchCounts,
}

/// The checker's counts on a branch, for comparing branches.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct BranchCounts {
    /// Records acknowledged with an offset.
    pub acked: u64,
    /// Acknowledged records lost.
    pub lost: u64,
    /// Duplicated records.
    pub duplicated: u64,
    /// Ordering violations.
    pub out_of_order: u64,
    /// Records failed (any error).
    pub failed: u64,
}

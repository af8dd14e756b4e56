//! Topic-, broker- and controller-level replication configs, by Kafka's names and with Kafka's defaults.

use crate::config::{parse_bool, parse_int_at_least, parse_long_at_least, ConfigError};
use crate::log::LogConfig;

/// A topic's configs: its log configs plus the replication ones.
#[derive(Clone, Debug, PartialEq)]
pub struct TopicConfig {
    /// `segment.bytes`, `retention.ms`, `cleanup.policy`, … (see [`LogConfig`]).
    pub log: LogConfig,
    /// `min.insync.replicas` (default 1): fewest in-sync replicas for an `acks=all` write.
    pub min_insync_replicas: u32,
    /// `unclean.leader.election.enable` (default false): may an out-of-sync replica become leader?
    pub unclean_leader_election_enable: bool,
}

impl Default for TopicConfig {
    fn default() -> Self {
        TopicConfig {
            log: LogConfig::default(),
            min_insync_replicas: 1,
            unclean_leader_election_enable: false,
        }
    }
}

/// A broker's replication configs, by Kafka's names and with Kafka's defaults.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BrokerConfig {
    /// `replica.lag.time.max.ms` (30000): a follower not caught up for this long leaves the ISR.
    pub replica_lag_time_max_ms: u64,
    /// `replica.fetch.wait.max.ms` (500): how long a leader may hold a follower's fetch for data.
    pub replica_fetch_wait_max_ms: u64,
    /// `replica.fetch.max.bytes` (1048576): bytes a follower asks for per fetch (at least one batch).
    pub replica_fetch_max_bytes: u32,
    /// `replica.fetch.backoff.ms` (1000): a follower's pause after a failed fetch.
    pub replica_fetch_backoff_ms: u64,
    /// `broker.heartbeat.interval.ms` (2000): how often the broker heartbeats to the controller.
    pub broker_heartbeat_interval_ms: u64,
    /// `broker.session.timeout.ms` (9000): the controller fences a broker silent for this long.
    pub broker_session_timeout_ms: u64,
    /// `request.timeout.ms` (30000): the longest the broker waits for an answer (fetch,
    /// OffsetsForLeaderEpoch, AlterPartition) before sending again. A lost request is usually resent much
    /// sooner: once its answer is overdue by `replica.fetch.backoff.ms`, doubling per miss (see
    /// `partition::overdue_after_ms`) — the simulator's stand-in for Kafka noticing a broken connection.
    pub request_timeout_ms: u64,
    /// `replica.high.watermark.checkpoint.interval.ms` (5000): how often the high watermarks are
    /// written to the `replication-offset-checkpoint` file (what survives a crash).
    pub replica_high_watermark_checkpoint_interval_ms: u64,
    /// `log.retention.check.interval.ms` (300000): how often the logs' retention (and `segment.ms`
    /// rolling, compaction) runs.
    pub log_retention_check_interval_ms: u64,
    /// Most produce requests one partition holds waiting for the ISR (Kafka's produce purgatory, which
    /// Kafka bounds only by `queued.max.requests`); one more is refused with `REQUEST_TIMED_OUT`.
    pub max_delayed_produces_per_partition: usize,
    /// Most fetches one partition holds waiting for data (Kafka's fetch purgatory); one more is
    /// answered at once, empty.
    pub max_delayed_fetches_per_partition: usize,
    /// `producer.id.expiration.ms` (86400000): a partition forgets a producer whose last batch's
    /// timestamp is this old (KIP-360 keeps producers past retention until then).
    pub producer_id_expiration_ms: u64,
    /// `producer.id.expiration.check.interval.ms` (600000): how often expired producers are removed.
    pub producer_id_expiration_check_interval_ms: u64,
    /// For checker tests only: reproduces the pre-KIP-101 bug. A new follower truncates to its high
    /// watermark instead of asking the leader where its epoch ends, which loses or diverges data
    /// after two leader changes (KIP-101's two scenarios). Never set it otherwise.
    pub unsafe_truncate_to_high_watermark: bool,
    /// `offsets.topic.num.partitions` (50): partitions of `__consumer_offsets`, created on the first
    /// FindCoordinator.
    pub offsets_topic_num_partitions: i32,
    /// `offsets.topic.replication.factor` (3): its replication factor; with fewer brokers the topic
    /// cannot be created and FindCoordinator answers `COORDINATOR_NOT_AVAILABLE`, as in Kafka.
    pub offsets_topic_replication_factor: u32,
    /// `offsets.topic.segment.bytes` (100 MiB).
    pub offsets_topic_segment_bytes: u32,
    /// `offsets.commit.timeout.ms` (5000): an offset commit waits this long for the ISR of its
    /// `__consumer_offsets` partition.
    pub offsets_commit_timeout_ms: u64,
    /// `group.initial.rebalance.delay.ms` (3000): an empty group's first rebalance waits this long (and
    /// as long again while members keep joining, up to `max.poll.interval.ms`) for more members.
    pub group_initial_rebalance_delay_ms: u64,
    /// `group.min.session.timeout.ms` (6000): shortest `session.timeout.ms` a member may ask for.
    pub group_min_session_timeout_ms: u64,
    /// `group.max.session.timeout.ms` (1800000): longest `session.timeout.ms` a member may ask for.
    pub group_max_session_timeout_ms: u64,
    /// `group.max.size` (unbounded in Kafka; here 10,000): most members in one group.
    pub group_max_size: u32,
    /// `transaction.state.log.num.partitions` (50): partitions of `__transaction_state`, created on the
    /// first FindCoordinator for a transactional id.
    pub transaction_state_log_num_partitions: i32,
    /// `transaction.state.log.replication.factor` (3).
    pub transaction_state_log_replication_factor: u32,
    /// `transaction.state.log.min.isr` (2): `min.insync.replicas` of `__transaction_state`.
    pub transaction_state_log_min_isr: u32,
    /// `transaction.state.log.segment.bytes` (100 MiB).
    pub transaction_state_log_segment_bytes: u32,
    /// `transaction.max.timeout.ms` (900000): the longest `transaction.timeout.ms` a producer may ask
    /// for (`INVALID_TRANSACTION_TIMEOUT` above it).
    pub transaction_max_timeout_ms: u64,
    /// `transaction.abort.timed.out.transaction.cleanup.interval.ms` (10000): how often the coordinator
    /// looks for transactions open longer than their `transaction.timeout.ms` and aborts them.
    pub transaction_abort_timed_out_transaction_cleanup_interval_ms: u64,
    /// `transaction.version` (1): 1 is the classic protocol; 2 is KIP-890's epoch bump per transaction,
    /// which fences a produce request delayed past its transaction's end (Kafka 4.0 enables it on new
    /// clusters; samsa keeps the classic default so its hazard can be seen, see `TransactionVersion`).
    pub transaction_version: crate::txn::TransactionVersion,
}

impl Default for BrokerConfig {
    fn default() -> Self {
        BrokerConfig {
            replica_lag_time_max_ms: 30_000,
            replica_fetch_wait_max_ms: 500,
            replica_fetch_max_bytes: 1_048_576,
            replica_fetch_backoff_ms: 1_000,
            broker_heartbeat_interval_ms: 2_000,
            broker_session_timeout_ms: 9_000,
            request_timeout_ms: 30_000,
            replica_high_watermark_checkpoint_interval_ms: 5_000,
            log_retention_check_interval_ms: 300_000,
            max_delayed_produces_per_partition: 10_000,
            max_delayed_fetches_per_partition: 1_000,
            producer_id_expiration_ms: 86_400_000,
            producer_id_expiration_check_interval_ms: 600_000,
            unsafe_truncate_to_high_watermark: false,
            offsets_topic_num_partitions: 50,
            offsets_topic_replication_factor: 3,
            offsets_topic_segment_bytes: 104_857_600,
            offsets_commit_timeout_ms: 5_000,
            group_initial_rebalance_delay_ms: 3_000,
            group_min_session_timeout_ms: 6_000,
            group_max_session_timeout_ms: 1_800_000,
            group_max_size: 10_000,
            transaction_state_log_num_partitions: 50,
            transaction_state_log_replication_factor: 3,
            transaction_state_log_min_isr: 2,
            transaction_state_log_segment_bytes: 104_857_600,
            transaction_max_timeout_ms: 900_000,
            transaction_abort_timed_out_transaction_cleanup_interval_ms: 10_000,
            transaction_version: crate::txn::TransactionVersion::Classic,
        }
    }
}

/// The controller's configs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ControllerConfig {
    /// `broker.session.timeout.ms` (9000): a broker without a heartbeat for this long is fenced.
    pub broker_session_timeout_ms: u64,
    /// Most metadata log entries sent in one heartbeat response; a broker further behind catches up
    /// over several heartbeats.
    pub max_metadata_changes_per_heartbeat: usize,
}

impl Default for ControllerConfig {
    fn default() -> Self {
        ControllerConfig { broker_session_timeout_ms: 9_000, max_metadata_changes_per_heartbeat: 10_000 }
    }
}

/// Sets one broker-level config by Kafka's name from its text (`replica.lag.time.max.ms`,
/// `offsets.topic.num.partitions`, `transaction.version`, …) with Kafka's validation and error text;
/// `broker.session.timeout.ms` also goes to the controller. The scenario files' `[cluster.config]` and
/// samsa-broker's `--config` both come through here.
pub fn set_cluster_config(
    broker: &mut BrokerConfig,
    controller: &mut ControllerConfig,
    name: &str,
    value: &str,
) -> Result<(), ConfigError> {
    let (n, v) = (name, value);
    match n {
        "replica.lag.time.max.ms" => parse_long_at_least(n, v, 0).map(|x| broker.replica_lag_time_max_ms = x),
        "replica.fetch.wait.max.ms" => {
            parse_long_at_least(n, v, 0).map(|x| broker.replica_fetch_wait_max_ms = x)
        }
        "replica.fetch.max.bytes" => parse_int_at_least(n, v, 0).map(|x| broker.replica_fetch_max_bytes = x),
        "replica.fetch.backoff.ms" => {
            parse_long_at_least(n, v, 0).map(|x| broker.replica_fetch_backoff_ms = x)
        }
        "broker.heartbeat.interval.ms" => {
            parse_long_at_least(n, v, 1).map(|x| broker.broker_heartbeat_interval_ms = x)
        }
        "broker.session.timeout.ms" => parse_long_at_least(n, v, 1).map(|x| {
            broker.broker_session_timeout_ms = x;
            controller.broker_session_timeout_ms = x;
        }),
        "request.timeout.ms" => parse_long_at_least(n, v, 0).map(|x| broker.request_timeout_ms = x),
        "replica.high.watermark.checkpoint.interval.ms" => {
            parse_long_at_least(n, v, 1).map(|x| broker.replica_high_watermark_checkpoint_interval_ms = x)
        }
        "log.retention.check.interval.ms" => {
            parse_long_at_least(n, v, 1).map(|x| broker.log_retention_check_interval_ms = x)
        }
        "producer.id.expiration.ms" => {
            parse_long_at_least(n, v, 1).map(|x| broker.producer_id_expiration_ms = x)
        }
        "producer.id.expiration.check.interval.ms" => {
            parse_long_at_least(n, v, 1).map(|x| broker.producer_id_expiration_check_interval_ms = x)
        }
        "offsets.topic.num.partitions" => parse_int_at_least(n, v, 1)
            .map(|x| broker.offsets_topic_num_partitions = i32::try_from(x).unwrap_or(i32::MAX)),
        "offsets.topic.replication.factor" => {
            parse_int_at_least(n, v, 1).map(|x| broker.offsets_topic_replication_factor = x)
        }
        "offsets.topic.segment.bytes" => {
            parse_int_at_least(n, v, 1).map(|x| broker.offsets_topic_segment_bytes = x)
        }
        "offsets.commit.timeout.ms" => {
            parse_int_at_least(n, v, 1).map(|x| broker.offsets_commit_timeout_ms = x.into())
        }
        "group.initial.rebalance.delay.ms" => {
            parse_int_at_least(n, v, 0).map(|x| broker.group_initial_rebalance_delay_ms = x.into())
        }
        "group.min.session.timeout.ms" => {
            parse_int_at_least(n, v, 0).map(|x| broker.group_min_session_timeout_ms = x.into())
        }
        "group.max.session.timeout.ms" => {
            parse_int_at_least(n, v, 0).map(|x| broker.group_max_session_timeout_ms = x.into())
        }
        "group.max.size" => parse_int_at_least(n, v, 1).map(|x| broker.group_max_size = x),
        "transaction.state.log.num.partitions" => parse_int_at_least(n, v, 1)
            .map(|x| broker.transaction_state_log_num_partitions = i32::try_from(x).unwrap_or(i32::MAX)),
        "transaction.state.log.replication.factor" => {
            parse_int_at_least(n, v, 1).map(|x| broker.transaction_state_log_replication_factor = x)
        }
        "transaction.state.log.min.isr" => {
            parse_int_at_least(n, v, 1).map(|x| broker.transaction_state_log_min_isr = x)
        }
        "transaction.state.log.segment.bytes" => {
            parse_int_at_least(n, v, 1).map(|x| broker.transaction_state_log_segment_bytes = x)
        }
        "transaction.max.timeout.ms" => {
            parse_int_at_least(n, v, 1).map(|x| broker.transaction_max_timeout_ms = x.into())
        }
        "transaction.abort.timed.out.transaction.cleanup.interval.ms" => parse_int_at_least(n, v, 1)
            .map(|x| broker.transaction_abort_timed_out_transaction_cleanup_interval_ms = x.into()),
        "transaction.version" => crate::config::parse_one_of(n, v, &["1", "2"]).map(|x| {
            broker.transaction_version = if x == 1 {
                crate::txn::TransactionVersion::EpochBumpPerTransaction
            } else {
                crate::txn::TransactionVersion::Classic
            }
        }),
        // Not a Kafka config: reproduces the pre-KIP-101 truncation bug, for checker tests only.
        "samsa.unsafe.truncate.to.high.watermark" => {
            parse_bool(n, v).map(|b| broker.unsafe_truncate_to_high_watermark = b)
        }
        _ => Err(ConfigError::UnknownName { name: name.into() }),
    }
}

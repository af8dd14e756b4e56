//! Topic- and broker-level replication configs, by Kafka's names and with Kafka's defaults.

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
        TopicConfig { log: LogConfig::default(), min_insync_replicas: 1, unclean_leader_election_enable: false }
    }
}

//! The charts' series: records produced, acknowledged and consumed per one-second bucket, each
//! partition's consumer lag at every bucket's end, and the records each partition's leader appended
//! per bucket (so a hot partition stands out), the newest [`MAX_CHART_BUCKETS`] buckets.
//!
//! Lag is derived from the trace, so it needs nothing from the simulation and is the same however
//! often views are built: the partition leader's high watermark (from its `HighWatermarkChanged`
//! events) minus the consumer's position (the offset after its last `RecordConsumed`, or where a
//! `PositionReset` put it) — Kafka's `records-lag`. With several consumers on a partition the chart
//! shows the one furthest behind.

use std::collections::{BTreeMap, VecDeque};

use samsa_core::client::AutoOffsetReset;
use samsa_core::node::{BrokerId, NodeId};
use samsa_core::replication::messages::TopicPartition;

use super::describe::tp_name;
use crate::live::protocol::{ChartsView, Series, MAX_CHART_BUCKETS, MAX_CHART_PARTITIONS};
use crate::scenario::Scenario;
use crate::trace::{TraceEvent, TraceKind};

/// Bucket width.
pub const BUCKET_MS: u64 = 1_000;

/// One second's counts, and the lag at its end once closed.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
struct Bucket {
    index: u64,
    produced: i64,
    acked: i64,
    consumed: i64,
    lag: Vec<i64>,
    /// Records appended by leaders, per [`Charts::appended_partitions`] entry.
    appended: Vec<i64>,
}

/// A consumer's position on one partition: where it starts after a (re)start, and where it is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Position {
    initial: Option<i64>,
    now: Option<i64>,
}

/// Buckets and what lag is computed from.
#[derive(Clone, Debug, Default)]
pub(crate) struct Charts {
    /// The partitions consumers read, in order: one lag series each.
    partitions: Vec<TopicPartition>,
    current: Bucket,
    closed: VecDeque<Bucket>,
    leaders: BTreeMap<TopicPartition, BrokerId>,
    high_watermarks: BTreeMap<TopicPartition, i64>,
    /// Per partition, per consumer (keyed so a lookup needs no owned topic name).
    positions: BTreeMap<TopicPartition, BTreeMap<u32, Position>>,
    /// The partitions of the produce rate chart, sorted (every topic's, at most
    /// [`MAX_CHART_PARTITIONS`]); found by binary search.
    appended_partitions: Vec<TopicPartition>,
}

impl Charts {
    /// Charts for `scenario`'s consumers (positions start as `auto.offset.reset` puts them).
    pub(crate) fn new(scenario: &Scenario) -> Self {
        let mut charts = Charts::default();
        for (index, plan) in scenario.consumers.iter().enumerate() {
            let NodeId::Client(client) = scenario.consumer_node(index) else { continue };
            // `earliest` starts at offset 0 (the consumer's own rule, see `Consumer::assign`).
            let initial = match plan.config.auto_offset_reset {
                AutoOffsetReset::Earliest => Some(0),
                // Found by ListOffsets; the chart learns it from the first consumed record.
                AutoOffsetReset::Latest | AutoOffsetReset::None => None,
            };
            for topic in scenario.topics.iter().filter(|t| t.name == plan.topic) {
                for partition in 0..topic.partitions {
                    let tp = TopicPartition { topic: topic.name.clone(), partition };
                    charts
                        .positions
                        .entry(tp.clone())
                        .or_default()
                        .insert(client, Position { initial, now: initial });
                    if !charts.partitions.contains(&tp) {
                        charts.partitions.push(tp);
                    }
                }
            }
        }
        charts.partitions.sort();
        let mut all: Vec<TopicPartition> = scenario
            .topics
            .iter()
            .flat_map(|t| {
                (0..t.partitions).map(|partition| TopicPartition { topic: t.name.clone(), partition })
            })
            .collect();
        all.sort();
        all.truncate(MAX_CHART_PARTITIONS);
        charts.current.appended = vec![0; all.len()];
        charts.appended_partitions = all;
        charts
    }

    /// Counts `event` into its bucket, closing the buckets before it.
    pub(crate) fn observe(&mut self, event: &TraceEvent) {
        self.advance_to(event.t_ms / BUCKET_MS);
        match &event.kind {
            TraceKind::WorkloadSend { .. } => self.current.produced += 1,
            TraceKind::RecordAcked { .. } => self.current.acked += 1,
            TraceKind::RecordConsumed { client, tp, offset, .. } => {
                self.current.consumed += 1;
                self.set_position(*client, tp, Some(offset.saturating_add(1)));
            }
            TraceKind::PositionReset { client, tp, to_offset, .. } => {
                self.set_position(*client, tp, Some(*to_offset));
            }
            TraceKind::NodeRestarted { node: NodeId::Client(client) } => {
                // A restarted client is a new one: its positions start over (see `cluster`).
                for position in self.positions.values_mut().filter_map(|p| p.get_mut(client)) {
                    position.now = position.initial;
                }
            }
            // A leader's append is a producer's batch written (a follower's is the same records copied).
            TraceKind::Appended { tp, base_offset, last_offset, as_leader: true, .. } => {
                if let Ok(i) = self.appended_partitions.binary_search(tp) {
                    if let Some(count) = self.current.appended.get_mut(i) {
                        *count += last_offset.saturating_sub(*base_offset).saturating_add(1).max(0);
                    }
                }
            }
            TraceKind::BecameLeader { broker, tp, .. } => {
                self.leaders.insert(tp.clone(), *broker);
            }
            TraceKind::HighWatermarkChanged { broker, tp, high_watermark }
                if self.leaders.get(tp) == Some(broker) =>
            {
                self.high_watermarks.insert(tp.clone(), *high_watermark);
            }
            _ => {}
        }
    }

    fn set_position(&mut self, client: u32, tp: &TopicPartition, offset: Option<i64>) {
        if let Some(position) = self.positions.get_mut(tp).and_then(|p| p.get_mut(&client)) {
            position.now = offset;
        }
    }

    /// Closes buckets up to (not including) `index`; a long quiet gap closes at most a chart's worth.
    fn advance_to(&mut self, index: u64) {
        if index <= self.current.index {
            return;
        }
        let lag = self.lag_now();
        let first_gap = index.saturating_sub(MAX_CHART_BUCKETS as u64).max(self.current.index + 1);
        let quiet = vec![0; self.appended_partitions.len()];
        let done = std::mem::replace(
            &mut self.current,
            Bucket { index, appended: quiet.clone(), ..Bucket::default() },
        );
        self.close(Bucket { lag: lag.clone(), ..done });
        for gap in first_gap..index {
            self.close(Bucket { index: gap, lag: lag.clone(), appended: quiet.clone(), ..Bucket::default() });
        }
    }

    fn close(&mut self, bucket: Bucket) {
        if self.closed.len() == MAX_CHART_BUCKETS {
            self.closed.pop_front();
        }
        self.closed.push_back(bucket);
    }

    /// Each chart partition's lag now: the furthest-behind consumer's.
    fn lag_now(&self) -> Vec<i64> {
        self.partitions
            .iter()
            .map(|tp| {
                let high_watermark = self.high_watermarks.get(tp).copied().unwrap_or(0);
                self.positions
                    .get(tp)
                    .into_iter()
                    .flat_map(BTreeMap::values)
                    .filter_map(|position| position.now)
                    .map(|position| high_watermark.saturating_sub(position).max(0))
                    .max()
                    .unwrap_or(0)
            })
            .collect()
    }

    /// The closed buckets as series.
    pub(crate) fn view(&self) -> ChartsView {
        let series = |name: &str, value: fn(&Bucket) -> i64| Series {
            name: name.to_owned(),
            points: self.closed.iter().map(value).collect(),
        };
        let throughput = vec![
            series("produced", |b| b.produced),
            series("acked", |b| b.acked),
            series("consumed", |b| b.consumed),
        ];
        let lag = self
            .partitions
            .iter()
            .enumerate()
            .map(|(i, tp)| Series {
                name: tp_name(tp),
                points: self.closed.iter().map(|b| b.lag.get(i).copied().unwrap_or(0)).collect(),
            })
            .collect();
        let produce_rate = self
            .appended_partitions
            .iter()
            .enumerate()
            .map(|(i, tp)| Series {
                name: tp_name(tp),
                points: self.closed.iter().map(|b| b.appended.get(i).copied().unwrap_or(0)).collect(),
            })
            .collect();
        ChartsView {
            bucket_ms: BUCKET_MS,
            start_ms: self.closed.front().map_or(0, |b| b.index * BUCKET_MS),
            throughput,
            lag,
            produce_rate,
        }
    }
}

//! The producer part of `samsa-sim run`'s summary, as lines of text: per producer what it was told to
//! send, how it batched (Kafka's `batch-size-avg` idea, records per batch), how many requests and
//! retries that took, the send-to-ack latency (mean and p99), and whether it was idempotent; per
//! partition the records its leaders appended and the rate, so a hot partition stands out.
//!
//! Everything comes from [`RunStats`] (ordered maps) and the scenario, so the lines are the same for
//! the same seed.

use samsa_core::client::ProducerConfig;
use samsa_core::node::NodeId;

use crate::group_summary::GroupSummary;
use crate::scenario::Scenario;
use crate::stats::{GroupRunStats, ProducerRunStats, RunStats};

/// The configs that decide a producer's batching and guarantees, as Kafka names them.
fn config_line(config: &ProducerConfig) -> String {
    let setting = |name: &str| config.get(name).unwrap_or_default();
    format!(
        "acks={}, linger.ms={}, max.in.flight.requests.per.connection={}, retries={}, enable.idempotence={}",
        setting("acks"),
        setting("linger.ms"),
        setting("max.in.flight.requests.per.connection"),
        setting("retries"),
        setting("enable.idempotence"),
    )
}

fn producer_line(client: u32, config: Option<&ProducerConfig>, p: &ProducerRunStats) -> Vec<String> {
    let mut lines = Vec::new();
    let configs = config.map(config_line).unwrap_or_default();
    lines.push(format!("  client-{client}: {configs}"));
    lines.push(format!(
        "    records: sent {}, acked {}, failed {}",
        p.records_sent, p.records_acked, p.records_failed
    ));
    lines.push(format!(
        "    batches {} (retried {}), produce requests {}, {:.1} records/batch",
        p.batches_sent,
        p.batches_retried,
        p.produce_requests,
        p.records_per_batch()
    ));
    let latency = &p.ack_latency;
    let mut latency_line = format!(
        "    ack latency: mean {:.1} ms, p99 {} ms, max {} ms",
        latency.mean_ms(),
        latency.percentile_ms(99),
        latency.max_ms
    );
    if p.latency_untracked > 0 {
        latency_line.push_str(&format!(" ({} acks not timed)", p.latency_untracked));
    }
    lines.push(latency_line);
    let idempotent = config.is_some_and(ProducerConfig::idempotence_enabled);
    let id = match p.producer_id {
        Some((producer_id, epoch)) => format!("producer id {producer_id}, epoch {epoch}"),
        None => "no producer id".to_owned(),
    };
    lines.push(if idempotent {
        format!(
            "    idempotent: yes ({id}; {} ids assigned, {} epoch bumps), duplicates answered by leaders: {}",
            p.producer_ids_assigned, p.epochs_bumped, p.duplicates_answered
        )
    } else {
        "    idempotent: no".to_owned()
    });
    lines
}

/// Per producer lines, in client order (only clients that produced).
pub fn producer_lines(scenario: &Scenario, stats: &RunStats) -> Vec<String> {
    let mut lines = Vec::new();
    if stats.clients.producers.is_empty() {
        return lines;
    }
    lines.push("producers:".to_owned());
    for (&client, producer) in &stats.clients.producers {
        let config = scenario
            .producers
            .iter()
            .enumerate()
            .find(|(index, _)| Scenario::producer_node(*index) == NodeId::Client(client))
            .map(|(_, plan)| &plan.config);
        lines.extend(producer_line(client, config, producer));
    }
    lines
}

/// Per partition lines: records the leaders appended, the rate over the common window and the share.
pub fn partition_lines(stats: &RunStats) -> Vec<String> {
    let rates = stats.clients.partition_rates();
    if rates.is_empty() {
        return Vec::new();
    }
    let total: u64 = rates.iter().map(|(_, n, _)| n).sum();
    let hottest = rates.iter().map(|(_, n, _)| *n).max().unwrap_or(0);
    let mut lines = vec!["partitions (records appended by leaders):".to_owned()];
    for (tp, records, rate) in rates {
        let share = if total == 0 { 0.0 } else { records as f64 * 100.0 / total as f64 };
        let mark = if records == hottest && rates_len_above_one(stats) { "  <- hottest" } else { "" };
        lines.push(format!(
            "  {}/{}: {records} records, {rate:.1} records/s, {share:.1}%{mark}",
            tp.topic, tp.partition
        ));
    }
    lines
}

/// Whether there is more than one partition to compare (a lone partition is not "hottest").
fn rates_len_above_one(stats: &RunStats) -> bool {
    stats.clients.partitions.len() > 1
}

/// Per consumer group, as `kafka-consumer-groups.sh --describe` would show it at the end, plus what the
/// run's counts add: rebalances, each member's idle time, processing rate and lag in time.
pub fn group_lines(groups: &[GroupSummary], stats: &RunStats, end_ms: u64) -> Vec<String> {
    let mut lines = Vec::new();
    if groups.is_empty() && stats.groups.groups.is_empty() {
        return lines;
    }
    lines.push(
        "consumer groups (lag = high watermark - committed offset, as kafka-consumer-groups.sh):".to_owned(),
    );
    for group in groups {
        let counts = stats.groups.groups.get(&group.group_id);
        let rate = counts.map_or(0.0, GroupRunStats::processing_rate_per_sec);
        let lag = group.total_lag();
        let lag_time = if rate > 0.0 {
            format!(", ~{:.1} s at {rate:.1} records/s", lag as f64 / rate)
        } else {
            String::new()
        };
        lines.push(format!(
            "  {}: {} generation {} ({}), coordinator broker-{}, {} rebalances, lag {lag}{lag_time}",
            group.group_id,
            group.state,
            group.generation_id,
            group.protocol.as_deref().unwrap_or("no protocol"),
            group.coordinator,
            counts.map_or(0, |c| c.rebalances),
        ));
        for member in &group.members {
            let partitions: Vec<String> =
                member.partitions.iter().map(|tp| format!("{}-{}", tp.topic, tp.partition)).collect();
            let static_id =
                member.group_instance_id.as_deref().map(|i| format!(" (static {i})")).unwrap_or_default();
            let client = crate::trace::ids::parse_node_id(&member.client);
            let idle = match (counts, client) {
                (Some(c), Some(samsa_core::node::NodeId::Client(n))) => {
                    format!(", idle {} ms", c.idle_ms(n, end_ms))
                }
                _ => String::new(),
            };
            let owned = if partitions.is_empty() { "no partitions".to_owned() } else { partitions.join(" ") };
            lines.push(format!("    {}{static_id}: {owned}{idle}", member.client));
        }
        for p in &group.partitions {
            let committed = p.committed.map_or("-".to_owned(), |c| c.to_string());
            let mut line = format!(
                "    {}-{}: committed {committed}, high watermark {}, log end {}, lag {}",
                p.tp.topic,
                p.tp.partition,
                p.high_watermark,
                p.log_end_offset,
                p.lag()
            );
            if p.below_log_start() > 0 {
                line.push_str(&format!(
                    " ({} records deleted by retention before the group read them)",
                    p.below_log_start()
                ));
            }
            lines.push(line);
        }
    }
    lines
}

//! The playground's view of a simulation at one moment: [`build_view`] reads the cluster (controller,
//! brokers, logs, clients, network) from the [`Simulation`] and the history from the [`Observers`].
//!
//! - `cluster` — controller, brokers, partitions, metrics, network, clients.
//! - `log` — the focused partition's log on every replica.
//! - `clients` — producers and consumers.
//! - `transactions` — transactional ids on their coordinators, and the pipelines.
//! - `counts` — the live loss and duplicate counts (incremental, cached in the observers).
//! - `checker` — the checker panel.
//! - `records` — reading record ids out of a log.

mod checker;
mod clients;
mod cluster;
pub(crate) mod counts;
mod log;
mod records;
mod transactions;

use std::collections::BTreeMap;

use samsa_core::replication::messages::TopicPartition;

use crate::checker::At;
use crate::engine::Simulation;
use crate::live::observe::Observers;
use crate::live::protocol::{BranchCounts, LiveView, PartitionRef, ScenarioInfo, TimeView};
use crate::scenario::Scenario;

use counts::{CountsCache, LeaderReplica};

/// The view of `sim` now. Fills everything except what only the session knows: `time.furthest_ms`
/// (set to `t_ms`), `branches` (empty) and `current_branch` (0).
///
/// Also brings the live counts in `observers` up to this moment, which [`branch_counts`] then reports.
/// The result depends only on `sim` and on the events `observers` saw (never on which views were built
/// before): the same run gives the same view.
pub fn build_view(
    sim: &Simulation,
    scenario: &Scenario,
    observers: &Observers,
    focus: Option<&PartitionRef>,
) -> LiveView {
    let states = cluster::partition_states(sim);
    let now = At { step: sim.steps(), t_ms: sim.now_ms() };
    let mut spare = CountsCache::default();
    let mut borrowed = observers.counts_cache().try_borrow_mut();
    // Never contended (views are built one at a time); should it be, a fresh cache gives the same counts.
    let cache: &mut CountsCache = match borrowed.as_deref_mut() {
        Ok(cache) => cache,
        Err(_) => &mut spare,
    };
    for state in &states {
        let leader = cluster::leader_replica(sim, state)
            .map(|(broker, partition)| LeaderReplica { broker, partition });
        cache.refresh(&state.tp, leader, observers.acks_of(&state.tp), observers.owners());
    }
    let tps: Vec<TopicPartition> = states.iter().map(|s| s.tp.clone()).collect();
    cache.retain(&tps);
    let (checker, counts) = checker::checker_view(observers, cache, now);
    cache.last = counts;
    drop(borrowed);

    let cluster = cluster::cluster_view(sim, scenario, &states);
    let leader_high_watermarks: BTreeMap<TopicPartition, i64> = states
        .iter()
        .zip(&cluster.partitions)
        .filter(|(_, view)| view.high_watermark >= 0)
        .map(|(state, view)| (state.tp.clone(), view.high_watermark))
        .collect();
    let t_ms = sim.now_ms();
    LiveView {
        scenario: ScenarioInfo {
            name: scenario.name.clone(),
            description: scenario.description.clone(),
            seed: sim.seed(),
        },
        time: TimeView {
            t_ms,
            step: sim.steps(),
            furthest_ms: t_ms,
            trace_hash: sim.trace().hash_hex(),
            trace_events: sim.trace().recorded(),
        },
        log: log::log_view(sim, &states, focus),
        producers: clients::producer_views(sim, scenario, observers),
        consumers: clients::consumer_views(sim, scenario, observers, &leader_high_watermarks),
        groups: clients::group_views(sim, &leader_high_watermarks),
        pipelines: transactions::pipeline_views(sim, scenario, observers),
        transactions: transactions::transaction_views(sim),
        cluster,
        events: observers.events(),
        checker,
        charts: observers.charts(),
        branches: Vec::new(),
        current_branch: 0,
    }
}

/// The counts a branch shows in the comparison. `lost`, `duplicated` and `out_of_order` are as of the
/// last [`build_view`] with these observers (they need the logs): build the branch's view first.
pub fn branch_counts(observers: &Observers) -> BranchCounts {
    let last = observers.counts_cache().try_borrow().map(|cache| cache.last).unwrap_or_default();
    BranchCounts {
        acked: observers.checker().records_acked(),
        lost: last.lost,
        duplicated: last.duplicated,
        out_of_order: last.out_of_order,
        failed: observers.failed_total(),
    }
}

//! Transactions: every `transactional.id` as its coordinator holds it, a transactional producer's own
//! state, and the consume-transform-produce pipelines.

use samsa_core::client::{Producer, TxnState};
use samsa_core::txn::TransactionState;

use super::cluster::node_state;
use crate::engine::Simulation;
use crate::live::observe::clients::ClientCounters;
use crate::live::observe::Observers;
use crate::live::protocol::{
    PipelineView, ProducerTransactionView, TransactionView, MAX_TRANSACTION_PARTITIONS, MAX_VIEW_TRANSACTIONS,
};
use crate::scenario::Scenario;

/// Every transactional id the running brokers coordinate, by id. A broker that lost its
/// `__transaction_state` partition but has not heard yet may still hold it: the coordinator with the
/// highest producer epoch (then the lowest broker id) is shown, as clients would end up there.
pub(crate) fn transaction_views(sim: &Simulation) -> Vec<TransactionView> {
    let mut views: std::collections::BTreeMap<String, TransactionView> = std::collections::BTreeMap::new();
    for id in sim.node_ids() {
        let Some(broker) = sim.node(id).and_then(|n| n.as_broker()) else { continue };
        let now_ms = sim.now_ms();
        for txn in broker.transaction_coordinator().transactions() {
            if views.get(&txn.transactional_id).is_some_and(|v| v.producer_epoch >= txn.producer_epoch) {
                continue;
            }
            if views.len() >= MAX_VIEW_TRANSACTIONS && !views.contains_key(&txn.transactional_id) {
                continue;
            }
            let view = TransactionView {
                transactional_id: txn.transactional_id.clone(),
                coordinator: format!("broker-{}", broker.broker_id()),
                state: txn.state.name().to_owned(),
                producer_id: txn.producer_id,
                producer_epoch: txn.producer_epoch,
                partitions: txn
                    .partitions
                    .iter()
                    .take(MAX_TRANSACTION_PARTITIONS)
                    .map(|tp| format!("{}-{}", tp.topic, tp.partition))
                    .collect(),
                pending_markers: u32::try_from(txn.pending_markers().count()).unwrap_or(u32::MAX),
                open_ms: (txn.state == TransactionState::Ongoing)
                    .then(|| now_ms.saturating_sub(txn.start_ms)),
                timeout_ms: txn.timeout_ms,
            };
            views.insert(txn.transactional_id.clone(), view);
        }
    }
    views.into_values().collect()
}

/// A transactional producer's side: its state (read from the running producer) and the transactions
/// it saw end. `None` without a `transactional.id`.
pub(crate) fn producer_transaction(
    transactional_id: Option<&str>,
    producer: Option<&Producer>,
    counters: Option<&ClientCounters>,
) -> Option<ProducerTransactionView> {
    let transactional_id = transactional_id?.to_owned();
    let state = producer.and_then(Producer::transaction_state);
    let error = match state {
        Some(TxnState::AbortableError(code) | TxnState::FatalError(code)) => Some(code.name().to_owned()),
        _ => None,
    };
    Some(ProducerTransactionView {
        transactional_id,
        state: state.map(|s| s.name().to_owned()),
        error,
        committed: counters.map_or(0, |c| c.transactions_committed),
        aborted: counters.map_or(0, |c| c.transactions_aborted),
    })
}

/// Every pipeline instance of the scenario, running or not.
pub(crate) fn pipeline_views(
    sim: &Simulation,
    scenario: &Scenario,
    observers: &Observers,
) -> Vec<PipelineView> {
    scenario
        .pipelines
        .iter()
        .enumerate()
        .map(|(index, plan)| {
            let node = scenario.pipeline_node(index);
            let client = match node {
                samsa_core::node::NodeId::Client(id) => id,
                _ => 0,
            };
            let counters = observers.client(client);
            let producer = sim.node(node).and_then(|n| n.as_producer());
            let config = producer.map_or(&plan.producer, |p| p.config());
            PipelineView {
                client: node.to_string(),
                state: node_state(sim.status(node)),
                semantics: plan.semantics.name().to_owned(),
                group_id: plan.consumer.group_id.clone().unwrap_or_default(),
                input: plan.input.clone(),
                output: plan.output.clone(),
                records_consumed: counters.map_or(0, |c| c.consumed),
                records_transformed: counters.map_or(0, |c| c.transformed),
                records_acked: counters.map_or(0, |c| c.acked),
                transaction: producer_transaction(config.transactional_id.as_deref(), producer, counters),
            }
        })
        .collect()
}

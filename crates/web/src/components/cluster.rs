//! The cluster: the controller and one card per broker (up, paused or down; isolated or not) with
//! the fault buttons, Kafka's cluster metrics, and the partition table.

use samsa_sim::live::protocol::{BrokerView, ClusterView, NodeState, PartitionRef, UserAction};
use yew::prelude::*;

use super::cluster_metrics::ClusterMetricsBar;
use super::node_state::{state_icon, state_name};
use super::partition_table::PartitionTable;

/// Props of [`Cluster`].
#[derive(Properties, PartialEq)]
pub struct ClusterProps {
    /// The cluster as the simulation reports it.
    pub cluster: ClusterView,
    /// The partition whose log is shown below (highlighted in the table).
    pub focus: Option<PartitionRef>,
    /// The last refusal that named a node, to show beside the cards.
    pub refused: Option<String>,
    /// Faults go here.
    pub on_action: Callback<UserAction>,
    /// Clicking a partition row shows its log.
    pub on_focus: Callback<PartitionRef>,
}

/// The cluster view.
#[component]
pub fn Cluster(props: &ClusterProps) -> Html {
    let cluster = &props.cluster;
    let isolated = |name: &str| cluster.network.isolated.iter().any(|n| n == name);
    html! {
        <section class="panel cluster" aria-label="cluster">
            <h2>{ "Cluster" }</h2>
            <ClusterMetricsBar metrics={cluster.metrics.clone()} />
            // The cards are components so that a view which only moves offsets (most views) skips them.
            <div class="node-cards">
                <ControllerCard state={cluster.controller} isolated={isolated("controller")}
                    on_action={props.on_action.clone()} />
                { for cluster.brokers.iter().map(|b| html! {
                    <BrokerCard key={b.id} broker={b.clone()} isolated={isolated(&b.name)}
                        on_action={props.on_action.clone()} />
                }) }
            </div>
            if let Some(message) = &props.refused {
                <p class="inline-error" role="alert" data-testid="node-error">{ message }</p>
            }
            <PartitionTable partitions={cluster.partitions.clone()} focus={props.focus.clone()}
                on_focus={props.on_focus.clone()} />
        </section>
    }
}

/// Props of [`ControllerCard`].
#[derive(Properties, PartialEq)]
pub struct ControllerCardProps {
    /// Up, paused or down.
    pub state: NodeState,
    /// Every link of the controller is cut.
    pub isolated: bool,
    /// Faults go here.
    pub on_action: Callback<UserAction>,
}

/// The controller's card.
#[component]
pub fn ControllerCard(props: &ControllerCardProps) -> Html {
    let (state, isolated, on_action) = (props.state, props.isolated, &props.on_action);
    html! {
        <article class={classes!("node-card", "controller-card", state_name(state))}
            data-testid="controller" data-state={state_name(state)}>
            <header>
                <span class="node-name">{ "controller" }</span>
                <span class="badge controller-badge" title="the KRaft controller: elects leaders, keeps ISRs">
                    { "♛ controller" }</span>
            </header>
            { state_line(state, isolated) }
            { fault_buttons("controller", state, isolated, on_action) }
        </article>
    }
}

/// Props of [`BrokerCard`].
#[derive(Properties, PartialEq)]
pub struct BrokerCardProps {
    /// The broker.
    pub broker: BrokerView,
    /// Every link of the broker is cut.
    pub isolated: bool,
    /// Faults go here.
    pub on_action: Callback<UserAction>,
}

/// One broker's card.
#[component]
pub fn BrokerCard(props: &BrokerCardProps) -> Html {
    let (broker, isolated, on_action) = (&props.broker, props.isolated, &props.on_action);
    let state = broker.state;
    html! {
        <article class={classes!("node-card", state_name(state), isolated.then_some("isolated"))}
            data-testid={format!("broker-{}", broker.id)} data-state={state_name(state)}>
            <header><span class="node-name">{ &broker.name }</span></header>
            { state_line(state, isolated) }
            <p class="node-facts muted">
                { format!("leads {} · {} replicas", broker.leader_count, broker.replica_count) }
            </p>
            { fault_buttons(&broker.name, state, isolated, on_action) }
        </article>
    }
}

fn state_line(state: NodeState, isolated: bool) -> Html {
    html! {
        <p class="node-state">
            <span class={classes!("state-pill", state_name(state))}>
                <span aria-hidden="true">{ state_icon(state) }</span>{ " " }{ state_name(state) }
            </span>
            if isolated {
                <span class="state-pill isolated-pill"><span aria-hidden="true">{ "⛓" }</span>{ " isolated" }</span>
            }
        </p>
    }
}

/// Crash/restart and isolate/rejoin for one node; `testid` names it (`broker-1`, `controller`).
fn fault_buttons(node: &str, state: NodeState, isolated: bool, on_action: &Callback<UserAction>) -> Html {
    let act = |action: UserAction| {
        let on_action = on_action.clone();
        Callback::from(move |_: MouseEvent| on_action.emit(action.clone()))
    };
    let name = node.to_owned();
    html! {
        <div class="node-buttons">
            <button class="danger" data-testid={format!("crash-{node}")} disabled={state == NodeState::Down}
                title="the process dies; what it had not flushed to disk survives (not a power loss)"
                onclick={act(UserAction::Crash { node: name.clone(), power_loss: false })}>{ "Crash" }</button>
            <button data-testid={format!("restart-{node}")} disabled={state != NodeState::Down}
                onclick={act(UserAction::Restart { node: name.clone() })}>{ "Restart" }</button>
            if isolated {
                <button data-testid={format!("rejoin-{node}")}
                    onclick={act(UserAction::Rejoin { node: name.clone() })}>{ "Rejoin" }</button>
            } else {
                <button data-testid={format!("isolate-{node}")} title="cut every link of this node"
                    onclick={act(UserAction::Isolate { node: name })}>{ "Isolate" }</button>
            }
        </div>
    }
}

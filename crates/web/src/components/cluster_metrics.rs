//! Kafka's cluster-level metrics, by Kafka's names, each flagged when it is not what a healthy
//! cluster shows.

use samsa_sim::live::protocol::ClusterMetrics;
use yew::prelude::*;

/// Props of [`ClusterMetricsBar`].
#[derive(Properties, PartialEq)]
pub struct ClusterMetricsBarProps {
    /// The metrics.
    pub metrics: ClusterMetrics,
}

/// One tile per metric; a tile whose value is unhealthy is marked (colour and a ⚠).
#[component]
pub fn ClusterMetricsBar(props: &ClusterMetricsBarProps) -> Html {
    let m = &props.metrics;
    let tiles = [
        ("UnderReplicatedPartitions", m.under_replicated_partitions, m.under_replicated_partitions > 0),
        ("OfflinePartitionsCount", m.offline_partitions_count, m.offline_partitions_count > 0),
        ("UnderMinIsrPartitionCount", m.under_min_isr_partition_count, m.under_min_isr_partition_count > 0),
        // Exactly one active controller is healthy (Kafka alerts on anything else).
        ("ActiveControllerCount", m.active_controller_count, m.active_controller_count != 1),
    ];
    html! {
        <dl class="metrics">
            { for tiles.iter().map(|&(name, value, bad)| html! {
                <div key={name} class={classes!("metric", bad.then_some("bad"))}>
                    <dt class="mono">{ name }</dt>
                    <dd>
                        if bad { <span class="warn-icon" aria-label="unhealthy">{ "⚠ " }</span> }
                        <span data-testid={format!("metric-{name}")}>{ value }</span>
                    </dd>
                </div>
            }) }
        </dl>
    }
}

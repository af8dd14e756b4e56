//! Every partition as the controller decided it: leader, replicas (leader, in sync, out of sync),
//! ISR, leader epoch, the leader's high watermark and log end offset, and the partition's health.

use samsa_sim::live::protocol::{PartitionRef, PartitionStateView};
use yew::prelude::*;

/// Props of [`PartitionTable`].
#[derive(Properties, PartialEq)]
pub struct PartitionTableProps {
    /// The partitions (topic, then index).
    pub partitions: Vec<PartitionStateView>,
    /// The partition whose log is shown.
    pub focus: Option<PartitionRef>,
    /// A click on a row shows that partition's log.
    pub on_focus: Callback<PartitionRef>,
}

/// The partition table.
#[component]
pub fn PartitionTable(props: &PartitionTableProps) -> Html {
    html! {
        <div class="table-scroll">
            <table class="partitions">
                <thead>
                    <tr>
                        <th scope="col">{ "partition" }</th>
                        <th scope="col">{ "leader" }</th>
                        <th scope="col" title="★ leader · ✓ in sync · ⚠ out of sync">{ "replicas" }</th>
                        <th scope="col">{ "ISR" }</th>
                        <th scope="col" title="leader epoch">{ "epoch" }</th>
                        <th scope="col" title="the leader's high watermark">{ "HW" }</th>
                        <th scope="col" title="the leader's log end offset">{ "LEO" }</th>
                        <th scope="col">{ "status" }</th>
                    </tr>
                </thead>
                <tbody>
                    { for props.partitions.iter().map(|p| row(p, props.focus.as_ref() == Some(&p.partition), &props.on_focus)) }
                </tbody>
            </table>
        </div>
    }
}

fn row(p: &PartitionStateView, focused: bool, on_focus: &Callback<PartitionRef>) -> Html {
    let name = format!("{}-{}", p.partition.topic, p.partition.partition);
    let leader = p.leader.map_or_else(|| "none".to_owned(), |l| l.to_string());
    let isr = join(&p.isr);
    let onclick = {
        let (on_focus, partition) = (on_focus.clone(), p.partition.clone());
        Callback::from(move |_: MouseEvent| on_focus.emit(partition.clone()))
    };
    let (status_class, status) = status(p);
    html! {
        <tr key={name.clone()} class={classes!(status_class, focused.then_some("focused"))}
            data-testid={format!("partition-{name}")} data-leader={leader.clone()} data-isr={isr.clone()}
            data-epoch={p.leader_epoch.to_string()} title="show this partition's log" {onclick}>
            <th scope="row" class="mono">{ name }</th>
            <td class="mono">{ leader.clone() }</td>
            <td class="replicas">{ for p.replicas.iter().map(|&r| replica_chip(p, r)) }</td>
            <td class="mono">{ format!("[{isr}]") }</td>
            <td class="mono">{ p.leader_epoch }</td>
            <td class="mono">{ offset(p.high_watermark) }</td>
            <td class="mono">{ offset(p.log_end_offset) }</td>
            <td class="status">{ status }</td>
        </tr>
    }
}

fn replica_chip(p: &PartitionStateView, broker: i32) -> Html {
    let (class, icon, what) = if p.leader == Some(broker) {
        ("leader", "★", "leader")
    } else if p.isr.contains(&broker) {
        ("in-sync", "✓", "in sync")
    } else {
        ("out-of-sync", "⚠", "out of sync")
    };
    html! {
        <span class={classes!("replica-chip", class)} title={format!("broker {broker}: {what}")}>
            { broker }<span aria-hidden="true">{ icon }</span>
        </span>
    }
}

/// The worst thing about the partition, by Kafka's metric names.
fn status(p: &PartitionStateView) -> (&'static str, Html) {
    if p.offline {
        ("offline", html! { <span class="flag bad">{ "✕ offline (no leader)" }</span> })
    } else if p.under_min_isr {
        ("under-min-isr", html! { <span class="flag bad">{ "⚠ under min ISR: acks=all fails" }</span> })
    } else if p.under_replicated {
        ("under-replicated", html! { <span class="flag warn">{ "⚠ under-replicated" }</span> })
    } else {
        ("healthy", html! { <span class="flag ok">{ "✓ in sync" }</span> })
    }
}

fn offset(value: i64) -> String {
    if value < 0 {
        "–".to_owned()
    } else {
        value.to_string()
    }
}

fn join(ids: &[i32]) -> String {
    ids.iter().map(i32::to_string).collect::<Vec<_>>().join(",")
}

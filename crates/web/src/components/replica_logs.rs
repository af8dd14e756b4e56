//! One partition's log on every replica, offsets aligned in columns: records as cells grouped in
//! batches, segment starts, and the log start offset, high watermark, last stable offset and log end
//! offset of each replica, so a lagging follower, a truncation, a divergent record or an open
//! transaction is visible at a glance; transaction markers and aborted records are drawn as such.

mod layout;

use samsa_sim::live::protocol::{NodeState, PartitionLogView, PartitionRef, ReplicaLogView};
use web_sys::HtmlSelectElement;
use yew::prelude::*;

use layout::{Cell, Window};

/// Props of [`ReplicaLogs`].
#[derive(Properties, PartialEq)]
pub struct ReplicaLogsProps {
    /// The focused partition's log on every replica (`None` before a scenario has partitions).
    pub log: Option<PartitionLogView>,
    /// Every partition, for the focus select.
    pub partitions: Vec<PartitionRef>,
    /// Asks the worker to focus another partition.
    pub on_focus: Callback<PartitionRef>,
}

/// `orders-0`: how Kafka names a partition in logs and metrics.
fn partition_name(p: &PartitionRef) -> String {
    format!("{}-{}", p.topic, p.partition)
}

/// The replica logs panel.
#[component]
pub fn ReplicaLogs(props: &ReplicaLogsProps) -> Html {
    let onchange = {
        let partitions = props.partitions.clone();
        let on_focus = props.on_focus.clone();
        Callback::from(move |e: Event| {
            let select: HtmlSelectElement = e.target_unchecked_into();
            let chosen = select.value();
            if let Some(p) = partitions.iter().find(|p| partition_name(p) == chosen) {
                on_focus.emit(p.clone());
            }
        })
    };
    let focused = props.log.as_ref().map(|l| partition_name(&l.partition));
    html! {
        <section class="panel replica-logs" data-testid="replica-logs">
            <header class="panel-head">
                <h2>{ "Partition log, every replica" }</h2>
                // Keyed by the focused partition: a fresh select applies `selected` even after the
                // person has picked an option by hand (the attribute alone would no longer move it).
                <div class="focus-select">
                <select key={focused.clone().unwrap_or_default()} class="mono" data-testid="partition-focus"
                    aria-label="Partition shown" {onchange}>
                    { for props.partitions.iter().map(|p| {
                        let name = partition_name(p);
                        let selected = focused.as_deref() == Some(name.as_str());
                        html! { <option key={name.clone()} value={name.clone()} {selected}>{ name }</option> }
                    }) }
                </select>
                </div>
            </header>
            { match &props.log {
                Some(log) => grid(log),
                None => html! { <p class="hint">{ "No partition to show yet." }</p> },
            } }
            <Legend />
        </section>
    }
}

/// The key to the markers: a component without props, so it is drawn once, not on every view.
#[component]
fn Legend() -> Html {
    html! {
        <p class="rl-legend hint">
            <span class="rl-key log-start"></span>{ "log start offset " }
            <span class="rl-key hw"></span>{ "high watermark " }
            <span class="rl-key stable"></span>{ "last stable offset (LSO) " }
            <span class="rl-key leo"></span>{ "log end offset " }
            <span class="rl-key uncommitted"></span>{ "uncommitted (at or above HW) " }
            <span class="rl-key divergent"></span>{ "differs from the leader " }
            <span class="rl-key marker"></span>{ "transaction marker " }
            <span class="rl-key aborted"></span>{ "aborted " }
            <span class="rl-key seg"></span>{ "segment start" }
        </p>
    }
}

/// The rows of every replica, under a shared offset axis.
fn grid(log: &PartitionLogView) -> Html {
    let Some((window, rows)) = layout::rows(log) else {
        return html! { <p class="hint">{ "This partition has no replicas." }</p> };
    };
    let style = format!("--rl-cols: {}", window.columns);
    html! {
        <div class="rl-grid" {style}>
            { axis(&window) }
            { for log.replicas.iter().zip(&rows).map(|(replica, cells)| replica_row(replica, cells)) }
        </div>
    }
}

/// The offset labels above the cells: the first column and every tenth offset, each placed in its
/// column (only the labelled columns get an element: the axis is redrawn on every view).
fn axis(window: &Window) -> Html {
    let labelled = window.offsets().enumerate().filter(|&(i, offset)| i == 0 || offset % 10 == 0);
    html! {
        <div class="rl-row rl-axis" aria-hidden="true">
            <div class="rl-head muted">{ "offset" }</div>
            <div class="rl-cells">
                { for labelled.map(|(i, offset)| html! {
                    <span key={offset} class="rl-tick mono" style={format!("grid-area: 1 / {}", i + 1)}>
                        { offset }
                    </span>
                }) }
            </div>
        </div>
    }
}

fn replica_row(replica: &ReplicaLogView, cells: &[Cell]) -> Html {
    let (state_class, state_text) = match replica.state {
        NodeState::Up => ("up", "up"),
        NodeState::Paused => ("paused", "paused"),
        NodeState::Down => ("down", "down"),
    };
    let role = if replica.is_leader { "leader" } else { "follower" };
    let sync = if replica.in_isr { "in ISR" } else { "out of sync" };
    html! {
        <div key={replica.broker} class={classes!("rl-row", state_class, (!replica.in_isr).then_some("out-of-sync"))}
            data-testid={format!("replica-log-{}", replica.broker)}
            data-hw={replica.high_watermark.to_string()} data-leo={replica.log_end_offset.to_string()}
            data-log-start={replica.log_start_offset.to_string()}
            data-last-stable={replica.last_stable_offset.to_string()}>
            <div class="rl-head">
                <div class="rl-broker">
                    <b>{ format!("broker {}", replica.broker) }</b>
                    <span class={classes!("chip", role)}>{ role }</span>
                </div>
                <div class="rl-status muted">
                    <span class={classes!("rl-sync", replica.in_isr.then_some("in-isr"))}>{ sync }</span>
                    { format!(" · {state_text} · epoch {}", replica.leader_epoch) }
                </div>
                <div class="rl-offsets mono muted">
                    { offsets_line(replica) }
                </div>
            </div>
            // Cells are keyed by offset: as the window slides right, a cell keeps its element and only
            // the offsets entering and leaving the window are created and removed.
            <div class="rl-cells">{ for cells.iter().map(cell) }</div>
        </div>
    }
}

/// `start 0 · HW 41 · LEO 43`, with the last stable offset when transactions wrote here.
fn offsets_line(replica: &ReplicaLogView) -> String {
    let (start, hw, leo) = (replica.log_start_offset, replica.high_watermark, replica.log_end_offset);
    let transactional = replica.batches.iter().any(|b| b.transactional);
    if transactional || replica.last_stable_offset != replica.high_watermark {
        format!("start {start} · LSO {} · HW {hw} · LEO {leo}", replica.last_stable_offset)
    } else {
        format!("start {start} · HW {hw} · LEO {leo}")
    }
}

fn cell(c: &Cell) -> Html {
    let markers = classes!(
        c.segment_start.then_some("seg"),
        c.is_log_start.then_some("log-start"),
        c.is_high_watermark.then_some("hw"),
        c.is_last_stable.then_some("stable"),
        c.is_log_end.then_some("leo"),
    );
    let Some(r) = c.record else {
        let title =
            c.is_log_end.then(|| format!("offset {}: log end offset, the next record goes here", c.offset));
        return html! { <span key={c.offset} class={classes!("rl-cell", "empty", markers)} {title}></span> };
    };
    let class = classes!(
        "rl-cell",
        format!("epoch-{}", r.leader_epoch.rem_euclid(4)),
        (c.offset == r.batch_base_offset).then_some("batch-start"),
        (c.offset == r.batch_last_offset).then_some("batch-end"),
        (!r.committed).then_some("uncommitted"),
        r.divergent.then_some("divergent"),
        r.marker.map(|commit| if commit { "marker commit" } else { "marker abort" }),
        (r.aborted && r.marker.is_none()).then_some("aborted"),
        markers,
    );
    let id = r.record_id.map_or_else(|| "none".to_owned(), |id| id.to_string());
    let transaction = match (r.marker, r.aborted, r.transactional) {
        (Some(true), _, _) => "\nCOMMIT marker: its transaction's records are visible to read_committed",
        (Some(false), _, _) => "\nABORT marker: read_committed consumers skip its transaction's records",
        (None, true, _) => "\nin an aborted transaction: read_committed consumers skip it",
        (None, false, true) => "\nwritten in a transaction",
        (None, false, false) => "",
    };
    let title = format!(
        "offset {}\nrecord id {id}\nbatch {}…{}, leader epoch {}\n{}{}{transaction}",
        c.offset,
        r.batch_base_offset,
        r.batch_last_offset,
        r.leader_epoch,
        if r.committed { "committed (below the high watermark)" } else { "not committed yet" },
        if r.divergent { "\ndiffers from the leader's record at this offset" } else { "" },
    );
    html! { <span key={c.offset} {class} data-testid="log-cell" data-offset={c.offset.to_string()} {title}></span> }
}

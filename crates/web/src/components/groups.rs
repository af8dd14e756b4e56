//! Consumer groups as their coordinators see them: state, generation, assignor, each member's
//! partitions, and per partition the committed offset and the lag (high watermark − committed, as
//! `kafka-consumer-groups.sh --describe` prints it).

use samsa_sim::live::protocol::GroupView;
use yew::prelude::*;

/// Props of [`Groups`].
#[derive(Properties, PartialEq)]
pub struct GroupsProps {
    /// The groups.
    pub groups: Vec<GroupView>,
}

/// The consumer groups panel (nothing when the scenario has no groups).
#[component]
pub fn Groups(props: &GroupsProps) -> Html {
    if props.groups.is_empty() {
        return html! {};
    }
    html! {
        <section class="panel groups" data-testid="groups" aria-label="Consumer groups">
            <h2>{ "Consumer groups" }</h2>
            { for props.groups.iter().map(group_card) }
        </section>
    }
}

fn group_card(group: &GroupView) -> Html {
    let id = group.group_id.as_str();
    let total_lag: i64 = group.partitions.iter().map(|p| p.lag).sum();
    let protocol = if group.protocol.is_empty() { "—" } else { group.protocol.as_str() };
    html! {
        <article class="client-card" key={id.to_owned()} data-testid={format!("group-{id}")}>
            <header class="client-head">
                <h3>{ id }</h3>
                <span class="chip" data-testid={format!("group-{id}-state")}>{ &group.state }</span>
                <span class="chip mono" data-testid={format!("group-{id}-generation")}>
                    { format!("generation {}", group.generation_id) }
                </span>
                <span class="chip">{ protocol }</span>
                <span class="chip">{ format!("coordinator {}", group.coordinator) }</span>
            </header>
            <table class="client-positions mono">
                <thead><tr><th>{ "member" }</th><th>{ "partitions" }</th></tr></thead>
                <tbody>
                    { for group.members.iter().map(|m| {
                        let who = match &m.group_instance_id {
                            Some(instance) => format!("{} ({instance})", m.client),
                            None => m.client.clone(),
                        };
                        let owned = if m.partitions.is_empty() { "idle: no partitions".to_owned() } else { m.partitions.join(" ") };
                        html! {
                            <tr key={m.client.clone()} data-testid={format!("group-{id}-member-{}", m.client)}>
                                <td>{ who }</td><td>{ owned }</td>
                            </tr>
                        }
                    }) }
                </tbody>
            </table>
            <table class="client-positions mono">
                <thead><tr><th>{ "partition" }</th><th>{ "committed" }</th><th>{ "high watermark" }</th><th>{ "lag" }</th></tr></thead>
                <tbody>
                    { for group.partitions.iter().map(|p| html! {
                        <tr key={p.partition.clone()}>
                            <td>{ &p.partition }</td>
                            <td>{ if p.committed < 0 { "-".to_owned() } else { p.committed.to_string() } }</td>
                            <td>{ p.high_watermark }</td>
                            <td class={classes!((p.lag > 0).then_some("lagging"))}>{ p.lag }</td>
                        </tr>
                    }) }
                </tbody>
            </table>
            <p class="mono" data-testid={format!("group-{id}-lag")}>{ format!("total lag {total_lag}") }</p>
        </article>
    }
}

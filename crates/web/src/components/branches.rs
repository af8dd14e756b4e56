//! The session's branches side by side: where each forked, what was done on it, and the checker's
//! counts, with the counts that differ highlighted. Clicking a branch makes it current.

mod compare;

use samsa_sim::live::protocol::BranchView;
use yew::prelude::*;

/// Props of [`Branches`].
#[derive(Properties, PartialEq)]
pub struct BranchesProps {
    /// Every branch (the first is the original run).
    pub branches: Vec<BranchView>,
    /// The current branch's id.
    pub current: u32,
    /// Makes a branch current.
    pub on_switch: Callback<u32>,
}

/// The branches panel.
#[component]
pub fn Branches(props: &BranchesProps) -> Html {
    let differing = compare::differing(&props.branches);
    let forked = props.branches.len() > 1;
    html! {
        <section class="panel branches" data-testid="branches">
            <h2>{ "Branches" }</h2>
            if !forked {
                <p class="hint" data-testid="branches-hint">
                    { "To compare two futures: drag the scrubber back to before something happened, then act \
                       (crash a broker, change acks, …). The run forks there and both branches are listed here." }
                </p>
            }
            <div class="branch-cards">
                { for props.branches.iter().map(|b| card(b, props, &differing)) }
            </div>
        </section>
    }
}

fn card(b: &BranchView, props: &BranchesProps, differing: &[bool; 5]) -> Html {
    let label = &b.label;
    let is_current = b.id == props.current;
    let onclick = {
        let (id, on_switch) = (b.id, props.on_switch.clone());
        Callback::from(move |_: MouseEvent| {
            if !is_current {
                on_switch.emit(id);
            }
        })
    };
    html! {
        <article key={b.id} class={classes!("branch-card", is_current.then_some("current"))}
            data-testid={format!("branch-{label}")} data-current={is_current.to_string()} {onclick}
            title={if is_current { "The current branch" } else { "Switch to this branch" }}>
            <header class="branch-head">
                <h3>{ format!("Branch {label}") }</h3>
                if is_current { <span class="chip">{ "current" }</span> }
            </header>
            <p class="muted branch-origin">
                { compare::origin(b, &props.branches) }
                { format!(" · reached {}", super::format::seconds_ms(b.furthest_ms)) }
            </p>
            <dl class="branch-counts">
                { for compare::counts(&b.checker).into_iter().zip(differing).map(|((key, name, value), &differs)| html! {
                    <div class={classes!(differs.then_some("differs"), (key != "acked" && value > 0).then_some("bad"))}>
                        <dt>{ name }</dt>
                        <dd data-testid={format!("branch-{label}-{key}")}>{ value }</dd>
                    </div>
                }) }
            </dl>
            if !b.actions.is_empty() {
                <ol class="branch-actions">{ for b.actions.iter().map(|a| html! { <li>{ a }</li> }) }</ol>
            }
        </article>
    }
}

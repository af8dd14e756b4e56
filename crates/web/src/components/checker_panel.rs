//! The checker's live counts, green while the run is clean and red once it is not, and each
//! violation with the moment it happened (click to go there).

use samsa_sim::live::protocol::{CheckerView, MAX_VIEW_VIOLATIONS};
use yew::prelude::*;

use super::format::seconds_ms;
use super::timeline::seek_on_click;

/// Props of [`CheckerPanel`].
#[derive(Properties, PartialEq)]
pub struct CheckerPanelProps {
    /// The checker's counts and violations.
    pub checker: CheckerView,
    /// Moves time to a moment (virtual ms).
    pub on_seek: Callback<u64>,
}

/// The checker panel.
#[component]
pub fn CheckerPanel(props: &CheckerPanelProps) -> Html {
    let c = &props.checker;
    let clean = c.lost == 0 && c.duplicated == 0 && c.out_of_order == 0;
    let verdict = if clean { "clean" } else { "violated" };
    html! {
        <section class={classes!("panel", "checker", verdict)} data-testid="checker" data-verdict={verdict}>
            <h2>{ "Checker" }<span class="muted">{ if clean { " — no violations" } else { " — violations found" } }</span></h2>
            <dl class="checker-counts">
                { big("acked", "acked", c.records_acked, None) }
                { big("lost", "lost", c.lost, Some(c.lost == 0)) }
                { big("duplicated", "duplicated", c.duplicated, Some(c.duplicated == 0)) }
                { big("out-of-order", "out of order", c.out_of_order, Some(c.out_of_order == 0)) }
                { big("consumed", "consumed", c.records_consumed, None) }
                { big("sent", "sent", c.records_sent, None) }
            </dl>
            // Observations, not violations: Kafka allows both (reordering without idempotence and with
            // several requests in flight; acks=0 promises nothing).
            if c.reordered > 0 || c.acked_without_offset > 0 {
                <dl class="checker-counts observations" data-testid="checker-observations">
                    if c.reordered > 0 {
                        { note("reordered", "committed out of send order", c.reordered) }
                    }
                    if c.acked_without_offset > 0 {
                        { note("acked-without-offset", "acks=0: sent, no offset", c.acked_without_offset) }
                    }
                </dl>
            }
            if !c.violations.is_empty() {
                <ol class="violations" onclick={seek_on_click(&props.on_seek)}>
                    // The list holds the first violations, so an index stays the same row from frame to frame.
                    { for c.violations.iter().enumerate().map(|(i, v)| html! {
                        <li key={i} class="violation" data-testid="violation" data-t-ms={v.t_ms.to_string()}
                            title="Jump to this moment">
                            <span class="event-time mono">{ seconds_ms(v.t_ms) }</span>
                            <span class="error-name">{ &v.kind }</span>
                            <span class="event-text">{ &v.detail }</span>
                        </li>
                    }) }
                </ol>
                if c.violations.len() >= MAX_VIEW_VIOLATIONS {
                    <p class="hint">{ format!("Showing the first {MAX_VIEW_VIOLATIONS} violations; the counts cover all.") }</p>
                }
            }
        </section>
    }
}

/// One count that breaks no promise but is worth seeing (amber, smaller).
fn note(key: &str, label: &str, value: u64) -> Html {
    html! {
        <div class="checker-count note" title="Kafka allows this: an observation, not a violation">
            <dd data-testid={format!("checker-{key}")}>{ value }</dd>
            <dt>{ label }</dt>
        </div>
    }
}

/// One big number; `ok` colours it (`None`: a plain count, neither good nor bad).
fn big(key: &str, label: &str, value: u64, ok: Option<bool>) -> Html {
    let class = match ok {
        Some(true) => Some("ok"),
        Some(false) => Some("bad"),
        None => None,
    };
    html! {
        <div class={classes!("checker-count", class)}>
            <dd data-testid={format!("checker-{key}")}>{ value }</dd>
            <dt>{ label }</dt>
        </div>
    }
}

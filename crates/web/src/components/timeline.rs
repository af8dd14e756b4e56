//! The trace as a list of events, newest first, filtered by text and category; clicking an event
//! moves time to its moment.

mod filter;

use std::collections::BTreeSet;

use samsa_sim::live::protocol::{EventCategory, EventView};
use web_sys::{Element, HtmlInputElement};
use yew::prelude::*;

use super::format::seconds_ms;
use filter::{category_name, CATEGORIES, MAX_TIMELINE_ROWS};

/// Props of [`Timeline`].
#[derive(Properties, PartialEq)]
pub struct TimelineProps {
    /// The newest trace events up to now, oldest first.
    pub events: Vec<EventView>,
    /// Moves time to a moment (virtual ms).
    pub on_seek: Callback<u64>,
}

/// The timeline.
#[component]
pub fn Timeline(props: &TimelineProps) -> Html {
    let text = use_state(String::new);
    let hidden = use_state(filter::hidden_by_default);
    let oninput = {
        let text = text.clone();
        Callback::from(move |e: InputEvent| {
            let input: HtmlInputElement = e.target_unchecked_into();
            text.set(input.value());
        })
    };
    let rows = filter::visible(&props.events, &text, &hidden, MAX_TIMELINE_ROWS);
    // The newest row drawn last time decides how rows are keyed (see `filter::key_by_event`).
    let previous_newest = use_mut_ref(|| None::<(u64, u32)>);
    let by_event = filter::key_by_event(&rows, *previous_newest.borrow());
    *previous_newest.borrow_mut() = rows.first().map(filter::Row::id);
    html! {
        <section class="panel timeline" data-testid="timeline">
            <header class="panel-head">
                <h2>{ "Timeline" }</h2>
                <input type="text" class="timeline-filter" placeholder="filter: broker-2, orders-0, NOT_ENOUGH…"
                    aria-label="Filter events" data-testid="timeline-filter" value={(*text).clone()} {oninput} />
            </header>
            <div class="timeline-cats">
                { for CATEGORIES.iter().map(|&category| category_box(category, &hidden)) }
            </div>
            if rows.is_empty() {
                <p class="hint">{ "No events match." }</p>
            } else {
                <ol class="timeline-list" onclick={seek_on_click(&props.on_seek)}>
                    { for rows.iter().enumerate().map(|(slot, row)| {
                        let e = row.event;
                        let key = if by_event { format!("{}.{}", e.step, row.rank_in_step) } else { slot.to_string() };
                        html! {
                            <li {key} class="timeline-event"
                                data-testid="timeline-event" data-t-ms={e.t_ms.to_string()}
                                title="Jump to this moment">
                                <span class="event-time mono">{ seconds_ms(e.t_ms) }</span>
                                <span class={classes!("chip", "cat", category_name(e.category))}>
                                    { category_name(e.category) }
                                </span>
                                if let Some(node) = &e.node { <span class="mono muted">{ node }</span> }
                                <span class="event-text">{ &e.text }</span>
                            </li>
                        }
                    }) }
                </ol>
            }
            if rows.len() == MAX_TIMELINE_ROWS {
                <p class="hint">{ format!("Showing the newest {MAX_TIMELINE_ROWS}; filter to find older events.") }</p>
            }
        </section>
    }
}

/// One click listener for a whole list whose rows carry `data-t-ms`: it seeks to the clicked row's
/// moment. The lists re-render every frame, and one listener per row would be re-registered each time.
pub(super) fn seek_on_click(on_seek: &Callback<u64>) -> Callback<MouseEvent> {
    let on_seek = on_seek.clone();
    Callback::from(move |e: MouseEvent| {
        let target: Option<Element> = e.target_dyn_into();
        let row = target.and_then(|t| t.closest("[data-t-ms]").ok().flatten());
        if let Some(t_ms) = row.and_then(|r| r.get_attribute("data-t-ms")).and_then(|t| t.parse().ok()) {
            on_seek.emit(t_ms);
        }
    })
}

/// A category's checkbox: ticked shows its events.
fn category_box(category: EventCategory, hidden: &UseStateHandle<BTreeSet<EventCategory>>) -> Html {
    let name = category_name(category);
    let checked = !hidden.contains(&category);
    let onchange = {
        let hidden = hidden.clone();
        Callback::from(move |_: Event| {
            let mut next = (*hidden).clone();
            if !next.remove(&category) {
                next.insert(category);
            }
            hidden.set(next);
        })
    };
    html! {
        <label class={classes!("timeline-cat", name)}>
            <input type="checkbox" {checked} {onchange} data-testid={format!("timeline-cat-{name}")} />
            { name }
        </label>
    }
}

//! The network's faults: cut or heal the link between any two nodes, heal everything, the latency
//! range and the drop rate. Values are checked here before they are sent (a number where one is
//! needed); the simulation's own refusals show beside the field they name.

use samsa_sim::live::protocol::{NetworkView, UserAction};
use web_sys::{HtmlInputElement, HtmlSelectElement};
use yew::prelude::*;

use crate::state::live::LinkEnd;

/// Props of [`NetworkControls`].
#[derive(Properties, PartialEq)]
pub struct NetworkControlsProps {
    /// Every node's name, for the link selects.
    pub nodes: Vec<String>,
    /// The two nodes the link selects show.
    pub link: (String, String),
    /// The network now.
    pub network: NetworkView,
    /// The last refusal naming one of these controls' fields: (field, message).
    pub refused: Option<(String, String)>,
    /// Faults go here.
    pub on_action: Callback<UserAction>,
    /// A link select changed.
    pub on_link_end: Callback<(LinkEnd, String)>,
}

/// The network controls.
#[component]
pub fn NetworkControls(props: &NetworkControlsProps) -> Html {
    let net = &props.network;
    let latency_min = use_state(|| net.latency_min_ms.to_string());
    let latency_max = use_state(|| net.latency_max_ms.to_string());
    let drop_rate = use_state(|| net.drop_rate.to_string());
    let page_error = use_state(|| None::<(&'static str, String)>);
    let (a, b) = props.link.clone();
    let link_action = |make: fn(String, String) -> UserAction| {
        let (on_action, a, b, page_error) =
            (props.on_action.clone(), a.clone(), b.clone(), page_error.clone());
        Callback::from(move |_: MouseEvent| {
            if a == b {
                page_error.set(Some(("link", "pick two different nodes".to_owned())));
            } else {
                page_error.set(None);
                on_action.emit(make(a.clone(), b.clone()));
            }
        })
    };
    let on_latency = {
        let (on_action, min, max, page_error) =
            (props.on_action.clone(), latency_min.clone(), latency_max.clone(), page_error.clone());
        Callback::from(move |_: MouseEvent| match parse_latency(&min, &max) {
            Ok((min_ms, max_ms)) => {
                page_error.set(None);
                on_action.emit(UserAction::SetLatency { min_ms, max_ms });
            }
            Err(e) => page_error.set(Some(("latency", e))),
        })
    };
    let on_drop = {
        let (on_action, rate, page_error) = (props.on_action.clone(), drop_rate.clone(), page_error.clone());
        Callback::from(move |_: MouseEvent| match parse_drop_rate(&rate) {
            Ok(rate) => {
                page_error.set(None);
                on_action.emit(UserAction::SetDropRate { rate });
            }
            Err(e) => page_error.set(Some(("drop", e))),
        })
    };
    let error_for = |group: &str, fields: &[&str]| -> Option<String> {
        if let Some((g, message)) = &*page_error {
            if *g == group {
                return Some(message.clone());
            }
        }
        props.refused.as_ref().filter(|(f, _)| fields.contains(&f.as_str())).map(|(_, m)| m.clone())
    };
    let heal_all = {
        let on_action = props.on_action.clone();
        Callback::from(move |_: MouseEvent| on_action.emit(UserAction::HealAll))
    };
    html! {
        <section class="panel network" aria-label="network">
            <h2>{ "Network" }</h2>
            <div class="field-row">
                { node_select("link-a", "link between", &props.nodes, &a, LinkEnd::A, &props.on_link_end) }
                { node_select("link-b", "and", &props.nodes, &b, LinkEnd::B, &props.on_link_end) }
            </div>
            <div class="button-row">
                <button class="danger" data-testid="link-cut" onclick={link_action(|a, b| UserAction::Cut { a, b })}>
                    { "✂ Cut" }</button>
                <button data-testid="link-heal" onclick={link_action(|a, b| UserAction::Heal { a, b })}>
                    { "Heal" }</button>
                <button data-testid="heal-all" onclick={heal_all}>{ "Heal all" }</button>
            </div>
            { error_line("link-error", error_for("link", &["a", "b", "node"])) }
            { fault_list(net) }
            <div class="field-row">
                { number_input("latency-min", "latency min (ms)", &latency_min) }
                { number_input("latency-max", "max (ms)", &latency_max) }
                <button data-testid="latency-apply" onclick={on_latency}>{ "Apply" }</button>
            </div>
            { error_line("latency-error", error_for("latency", &["min_ms", "max_ms"])) }
            <div class="field-row">
                { number_input("drop-rate", "drop rate (0–1)", &drop_rate) }
                <button data-testid="drop-apply" onclick={on_drop}>{ "Apply" }</button>
            </div>
            { error_line("drop-error", error_for("drop", &["rate"])) }
            <p class="muted small">
                { format!("now: {}–{} ms one way, drop rate {}, {} messages in flight",
                    net.latency_min_ms, net.latency_max_ms, net.drop_rate, net.in_flight_messages) }
            </p>
        </section>
    }
}

fn node_select(
    testid: &'static str,
    label: &'static str,
    nodes: &[String],
    selected: &str,
    end: LinkEnd,
    on_link_end: &Callback<(LinkEnd, String)>,
) -> Html {
    let onchange = {
        let on_link_end = on_link_end.clone();
        Callback::from(move |e: Event| {
            let select: HtmlSelectElement = e.target_unchecked_into();
            on_link_end.emit((end, select.value()));
        })
    };
    html! {
        <label class="field">
            <span class="field-label">{ label }</span>
            <select data-testid={testid} {onchange}>
                { for nodes.iter().map(|n| html! {
                    <option key={n.clone()} value={n.clone()} selected={n == selected}>{ n }</option>
                }) }
            </select>
        </label>
    }
}

fn number_input(testid: &'static str, label: &'static str, state: &UseStateHandle<String>) -> Html {
    let oninput = {
        let state = state.clone();
        Callback::from(move |e: InputEvent| {
            let input: HtmlInputElement = e.target_unchecked_into();
            state.set(input.value());
        })
    };
    html! {
        <label class="field">
            <span class="field-label">{ label }</span>
            <input data-testid={testid} class="mono narrow" type="text" inputmode="decimal"
                value={(**state).clone()} {oninput} />
        </label>
    }
}

fn error_line(testid: &'static str, message: Option<String>) -> Html {
    match message {
        Some(message) => html! { <p class="inline-error" role="alert" data-testid={testid}>{ message }</p> },
        None => html! {},
    }
}

fn fault_list(net: &NetworkView) -> Html {
    if net.cut_links.is_empty() && net.isolated.is_empty() {
        return html! { <p class="muted small" data-testid="no-faults">{ "✓ every link is up" }</p> };
    }
    html! {
        <ul class="fault-list">
            { for net.cut_links.iter().map(|(a, b)| html! {
                <li key={format!("{a}|{b}")} data-testid="cut-link">{ format!("✂ {a} ⇹ {b} cut") }</li>
            }) }
            { for net.isolated.iter().map(|n| html! {
                <li key={format!("iso-{n}")} data-testid="isolated-node">{ format!("⛓ {n} isolated") }</li>
            }) }
        </ul>
    }
}

/// The latency range as typed: whole milliseconds, min ≤ max.
pub fn parse_latency(min: &str, max: &str) -> Result<(u64, u64), String> {
    let parse = |name: &str, text: &str| {
        text.trim()
            .parse::<u64>()
            .map_err(|_| format!("{name}: `{text}` is not a whole number of milliseconds"))
    };
    let (min_ms, max_ms) = (parse("min_ms", min)?, parse("max_ms", max)?);
    if min_ms > max_ms {
        return Err(format!("min_ms: {min_ms} is above max_ms {max_ms}"));
    }
    Ok((min_ms, max_ms))
}

/// The drop rate as typed: a probability in [0, 1].
pub fn parse_drop_rate(text: &str) -> Result<f64, String> {
    match text.trim().parse::<f64>() {
        Ok(rate) if (0.0..=1.0).contains(&rate) => Ok(rate),
        _ => Err(format!("rate: `{text}` is not a probability between 0 and 1")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn latency_and_drop_rate_are_checked_before_sending() {
        assert_eq!(parse_latency("5", " 20 "), Ok((5, 20)));
        assert!(parse_latency("20", "5").unwrap_err().contains("above"));
        assert!(parse_latency("x", "5").unwrap_err().starts_with("min_ms"));
        assert!(parse_latency("1", "-5").unwrap_err().starts_with("max_ms"));
        assert_eq!(parse_drop_rate("0.25"), Ok(0.25));
        for bad in ["1.5", "-0.1", "NaN", "lots"] {
            assert!(parse_drop_rate(bad).is_err(), "{bad}");
        }
    }
}

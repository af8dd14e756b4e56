//! A card per producer and consumer: configs by Kafka's names (editable, checked on the page with
//! samsa-core's parsers before they are sent) and what the client has done so far. The producer's card
//! is [`super::producer_panel`]; the config fields both kinds share are here.

pub(crate) mod validate;

use samsa_sim::live::protocol::{ConfigEntry, ConsumerView, NodeState, ProducerView, UserAction};
use web_sys::HtmlInputElement;
use yew::prelude::*;

use super::producer_panel::ProducerCard;
use validate::ClientKind;

/// Props of [`Clients`].
#[derive(Properties, PartialEq)]
pub struct ClientsProps {
    /// Every producer.
    pub producers: Vec<ProducerView>,
    /// Every consumer.
    pub consumers: Vec<ConsumerView>,
    /// The worker's latest refusal of a config edit, as `(field, message)`: the field is
    /// `client-1/acks` (shown on that client's field) or a bare config name like `acks` (shown on
    /// every client's field of that name).
    pub refused: Option<(String, String)>,
    /// Where edits go.
    pub on_action: Callback<UserAction>,
}

/// The producers' and consumers' cards.
#[component]
pub fn Clients(props: &ClientsProps) -> Html {
    html! {
        <section class="panel clients" data-testid="clients">
            <h2>{ "Clients" }</h2>
            if props.producers.is_empty() && props.consumers.is_empty() {
                <p class="hint">{ "This scenario has no clients." }</p>
            }
            if let Some((field, message)) = unplaced_refusal(props) {
                <p class="inline-error" role="alert" data-testid="clients-error">
                    <span class="error-name">{ field }</span>{ " " }{ message }
                </p>
            }
            <div class="client-cards">
                { for props.producers.iter().map(|p| html! {
                    <ProducerCard key={p.client.clone()} producer={p.clone()}
                        refused={refusal_for(&props.refused, &p.client)} on_action={props.on_action.clone()} />
                }) }
                { for props.consumers.iter().map(|c| html! {
                    <ConsumerCard key={c.client.clone()} consumer={c.clone()}
                        refused={refusal_for(&props.refused, &c.client)} on_action={props.on_action.clone()} />
                }) }
            </div>
        </section>
    }
}

/// The refusal if no client's config field can show it (e.g. a bad rate or an unknown client).
fn unplaced_refusal(props: &ClientsProps) -> Option<&(String, String)> {
    let refused = props.refused.as_ref()?;
    let shows = |client: &str, configs: &[ConfigEntry]| {
        refusal_for(&props.refused, client).is_some_and(|(name, _)| configs.iter().any(|e| e.name == name))
    };
    let placed = props.producers.iter().any(|p| shows(&p.client, &p.configs))
        || props.consumers.iter().any(|c| shows(&c.client, &c.configs));
    (!placed).then_some(refused)
}

/// The refusal as `(config name, message)` if it concerns `client`.
fn refusal_for(refused: &Option<(String, String)>, client: &str) -> Option<(String, String)> {
    let (field, message) = refused.as_ref()?;
    let name = match field.split_once('/') {
        Some((who, name)) if who == client => name,
        Some(_) => return None,
        None => field.as_str(),
    };
    Some((name.to_owned(), message.clone()))
}

/// A refused edit: which config, the value typed, and Kafka's error text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct LocalError {
    name: String,
    value: String,
    message: String,
}

/// The submit handler of one client's config fields: edits are checked here first; a value the core
/// refuses shows its error and is not sent. Made again only when the client's configs change, so the
/// fields (whose props include it) are not re-rendered by every view that only moves the counts.
#[hook]
pub(crate) fn use_config_submit(
    client: &str,
    kind: ClientKind,
    configs: &[ConfigEntry],
    local_error: &UseStateHandle<Option<LocalError>>,
    on_action: &Callback<UserAction>,
) -> Callback<(String, String)> {
    let local_error = local_error.clone();
    use_callback(
        (client.to_owned(), configs.to_vec(), on_action.clone()),
        move |(name, value): (String, String), (client, configs, on_action)| match validate::check(
            kind, configs, &name, &value,
        ) {
            Ok(()) => {
                local_error.set(None);
                on_action.emit(UserAction::SetClientConfig { client: client.clone(), name, value });
            }
            Err(message) => local_error.set(Some(LocalError { name, value, message })),
        },
    )
}

/// The configs of one client, each editable if samsa-core knows it.
pub(crate) fn config_rows(
    client: &str,
    kind: ClientKind,
    configs: &[ConfigEntry],
    local_error: &UseStateHandle<Option<LocalError>>,
    refused: &Option<(String, String)>,
    on_submit: &Callback<(String, String)>,
) -> Html {
    html! {
        <div class="client-configs">
            { for configs.iter().map(|entry| {
                let local = local_error.as_ref().filter(|e| e.name == entry.name);
                let error = local.map(|e| e.message.clone()).or_else(|| {
                    refused.as_ref().filter(|(name, _)| *name == entry.name).map(|(_, m)| m.clone())
                });
                html! {
                    <ConfigField key={entry.name.clone()} client={client.to_owned()} name={entry.name.clone()}
                        value={local.map_or_else(|| entry.value.clone(), |e| e.value.clone())}
                        editable={kind.knows(&entry.name)} {error} on_submit={on_submit.clone()} />
                }
            }) }
        </div>
    }
}

/// Props of [`ConfigField`].
#[derive(Properties, PartialEq)]
pub struct ConfigFieldProps {
    /// The client, e.g. `client-1`.
    pub client: AttrValue,
    /// Kafka's config name.
    pub name: AttrValue,
    /// The value shown when the person is not typing.
    pub value: AttrValue,
    /// Whether the core knows the config (others are shown read-only).
    pub editable: bool,
    /// Kafka's error text for the last refused value, if any.
    pub error: Option<AttrValue>,
    /// `(name, value)` on Enter or apply.
    pub on_submit: Callback<(String, String)>,
}

/// One config: name, value field, apply button, and the inline error.
#[component]
pub fn ConfigField(props: &ConfigFieldProps) -> Html {
    // What the person is typing; `None` shows the value from the props.
    let draft = use_state(|| None::<String>);
    let id = format!("{}-{}", props.client, props.name);
    if !props.editable {
        return html! {
            <div class="client-config">
                <span class="mono config-name">{ &props.name }</span>
                <span class="mono muted" data-testid={format!("config-{id}")}>{ &props.value }</span>
            </div>
        };
    }
    let shown = (*draft).clone().unwrap_or_else(|| props.value.to_string());
    let oninput = {
        let draft = draft.clone();
        Callback::from(move |e: InputEvent| {
            let input: HtmlInputElement = e.target_unchecked_into();
            draft.set(Some(input.value()));
        })
    };
    let onsubmit = {
        let draft = draft.clone();
        let on_submit = props.on_submit.clone();
        let name = props.name.to_string();
        let shown = shown.clone();
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            on_submit.emit((name.clone(), shown.clone()));
            draft.set(None);
        })
    };
    let invalid = props.error.is_some();
    html! {
        <form class="client-config" {onsubmit}>
            <label class="mono config-name" for={format!("cfg-{id}")}>{ &props.name }</label>
            <div class="config-input">
                <input id={format!("cfg-{id}")} type="text" spellcheck="false" autocomplete="off"
                    class={classes!("mono", invalid.then_some("invalid"))} aria-invalid={invalid.to_string()}
                    data-testid={format!("config-{id}")} value={shown} {oninput} />
                <button type="submit" class="ghost" data-testid={format!("config-apply-{id}")}>{ "Apply" }</button>
            </div>
            if let Some(error) = &props.error {
                <p class="inline-error" role="alert" data-testid={format!("config-error-{id}")}>
                    <span class="error-name">{ "ConfigException" }</span>{ " " }{ error }
                </p>
            }
        </form>
    }
}

/// Props of [`ConsumerCard`].
#[derive(Properties, PartialEq)]
pub struct ConsumerCardProps {
    /// The consumer.
    pub consumer: ConsumerView,
    /// A refusal concerning this client: `(config name, message)`.
    pub refused: Option<(String, String)>,
    /// Where edits go.
    pub on_action: Callback<UserAction>,
}

/// One consumer: counts, position and lag per partition, configs.
#[component]
pub fn ConsumerCard(props: &ConsumerCardProps) -> Html {
    let local_error = use_state(|| None::<LocalError>);
    let c = &props.consumer;
    let client = c.client.as_str();
    let on_submit =
        use_config_submit(client, ClientKind::Consumer, &c.configs, &local_error, &props.on_action);
    let configs =
        config_rows(client, ClientKind::Consumer, &c.configs, &local_error, &props.refused, &on_submit);
    html! {
        <article class={classes!("client-card", state_class(c.state))} data-testid={format!("consumer-{client}")}>
            <header class="client-head">
                <h3>{ client }</h3>
                <span class="chip">{ "consumer" }</span>
                <span class={classes!("state-pill", state_class(c.state))}>{ state_class(c.state) }</span>
            </header>
            <dl class="client-counts">{ count(client, "consumed", "consumed", c.records_consumed) }</dl>
            if let Some(g) = &c.group {
                <p class="mono client-group" data-testid={format!("{client}-group")}>
                    { format!(
                        "group {} · {} · generation {}{}",
                        g.group_id,
                        g.state,
                        g.generation_id,
                        if g.leader { " · leader" } else { "" }
                    ) }
                </p>
            }
            if !c.partitions.is_empty() {
                <table class="client-positions mono">
                    <thead><tr><th>{ "partition" }</th><th>{ "position" }</th><th>{ "lag" }</th></tr></thead>
                    <tbody>
                        { for c.partitions.iter().map(|p| {
                            let name = format!("{}-{}", p.partition.topic, p.partition.partition);
                            html! {
                                <tr key={name.clone()} data-testid={format!("{client}-lag-{name}")}>
                                    <td>{ &name }</td><td>{ p.position }</td>
                                    <td class={classes!((p.lag > 0).then_some("lagging"))}>{ p.lag }</td>
                                </tr>
                            }
                        }) }
                    </tbody>
                </table>
            }
            { configs }
        </article>
    }
}

pub(crate) fn state_class(state: NodeState) -> &'static str {
    match state {
        NodeState::Up => "up",
        NodeState::Paused => "paused",
        NodeState::Down => "down",
    }
}

pub(crate) fn count(client: &str, key: &str, label: &str, value: u64) -> Html {
    html! {
        <div>
            <dt>{ label }</dt>
            <dd data-testid={format!("{client}-{key}")}>{ value }</dd>
        </div>
    }
}

#[cfg(test)]
mod tests {
    use super::refusal_for;

    fn refused(field: &str) -> Option<(String, String)> {
        Some((field.to_owned(), "Invalid value 2 for configuration acks".to_owned()))
    }

    #[test]
    fn a_refusal_naming_a_client_shows_only_on_that_client() {
        let r = refused("client-1/acks");
        assert_eq!(refusal_for(&r, "client-1").map(|(name, _)| name), Some("acks".to_owned()));
        assert_eq!(refusal_for(&r, "client-2"), None);
    }

    #[test]
    fn a_bare_config_name_shows_on_every_client() {
        let r = refused("acks");
        assert_eq!(refusal_for(&r, "client-1").map(|(name, _)| name), Some("acks".to_owned()));
        assert_eq!(refusal_for(&r, "client-7").map(|(name, _)| name), Some("acks".to_owned()));
        assert_eq!(refusal_for(&None, "client-1"), None);
    }
}

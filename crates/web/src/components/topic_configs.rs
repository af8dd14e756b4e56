//! Topic configs editable by Kafka's names; the core parses each value and its error shows inline.

use web_sys::HtmlInputElement;
use yew::prelude::*;

use crate::state::{Action, ConfigRejection, Playground};

/// One config as the table shows it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConfigRow {
    /// Kafka's name, e.g. `max.message.bytes`.
    pub name: &'static str,
    /// Current value as the core prints it.
    pub value: String,
    /// The last refused value and why, if the latest attempt failed.
    pub rejection: Option<ConfigRejection>,
    /// A short note on why the demo's value differs from Kafka's, if it does.
    pub note: Option<&'static str>,
}

/// Props of [`TopicConfigs`].
#[derive(Properties, PartialEq)]
pub struct TopicConfigsProps {
    /// The configs to show.
    pub rows: Vec<ConfigRow>,
    /// Where edits go.
    pub dispatch: UseReducerDispatcher<Playground>,
}

/// The list of editable topic configs.
#[component]
pub fn TopicConfigs(props: &TopicConfigsProps) -> Html {
    html! {
        <section class="panel topic-configs">
            <h2>{ "Topic configs" }</h2>
            <p class="hint">{ "Type a value and press Enter; samsa-core parses it exactly as Kafka's config validation would." }</p>
            { for props.rows.iter().map(|row| html! {
                <ConfigField key={row.name} row={row.clone()} dispatch={props.dispatch.clone()} />
            }) }
        </section>
    }
}

/// Props of [`ConfigField`].
#[derive(Properties, PartialEq)]
pub struct ConfigFieldProps {
    /// The config.
    pub row: ConfigRow,
    /// Where edits go.
    pub dispatch: UseReducerDispatcher<Playground>,
}

/// One config: its name, a field holding the value, and the core's error if it refused one.
#[component]
pub fn ConfigField(props: &ConfigFieldProps) -> Html {
    // What the user is typing; `None` shows the model's value (or the refused text).
    let draft = use_state(|| None::<String>);
    let row = &props.row;
    let shown = (*draft)
        .clone()
        .or_else(|| row.rejection.as_ref().map(|r| r.value.clone()))
        .unwrap_or_else(|| row.value.clone());
    let oninput = {
        let draft = draft.clone();
        Callback::from(move |e: InputEvent| {
            let input: HtmlInputElement = e.target_unchecked_into();
            draft.set(Some(input.value()));
        })
    };
    let onsubmit = {
        let draft = draft.clone();
        let dispatch = props.dispatch.clone();
        let name = row.name;
        let shown = shown.clone();
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            dispatch.dispatch(Action::SetTopicConfig { name: name.to_owned(), value: shown.clone() });
            draft.set(None);
        })
    };
    let id = format!("config-{}", row.name.replace('.', "-"));
    let invalid = row.rejection.is_some();
    html! {
        <form class="config-row" {onsubmit} data-testid={format!("config-row-{}", row.name)}>
            <label class="mono config-name" for={id.clone()}>{ row.name }</label>
            <div class="config-input">
                <input id={id} type="text" inputmode="numeric" spellcheck="false" autocomplete="off"
                    class={classes!("mono", invalid.then_some("invalid"))} aria-invalid={invalid.to_string()}
                    data-testid={format!("config-input-{}", row.name)} value={shown} {oninput} />
                <button type="submit" class="ghost" data-testid={format!("config-set-{}", row.name)}>{ "Set" }</button>
            </div>
            if let Some(rejection) = &row.rejection {
                <p class="inline-error" role="alert" data-testid={format!("config-error-{}", row.name)}>
                    <span class="error-name">{ rejection.error.name }</span>{ " " }{ &rejection.error.message }
                </p>
            }
            if let Some(note) = row.note {
                <p class="hint">{ note }</p>
            }
        </form>
    }
}

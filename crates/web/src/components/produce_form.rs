//! The producer: a key and a value, sent as one record in its own batch.

use web_sys::HtmlInputElement;
use yew::prelude::*;

use crate::state::{Action, Playground};

/// Props of [`ProduceForm`].
#[derive(Properties, PartialEq)]
pub struct ProduceFormProps {
    /// Where produce requests go.
    pub dispatch: UseReducerDispatcher<Playground>,
}

/// Key and value fields and a "Produce" button. The fields keep their text so a record can be sent
/// again with one click.
#[component]
pub fn ProduceForm(props: &ProduceFormProps) -> Html {
    let key = use_state(String::new);
    let value = use_state(|| "hello".to_owned());
    let on_key = text_setter(&key);
    let on_value = text_setter(&value);
    let onsubmit = {
        let (key, value, dispatch) = (key.clone(), value.clone(), props.dispatch.clone());
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            dispatch.dispatch(Action::Produce { key: (*key).clone(), value: (*value).clone() });
        })
    };
    html! {
        <form class="produce-form" {onsubmit}>
            <h2>{ "Produce a record" }</h2>
            <div class="field">
                <label class="field-label" for="produce-key">{ "key" }</label>
                <input id="produce-key" data-testid="produce-key" type="text" class="mono" spellcheck="false"
                    autocomplete="off" placeholder="empty = null key" value={(*key).clone()}
                    oninput={on_key} />
            </div>
            <div class="field">
                <label class="field-label" for="produce-value">{ "value" }</label>
                <input id="produce-value" data-testid="produce-value" type="text" class="mono" spellcheck="false"
                    autocomplete="off" value={(*value).clone()} oninput={on_value} />
            </div>
            <button type="submit" class="primary" data-testid="produce-submit">{ "Produce" }</button>
        </form>
    }
}

fn text_setter(state: &UseStateHandle<String>) -> Callback<InputEvent> {
    let state = state.clone();
    Callback::from(move |e: InputEvent| {
        let input: HtmlInputElement = e.target_unchecked_into();
        state.set(input.value());
    })
}

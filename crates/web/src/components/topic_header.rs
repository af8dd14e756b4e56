//! The topic's name, editable; an invalid name shows Kafka's `INVALID_TOPIC_EXCEPTION` inline.

use web_sys::HtmlInputElement;
use yew::prelude::*;

use crate::state::{Action, KafkaError, Playground, PARTITION_COUNT};

/// Props of [`TopicHeader`].
#[derive(Properties, PartialEq)]
pub struct TopicHeaderProps {
    /// The name as typed.
    pub name: AttrValue,
    /// Why it is invalid, if it is.
    pub error: Option<KafkaError>,
    /// Where edits go.
    pub dispatch: UseReducerDispatcher<Playground>,
}

/// The topic name field and its validation message.
#[component]
pub fn TopicHeader(props: &TopicHeaderProps) -> Html {
    let oninput = {
        let dispatch = props.dispatch.clone();
        Callback::from(move |e: InputEvent| {
            let input: HtmlInputElement = e.target_unchecked_into();
            dispatch.dispatch(Action::SetTopicName(input.value()));
        })
    };
    let invalid = props.error.is_some();
    html! {
        <section class="panel topic-header">
            <label class="field-label" for="topic-name">{ "Topic" }</label>
            <div class="topic-name-row">
                <input id="topic-name" data-testid="topic-name-input" type="text" spellcheck="false"
                    autocomplete="off" class={classes!("mono", invalid.then_some("invalid"))}
                    aria-invalid={invalid.to_string()} value={props.name.clone()} {oninput} />
                <span class="chip">{ format!("{PARTITION_COUNT} partitions") }</span>
                <span class="chip">{ "replication factor 1" }</span>
            </div>
            if let Some(error) = &props.error {
                <p class="inline-error" data-testid="topic-name-error" role="alert">
                    <span class="error-name">{ error.name }</span>{ " " }{ &error.message }
                </p>
            }
        </section>
    }
}

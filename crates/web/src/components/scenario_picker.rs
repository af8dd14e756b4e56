//! Choose what runs: an embedded scenario (a compact list by name, with the selected file's summary
//! line under it) and a seed, or a scenario pasted as text. A scenario that does not load leaves the
//! running one alone and shows why here (the field path and line).

use samsa_sim::live::protocol::ScenarioInfo;
use web_sys::{HtmlInputElement, HtmlSelectElement, HtmlTextAreaElement};
use yew::prelude::*;

use crate::scenarios::{self, EMBEDDED_SCENARIOS};

/// Props of [`ScenarioPicker`].
#[derive(Properties, PartialEq)]
pub struct ScenarioPickerProps {
    /// The embedded scenario selected at first (the URL's, or the default).
    pub initial: AttrValue,
    /// The scenario running, once one is.
    pub current: Option<ScenarioInfo>,
    /// Why the last load failed (or what was wrong with the URL).
    pub error: Option<String>,
    /// Load this scenario text with this seed (`None`: the file's).
    pub on_load: Callback<(String, Option<u64>)>,
}

/// The scenario picker.
#[component]
pub fn ScenarioPicker(props: &ScenarioPickerProps) -> Html {
    let selected = use_state(|| props.initial.to_string());
    let seed = use_state(String::new);
    let pasted = use_state(String::new);
    let seed_error = use_state(|| None::<String>);
    // The seed field applies to both loads: empty means the file's own seed.
    let load_with = |from_text: bool| {
        let (selected, seed, seed_error, on_load) =
            (selected.clone(), seed.clone(), seed_error.clone(), props.on_load.clone());
        let pasted = pasted.clone();
        Callback::from(move |_: MouseEvent| {
            let seed_value = match seed.trim() {
                "" => None,
                typed => match scenarios::parse_seed(typed) {
                    Ok(value) => Some(value),
                    Err(e) => return seed_error.set(Some(e)),
                },
            };
            seed_error.set(None);
            let toml = if from_text {
                (*pasted).clone()
            } else {
                scenarios::find(&selected).unwrap_or_default().to_owned()
            };
            on_load.emit((toml, seed_value));
        })
    };
    let on_select = {
        let selected = selected.clone();
        Callback::from(move |e: Event| selected.set(e.target_unchecked_into::<HtmlSelectElement>().value()))
    };
    let on_seed = {
        let seed = seed.clone();
        Callback::from(move |e: InputEvent| seed.set(e.target_unchecked_into::<HtmlInputElement>().value()))
    };
    let on_paste = {
        let pasted = pasted.clone();
        Callback::from(move |e: InputEvent| {
            pasted.set(e.target_unchecked_into::<HtmlTextAreaElement>().value())
        })
    };
    let error = (*seed_error).clone().or_else(|| props.error.clone());
    html! {
        <section class="panel scenario-picker" aria-label="scenario">
            <h2>{ "Scenario" }</h2>
            if let Some(info) = &props.current {
                <p class="scenario-now">
                    <strong>{ &info.name }</strong>{ format!(" · seed {}", info.seed) }
                    <br /><span class="muted small">{ &info.description }</span>
                </p>
            }
            <div class="field-row">
                <label class="field">
                    <span class="field-label">{ "embedded" }</span>
                    <select data-testid="scenario-select" onchange={on_select}>
                        { for EMBEDDED_SCENARIOS.iter().map(|(name, _)| html! {
                            <option key={*name} value={*name} selected={*name == selected.as_str()}>{ *name }</option>
                        }) }
                    </select>
                </label>
                <label class="field">
                    <span class="field-label">{ "seed" }</span>
                    <input data-testid="seed-input" class="mono narrow" type="text" inputmode="numeric"
                        placeholder="file's" value={(*seed).clone()} oninput={on_seed} />
                </label>
                <button data-testid="load" onclick={load_with(false)}>{ "Load" }</button>
            </div>
            if let Some(line) = scenarios::summary(&selected) {
                <p class="muted small scenario-summary" data-testid="scenario-summary">{ line }</p>
            }
            <details class="paste">
                <summary>{ "…or paste a scenario file" }</summary>
                <textarea data-testid="scenario-text" class="mono" rows="8" spellcheck="false"
                    placeholder="[cluster]\nbrokers = 3\n…" value={(*pasted).clone()} oninput={on_paste} />
                <button data-testid="load-text" onclick={load_with(true)}>{ "Load text" }</button>
            </details>
            if let Some(message) = error {
                <pre class="inline-error" role="alert" data-testid="scenario-error">{ message }</pre>
            }
        </section>
    }
}

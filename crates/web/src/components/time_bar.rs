//! Time: play/pause, one step, the speed, a scrubber over the branch's past, and the moment now.
//! Scrubbing back shows that an action there forks a new branch.

use samsa_sim::live::protocol::TimeView;
use web_sys::{HtmlInputElement, HtmlSelectElement};
use yew::prelude::*;

use super::format;
use crate::state::live::{speed_label, DEFAULT_SPEED_INDEX, SPEEDS};

/// Props of [`TimeBar`].
#[derive(Properties, PartialEq)]
pub struct TimeBarProps {
    /// Where the view is (None before the first view).
    pub time: Option<TimeView>,
    /// Whether the play loop runs.
    pub playing: bool,
    /// The speed's index in [`SPEEDS`].
    pub speed_index: usize,
    /// A refusal about time (`t_ms`, `virtual_ms`) or with no field, to show here.
    pub refused: Option<String>,
    /// Play/pause.
    pub on_toggle: Callback<()>,
    /// One step.
    pub on_step: Callback<()>,
    /// A speed chosen by index.
    pub on_speed: Callback<usize>,
    /// Go to a moment.
    pub on_seek: Callback<u64>,
}

/// The time bar.
#[component]
pub fn TimeBar(props: &TimeBarProps) -> Html {
    let ready = props.time.is_some();
    let (t_ms, furthest_ms, step, hash) = props
        .time
        .as_ref()
        .map_or((0, 0, 0, String::new()), |t| (t.t_ms, t.furthest_ms, t.step, t.trace_hash.clone()));
    let onclick_play = props.on_toggle.reform(|_: MouseEvent| ());
    let onclick_step = props.on_step.reform(|_: MouseEvent| ());
    // Options carry the speed itself (`0.1`, `10`, …) so a test or a person can pick one by value.
    let onchange_speed = props.on_speed.reform(|e: Event| {
        let select: HtmlSelectElement = e.target_unchecked_into();
        speed_index_of(&select.value())
    });
    let on_seek = props.on_seek.clone();
    let oninput_scrub = Callback::from(move |e: InputEvent| {
        let input: HtmlInputElement = e.target_unchecked_into();
        if let Ok(t_ms) = input.value().parse::<u64>() {
            on_seek.emit(t_ms);
        }
    });
    let in_past = t_ms < furthest_ms;
    html! {
        <section class="time-bar" aria-label="time controls">
            // The icon is CSS (::before), so the button's text is exactly Play or Pause.
            <button class={classes!("primary", "play", props.playing.then_some("playing"))} data-testid="play"
                disabled={!ready} onclick={onclick_play} title="Space">
                { if props.playing { "Pause" } else { "Play" } }
            </button>
            <button data-testid="step" disabled={!ready} onclick={onclick_step} title="one event (→)">{ "Step" }</button>
            <label class="speed">
                <span class="field-label">{ "speed" }</span>
                <select data-testid="speed" onchange={onchange_speed} title="slower [ · faster ]">
                    { for SPEEDS.iter().enumerate().map(|(i, s)| html! {
                        <option value={s.to_string()} selected={i == props.speed_index}>{ speed_label(*s) }</option>
                    }) }
                </select>
            </label>
            <input class="scrubber" data-testid="scrubber" type="range" min="0" max={furthest_ms.to_string()}
                step="1" value={t_ms.to_string()} disabled={!ready} oninput={oninput_scrub}
                aria-label="time: drag back to rewind" />
            <span class="time mono" data-testid="time">{ format!("t = {}", format::seconds_ms(t_ms)) }</span>
            <span class="muted small mono" title={format!("trace hash {hash}")}>{ format!("step {step}") }</span>
            if in_past {
                <p class="fork-hint" data-testid="fork-hint">
                    { format!("⑂ You are {} back in time: actions here fork a new branch.",
                        format::seconds_ms(furthest_ms - t_ms)) }
                </p>
            }
            if let Some(message) = &props.refused {
                <p class="inline-error" role="alert" data-testid="time-error">{ message }</p>
            }
        </section>
    }
}

/// The index in [`SPEEDS`] of a speed as an option's value (`"0.1"`, `"10"`); 1× if unknown.
pub fn speed_index_of(value: &str) -> usize {
    let Ok(speed) = value.trim().parse::<f64>() else { return DEFAULT_SPEED_INDEX };
    SPEEDS.iter().position(|s| (s - speed).abs() < 1e-9).unwrap_or(DEFAULT_SPEED_INDEX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn speed_options_are_picked_by_their_value() {
        let values: Vec<String> = SPEEDS.iter().map(f64::to_string).collect();
        assert_eq!(values, ["0.1", "0.5", "1", "2", "5", "10", "100", "1000"]);
        for (index, value) in values.iter().enumerate() {
            assert_eq!(speed_index_of(value), index);
        }
        assert_eq!(speed_index_of("3"), DEFAULT_SPEED_INDEX);
        assert_eq!(speed_index_of("fast"), DEFAULT_SPEED_INDEX);
    }
}

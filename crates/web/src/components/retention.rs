//! The `retention.ms` slider, the virtual clock and its "+1 min" button.

use web_sys::HtmlInputElement;
use yew::prelude::*;

use super::format;
use crate::state::{Action, Playground, ADVANCE_CLOCK_STEP_MS};

/// The slider's stops, from 1 s to 10 min; the last stop is unlimited (Kafka's `retention.ms = -1`).
pub const RETENTION_STOPS_MS: [Option<u64>; 12] = [
    Some(1_000),
    Some(2_000),
    Some(5_000),
    Some(10_000),
    Some(15_000),
    Some(30_000),
    Some(60_000),
    Some(120_000),
    Some(180_000),
    Some(300_000),
    Some(600_000),
    None,
];

/// The stop that shows `retention_ms`: the exact one, else the nearest longer one.
fn stop_index(retention_ms: Option<u64>) -> usize {
    let last = RETENTION_STOPS_MS.len() - 1;
    match retention_ms {
        None => last,
        Some(ms) => RETENTION_STOPS_MS.iter().position(|stop| stop.is_some_and(|s| s >= ms)).unwrap_or(last),
    }
}

/// Props of [`RetentionControl`].
#[derive(Properties, PartialEq)]
pub struct RetentionProps {
    /// Current `retention.ms`; `None` is unlimited.
    pub retention_ms: Option<u64>,
    /// `retention.ms` as the core prints it.
    pub retention_text: AttrValue,
    /// The virtual clock.
    pub now_ms: u64,
    /// Where changes go.
    pub dispatch: UseReducerDispatcher<Playground>,
}

/// Slider, clock and time controls.
#[component]
pub fn RetentionControl(props: &RetentionProps) -> Html {
    let oninput = {
        let dispatch = props.dispatch.clone();
        Callback::from(move |e: InputEvent| {
            let input: HtmlInputElement = e.target_unchecked_into();
            // The slider only yields its own stops; anything else (a tampered DOM) is ignored.
            if let Some(stop) = input.value().parse::<usize>().ok().and_then(|i| RETENTION_STOPS_MS.get(i)) {
                dispatch.dispatch(Action::SetRetentionMs(*stop));
            }
        })
    };
    let advance = {
        let dispatch = props.dispatch.clone();
        Callback::from(move |_| dispatch.dispatch(Action::AdvanceClock { ms: ADVANCE_CLOCK_STEP_MS }))
    };
    let reset = {
        let dispatch = props.dispatch.clone();
        Callback::from(move |_| dispatch.dispatch(Action::Reset))
    };
    let human = props.retention_ms.map_or_else(|| "unlimited".to_owned(), format::duration_ms);
    html! {
        <section class="panel retention">
            <h2>{ "Time and retention" }</h2>
            <div class="clock-row">
                <div class="clock">
                    <span class="field-label">{ "virtual clock" }</span>
                    <span class="clock-value mono" data-testid="clock">{ format!("t = {}", format::duration_ms(props.now_ms)) }</span>
                </div>
                <button type="button" class="secondary" data-testid="advance-clock" onclick={advance}>{ "+1 min" }</button>
                <button type="button" class="ghost" data-testid="reset" onclick={reset}>{ "Reset" }</button>
            </div>
            <label class="field-label" for="retention-slider">
                <span class="mono" data-testid="retention-label">{ format!("retention.ms = {}", props.retention_text) }</span>
                <span class="muted">{ format!(" ({human})") }</span>
            </label>
            <input id="retention-slider" data-testid="retention-slider" type="range" min="0"
                max={(RETENTION_STOPS_MS.len() - 1).to_string()} step="1"
                value={stop_index(props.retention_ms).to_string()} {oninput} />
            <div class="slider-ends muted"><span>{ "1 s" }</span><span>{ "10 min · unlimited" }</span></div>
            <p class="hint">
                { "Retention deletes whole segments, oldest first, once their newest record is older than \
                   retention.ms; the log start offset moves up to the next segment. Each produce moves the \
                   clock by 1 s." }
            </p>
        </section>
    }
}

#[cfg(test)]
mod tests {
    use super::{stop_index, RETENTION_STOPS_MS};

    #[test]
    fn every_stop_maps_back_to_itself() {
        for (i, stop) in RETENTION_STOPS_MS.iter().enumerate() {
            assert_eq!(stop_index(*stop), i);
        }
    }

    #[test]
    fn values_between_stops_show_the_next_longer_stop() {
        assert_eq!(RETENTION_STOPS_MS[stop_index(Some(1_500))], Some(2_000));
        assert_eq!(RETENTION_STOPS_MS[stop_index(Some(7 * 24 * 3_600_000))], None);
    }
}

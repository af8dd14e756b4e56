//! The keyboard shortcuts, in an overlay that `?` opens and Esc (or the button) closes.

use yew::prelude::*;

use crate::state::live::SHORTCUTS;

/// Props of [`HelpOverlay`].
#[derive(Properties, PartialEq)]
pub struct HelpOverlayProps {
    /// Whether it is shown.
    pub open: bool,
    /// Close it.
    pub on_close: Callback<()>,
}

/// The help overlay.
#[component]
pub fn HelpOverlay(props: &HelpOverlayProps) -> Html {
    if !props.open {
        return html! {};
    }
    let onclick = props.on_close.reform(|_: MouseEvent| ());
    html! {
        <div class="overlay" role="dialog" aria-modal="true" aria-labelledby="help-title" data-testid="help">
            <div class="overlay-card">
                <h2 id="help-title">{ "Keyboard shortcuts" }</h2>
                <dl class="shortcuts">
                    { for SHORTCUTS.iter().map(|(key, what)| html! {
                        <div key={*key}><dt><kbd>{ *key }</kbd></dt><dd>{ *what }</dd></div>
                    }) }
                </dl>
                <p class="muted small">{ "Shortcuts are off while you type in a field." }</p>
                <button class="primary" data-testid="help-close" {onclick}>{ "Close" }</button>
            </div>
        </div>
    }
}

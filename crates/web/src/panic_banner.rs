//! A panic anywhere shows a visible banner, so a bug leaves an explanation instead of a frozen page:
//! in the page itself ([`install`]), or in the simulation's worker ([`show_worker_crash`], called when
//! the worker's own panic hook has posted its message).

use std::panic::PanicHookInfo;

/// Id of the banner element (styled in static/style.css).
const BANNER_ID: &str = "panic-banner";

/// Install the hook: log to the console (console_error_panic_hook) and show the banner.
pub fn install() {
    yew::set_custom_panic_hook(Box::new(|info: &PanicHookInfo<'_>| {
        console_error_panic_hook::hook(info);
        show_banner(&format!(
            "The playground hit a bug and stopped: {info}. Reload the page to start again \
             (details in the browser console)."
        ));
    }));
}

/// Show that the simulation's worker panicked (and so stopped) with `message`.
pub fn show_worker_crash(message: &str) {
    show_banner(&format!(
        "The simulation hit a bug and stopped: {message}. Reload the page to start again \
         (details in the browser console)."
    ));
}

/// Put `text` in the banner, creating it on first use. Best effort: if the DOM is unavailable
/// there is nothing more to do than the console log already done.
fn show_banner(text: &str) {
    let Some(document) = web_sys::window().and_then(|w| w.document()) else {
        return;
    };
    let banner = match document.get_element_by_id(BANNER_ID) {
        Some(banner) => banner,
        None => {
            let Ok(banner) = document.create_element("div") else {
                return;
            };
            banner.set_id(BANNER_ID);
            let _ = banner.set_attribute("role", "alert");
            let _ = banner.set_attribute("data-testid", "panic-banner");
            let Some(body) = document.body() else {
                return;
            };
            if body.prepend_with_node_1(&banner).is_err() {
                return;
            }
            banner
        }
    };
    banner.set_text_content(Some(text));
}

//! The simulation's Web Worker: it owns the [`LiveSession`] and answers each [`Command`] with the
//! session's [`Update`]. The page never runs the simulation itself, so a long `Advance` at 1000×
//! cannot freeze the page.
//!
//! The worker runs the page's own wasm (one file for both, see [`spawn_sim_worker`]); `main` picks
//! the role with [`in_worker_scope`].
//!
//! Messages travel as bincode (gloo-worker's default codec) over plain serde types. A panic in the
//! worker would otherwise kill it silently (the page would just stop moving): the hook installed by
//! [`install_panic_hook`] posts [`FromSim::Crashed`] to the page first, which shows it in the banner.

use std::cell::RefCell;

use gloo_worker::{HandlerId, Worker, WorkerBridge, WorkerScope, WorkerSpawner};
use samsa_sim::live::protocol::{Command, Update};
use samsa_sim::live::LiveSession;
use serde::{Deserialize, Serialize};

/// What the worker posts to the page.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum FromSim {
    /// The session's answer to one command.
    Update(Update),
    /// The worker panicked (the message as the panic printed it) and is gone.
    Crashed(String),
}

/// The worker: a session once the page has loaded a scenario.
pub struct SimWorker {
    session: Option<LiveSession>,
}

thread_local! {
    /// Where the panic hook posts: the scope and the page's bridge, remembered when it connects.
    static PAGE: RefCell<Option<(WorkerScope<SimWorker>, HandlerId)>> = const { RefCell::new(None) };
}

impl Worker for SimWorker {
    type Message = ();
    type Input = Command;
    type Output = FromSim;

    fn create(_scope: &WorkerScope<Self>) -> Self {
        Self { session: None }
    }

    fn update(&mut self, _scope: &WorkerScope<Self>, _msg: Self::Message) {}

    fn connected(&mut self, scope: &WorkerScope<Self>, id: HandlerId) {
        remember_page(scope, id);
    }

    fn received(&mut self, scope: &WorkerScope<Self>, command: Command, id: HandlerId) {
        remember_page(scope, id);
        let update = answer(&mut self.session, command);
        scope.respond(id, FromSim::Update(update));
    }
}

fn remember_page(scope: &WorkerScope<SimWorker>, id: HandlerId) {
    PAGE.with(|page| {
        if let Ok(mut page) = page.try_borrow_mut() {
            *page = Some((scope.clone(), id));
        }
    });
}

/// The answer to `command`: the session's, or, before any scenario loaded, a load's result or a
/// refusal saying nothing is loaded yet.
pub fn answer(session: &mut Option<LiveSession>, command: Command) -> Update {
    if let Some(session) = session.as_mut() {
        return session.handle(command);
    }
    match command {
        Command::Load { scenario_toml, seed } => match LiveSession::load(&scenario_toml, seed) {
            Ok(loaded) => {
                let view = loaded.view();
                *session = Some(loaded);
                Update::View(Box::new(view))
            }
            Err(message) => Update::LoadFailed { message },
        },
        _ => Update::Refused { field: None, message: "no scenario is loaded yet".to_owned() },
    }
}

/// Whether this code runs in a Web Worker (no `window`) rather than in the page.
pub fn in_worker_scope() -> bool {
    web_sys::window().is_none()
}

/// Trunk's names for the page's wasm-bindgen module and wasm when file hashing is off; only used
/// if the document lacks the preload links Trunk writes (it always writes them).
const FALLBACK_BINDINGS: (&str, &str) = ("./samsa-web.js", "./samsa-web_bg.wasm");

/// Spawn the simulation's worker on the page's own wasm: the worker is a tiny script (a blob) that
/// imports the page's wasm-bindgen module and starts it, and `main` then registers [`SimWorker`].
/// The module and wasm URLs are the ones Trunk's `<link rel="modulepreload">` and
/// `<link rel="preload" type="application/wasm">` name (hashed file names, relative to the
/// document), so the browser reuses the copies it has already fetched.
pub fn spawn_sim_worker(spawner: &WorkerSpawner<SimWorker>) -> WorkerBridge<SimWorker> {
    let document = web_sys::window().and_then(|w| w.document());
    let base = document.as_ref().and_then(|d| d.base_uri().ok().flatten()).unwrap_or_default();
    let resolve = |href: &str| {
        web_sys::Url::new_with_base(href, &base).map_or_else(|_| href.to_owned(), |url| url.href())
    };
    let link_href =
        |selector: &str| document.as_ref()?.query_selector(selector).ok().flatten()?.get_attribute("href");
    let bindings_url = resolve(&link_href("link[rel=modulepreload]").unwrap_or(FALLBACK_BINDINGS.0.into()));
    let wasm_url = resolve(
        &link_href("link[rel=preload][type='application/wasm']").unwrap_or(FALLBACK_BINDINGS.1.into()),
    );
    // A classic worker (what gloo-worker spawns) may still `import()` a module. The URLs are
    // serialized URLs, so Rust's string escaping is valid JavaScript.
    let loader =
        format!("import({bindings_url:?}).then((m) => m.default({{ module_or_path: {wasm_url:?} }}));");
    let parts = js_sys::Array::of1(&loader.into());
    let options = web_sys::BlobPropertyBag::new();
    options.set_type("text/javascript");
    let loader_url = web_sys::Blob::new_with_str_sequence_and_options(&parts, &options)
        .and_then(|blob| web_sys::Url::create_object_url_with_blob(&blob));
    match loader_url {
        Ok(url) => spawner.spawn_with_loader(&url),
        Err(_) => {
            // Only without Blob support: say so, and keep a bridge to an empty worker so the page
            // still renders (it never gets a view).
            crate::panic_banner::show_worker_crash("the simulation's worker could not be started");
            spawner.spawn_with_loader("data:text/javascript,")
        }
    }
}

/// Log panics to the console and post them to the page as [`FromSim::Crashed`].
pub fn install_panic_hook() {
    std::panic::set_hook(Box::new(|info| {
        console_error_panic_hook::hook(info);
        let message = info.to_string();
        PAGE.with(|page| {
            // try_borrow: a panic inside `remember_page` must not panic again here.
            if let Ok(page) = page.try_borrow() {
                if let Some((scope, id)) = page.as_ref() {
                    scope.respond(*id, FromSim::Crashed(message));
                }
            }
        });
    }));
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenarios;

    #[test]
    fn commands_before_a_load_are_refused_and_a_bad_load_names_the_problem() {
        let mut session = None;
        let refused = answer(&mut session, Command::Step);
        assert!(matches!(refused, Update::Refused { field: None, .. }), "{refused:?}");
        let failed = answer(&mut session, Command::Load { scenario_toml: "[cluster\n".into(), seed: None });
        assert!(matches!(failed, Update::LoadFailed { .. }), "{failed:?}");
        assert!(session.is_none());
    }

    #[test]
    fn the_default_scenario_loads_and_advances() {
        let mut session = None;
        let toml = scenarios::default_scenario().1.to_owned();
        let loaded = answer(&mut session, Command::Load { scenario_toml: toml, seed: Some(7) });
        let Update::View(view) = loaded else { panic!("load failed: {loaded:?}") };
        assert_eq!(view.scenario.seed, 7);
        let advanced = answer(&mut session, Command::Advance { virtual_ms: 500 });
        let Update::View(later) = advanced else { panic!("advance failed: {advanced:?}") };
        assert!(later.time.t_ms > view.time.t_ms, "{} vs {}", later.time.t_ms, view.time.t_ms);
    }
}

//! The page's browser effects, as hooks: the worker bridge, posting the outbox, the animation-frame
//! play loop, the keyboard shortcuts, the URL's start, and the budget instrumentation
//! (`window.__samsa`). Everything here is plumbing; the decisions are the model's.

use std::cell::{Cell, RefCell};
use std::rc::Rc;

use gloo_events::{EventListener, EventListenerOptions};
use gloo_render::{request_animation_frame, AnimationFrame};
use gloo_worker::{Spawnable, WorkerBridge};
use js_sys::{Array, Object, Reflect};
use samsa_sim::live::protocol::Command;
use wasm_bindgen::{JsCast, JsValue};
use web_sys::{Element, HtmlElement, KeyboardEvent, UrlSearchParams};
use yew::prelude::*;

use crate::scenarios::{resolve_start, Start};
use crate::state::live::{action_for_key, is_typing_target, LiveAction, LiveModel};
use crate::worker::{spawn_sim_worker, SimWorker};

/// Most frame timings `window.__samsa.frames` keeps (the newest).
const MAX_FRAME_SAMPLES: u32 = 2000;

/// `performance.now()`, in milliseconds (0 where there is none).
pub fn now_ms() -> f64 {
    web_sys::window().and_then(|w| w.performance()).map_or(0.0, |p| p.now())
}

/// Spawn the simulation's worker once; its replies become [`LiveAction::Reply`]s, and the moment
/// each arrives is kept in `receipt_ms` for the frame timings.
#[hook]
pub fn use_sim_worker(
    dispatch: UseReducerDispatcher<LiveModel>,
    receipt_ms: Rc<Cell<Option<f64>>>,
) -> Rc<WorkerBridge<SimWorker>> {
    use_memo((), move |_| {
        let mut spawner = SimWorker::spawner();
        spawner.callback(move |reply| {
            receipt_ms.set(Some(now_ms()));
            dispatch.dispatch(LiveAction::Reply(reply));
        });
        spawn_sim_worker(&spawner)
    })
}

/// Post the command the model put in flight, once per [`crate::state::live::Outbox::seq`].
#[hook]
pub fn use_post_outbox(bridge: Rc<WorkerBridge<SimWorker>>, seq: u64, command: Option<Command>) {
    use_effect_with(seq, move |_| {
        if let Some(command) = command {
            bridge.send(command);
        }
    });
}

/// While `playing`, dispatch [`LiveAction::Frame`] on every animation frame.
#[hook]
pub fn use_play_loop(playing: bool, dispatch: UseReducerDispatcher<LiveModel>) {
    use_effect_with(playing, move |&playing| {
        let alive = Rc::new(Cell::new(true));
        let slot: Rc<RefCell<Option<AnimationFrame>>> = Rc::default();
        if playing {
            request_frame(slot.clone(), alive.clone(), dispatch);
        }
        move || {
            alive.set(false);
            slot.borrow_mut().take();
        }
    });
}

fn request_frame(
    slot: Rc<RefCell<Option<AnimationFrame>>>,
    alive: Rc<Cell<bool>>,
    dispatch: UseReducerDispatcher<LiveModel>,
) {
    let next_slot = slot.clone();
    let frame = request_animation_frame(move |now_ms| {
        if !alive.get() {
            return;
        }
        dispatch.dispatch(LiveAction::Frame { now_ms });
        // The dispatch may have paused the loop (its cleanup clears `alive`).
        if alive.get() {
            request_frame(next_slot, alive, dispatch);
        }
    });
    // Replacing the handle of the frame now running is fine: it has fired, nothing to cancel.
    if let Ok(mut slot) = slot.try_borrow_mut() {
        *slot = Some(frame);
    }
}

/// The keyboard shortcuts, on the whole document, except while typing in a field.
#[hook]
pub fn use_shortcuts(dispatch: UseReducerDispatcher<LiveModel>) {
    use_effect_with((), move |_| {
        let document = web_sys::window().and_then(|w| w.document());
        let listener = document.map(|document| {
            // Not passive: Space must not also scroll the page or press the focused button.
            let options = EventListenerOptions::enable_prevent_default();
            EventListener::new_with_options(&document, "keydown", options, move |event| {
                let Some(event) = event.dyn_ref::<KeyboardEvent>() else { return };
                if typing_in_a_field(event) {
                    return;
                }
                let modifier_held = event.ctrl_key() || event.alt_key() || event.meta_key();
                if let Some(action) = action_for_key(&event.key(), modifier_held) {
                    event.prevent_default();
                    dispatch.dispatch(action);
                }
            })
        });
        move || drop(listener)
    });
}

fn typing_in_a_field(event: &KeyboardEvent) -> bool {
    let Some(element) = event.target().and_then(|t| t.dyn_into::<Element>().ok()) else {
        return false;
    };
    let editable = element.dyn_ref::<HtmlElement>().is_some_and(HtmlElement::is_content_editable);
    is_typing_target(&element.tag_name(), editable)
}

/// What the URL asks to load first (`?scenario=<name>&seed=<n>`).
pub fn url_start() -> Start {
    let search = web_sys::window().and_then(|w| w.location().search().ok()).unwrap_or_default();
    let params = UrlSearchParams::new_with_str(&search).ok();
    let get = |name: &str| params.as_ref().and_then(|p| p.get(name));
    let (scenario, seed) = (get("scenario"), get("seed"));
    resolve_start(scenario.as_deref(), seed.as_deref())
}

/// Load the URL's start once; report what was wrong with it after the load goes out (so the
/// default's arrival does not clear it).
#[hook]
pub fn use_start(start: Start, dispatch: UseReducerDispatcher<LiveModel>) {
    use_effect_with((), move |_| {
        dispatch.dispatch(LiveAction::Load { scenario_toml: start.toml.to_owned(), seed: start.seed });
        if let Some(problem) = start.error {
            dispatch.dispatch(LiveAction::StartProblem(problem));
        }
    });
}

/// `window.__samsa = { firstViewMs, frames }`: when the first view was drawn, and for each view the
/// main-thread time from the worker's answer arriving to the end of Yew's render (this effect runs
/// after the render), including the style and layout the render caused (read here, see
/// [`force_layout`]).
#[hook]
pub fn use_instrumentation(view_seq: u64, receipt_ms: Rc<Cell<Option<f64>>>) {
    use_effect_with((), |_| {
        let global = Object::new();
        let _ = Reflect::set(&global, &"firstViewMs".into(), &JsValue::NULL);
        let _ = Reflect::set(&global, &"frames".into(), &Array::new());
        if let Some(window) = web_sys::window() {
            let _ = Reflect::set(&window, &"__samsa".into(), &global);
        }
    });
    use_effect_with(view_seq, move |&view_seq| {
        if view_seq > 0 {
            record_frame(receipt_ms.take());
        }
    });
}

/// Reads the layout once, so the style recalculation and layout the render caused happen inside the
/// measured span: the browser does that work before it paints anyway, and a timing that stopped at
/// the end of the DOM writes would leave most of a busy view's cost out.
fn force_layout() {
    if let Some(body) = web_sys::window().and_then(|w| w.document()).and_then(|d| d.body()) {
        let _ = body.offset_height();
    }
}

fn record_frame(receipt_ms: Option<f64>) {
    force_layout();
    let now = now_ms();
    let Some(window) = web_sys::window() else { return };
    let Ok(global) = Reflect::get(&window, &"__samsa".into()) else { return };
    if global.is_object() {
        if Reflect::get(&global, &"firstViewMs".into()).is_ok_and(|v| v.is_null()) {
            let _ = Reflect::set(&global, &"firstViewMs".into(), &now.into());
        }
        if let (Some(receipt), Ok(frames)) = (receipt_ms, Reflect::get(&global, &"frames".into())) {
            if let Ok(frames) = frames.dyn_into::<Array>() {
                frames.push(&(now - receipt).into());
                if frames.length() > MAX_FRAME_SAMPLES {
                    frames.shift();
                }
            }
        }
    }
}

//! # samsa-web
//!
//! The Samsa playground: a Yew page that shows a Kafka cluster running live on samsa-sim, and the
//! Web Worker that runs the simulation so the page stays smooth. Built with Trunk from
//! `web/index.html` (`trunk build --release`): `src/main.rs` is the one binary, run as the page and
//! (one wasm, fetched once) as the worker; it is thin and everything lives in this library.
//!
//! ## Map
//! - [`worker`] — the simulation's Web Worker: holds a `samsa_sim::live::LiveSession` and answers each
//!   `Command` with the session's `Update`; a panic there is posted to the page, never silent.
//! - [`state`] — the models (`Reducible`, data only): [`state::live`] for the live playground (the
//!   latest view, play/pause/speed, the one command in flight, errors by field, keyboard mapping) and
//!   the single-topic model of the `log` tab.
//! - [`scenarios`] — the scenario files of `scenarios/`, embedded, and the URL's `?scenario=&seed=`.
//! - [`app`] — the page layout; owns the model, the worker bridge and the browser effects (animation
//!   frames, keys, instrumentation).
//! - [`components`] — one view per file; props are data, actions go back to the model.
//! - [`panic_banner`] — a panic (in the page or the worker) shows a banner instead of a dead page.
//!
//! The page reads the wall clock (to pace the play loop); the simulation never does: it only ever
//! hears "advance N virtual milliseconds".

pub mod app;
pub mod components;
pub mod panic_banner;
pub mod scenarios;
pub mod state;
pub mod worker;

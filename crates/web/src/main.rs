//! # samsa-web
//!
//! The Samsa playground: a Yew page that drives samsa-core in the browser. Built with Trunk from
//! `web/index.html` (`trunk build --release`).
//!
//! ## Map
//! - [`state`] — the model (`Reducible`): one topic, three partition logs, the partitioner, a virtual
//!   clock; every Kafka rule is a samsa-core call.
//! - [`app`] — the page layout; owns the model.
//! - [`components`] — one view per file; props are data, actions go back to the model.
//! - [`panic_banner`] — a panic shows a banner in the page instead of leaving it dead.

mod app;
mod components;
mod panic_banner;
mod state;

fn main() {
    panic_banner::install();
    yew::Renderer::<app::App>::new().render();
}

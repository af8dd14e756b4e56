//! The playground's one wasm binary, run twice: in the page it renders the app; in the Web Worker the
//! page spawns (which loads this same wasm, see `worker::spawn_sim_worker`) it registers the
//! simulation's worker instead. One file to download and cache instead of two that would each carry
//! std, serde and samsa-core. See the library's map in `lib.rs`.

use gloo_worker::Registrable;

fn main() {
    if samsa_web::worker::in_worker_scope() {
        samsa_web::worker::install_panic_hook();
        samsa_web::worker::SimWorker::registrar().register();
    } else {
        samsa_web::panic_banner::install();
        yew::Renderer::<samsa_web::app::App>::new().render();
    }
}

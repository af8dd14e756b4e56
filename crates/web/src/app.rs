//! The page layout: the live model lives here (one `use_reducer_eq`), with the worker bridge and
//! the browser effects (`effects`); the views get slices of the latest view as props and send
//! [`LiveAction`]s back.

mod effects;

use std::cell::Cell;
use std::rc::Rc;

use samsa_sim::live::protocol::{LiveView, PartitionRef, UserAction};
use yew::prelude::*;

use crate::components::{
    Branches, Charts, CheckerPanel, Clients, Cluster, Groups, HelpOverlay, LogTab, NetworkControls,
    ReplicaLogs, ScenarioPicker, Tabs, TimeBar, Timeline, Transactions,
};
use crate::panic_banner;
use crate::state::live::{LinkEnd, LiveAction, LiveModel, Tab};

/// Refusal fields the cluster cards show.
const NODE_FIELDS: [&str; 1] = ["node"];
/// Refusal fields the network controls show.
const NETWORK_FIELDS: [&str; 5] = ["a", "b", "min_ms", "max_ms", "rate"];
/// Refusal fields the time bar shows (with refusals naming no field).
const TIME_FIELDS: [&str; 3] = ["t_ms", "virtual_ms", "branch"];

/// Every callback the views get, made once: Yew compares callbacks by identity, so callbacks made
/// anew on each render would re-render every view on every render.
#[derive(Clone, PartialEq)]
struct Handlers {
    act: Callback<UserAction>,
    focus: Callback<PartitionRef>,
    seek: Callback<u64>,
    switch_branch: Callback<u32>,
    toggle_play: Callback<()>,
    step: Callback<()>,
    speed: Callback<usize>,
    load: Callback<(String, Option<u64>)>,
    link_end: Callback<(LinkEnd, String)>,
    tab: Callback<Tab>,
    close_help: Callback<()>,
}

impl Handlers {
    fn new(dispatch: &UseReducerDispatcher<LiveModel>) -> Self {
        let to = dispatch.to_callback();
        Self {
            act: to.reform(LiveAction::Act),
            focus: to.reform(LiveAction::Focus),
            seek: to.reform(LiveAction::Seek),
            switch_branch: to.reform(LiveAction::SwitchBranch),
            toggle_play: to.reform(|()| LiveAction::TogglePlay),
            step: to.reform(|()| LiveAction::Step),
            speed: to.reform(LiveAction::SetSpeed),
            load: to.reform(|(scenario_toml, seed)| LiveAction::Load { scenario_toml, seed }),
            link_end: to.reform(|(end, node)| LiveAction::SetLinkEnd { end, node }),
            tab: to.reform(LiveAction::SelectTab),
            close_help: to.reform(|()| LiveAction::CloseHelp),
        }
    }
}

/// The playground page.
#[component]
pub fn App() -> Html {
    let model = use_reducer_eq(LiveModel::new);
    let dispatch = model.dispatcher();
    let handlers = use_memo((), |_| Handlers::new(&dispatch));
    let receipt_ms = use_mut_ref_cell();
    let start = use_memo((), |_| effects::url_start());
    let bridge = effects::use_sim_worker(dispatch.clone(), receipt_ms.clone());
    effects::use_post_outbox(bridge, model.outbox().seq(), model.outbox().to_send().cloned());
    effects::use_start((*start).clone(), dispatch.clone());
    effects::use_play_loop(model.playing(), dispatch.clone());
    effects::use_shortcuts(dispatch);
    effects::use_instrumentation(model.view_seq(), receipt_ms);
    use_effect_with(model.worker_error().map(str::to_owned), |error| {
        if let Some(message) = error {
            panic_banner::show_worker_crash(message);
        }
    });
    // The heavy panels change only with the view (or a refusal for them): not on the renders that
    // only post a command.
    let client_refusal = client_refusal(&model);
    let panels = {
        let (view, handlers) = (model.view().cloned(), handlers.clone());
        use_memo((model.view_seq(), client_refusal), move |(_, refused)| {
            view.map(|view| panels(&view, &handlers, refused.clone()))
        })
    };
    let view = model.view().cloned();
    let (t_ms, step, hash, branch) = view.as_ref().map_or((0, 0, String::new(), 0), |v| {
        (v.time.t_ms, v.time.step, v.time.trace_hash.clone(), v.current_branch)
    });
    html! {
        <div class="app" data-testid="app" data-ready={view.is_some().to_string()} data-t-ms={t_ms.to_string()}
            data-step={step.to_string()} data-trace-hash={hash} data-branch={branch.to_string()}>
            <header class="masthead">
                <h1>{ "Samsa playground" }</h1>
                <p class="lede">
                    { "Records flow through a 3-broker Kafka cluster, simulated live in your browser. \
                       Crash the leader of orders-0 and watch a new leader take over and the ISR shrink; \
                       then drag time back, set acks=1, crash it again, and compare what each branch lost." }
                </p>
                <Tabs current={model.tab()} on_select={handlers.tab.clone()} />
            </header>
            <main class="live" hidden={model.tab() != Tab::Cluster}>
                { live_page(&model, &handlers, start.name) }
                { (*panels).clone().unwrap_or_default() }
            </main>
            <main class="log" hidden={model.tab() != Tab::Log}>
                <LogTab />
            </main>
            <HelpOverlay open={model.help_open()} on_close={handlers.close_help.clone()} />
        </div>
    }
}

/// A `Cell` kept across renders (hooks need a stable `Rc`).
#[hook]
fn use_mut_ref_cell() -> Rc<Cell<Option<f64>>> {
    (*use_memo((), |_| Rc::new(Cell::new(None)))).clone()
}

/// The last refusal if it named a client or a config (the fields no other view shows).
fn client_refusal(model: &LiveModel) -> Option<(String, String)> {
    let shown_elsewhere =
        |f: &str| NODE_FIELDS.contains(&f) || NETWORK_FIELDS.contains(&f) || TIME_FIELDS.contains(&f);
    let refusal = model.refusal()?;
    let field = refusal.field.clone().filter(|f| !shown_elsewhere(f))?;
    Some((field, refusal.message.clone()))
}

fn live_page(model: &LiveModel, handlers: &Handlers, initial: &'static str) -> Html {
    let time_refusal =
        model.refusal().filter(|r| r.field.as_deref().is_none_or(|f| TIME_FIELDS.contains(&f)));
    let time_bar = html! {
        <TimeBar time={model.view().map(|v| v.time.clone())} playing={model.playing()}
            speed_index={model.speed_index()} refused={time_refusal.map(|r| r.message.clone())}
            on_toggle={handlers.toggle_play.clone()} on_step={handlers.step.clone()}
            on_speed={handlers.speed.clone()} on_seek={handlers.seek.clone()} />
    };
    let picker = html! {
        <ScenarioPicker initial={initial} current={model.view().map(|v| v.scenario.clone())}
            error={model.load_error().map(str::to_owned)} on_load={handlers.load.clone()} />
    };
    let Some(view) = model.view() else {
        return html! {
            <>
                { time_bar }
                <p class="loading" data-testid="loading">{ "Starting the simulation…" }</p>
                { picker }
            </>
        };
    };
    let refused_network = model.refusal().and_then(|r| {
        r.field.clone().filter(|f| NETWORK_FIELDS.contains(&f.as_str())).map(|f| (f, r.message.clone()))
    });
    html! {
        <>
            { time_bar }
            <div class="live-top">
                <Cluster cluster={view.cluster.clone()} focus={view.log.as_ref().map(|l| l.partition.clone())}
                    refused={model.refusal_for(&NODE_FIELDS).map(str::to_owned)}
                    on_action={handlers.act.clone()} on_focus={handlers.focus.clone()} />
                <aside class="side">
                    <NetworkControls nodes={model.node_names()} link={model.link_ends()}
                        network={view.cluster.network.clone()} refused={refused_network}
                        on_action={handlers.act.clone()} on_link_end={handlers.link_end.clone()} />
                    { picker }
                </aside>
            </div>
        </>
    }
}

/// H4's panels: replica logs, clients, checker and branches, charts, timeline.
fn panels(view: &LiveView, handlers: &Handlers, client_refusal: Option<(String, String)>) -> Html {
    let partitions: Vec<PartitionRef> = view.cluster.partitions.iter().map(|p| p.partition.clone()).collect();
    html! {
        <>
            <ReplicaLogs log={view.log.clone()} {partitions} on_focus={handlers.focus.clone()} />
            <Clients producers={view.producers.clone()} consumers={view.consumers.clone()} refused={client_refusal}
                on_action={handlers.act.clone()} />
            <Groups groups={view.groups.clone()} />
            <Transactions transactions={view.transactions.clone()} pipelines={view.pipelines.clone()} />
            <div class="two-columns">
                <CheckerPanel checker={view.checker.clone()} on_seek={handlers.seek.clone()} />
                <Branches branches={view.branches.clone()} current={view.current_branch}
                    on_switch={handlers.switch_branch.clone()} />
            </div>
            <Charts charts={view.charts.clone()} />
            <Timeline events={view.events.clone()} on_seek={handlers.seek.clone()} />
        </>
    }
}

//! The live playground's model: the latest [`LiveView`] the worker sent, and the page's own state
//! around it (playing, speed, the command in flight, errors by field, help, tab, link selects).
//!
//! Data only: no `Html`, no browser handles. Actions come in as [`LiveAction`]s; commands for the
//! worker go out through the [`Outbox`] as data, and app.rs posts them. Every Kafka rule stays in
//! the simulation: the model only sequences commands and keeps what comes back.

mod keyboard;
mod outbox;
mod play;

use std::rc::Rc;

use samsa_sim::live::protocol::{Command, LiveView, PartitionRef, Update, UserAction};
use yew::Reducible;

pub use keyboard::{action_for_key, is_typing_target, SHORTCUTS};
pub use outbox::{CommandKind, Outbox, QueueFull, MAX_QUEUED_COMMANDS};
pub use play::{speed_label, PlayClock, DEFAULT_SPEED_INDEX, MAX_FRAME_GAP_MS, SPEEDS};

use crate::worker::FromSim;

/// The page's tabs.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Tab {
    /// The live cluster (the default).
    #[default]
    Cluster,
    /// The single-topic log page (partitioner, segments, retention).
    Log,
}

/// One end of the link the network controls cut or heal.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LinkEnd {
    /// The `link-a` select.
    A,
    /// The `link-b` select.
    B,
}

/// A command the simulation refused: the field at fault (if one) and why.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Refusal {
    /// The field, as the session named it (`acks`, `node`, `t_ms`, …).
    pub field: Option<String>,
    /// The message (Kafka's wording where Kafka has one).
    pub message: String,
}

/// What can happen to the live model.
#[derive(Clone, Debug, PartialEq)]
pub enum LiveAction {
    /// Load a scenario's text (`seed` overrides the file's).
    Load {
        /// The scenario file's text.
        scenario_toml: String,
        /// The seed, or `None` for the file's.
        seed: Option<u64>,
    },
    /// A problem with the URL's `?scenario=&seed=` (the default loaded instead), shown with the
    /// picker until the next load a person asks for.
    StartProblem(String),
    /// The worker answered.
    Reply(FromSim),
    /// An animation frame at wall time `now_ms` (`performance.now()`).
    Frame {
        /// Wall time, in milliseconds.
        now_ms: f64,
    },
    /// Play if paused, pause if playing.
    TogglePlay,
    /// Pause and take one step.
    Step,
    /// The next slower speed.
    Slower,
    /// The next faster speed.
    Faster,
    /// A speed by its index in [`SPEEDS`].
    SetSpeed(usize),
    /// Pause and go to a moment of the current branch.
    Seek(u64),
    /// Do something to the cluster now (forks when in the past).
    Act(UserAction),
    /// Make another branch current.
    SwitchBranch(u32),
    /// Show another partition's log.
    Focus(PartitionRef),
    /// Open or close the help overlay.
    ToggleHelp,
    /// Close the help overlay.
    CloseHelp,
    /// Show a tab.
    SelectTab(Tab),
    /// Choose a node for one end of the link controls.
    SetLinkEnd {
        /// Which end.
        end: LinkEnd,
        /// The node's name.
        node: String,
    },
}

/// The live playground's state. Cloned on each action; the view itself is shared (an `Rc`).
#[derive(Clone, Debug)]
pub struct LiveModel {
    view: Option<Rc<LiveView>>,
    view_seq: u64,
    playing: bool,
    speed_index: usize,
    clock: PlayClock,
    outbox: Outbox,
    refusal: Option<Refusal>,
    load_error: Option<String>,
    start_problem: Option<String>,
    worker_error: Option<String>,
    help_open: bool,
    tab: Tab,
    link_a: Option<String>,
    link_b: Option<String>,
}

impl Default for LiveModel {
    fn default() -> Self {
        Self::new()
    }
}

/// Equal when the page would draw the same thing: the play clock's bookkeeping is left out, so an
/// animation frame that only adds wall time does not re-render the page (use with `use_reducer_eq`).
impl PartialEq for LiveModel {
    fn eq(&self, other: &Self) -> bool {
        let same_view = match (&self.view, &other.view) {
            (Some(a), Some(b)) => Rc::ptr_eq(a, b),
            (None, None) => true,
            _ => false,
        };
        same_view
            && self.view_seq == other.view_seq
            && self.playing == other.playing
            && self.speed_index == other.speed_index
            && self.outbox == other.outbox
            && self.refusal == other.refusal
            && self.load_error == other.load_error
            && self.start_problem == other.start_problem
            && self.worker_error == other.worker_error
            && self.help_open == other.help_open
            && self.tab == other.tab
            && self.link_a == other.link_a
            && self.link_b == other.link_b
    }
}

impl LiveModel {
    /// Nothing loaded yet, paused at 1×.
    pub fn new() -> Self {
        Self {
            view: None,
            view_seq: 0,
            playing: false,
            speed_index: DEFAULT_SPEED_INDEX,
            clock: PlayClock::default(),
            outbox: Outbox::default(),
            refusal: None,
            load_error: None,
            start_problem: None,
            worker_error: None,
            help_open: false,
            tab: Tab::default(),
            link_a: None,
            link_b: None,
        }
    }

    /// Apply one action in place.
    pub fn apply(&mut self, action: LiveAction) {
        match action {
            LiveAction::Load { scenario_toml, seed } => {
                self.refusal = None;
                self.start_problem = None;
                self.send(Command::Load { scenario_toml, seed });
            }
            LiveAction::StartProblem(message) => self.start_problem = Some(message),
            LiveAction::Reply(reply) => self.on_reply(reply),
            LiveAction::Frame { now_ms } => self.on_frame(now_ms),
            LiveAction::TogglePlay => self.set_playing(!self.playing),
            LiveAction::Step => {
                self.set_playing(false);
                self.send(Command::Step);
            }
            LiveAction::Slower => self.speed_index = self.speed_index.saturating_sub(1),
            LiveAction::Faster => self.speed_index = (self.speed_index + 1).min(SPEEDS.len() - 1),
            LiveAction::SetSpeed(index) => self.speed_index = index.min(SPEEDS.len() - 1),
            LiveAction::Seek(t_ms) => {
                // Scrubbing while the clock runs would fight the person's hand: seeking pauses.
                self.set_playing(false);
                self.send(Command::Seek { t_ms });
            }
            LiveAction::Act(action) => {
                self.refusal = None;
                self.send(Command::Act { action });
            }
            LiveAction::SwitchBranch(branch) => self.send(Command::SwitchBranch { branch }),
            LiveAction::Focus(partition) => self.send(Command::Focus { partition: Some(partition) }),
            LiveAction::ToggleHelp => self.help_open = !self.help_open,
            LiveAction::CloseHelp => self.help_open = false,
            LiveAction::SelectTab(tab) => self.tab = tab,
            LiveAction::SetLinkEnd { end: LinkEnd::A, node } => self.link_a = Some(node),
            LiveAction::SetLinkEnd { end: LinkEnd::B, node } => self.link_b = Some(node),
        }
    }

    fn send(&mut self, command: Command) {
        if self.outbox.push(command).is_err() {
            self.refusal = Some(Refusal {
                field: None,
                message: format!(
                    "the simulation is busy ({MAX_QUEUED_COMMANDS} commands waiting); try again in a moment"
                ),
            });
        }
    }

    fn set_playing(&mut self, playing: bool) {
        self.playing = playing && self.worker_error.is_none();
        self.clock.reset();
    }

    fn on_reply(&mut self, reply: FromSim) {
        let update = match reply {
            FromSim::Crashed(message) => {
                self.worker_error = Some(message);
                self.set_playing(false);
                return;
            }
            FromSim::Update(update) => update,
        };
        let kind = self.outbox.answered();
        match update {
            Update::View(view) => {
                let first = self.view.is_none();
                self.view = Some(Rc::new(*view));
                self.view_seq = self.view_seq.wrapping_add(1);
                if kind == Some(CommandKind::Load) {
                    self.load_error = None;
                }
                // A visitor sees records flow without reading anything: play at 1× from the first view.
                if first {
                    self.set_playing(true);
                }
            }
            Update::Refused { field, message } => {
                if kind == Some(CommandKind::Advance) {
                    // The loop would ask again next frame and be refused again: stop and show why.
                    self.set_playing(false);
                }
                self.refusal = Some(Refusal { field, message });
            }
            Update::LoadFailed { message } => self.load_error = Some(message),
        }
    }

    fn on_frame(&mut self, now_ms: f64) {
        if !self.playing || self.view.is_none() {
            return;
        }
        let can_send = self.outbox.is_idle();
        if let Some(virtual_ms) = self.clock.on_frame(now_ms, self.speed(), can_send) {
            self.send(Command::Advance { virtual_ms });
        }
    }

    /// The latest view, once one arrived.
    pub fn view(&self) -> Option<&Rc<LiveView>> {
        self.view.as_ref()
    }

    /// Changes with each new view (for effects that run once per drawn view).
    pub fn view_seq(&self) -> u64 {
        self.view_seq
    }

    /// Whether the play loop runs.
    pub fn playing(&self) -> bool {
        self.playing
    }

    /// The speed, virtual ms per wall ms.
    pub fn speed(&self) -> f64 {
        SPEEDS.get(self.speed_index).copied().unwrap_or(1.0)
    }

    /// The speed's index in [`SPEEDS`].
    pub fn speed_index(&self) -> usize {
        self.speed_index
    }

    /// The commands for the worker.
    pub fn outbox(&self) -> &Outbox {
        &self.outbox
    }

    /// The last refusal.
    pub fn refusal(&self) -> Option<&Refusal> {
        self.refusal.as_ref()
    }

    /// The last refusal's message if it named one of `fields`.
    pub fn refusal_for(&self, fields: &[&str]) -> Option<&str> {
        let refusal = self.refusal.as_ref()?;
        let field = refusal.field.as_deref()?;
        fields.contains(&field).then_some(refusal.message.as_str())
    }

    /// Why the last load failed, else what was wrong with the URL's choice.
    pub fn load_error(&self) -> Option<&str> {
        self.load_error.as_deref().or(self.start_problem.as_deref())
    }

    /// The worker's panic message, once it died.
    pub fn worker_error(&self) -> Option<&str> {
        self.worker_error.as_deref()
    }

    /// Whether the help overlay is open.
    pub fn help_open(&self) -> bool {
        self.help_open
    }

    /// The tab shown.
    pub fn tab(&self) -> Tab {
        self.tab
    }

    /// Every node's name in the view (controller, brokers, clients), for the link selects.
    pub fn node_names(&self) -> Vec<String> {
        let Some(view) = &self.view else { return Vec::new() };
        let cluster = &view.cluster;
        let mut names = vec!["controller".to_owned()];
        names.extend(cluster.brokers.iter().map(|b| b.name.clone()));
        names.extend(cluster.clients.iter().map(|c| c.name.clone()));
        names
    }

    /// The nodes the link controls name: as chosen, else the first two brokers.
    pub fn link_ends(&self) -> (String, String) {
        let names = self.node_names();
        let brokers: Vec<&String> = names.iter().filter(|n| n.starts_with("broker-")).collect();
        let pick = |chosen: &Option<String>, fallback: usize| {
            chosen
                .clone()
                .filter(|c| names.contains(c))
                .or_else(|| brokers.get(fallback).map(|s| (*s).clone()))
                .unwrap_or_default()
        };
        (pick(&self.link_a, 0), pick(&self.link_b, 1))
    }

    /// Whether the view is before its branch's furthest moment (acting there forks).
    pub fn in_the_past(&self) -> bool {
        self.view.as_ref().is_some_and(|v| v.time.t_ms < v.time.furthest_ms)
    }
}

impl Reducible for LiveModel {
    type Action = LiveAction;

    fn reduce(self: Rc<Self>, action: LiveAction) -> Rc<Self> {
        let mut next = Rc::unwrap_or_clone(self);
        next.apply(action);
        Rc::new(next)
    }
}

#[cfg(test)]
mod tests;

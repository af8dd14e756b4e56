//! The commands waiting for the worker: at most one in flight, a short bounded queue behind it.
//!
//! The model only decides *what* to send; app.rs sends [`Outbox::to_send`] whenever
//! [`Outbox::seq`] changes. One command in flight at a time keeps the page from flooding the worker
//! (each answer is a whole view) and lets the play loop size the next `Advance` by the time that
//! passed meanwhile.

use std::collections::VecDeque;

use samsa_sim::live::protocol::Command;

/// Most commands waiting behind the one in flight; more is refused with [`QueueFull`].
pub const MAX_QUEUED_COMMANDS: usize = 16;

/// What kind of command is in flight, so its answer can be read right (a `LoadFailed` belongs to a
/// `Load`, a refused `Advance` stops the play loop).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CommandKind {
    /// [`Command::Load`].
    Load,
    /// [`Command::Advance`].
    Advance,
    /// [`Command::Step`].
    Step,
    /// [`Command::Seek`].
    Seek,
    /// [`Command::Act`].
    Act,
    /// [`Command::SwitchBranch`].
    SwitchBranch,
    /// [`Command::Focus`].
    Focus,
}

impl CommandKind {
    /// The kind of `command`.
    pub fn of(command: &Command) -> Self {
        match command {
            Command::Load { .. } => Self::Load,
            Command::Advance { .. } => Self::Advance,
            Command::Step => Self::Step,
            Command::Seek { .. } => Self::Seek,
            Command::Act { .. } => Self::Act,
            Command::SwitchBranch { .. } => Self::SwitchBranch,
            Command::Focus { .. } => Self::Focus,
        }
    }
}

/// The queue was full: the command was not taken.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct QueueFull;

/// The command in flight and those waiting.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Outbox {
    in_flight: Option<(CommandKind, Command)>,
    queue: VecDeque<Command>,
    seq: u64,
}

impl Outbox {
    /// Send `command` now if nothing is in flight, else queue it. A queued `Seek` or `Focus` replaces
    /// one already waiting (dragging the scrubber must not pile up seeks).
    pub fn push(&mut self, command: Command) -> Result<(), QueueFull> {
        if self.in_flight.is_none() {
            self.launch(command);
            return Ok(());
        }
        let kind = CommandKind::of(&command);
        if matches!(kind, CommandKind::Seek | CommandKind::Focus) {
            if let Some(waiting) = self.queue.iter_mut().find(|c| CommandKind::of(c) == kind) {
                *waiting = command;
                return Ok(());
            }
        }
        if self.queue.len() >= MAX_QUEUED_COMMANDS {
            return Err(QueueFull);
        }
        self.queue.push_back(command);
        Ok(())
    }

    /// The answer to the command in flight arrived: returns its kind and launches the next one.
    pub fn answered(&mut self) -> Option<CommandKind> {
        let kind = self.in_flight.take().map(|(kind, _)| kind);
        if let Some(next) = self.queue.pop_front() {
            self.launch(next);
        }
        kind
    }

    fn launch(&mut self, command: Command) {
        self.in_flight = Some((CommandKind::of(&command), command));
        self.seq = self.seq.wrapping_add(1);
    }

    /// Nothing in flight and nothing waiting.
    pub fn is_idle(&self) -> bool {
        self.in_flight.is_none() && self.queue.is_empty()
    }

    /// The command in flight, which app.rs posts to the worker when [`Outbox::seq`] changes.
    pub fn to_send(&self) -> Option<&Command> {
        self.in_flight.as_ref().map(|(_, command)| command)
    }

    /// Changes each time a command goes in flight.
    pub fn seq(&self) -> u64 {
        self.seq
    }

    /// Commands waiting behind the one in flight.
    pub fn queued(&self) -> usize {
        self.queue.len()
    }
}

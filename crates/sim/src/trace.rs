//! The trace: every step of a run as a value, written as JSON Lines and hashed.
//!
//! One [`TraceEvent`] per thing that happened — a message sent, delivered, dropped or duplicated; a
//! node crashed, restarted or paused; a link cut or healed; every samsa-core `ReplicationEvent` and
//! `ClientEvent` (mirrored in [`TraceKind`]); a workload send; an invariant violation. The checker reads
//! these; the UI shows them; the hash of their bytes tells two runs apart.
//!
//! Byte stability: each event is serialized by serde_json (the most frequent ones by `fast`, which
//! writes the same bytes by hand) with fields in declaration order, integers
//! as integers and the few rates as shortest round-trip floats (ryu), so the bytes — and hence the
//! trace hash — are the same natively and in wasm. The hash is FNV-1a 64 (Fowler, Noll, Vo; the
//! `0xcbf29ce484222325` offset basis and `0x100000001b3` prime) over every line including its `\n`.

mod fast;
pub mod ids;
mod kind;

use std::collections::VecDeque;
use std::fmt;
use std::io::{self, BufRead, Write};

use serde::{Deserialize, Serialize};

pub use kind::{Api, DropReason, TraceKind};

/// One line of the trace.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TraceEvent {
    /// The simulation step that produced the event (several events can share a step).
    pub step: u64,
    /// Virtual time of the step.
    pub t_ms: u64,
    /// What happened.
    pub kind: TraceKind,
}

/// FNV-1a 64 over bytes: simple, fixed, and the same on every platform.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Fnv1a64(u64);

impl Fnv1a64 {
    /// FNV's 64-bit offset basis.
    pub const OFFSET_BASIS: u64 = 0xcbf2_9ce4_8422_2325;
    /// FNV's 64-bit prime.
    pub const PRIME: u64 = 0x0000_0100_0000_01b3;

    /// The hash of no bytes.
    pub fn new() -> Self {
        Fnv1a64(Self::OFFSET_BASIS)
    }

    /// Folds `bytes` in.
    pub fn update(&mut self, bytes: &[u8]) {
        for &byte in bytes {
            self.0 = (self.0 ^ u64::from(byte)).wrapping_mul(Self::PRIME);
        }
    }

    /// The hash so far.
    pub fn value(&self) -> u64 {
        self.0
    }
}

impl Default for Fnv1a64 {
    fn default() -> Self {
        Fnv1a64::new()
    }
}

/// Why the trace could not be written or read.
#[derive(Debug)]
pub enum TraceError {
    /// Writing a line to the trace file failed.
    Write(io::Error),
    /// An event could not be serialized (not expected: every field is plain data).
    Serialize(serde_json::Error),
    /// A trace line could not be read back.
    Parse {
        /// 1-based line number.
        line: u64,
        /// What was wrong.
        error: serde_json::Error,
    },
    /// Reading the trace failed.
    Read(io::Error),
    /// A draining trace ([`Trace::draining`]) holds `limit` events nobody drained.
    DrainFull {
        /// The bound on undrained events.
        limit: usize,
    },
}

impl fmt::Display for TraceError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TraceError::Write(e) => write!(f, "cannot write trace: {e}"),
            TraceError::Serialize(e) => write!(f, "cannot serialize trace event: {e}"),
            TraceError::Parse { line, error } => write!(f, "trace line {line}: {error}"),
            TraceError::Read(e) => write!(f, "cannot read trace: {e}"),
            TraceError::DrainFull { limit } => {
                write!(f, "trace drain buffer full: {limit} events were not drained")
            }
        }
    }
}

impl std::error::Error for TraceError {}

/// The run's trace: hashes every event, and optionally writes JSON Lines and/or keeps the most recent
/// events in memory (a ring of at most `memory_limit` events, so long runs stay bounded). A
/// counter-only trace ([`Trace::counter_only`]) skips serialization altogether: what `explore` uses,
/// since a failing seed is reproduced (and hashed) by `run`.
pub struct Trace {
    /// Serialize and hash each event (false only for [`Trace::counter_only`]).
    hashing: bool,
    writer: Option<Box<dyn Write>>,
    memory: VecDeque<TraceEvent>,
    memory_limit: usize,
    /// [`Trace::draining`]: `memory` is a queue the owner empties; full is an error, not an eviction.
    draining: bool,
    evicted: u64,
    recorded: u64,
    hash: Fnv1a64,
    /// Reused line buffer: one allocation for the whole run.
    line: Vec<u8>,
}

impl fmt::Debug for Trace {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Trace")
            .field("recorded", &self.recorded)
            .field("kept", &self.memory.len())
            .field("hash", &self.hash_hex())
            .finish()
    }
}

impl Trace {
    /// Hash and count only: what `explore` uses, nothing kept.
    pub fn hash_only() -> Self {
        Trace {
            hashing: true,
            writer: None,
            memory: VecDeque::new(),
            memory_limit: 0,
            draining: false,
            evicted: 0,
            recorded: 0,
            hash: Fnv1a64::new(),
            line: Vec::with_capacity(256),
        }
    }

    /// Counts events only: no bytes, no hash ([`Trace::hash`] stays FNV's offset basis). Adding a
    /// writer or memory to it is refused by construction: use [`Trace::hash_only`] for those.
    pub fn counter_only() -> Self {
        Trace { hashing: false, line: Vec::new(), ..Trace::hash_only() }
    }

    /// Whether this trace hashes its events (all but [`Trace::counter_only`]).
    pub fn is_hashing(&self) -> bool {
        self.hashing
    }

    /// Keeps the last `max_events` events in memory (older ones are counted in [`Trace::evicted`]).
    pub fn in_memory(max_events: usize) -> Self {
        Trace { memory_limit: max_events, ..Trace::hash_only() }
    }

    /// Keeps every event until [`Trace::drain`] takes it, at most `max_pending_events` at once (one
    /// more is [`TraceError::DrainFull`]): how the live playground feeds every event, in order, to its
    /// observers while the simulation stays clonable ([`Trace::try_clone`]).
    pub fn draining(max_pending_events: usize) -> Self {
        Trace { memory_limit: max_pending_events.max(1), draining: true, ..Trace::hash_only() }
    }

    /// A copy that continues exactly as this trace would (same hash state, count and kept events), or
    /// `None` when it writes to a writer, which cannot be copied.
    pub fn try_clone(&self) -> Option<Trace> {
        if self.writer.is_some() {
            return None;
        }
        Some(Trace {
            hashing: self.hashing,
            writer: None,
            memory: self.memory.clone(),
            memory_limit: self.memory_limit,
            draining: self.draining,
            evicted: self.evicted,
            recorded: self.recorded,
            hash: self.hash,
            line: Vec::with_capacity(self.line.capacity()),
        })
    }

    /// Takes the kept events, oldest first (for a [`Trace::draining`] trace: every event since the
    /// last drain).
    pub fn drain(&mut self) -> std::collections::vec_deque::Drain<'_, TraceEvent> {
        self.memory.drain(..)
    }

    /// Also writes every event as one JSON line to `writer`.
    pub fn with_writer(mut self, writer: Box<dyn Write>) -> Self {
        self.hashing = true;
        self.writer = Some(writer);
        self
    }

    /// Records one event: hashes its line, writes it if there is a writer, keeps it if in memory.
    pub fn record(&mut self, event: TraceEvent) -> Result<(), TraceError> {
        if self.draining && self.memory.len() >= self.memory_limit {
            return Err(TraceError::DrainFull { limit: self.memory_limit });
        }
        if !self.hashing {
            self.recorded += 1;
            return Ok(());
        }
        self.line.clear();
        if !fast::write_event(&event, &mut self.line) {
            serde_json::to_writer(&mut self.line, &event).map_err(TraceError::Serialize)?;
        }
        self.line.push(b'\n');
        self.hash.update(&self.line);
        self.recorded += 1;
        if let Some(writer) = self.writer.as_mut() {
            writer.write_all(&self.line).map_err(TraceError::Write)?;
        }
        if self.memory_limit > 0 {
            if self.memory.len() == self.memory_limit {
                self.memory.pop_front();
                self.evicted += 1;
            }
            self.memory.push_back(event);
        }
        Ok(())
    }

    /// Flushes the writer, if any.
    pub fn flush(&mut self) -> Result<(), TraceError> {
        match self.writer.as_mut() {
            Some(writer) => writer.flush().map_err(TraceError::Write),
            None => Ok(()),
        }
    }

    /// The FNV-1a 64 hash of every line recorded so far.
    pub fn hash(&self) -> u64 {
        self.hash.value()
    }

    /// [`Trace::hash`] as 16 lower-case hex digits, the form the CLI prints.
    pub fn hash_hex(&self) -> String {
        format!("{:016x}", self.hash.value())
    }

    /// How many events were recorded.
    pub fn recorded(&self) -> u64 {
        self.recorded
    }

    /// The events kept in memory, oldest first.
    pub fn events(&self) -> impl Iterator<Item = &TraceEvent> {
        self.memory.iter()
    }

    /// How many events the memory ring dropped to stay within its limit.
    pub fn evicted(&self) -> u64 {
        self.evicted
    }
}

/// Reads a JSON Lines trace back (blank lines are skipped).
pub fn read_jsonl<R: BufRead>(reader: R) -> Result<Vec<TraceEvent>, TraceError> {
    let mut events = Vec::new();
    for (index, line) in reader.lines().enumerate() {
        let line = line.map_err(TraceError::Read)?;
        if line.trim().is_empty() {
            continue;
        }
        let event = serde_json::from_str(&line)
            .map_err(|error| TraceError::Parse { line: index as u64 + 1, error })?;
        events.push(event);
    }
    Ok(events)
}

#[cfg(test)]
mod tests;

//! A fixed list of playground commands run through `LiveSession` natively (`tests/live_session.rs`)
//! and in headless Chromium (`tests/wasm_browser.rs`): advance, step, act, rewind, fork with a config
//! change, switch branches. Both must end at [`LIVE_SCRIPT_TRACE_HASH`]. When samsa-core's or the
//! simulator's behaviour changes on purpose, the hash changes: update it here (the native test prints
//! the new value) and both tests follow.

use samsa_sim::live::protocol::{Command, UserAction};

/// The trace hash the script ends at.
pub const LIVE_SCRIPT_TRACE_HASH: &str = "1e84baa6983044a9";

/// The scenario the script runs.
pub const SCRIPT_SCENARIO: &str = include_str!("../../../../scenarios/playground.toml");

fn act(action: UserAction) -> Command {
    Command::Act { action }
}

/// The commands, in order.
pub fn script() -> Vec<Command> {
    vec![
        Command::Advance { virtual_ms: 4_000 },
        Command::Step,
        Command::Step,
        act(UserAction::SetLatency { min_ms: 2, max_ms: 30 }),
        Command::Advance { virtual_ms: 3_000 },
        act(UserAction::Crash { node: "broker-1".into(), power_loss: false }),
        Command::Advance { virtual_ms: 8_000 },
        // Back before the crash: acks=1 forks branch B, which then loses the same leader.
        Command::Seek { t_ms: 6_000 },
        act(UserAction::SetClientConfig {
            client: "client-1".into(),
            name: "acks".into(),
            value: "1".into(),
        }),
        Command::Advance { virtual_ms: 1_000 },
        act(UserAction::Crash { node: "broker-1".into(), power_loss: false }),
        Command::Step,
        act(UserAction::Cut { a: "broker-2".into(), b: "broker-3".into() }),
        Command::Advance { virtual_ms: 6_000 },
        act(UserAction::HealAll),
        Command::Advance { virtual_ms: 4_000 },
        Command::SwitchBranch { branch: 0 },
        Command::Seek { t_ms: 2_500 },
        Command::SwitchBranch { branch: 1 },
        Command::Seek { t_ms: 16_000 },
    ]
}

//! How a node's state reads on the page: a CSS class, a word and an icon, so up/paused/down never
//! depends on colour alone.

use samsa_sim::live::protocol::NodeState;

/// The `data-state` value and CSS class: `up`, `paused`, `down`.
pub fn state_name(state: NodeState) -> &'static str {
    match state {
        NodeState::Up => "up",
        NodeState::Paused => "paused",
        NodeState::Down => "down",
    }
}

/// The icon beside the word.
pub fn state_icon(state: NodeState) -> &'static str {
    match state {
        NodeState::Up => "●",
        NodeState::Paused => "❚❚",
        NodeState::Down => "✕",
    }
}

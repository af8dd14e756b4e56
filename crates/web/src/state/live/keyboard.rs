//! The keyboard shortcuts of the time controls (listed in the help overlay).

use super::LiveAction;

/// Each shortcut: the key as the help overlay prints it, and what it does.
pub const SHORTCUTS: [(&str, &str); 6] = [
    ("Space", "play / pause"),
    ("→", "step one event (pauses)"),
    ("[", "slower"),
    ("]", "faster"),
    ("?", "show / hide this help"),
    ("Esc", "close this help"),
];

/// The action for a key (`KeyboardEvent.key`), or `None` when the key is not a shortcut. Keys with
/// Ctrl, Alt or Meta held are left to the browser.
pub fn action_for_key(key: &str, modifier_held: bool) -> Option<LiveAction> {
    if modifier_held {
        return None;
    }
    match key {
        " " | "Spacebar" => Some(LiveAction::TogglePlay),
        "ArrowRight" => Some(LiveAction::Step),
        "[" => Some(LiveAction::Slower),
        "]" => Some(LiveAction::Faster),
        "?" => Some(LiveAction::ToggleHelp),
        "Escape" => Some(LiveAction::CloseHelp),
        _ => None,
    }
}

/// Whether a key event's target is somewhere a person types (the shortcuts then stay out of the way).
pub fn is_typing_target(tag_name: &str, content_editable: bool) -> bool {
    content_editable || matches!(tag_name.to_ascii_uppercase().as_str(), "INPUT" | "TEXTAREA" | "SELECT")
}

//! Every keyboard shortcut, and what a key means in each mode. Presentation clickers send
//! PageDown/PageUp (some send the arrow keys, some Space): in presenter mode those move through
//! the lesson's beats; otherwise the arrows step the run one event at a time.

use super::session::Action;

/// What a key asks the page to do.
#[derive(Clone, PartialEq, Debug)]
pub enum KeyCommand {
    Session(Action),
    TogglePresenter,
    ToggleHelp,
    OpenCatalogue,
    /// Close the open overlay, menu or panel.
    Close,
}

/// The shortcut list the "?" overlay shows, as (keys, what they do).
pub const SHORTCUTS: &[(&str, &str)] = &[
    ("Space", "Play or pause"),
    ("PageDown", "Continue: go on from the caption or answer"),
    ("PageUp", "Back to the previous beat"),
    ("→", "One step (presenter mode: Continue)"),
    ("←", "One step back (presenter mode: previous beat)"),
    ("↓", "Run until something happens"),
    ("A, B, C, D", "Answer the question on screen"),
    (
        "P",
        "Presenter mode: the stage fills the screen, large text",
    ),
    ("L", "All lessons"),
    ("?", "This list"),
    ("Esc", "Close the open panel, menu or list"),
];

/// The command for a key (`KeyboardEvent.key`), or `None` for keys the page leaves alone.
pub fn key_command(key: &str, presenter: bool) -> Option<KeyCommand> {
    use KeyCommand::Session as S;
    let command = match key {
        " " | "Spacebar" => S(Action::TogglePlay),
        "PageDown" => S(Action::Continue),
        "PageUp" => S(Action::BackToPreviousBeat),
        "ArrowRight" if presenter => S(Action::Continue),
        "ArrowLeft" if presenter => S(Action::BackToPreviousBeat),
        "ArrowRight" => S(Action::Step),
        "ArrowLeft" => S(Action::StepBack),
        "ArrowDown" => S(Action::StepToEvent),
        "a" | "A" => S(Action::Answer(0)),
        "b" | "B" => S(Action::Answer(1)),
        "c" | "C" => S(Action::Answer(2)),
        "d" | "D" => S(Action::Answer(3)),
        "p" | "P" => KeyCommand::TogglePresenter,
        "l" | "L" => KeyCommand::OpenCatalogue,
        "?" => KeyCommand::ToggleHelp,
        "Escape" => KeyCommand::Close,
        _ => return None,
    };
    Some(command)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_clicker_moves_through_beats_and_space_plays() {
        assert_eq!(
            key_command("PageDown", false),
            Some(KeyCommand::Session(Action::Continue))
        );
        assert_eq!(
            key_command("PageUp", true),
            Some(KeyCommand::Session(Action::BackToPreviousBeat))
        );
        assert_eq!(
            key_command(" ", true),
            Some(KeyCommand::Session(Action::TogglePlay))
        );
        assert_eq!(
            key_command("ArrowRight", true),
            Some(KeyCommand::Session(Action::Continue))
        );
        assert_eq!(
            key_command("ArrowRight", false),
            Some(KeyCommand::Session(Action::Step))
        );
        assert_eq!(key_command("x", false), None);
    }
}

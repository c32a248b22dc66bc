//! What the page says when the simulator panics, and where its "reload" button leads. A panic in
//! WebAssembly stops the module for good, so the overlay that `ui::panic_overlay` draws must not
//! need the module again: its button is a plain link to the last good step's share link.

/// The words on the panic overlay.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct RecoveryText {
    pub title: &'static str,
    pub body: String,
    pub reload: String,
    pub restart: &'static str,
}

/// The overlay's words; `last_good_step` is the step of the last run the page drew, if any.
pub fn recovery_text(last_good_step: Option<u64>) -> RecoveryText {
    let (body, reload) = match last_good_step {
        Some(step) => (
            format!(
                "Something went wrong inside the simulator, so it stopped. Nothing you did is lost: \
                 the run can reopen at step {step}, the last step shown before the error."
            ),
            format!("Reload at step {step}"),
        ),
        None => (
            "Something went wrong inside the simulator before it showed a run. Reloading starts again."
                .to_string(),
            "Reload".to_string(),
        ),
    };
    RecoveryText {
        title: "The simulator stopped",
        body,
        reload,
        restart: "Start over",
    }
}

/// The address that reopens the page at `fragment` (a share link's fragment): the same path
/// with a fresh query, so the browser loads the page again instead of only moving to the
/// fragment. `nonce` (the clock) keeps two recoveries in a row distinct.
pub fn reload_address(path: &str, nonce: u64, fragment: Option<&str>) -> String {
    let path = if path.is_empty() { "/" } else { path };
    match fragment {
        Some(f) => format!("{path}?recovered={nonce}#{}", f.trim_start_matches('#')),
        None => format!("{path}?recovered={nonce}"),
    }
}

/// The longest error text the overlay shows (a panic message can quote a whole input).
pub const MAX_SHOWN_ERROR: usize = 2_000;

/// The panic message as shown: cut at `MAX_SHOWN_ERROR` bytes on a character boundary.
pub fn shown_error(message: &str) -> String {
    if message.len() <= MAX_SHOWN_ERROR {
        return message.to_string();
    }
    let mut end = MAX_SHOWN_ERROR;
    while !message.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}…", &message[..end])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_reload_button_names_the_last_good_step() {
        let text = recovery_text(Some(42));
        assert_eq!(text.reload, "Reload at step 42");
        assert!(text.body.contains("step 42"));
        assert_eq!(recovery_text(None).reload, "Reload");
    }

    #[test]
    fn the_reload_address_forces_a_fresh_load_at_the_fragment() {
        assert_eq!(
            reload_address("/", 7, Some("#run=abc")),
            "/?recovered=7#run=abc"
        );
        assert_eq!(
            reload_address("/class/", 8, Some("run=abc")),
            "/class/?recovered=8#run=abc"
        );
        assert_eq!(reload_address("", 9, None), "/?recovered=9");
    }

    #[test]
    fn long_errors_are_cut_on_a_character_boundary() {
        let long = "é".repeat(MAX_SHOWN_ERROR);
        let shown = shown_error(&long);
        assert!(shown.len() <= MAX_SHOWN_ERROR + '…'.len_utf8());
        assert!(shown.ends_with('…'));
        assert_eq!(shown_error("short"), "short");
    }
}

//! The few pieces of argparse4j that Kafka's newer tools (`kafka-metadata-quorum.sh`) print:
//! the usage line wrapped at 75 columns (`ArgumentParserImpl.printArgumentUsage`), help
//! entries with their text in a column at 25 (`TextHelper.printHelp`, justified by
//! `TextHelper.wrap` and `adjustSpace`), and the error line (`handleError`).

use super::Printer;

/// argparse4j's width when the terminal is 80 columns (`getTerminalWidth() - 5`).
pub const WIDTH: usize = 75;
const HELP_COLUMN: usize = 25;

/// `printUsage`: `usage: PROG` then each piece of syntax, wrapped under the program's name.
pub fn usage(prog: &str, pieces: &[&str]) -> Vec<String> {
    let head = format!("usage: {prog}");
    let (mut line, indent) = if head.len() > 30 {
        (String::from("      "), " ".repeat(6))
    } else {
        (head.clone(), " ".repeat(head.len()))
    };
    let mut lines = Vec::new();
    if head.len() > 30 {
        lines.push(head);
    }
    let mut first = true;
    for piece in pieces {
        if !first && line.len() + piece.len() + 1 > WIDTH {
            lines.push(std::mem::take(&mut line));
            line = indent.clone();
        }
        line.push(' ');
        line.push_str(piece);
        first = false;
    }
    lines.push(line);
    lines
}

/// `TextHelper.printHelp`: `  TITLE` and the help text from column 25 (on the next line when
/// the title is wider than 21).
pub fn entry(title: &str, help: &str) -> Vec<String> {
    let mut lines = Vec::new();
    let mut first = format!("  {title}");
    if title.len() > 21 {
        lines.push(first);
        first = " ".repeat(HELP_COLUMN);
    } else {
        first.push_str(&" ".repeat(HELP_COLUMN - title.len() - 2));
    }
    let wrapped = wrap(help, HELP_COLUMN);
    for (i, text) in wrapped.into_iter().enumerate() {
        if i == 0 {
            lines.push(format!("{first}{text}"));
        } else {
            lines.push(format!("{}{text}", " ".repeat(HELP_COLUMN)));
        }
    }
    lines
}

/// A description as `printHelp` prints it: wrapped from column 0.
pub fn paragraph(text: &str) -> Vec<String> {
    wrap(text, 0)
}

/// `TextHelper.wrap` from `offset`: greedy lines of at most [`WIDTH`] columns, each full line
/// justified by widening its gaps (`adjustSpace`).
fn wrap(text: &str, offset: usize) -> Vec<String> {
    let mut lines = Vec::new();
    let mut line = String::new();
    let mut width = offset;
    for piece in break_points(text) {
        width += piece.len();
        if width > WIDTH && !line.is_empty() {
            lines.push(justify(&line, WIDTH - offset));
            line.clear();
            width = offset + piece.len();
        }
        line.push_str(piece);
    }
    lines.push(line);
    lines
}

/// Where Java's line `BreakIterator` may break: after spaces, and after a hyphen between letters.
fn break_points(text: &str) -> Vec<&str> {
    let mut pieces = Vec::new();
    let bytes = text.as_bytes();
    let mut start = 0;
    for i in 0..bytes.len() {
        let next = bytes.get(i + 1).copied();
        let after_space = bytes[i] == b' ' && next != Some(b' ');
        let after_hyphen = bytes[i] == b'-'
            && i > 0
            && bytes[i - 1].is_ascii_alphabetic()
            && next.is_some_and(|c| c.is_ascii_alphabetic());
        if after_space || after_hyphen {
            pieces.push(&text[start..=i]);
            start = i + 1;
        }
    }
    if start < text.len() {
        pieces.push(&text[start..]);
    }
    pieces
}

/// `TextHelper.adjustSpace`: trimmed, then `width - len` spaces spread over the gaps, the
/// extra ones to the middle gaps.
fn justify(line: &str, width: usize) -> String {
    let line = line.trim_matches(' ');
    let gaps = line.split(' ').count() - 1;
    if gaps == 0 {
        return line.to_string();
    }
    let need = width.saturating_sub(line.len());
    let (each, rem) = (need / gaps, need % gaps);
    let rem_start = (gaps - rem).div_ceil(2);
    let mut out = String::new();
    for (b, word) in line.split(' ').enumerate() {
        if b > 0 {
            let extra = usize::from(rem_start < b && b <= rem_start + rem);
            out.push_str(&" ".repeat(1 + each + extra));
        }
        out.push_str(word);
    }
    out
}

/// `ArgumentParserImpl.handleError`: the usage, then `PROG: error: MESSAGE`, on stderr, exit 1.
pub fn error(p: &mut Printer, prog: &str, usage_lines: &[String], message: &str) {
    for l in usage_lines {
        p.err(l.clone());
    }
    p.err(format!("{prog}: error: {message}"));
    p.exit(1);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_help_is_justified_to_the_width() {
        let lines = entry("--status", "A short summary of the quorum status and the other provides detailed information about the status of replication.");
        assert!(lines[0].starts_with("  --status               A short"));
        assert_eq!(lines[0].len(), WIDTH);
        assert!(lines.last().unwrap().ends_with("replication."));
    }

    #[test]
    fn usage_wraps_under_the_program_name() {
        let lines = usage("prog", &["[-h]", &"x".repeat(70)]);
        assert_eq!(
            lines,
            vec![
                "usage: prog [-h]".to_string(),
                format!("            {}", "x".repeat(70))
            ]
        );
    }
}

//! Splitting a console line into words the way a POSIX shell does for a simple command:
//! whitespace separates words, single quotes keep everything literally, double quotes keep
//! spaces and honour `\"` and `\\`, a backslash outside quotes escapes the next character. No
//! variables, globs or pipes: the console runs one tool per line.

/// The longest line the console accepts, in bytes. Not a Kafka limit: it keeps one pasted
/// blob from filling the recording and the screen.
pub const MAX_LINE_BYTES: usize = 10_000;

/// Why a line could not be split into words.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum ShellError {
    /// A quote opened and never closed (bash: "unexpected EOF while looking for matching").
    UnbalancedQuote(char),
    /// The line is longer than [`MAX_LINE_BYTES`].
    TooLong { bytes: u32 },
}

impl ShellError {
    /// The message a shell would print.
    pub fn message(self) -> String {
        match self {
            ShellError::UnbalancedQuote(q) => {
                format!("bash: unexpected EOF while looking for matching `{q}'")
            }
            ShellError::TooLong { bytes } => format!(
                "console: line of {bytes} bytes refused: the console takes lines up to {MAX_LINE_BYTES} bytes"
            ),
        }
    }
}

/// The words of `line`, quotes removed.
pub fn split_words(line: &str) -> Result<Vec<String>, ShellError> {
    if line.len() > MAX_LINE_BYTES {
        return Err(ShellError::TooLong {
            bytes: u32::try_from(line.len()).unwrap_or(u32::MAX),
        });
    }
    let mut words = Vec::new();
    let mut word = String::new();
    let mut in_word = false;
    let mut chars = line.chars();
    while let Some(c) = chars.next() {
        match c {
            '\'' => {
                in_word = true;
                loop {
                    match chars.next() {
                        Some('\'') => break,
                        Some(x) => word.push(x),
                        None => return Err(ShellError::UnbalancedQuote('\'')),
                    }
                }
            }
            '"' => {
                in_word = true;
                double_quoted(&mut chars, &mut word)?;
            }
            '\\' => {
                in_word = true;
                if let Some(x) = chars.next() {
                    word.push(x);
                }
            }
            c if c.is_whitespace() => {
                if in_word {
                    words.push(std::mem::take(&mut word));
                    in_word = false;
                }
            }
            c => {
                in_word = true;
                word.push(c);
            }
        }
    }
    if in_word {
        words.push(word);
    }
    Ok(words)
}

fn double_quoted(chars: &mut std::str::Chars<'_>, word: &mut String) -> Result<(), ShellError> {
    loop {
        match chars.next() {
            Some('"') => return Ok(()),
            Some('\\') => match chars.next() {
                Some(x @ ('"' | '\\' | '$' | '`')) => word.push(x),
                Some(x) => {
                    word.push('\\');
                    word.push(x);
                }
                None => return Err(ShellError::UnbalancedQuote('"')),
            },
            Some(x) => word.push(x),
            None => return Err(ShellError::UnbalancedQuote('"')),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_split_on_spaces_and_keep_quoted_text() {
        let w = split_words(r#"a  'b c' "d \"e\"" f\ g"#).unwrap();
        assert_eq!(w, vec!["a", "b c", "d \"e\"", "f g"]);
    }

    #[test]
    fn an_open_quote_is_an_error() {
        assert_eq!(
            split_words("echo 'abc"),
            Err(ShellError::UnbalancedQuote('\''))
        );
        assert_eq!(
            split_words("echo \"abc"),
            Err(ShellError::UnbalancedQuote('"'))
        );
    }

    #[test]
    fn a_huge_line_is_refused() {
        let line = "x".repeat(MAX_LINE_BYTES + 1);
        assert!(matches!(
            split_words(&line),
            Err(ShellError::TooLong { .. })
        ));
    }
}

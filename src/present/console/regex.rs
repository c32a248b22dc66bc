//! The part of Java's regular expressions that topic include lists use (`--topic 'orders.*'`,
//! `--topic 'a|b'`): literals, `.`, `\` escapes, `[...]` classes with ranges and `^`, the
//! quantifiers `*`, `+` and `?`, and `|` at the top level, matched against the whole name as
//! `Matcher.matches` does. A pattern outside that subset matches only its own text.

/// One element of a pattern: what it matches and how often.
#[derive(Clone, Debug)]
struct Atom {
    class: Class,
    min: u32,
    many: bool,
}

#[derive(Clone, Debug)]
enum Class {
    Any,
    Char(char),
    Set {
        negated: bool,
        ranges: Vec<(char, char)>,
    },
}

impl Class {
    fn accepts(&self, c: char) -> bool {
        match self {
            Class::Any => true,
            Class::Char(x) => *x == c,
            Class::Set { negated, ranges } => {
                ranges.iter().any(|(lo, hi)| (*lo..=*hi).contains(&c)) != *negated
            }
        }
    }
}

/// Whether `text` matches the whole of `pattern`.
pub fn matches(pattern: &str, text: &str) -> bool {
    let text: Vec<char> = text.chars().collect();
    pattern.split('|').any(|branch| match compile(branch) {
        Some(atoms) => match_here(&atoms, &text),
        None => branch == pattern && pattern.chars().eq(text.iter().copied()),
    })
}

fn compile(branch: &str) -> Option<Vec<Atom>> {
    let mut atoms: Vec<Atom> = Vec::new();
    let mut chars = branch.chars();
    while let Some(c) = chars.next() {
        let class = match c {
            '.' => Class::Any,
            '\\' => Class::Char(chars.next()?),
            '[' => set(&mut chars)?,
            '*' | '+' | '?' => {
                let last = atoms.last_mut()?;
                if last.many || last.min != 1 {
                    return None;
                }
                (last.min, last.many) = match c {
                    '*' => (0, true),
                    '+' => (1, true),
                    _ => (0, false),
                };
                continue;
            }
            '(' | ')' | '{' | '}' | '$' | '^' => return None,
            c => Class::Char(c),
        };
        atoms.push(Atom {
            class,
            min: 1,
            many: false,
        });
    }
    Some(atoms)
}

fn set(chars: &mut std::str::Chars<'_>) -> Option<Class> {
    let mut ranges = Vec::new();
    let mut negated = false;
    let mut first = true;
    loop {
        let c = chars.next()?;
        match c {
            ']' if !first => return Some(Class::Set { negated, ranges }),
            '^' if first => negated = true,
            '-' if !first && !ranges.is_empty() => {
                let hi = chars.next()?;
                if hi == ']' {
                    ranges.push(('-', '-'));
                    return Some(Class::Set { negated, ranges });
                }
                let (lo, _) = ranges.pop()?;
                ranges.push((lo, hi));
            }
            '\\' => {
                let x = chars.next()?;
                ranges.push((x, x));
            }
            c => ranges.push((c, c)),
        }
        first = false;
    }
}

/// Backtracking match of `atoms` against all of `text` (atoms are few; names are short).
fn match_here(atoms: &[Atom], text: &[char]) -> bool {
    let Some((atom, rest)) = atoms.split_first() else {
        return text.is_empty();
    };
    let max = if atom.many { text.len() } else { 1 };
    let run = text
        .iter()
        .take(max)
        .take_while(|c| atom.class.accepts(**c))
        .count();
    (atom.min as usize..=run)
        .rev()
        .any(|n| match_here(rest, &text[n..]))
}

#[cfg(test)]
mod tests {
    use super::matches;

    #[test]
    fn include_lists_match_whole_names() {
        assert!(matches("orders", "orders"));
        assert!(!matches("orders", "orders-v2"));
        assert!(matches("orders.*", "orders-v2"));
        assert!(matches("a|orders", "orders"));
        assert!(matches("test\\.topic", "test.topic"));
        assert!(!matches("test\\.topic", "test-topic"));
        assert!(matches("[a-c]x+", "bxx"));
        assert!(!matches("[^a-c]x", "ax"));
        assert!(matches("__.*", "__consumer_offsets"));
    }

    #[test]
    fn unsupported_patterns_match_their_own_text() {
        assert!(matches("(a", "(a"));
        assert!(!matches("(a)", "a"));
    }
}

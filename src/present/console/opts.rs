//! Command-line options as Kafka's tools read them with joptsimple: long options only
//! (`--topic orders` or `--topic=orders`), a unique prefix stands for the whole name
//! (`--bootstrap` is `--bootstrap-server`), repeated options collect values, typed arguments
//! are converted with Java's rules (`Integer.valueOf`), and the errors carry joptsimple's own
//! texts. `help` prints joptsimple's two-column table (`BuiltinHelpFormatter`).

use std::collections::BTreeMap;

/// The Java type of an option's argument (what `ofType` says).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum ArgType {
    Str,
    Int,
    Long,
}

impl ArgType {
    fn java_name(self) -> &'static str {
        match self {
            ArgType::Str => "String",
            ArgType::Int => "Integer",
            ArgType::Long => "Long",
        }
    }
}

/// One option a tool accepts: `parser.accepts(name, doc)`, with `withRequiredArg()
/// .describedAs(..).ofType(..)` when `arg` is set, and `.defaultsTo(..)` when `default` is.
#[derive(Clone, Copy, Debug)]
pub struct Opt {
    pub name: &'static str,
    pub arg: Option<(&'static str, ArgType)>,
    pub default: Option<&'static str>,
    pub doc: &'static str,
    /// `withOptionalArg()`: the argument may be left out (the next word is taken only when it
    /// is not an option).
    pub optional: bool,
}

/// A flag without an argument.
pub const fn flag(name: &'static str, doc: &'static str) -> Opt {
    Opt {
        name,
        arg: None,
        default: None,
        doc,
        optional: false,
    }
}

/// An option with a required argument.
pub const fn arg(
    name: &'static str,
    described: &'static str,
    ty: ArgType,
    doc: &'static str,
) -> Opt {
    Opt {
        name,
        arg: Some((described, ty)),
        default: None,
        doc,
        optional: false,
    }
}

/// The options every Kafka tool has (`CommandDefaultOptions`).
pub const HELP: Opt = flag("help", "Print usage information.");
pub const VERSION: Opt = flag("version", "Display Kafka version.");

/// joptsimple's `OptionException`s, with their messages.
#[derive(Clone, PartialEq, Eq, Debug)]
pub enum OptError {
    /// `UnrecognizedOptionException`.
    Unrecognized(String),
    /// `OptionMissingRequiredArgumentException`.
    MissingArgument(&'static str),
    /// `OptionArgumentConversionException`.
    Conversion { option: &'static str, value: String },
}

impl OptError {
    pub fn class(&self) -> &'static str {
        match self {
            OptError::Unrecognized(_) => "joptsimple.UnrecognizedOptionException",
            OptError::MissingArgument(_) => "joptsimple.OptionMissingRequiredArgumentException",
            OptError::Conversion { .. } => "joptsimple.OptionArgumentConversionException",
        }
    }
    pub fn message(&self) -> String {
        match self {
            OptError::Unrecognized(o) => format!("{o} is not a recognized option"),
            OptError::MissingArgument(o) => format!("Option {o} requires an argument"),
            OptError::Conversion { option, value } => {
                format!("Cannot parse argument '{value}' of option {option}")
            }
        }
    }
}

/// What `parser.parse(args)` returned: the options present with their values, in order, and
/// the words that are not options.
#[derive(Clone, Debug, Default)]
pub struct Parsed {
    values: BTreeMap<&'static str, Vec<String>>,
    pub positional: Vec<String>,
    pub given: u32,
}

impl Parsed {
    pub fn has(&self, name: &str) -> bool {
        self.values.contains_key(name)
    }
    /// The first value (`valueOf`), or the option's default.
    pub fn value(&self, name: &str) -> Option<&str> {
        self.values
            .get(name)
            .and_then(|v| v.first())
            .map(String::as_str)
    }
    pub fn values(&self, name: &str) -> &[String] {
        self.values.get(name).map_or(&[], Vec::as_slice)
    }
    /// An `Integer` option's value (already checked at parse time).
    pub fn int(&self, name: &str) -> Option<i32> {
        self.value(name).and_then(|v| v.parse().ok())
    }
    pub fn long(&self, name: &str) -> Option<i64> {
        self.value(name).and_then(|v| v.parse().ok())
    }
}

/// joptsimple's `OptionParser.parse` over `opts` (plus `--help` and `--version`).
pub fn parse(opts: &[Opt], words: &[String]) -> Result<Parsed, OptError> {
    let mut parsed = Parsed {
        given: words.len() as u32,
        ..Parsed::default()
    };
    let mut i = 0;
    while i < words.len() {
        let word = &words[i];
        i += 1;
        let Some(body) = word.strip_prefix("--").or_else(|| word.strip_prefix('-')) else {
            parsed.positional.push(word.clone());
            continue;
        };
        if word == "--" {
            parsed.positional.extend(words[i..].iter().cloned());
            break;
        }
        let (name, inline) = match body.split_once('=') {
            Some((n, v)) => (n, Some(v.to_string())),
            None => (body, None),
        };
        let opt = find(opts, name).ok_or_else(|| OptError::Unrecognized(name.to_string()))?;
        let value = match opt.arg {
            None => None,
            Some((_, ty)) => {
                let v = match inline {
                    Some(v) => v,
                    None if opt.optional && words.get(i).is_none_or(|w| w.starts_with('-')) => {
                        parsed.values.entry(opt.name).or_default();
                        continue;
                    }
                    None if i < words.len() => {
                        i += 1;
                        words[i - 1].clone()
                    }
                    None => return Err(OptError::MissingArgument(opt.name)),
                };
                convert(opt.name, ty, &v)?;
                Some(v)
            }
        };
        let entry = parsed.values.entry(opt.name).or_default();
        entry.extend(value);
    }
    for o in opts.iter().filter(|o| o.default.is_some()) {
        parsed
            .values
            .entry(o.name)
            .or_insert_with(|| vec![o.default.unwrap_or_default().to_string()]);
    }
    Ok(parsed)
}

/// An exact name, else the one option the prefix abbreviates (joptsimple's abbreviation map).
fn find<'a>(opts: &'a [Opt], name: &str) -> Option<&'a Opt> {
    let all = || opts.iter().chain([&HELP, &VERSION]);
    if name.is_empty() {
        return None;
    }
    if let Some(o) = all().find(|o| o.name == name) {
        return Some(o);
    }
    let mut prefixed = all().filter(|o| o.name.starts_with(name));
    match (prefixed.next(), prefixed.next()) {
        (Some(o), None) => Some(o),
        _ => None,
    }
}

fn convert(option: &'static str, ty: ArgType, value: &str) -> Result<(), OptError> {
    let ok = match ty {
        ArgType::Str => true,
        ArgType::Int => java_int(value).is_some(),
        ArgType::Long => value.trim_start_matches('+').parse::<i64>().is_ok(),
    };
    if ok {
        Ok(())
    } else {
        Err(OptError::Conversion {
            option,
            value: value.to_string(),
        })
    }
}

/// `Integer.valueOf`: an optional sign and decimal digits that fit 32 bits.
pub fn java_int(value: &str) -> Option<i32> {
    value.trim_start_matches('+').parse::<i32>().ok()
}

/// The option names a tool accepts, with `--`, sorted (for Tab completion).
pub fn names(opts: &[Opt]) -> Vec<String> {
    let mut names: Vec<String> = opts
        .iter()
        .chain([&HELP, &VERSION])
        .map(|o| format!("--{}", o.name))
        .collect();
    crate::sim::sort::sort(&mut names);
    names
}

const OPTION_COLUMN: usize = 41;
const DESCRIPTION_WIDTH: usize = 39;

/// `parser.printHelpOn(out)`: joptsimple's table, options sorted by name, arguments as
/// `<Type: described>`, long descriptions wrapped with a two-space hanging indent.
pub fn help(opts: &[Opt]) -> Vec<String> {
    let mut all: Vec<&Opt> = opts.iter().chain([&HELP, &VERSION]).collect();
    crate::sim::sort::sort_by_key(&mut all, |o| o.name);
    let mut lines = vec![
        format!("{:<OPTION_COLUMN$}{}", "Option", "Description"),
        format!("{:<OPTION_COLUMN$}{}", "------", "-----------"),
    ];
    for o in all {
        let mut left = format!("--{}", o.name);
        if let Some((described, ty)) = o.arg {
            let (open, close) = if o.optional { ('[', ']') } else { ('<', '>') };
            if described.is_empty() {
                left.push_str(&format!(" {open}{}{close}", ty.java_name()));
            } else {
                left.push_str(&format!(" {open}{}: {described}{close}", ty.java_name()));
            }
        }
        let mut doc = o.doc.to_string();
        if let Some(d) = o.default {
            doc.push_str(&format!(" (default: {d})"));
        }
        let left = wrap(&left, OPTION_COLUMN - 1, 2);
        let right = wrap(&doc, DESCRIPTION_WIDTH, 2);
        for row in 0..left.len().max(right.len()) {
            let l = left.get(row).map_or("", String::as_str);
            let r = right.get(row).map_or("", String::as_str);
            lines.push(format!("{l:<OPTION_COLUMN$}{r}").trim_end().to_string());
        }
    }
    lines
}

/// Words of `text` in lines of at most `width` characters; lines after the first are indented.
fn wrap(text: &str, width: usize, indent: usize) -> Vec<String> {
    let mut lines: Vec<String> = Vec::new();
    let mut line = String::new();
    for word in text.split_whitespace() {
        let pad = if lines.is_empty() { 0 } else { indent };
        if !line.is_empty() && pad + line.len() + 1 + word.len() > width {
            lines.push(format!("{}{line}", " ".repeat(pad)));
            line.clear();
        }
        if !line.is_empty() {
            line.push(' ');
        }
        line.push_str(word);
    }
    if !line.is_empty() || lines.is_empty() {
        let pad = if lines.is_empty() { 0 } else { indent };
        lines.push(format!("{}{line}", " ".repeat(pad)));
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    const OPTS: &[Opt] = &[
        arg(
            "bootstrap-server",
            "server to connect to",
            ArgType::Str,
            "REQUIRED: The Kafka server to connect to.",
        ),
        arg("partitions", "# of partitions", ArgType::Int, "Partitions."),
        flag("create", "Create a new topic."),
    ];

    fn words(s: &str) -> Vec<String> {
        s.split_whitespace().map(str::to_string).collect()
    }

    #[test]
    fn prefixes_and_equals_signs_are_accepted() {
        let p = parse(OPTS, &words("--bootstrap b1:9092 --partitions=3 --cr")).unwrap();
        assert_eq!(p.value("bootstrap-server"), Some("b1:9092"));
        assert_eq!(p.int("partitions"), Some(3));
        assert!(p.has("create"));
    }

    #[test]
    fn errors_use_joptsimple_texts() {
        let e = parse(OPTS, &words("--nope")).unwrap_err();
        assert_eq!(e.message(), "nope is not a recognized option");
        let e = parse(OPTS, &words("--partitions")).unwrap_err();
        assert_eq!(e.message(), "Option partitions requires an argument");
        let e = parse(OPTS, &words("--partitions 99999999999")).unwrap_err();
        assert_eq!(
            e.message(),
            "Cannot parse argument '99999999999' of option partitions"
        );
    }

    #[test]
    fn help_is_a_sorted_two_column_table() {
        let h = help(OPTS);
        assert!(h[0].starts_with("Option"));
        assert!(h[2].starts_with("--bootstrap-server <String: server to"));
        assert!(h.iter().any(|l| l.starts_with("--create")));
    }
}

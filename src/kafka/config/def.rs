//! Kafka's `ConfigDef`, reduced to what the simulator needs: each known key with its type,
//! default, validator and documentation, and a parser that turns user-supplied values into a
//! validated set, with Kafka's own error texts (`Invalid value abc for configuration linger.ms:
//! Not a number of type LONG`). The UI's config panels are drawn from the same tables.

use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};

#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub enum ConfigType {
    Boolean,
    Short,
    Int,
    Long,
    /// A decimal such as `0.5`, kept as thousandths (no floats in state).
    Double,
    String,
    List,
    Class,
}

impl ConfigType {
    /// The type's name in Kafka's `ConfigDef.Type`.
    pub fn kafka_name(self) -> &'static str {
        match self {
            ConfigType::Boolean => "BOOLEAN",
            ConfigType::Short => "SHORT",
            ConfigType::Int => "INT",
            ConfigType::Long => "LONG",
            ConfigType::Double => "DOUBLE",
            ConfigType::String => "STRING",
            ConfigType::List => "LIST",
            ConfigType::Class => "CLASS",
        }
    }
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Validator {
    None,
    AtLeast(i64),
    Between(i64, i64),
    /// Case-sensitive list of allowed values (Kafka's `ValidString`).
    OneOf(&'static [&'static str]),
}

/// One configuration key. `default` is Kafka's default in string form ("" for null).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct ConfigKey {
    pub name: &'static str,
    pub ty: ConfigType,
    pub default: &'static str,
    pub validator: Validator,
    pub doc: &'static str,
}

/// The validated values of one config family (producer, consumer, broker, topic), with which
/// keys the user set explicitly (Kafka decides some things on that, e.g. idempotence).
#[derive(Clone, PartialEq, Eq, Hash, Debug, Default)]
pub struct ConfigValues {
    values: BTreeMap<&'static str, String>,
    explicit: BTreeSet<&'static str>,
}

impl ConfigValues {
    pub fn get(&self, name: &str) -> &str {
        self.values
            .get(name)
            .map(String::as_str)
            .unwrap_or_else(|| panic!("config key {name} is defined"))
    }
    pub fn int(&self, name: &str) -> i64 {
        self.get(name)
            .parse()
            .unwrap_or_else(|_| panic!("config {name} was validated as a number"))
    }
    pub fn bool(&self, name: &str) -> bool {
        self.get(name).eq_ignore_ascii_case("true")
    }
    /// A DOUBLE in thousandths: `0.5` -> 500.
    pub fn thousandths(&self, name: &str) -> i64 {
        parse_thousandths(self.get(name))
            .unwrap_or_else(|| panic!("config {name} was validated as a decimal"))
    }
    pub fn list(&self, name: &str) -> Vec<String> {
        split_list(self.get(name))
    }
    pub fn is_explicit(&self, name: &str) -> bool {
        self.explicit.contains(name)
    }
    /// Every key with its current value, for display.
    pub fn iter(&self) -> impl Iterator<Item = (&'static str, &str)> {
        self.values.iter().map(|(k, v)| (*k, v.as_str()))
    }
    /// The explicitly set keys and values (for writing a lesson back out).
    pub fn explicit_entries(&self) -> BTreeMap<String, String> {
        crate::sim::sort::collect_map(
            self.explicit
                .iter()
                .map(|k| (k.to_string(), self.values[k].clone())),
        )
    }
}

/// A config problem as data: the key, the value as typed, and what is wrong. `present` words it
/// the way Kafka's `ConfigException` does (`Invalid value abc for configuration linger.ms: Not
/// a number of type LONG`).
#[derive(Clone, PartialEq, Eq, Hash, Debug)]
pub struct ConfigError {
    pub key: String,
    pub value: String,
    pub problem: ConfigProblem,
}

#[derive(Clone, PartialEq, Eq, Hash, Debug)]
pub enum ConfigProblem {
    /// Not a key of this family; `suggestion` is the closest known key, if one is close.
    UnknownKey {
        suggestion: Option<&'static str>,
    },
    NotANumber {
        ty: ConfigType,
    },
    /// Below the minimum (shown in the key's own notation, e.g. `0.0` for a DOUBLE).
    AtLeast {
        min: String,
    },
    Between {
        min: String,
        max: String,
    },
    NotABoolean,
    /// `item` (one list item, or the whole value) is not one of `allowed`.
    NotOneOf {
        item: String,
        allowed: &'static [&'static str],
    },
    /// A JSON list item that is not a string.
    ListItemNotAString,
    /// A JSON object where a scalar was expected.
    NotAScalar,
    /// Kafka's cross-field rules refused the combination, with Kafka's own exception text.
    Kafka(crate::kafka::producer::idempotence_config::ConfigException),
    /// `heartbeat.interval.ms` must be below `session.timeout.ms`.
    HeartbeatNotBelowSession,
    /// The key or the value is longer than `max` bytes (checked before anything else).
    TooLong {
        bytes: u64,
        max: u64,
    },
}

/// The longest config value read, in bytes (the longest real one, a list of class names, is
/// far shorter); longer values are refused before they are parsed.
pub const MAX_VALUE_BYTES: usize = 1_000;
/// The longest config key read (Kafka's keys are under 60 characters).
pub const MAX_KEY_BYTES: usize = 200;

/// At most `max` bytes of `text`, cut on a character boundary (errors quote what was typed).
fn clipped(text: &str, max: usize) -> String {
    if text.len() <= max {
        return text.to_string();
    }
    let mut end = max;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}…", &text[..end])
}

/// Refuse a key or value over the caps before parsing it.
fn check_size(name: &str, value: &str) -> Result<(), ConfigError> {
    let too_long = |bytes: usize, max: usize| ConfigProblem::TooLong {
        bytes: bytes as u64,
        max: max as u64,
    };
    if name.trim().is_empty() {
        return Err(ConfigError::new(
            "",
            "",
            ConfigProblem::UnknownKey { suggestion: None },
        ));
    }
    if name.len() > MAX_KEY_BYTES {
        return Err(ConfigError::new(
            &clipped(name, 60),
            "",
            too_long(name.len(), MAX_KEY_BYTES),
        ));
    }
    if value.len() > MAX_VALUE_BYTES {
        return Err(ConfigError::new(
            name,
            &clipped(value, 60),
            too_long(value.len(), MAX_VALUE_BYTES),
        ));
    }
    Ok(())
}

impl ConfigError {
    fn new(key: &str, value: &str, problem: ConfigProblem) -> ConfigError {
        ConfigError {
            key: key.to_string(),
            value: value.to_string(),
            problem,
        }
    }
}

/// Validate `supplied` against `keys`; unknown keys are errors (a typo in a lesson should not be
/// silently ignored), with a suggestion when a known key is close.
pub fn parse(
    keys: &'static [ConfigKey],
    supplied: &BTreeMap<String, Value>,
) -> Result<ConfigValues, Vec<ConfigError>> {
    let mut out = ConfigValues::default();
    for key in keys {
        out.values.insert(key.name, key.default.to_string());
    }
    let mut errors = Vec::new();
    for (name, value) in supplied {
        let size = match value {
            Value::String(text) => text.len(),
            other => other.to_string().len(),
        };
        if name.len() > MAX_KEY_BYTES || size > MAX_VALUE_BYTES {
            let shown = match value {
                Value::String(text) => text.clone(),
                other => other.to_string(),
            };
            errors.extend(check_size(name, &shown).err());
            continue;
        }
        let Some(key) = keys.iter().find(|k| k.name == name) else {
            errors.push(unknown_key(keys, name));
            continue;
        };
        match value_as_string(value).and_then(|s| validate(key, &s).map(|()| s)) {
            Ok(s) => {
                out.values.insert(key.name, s);
                out.explicit.insert(key.name);
            }
            Err(problem) => {
                let shown = match value {
                    Value::String(s) => s.trim().to_string(),
                    other => other.to_string(),
                };
                errors.push(ConfigError::new(name, &shown, problem));
            }
        }
    }
    if errors.is_empty() {
        Ok(out)
    } else {
        Err(errors)
    }
}

/// Validate one value typed by a user (the UI's config panel) and return the new set.
pub fn with_value(
    keys: &'static [ConfigKey],
    current: &ConfigValues,
    name: &str,
    raw: &str,
) -> Result<ConfigValues, ConfigError> {
    check_size(name, raw)?;
    let key = keys
        .iter()
        .find(|k| k.name == name)
        .ok_or_else(|| unknown_key(keys, name))?;
    let raw = raw.trim().to_string();
    validate(key, &raw).map_err(|problem| ConfigError::new(name, &raw, problem))?;
    let mut next = current.clone();
    next.values.insert(key.name, raw);
    next.explicit.insert(key.name);
    Ok(next)
}

/// Drop a user-set value: the key goes back to its default (a deleted dynamic config).
pub fn without_value(
    keys: &'static [ConfigKey],
    current: &ConfigValues,
    name: &str,
) -> ConfigValues {
    let mut next = current.clone();
    if let Some(key) = keys.iter().find(|k| k.name == name) {
        next.values.insert(key.name, key.default.to_string());
        next.explicit.remove(key.name);
    }
    next
}

fn unknown_key(keys: &'static [ConfigKey], name: &str) -> ConfigError {
    let closest = keys
        .iter()
        .map(|k| (edit_distance(k.name, name), k.name))
        .min();
    let suggestion = match closest {
        Some((d, k)) if d <= 3 => Some(k),
        _ => None,
    };
    ConfigError::new(name, "", ConfigProblem::UnknownKey { suggestion })
}

fn value_as_string(value: &Value) -> Result<String, ConfigProblem> {
    match value {
        Value::String(s) => Ok(s.trim().to_string()),
        Value::Number(n) => Ok(n.to_string()),
        Value::Bool(b) => Ok(b.to_string()),
        Value::Null => Ok(String::new()),
        Value::Array(items) => items
            .iter()
            .map(|v| match v {
                Value::String(s) => Ok(s.trim().to_string()),
                _ => Err(ConfigProblem::ListItemNotAString),
            })
            .collect::<Result<Vec<_>, _>>()
            .map(|v| v.join(",")),
        Value::Object(_) => Err(ConfigProblem::NotAScalar),
    }
}

fn validate(key: &ConfigKey, value: &str) -> Result<(), ConfigProblem> {
    let number = match key.ty {
        ConfigType::Short => Some(value.parse::<i16>().map(i64::from).ok()),
        ConfigType::Int => Some(value.parse::<i32>().map(i64::from).ok()),
        ConfigType::Long => Some(value.parse::<i64>().ok()),
        ConfigType::Double => Some(parse_thousandths(value)),
        _ => None,
    };
    if let Some(parsed) = number {
        let n = parsed.ok_or(ConfigProblem::NotANumber { ty: key.ty })?;
        return match key.validator {
            Validator::AtLeast(min) if n < min => Err(ConfigProblem::AtLeast {
                min: show(key, min),
            }),
            Validator::Between(lo, hi) if n < lo || n > hi => Err(ConfigProblem::Between {
                min: show(key, lo),
                max: show(key, hi),
            }),
            _ => Ok(()),
        };
    }
    if key.ty == ConfigType::Boolean
        && !value.eq_ignore_ascii_case("true")
        && !value.eq_ignore_ascii_case("false")
    {
        return Err(ConfigProblem::NotABoolean);
    }
    if let Validator::OneOf(allowed) = key.validator {
        let items = if key.ty == ConfigType::List {
            split_list(value)
        } else {
            vec![value.to_string()]
        };
        if let Some(item) = items.into_iter().find(|i| !allowed.contains(&i.as_str())) {
            return Err(ConfigProblem::NotOneOf { item, allowed });
        }
    }
    Ok(())
}

fn show(key: &ConfigKey, n: i64) -> String {
    if key.ty != ConfigType::Double {
        return n.to_string();
    }
    let frac = format!("{:03}", (n % 1000).abs());
    let frac = frac.trim_end_matches('0');
    format!("{}.{}", n / 1000, if frac.is_empty() { "0" } else { frac })
}

/// `0.5` -> 500, `1` -> 1000; at most three decimals.
pub fn parse_thousandths(s: &str) -> Option<i64> {
    let (whole, frac) = s.split_once('.').unwrap_or((s, ""));
    if whole.is_empty() || frac.len() > 3 || !frac.chars().all(|c| c.is_ascii_digit()) {
        return None;
    }
    let whole: i64 = whole.parse().ok()?;
    let frac: i64 = if frac.is_empty() {
        0
    } else {
        format!("{frac:0<3}").parse().ok()?
    };
    whole
        .checked_mul(1000)?
        .checked_add(if whole < 0 { -frac } else { frac })
}

fn split_list(s: &str) -> Vec<String> {
    s.split(',')
        .map(str::trim)
        .filter(|x| !x.is_empty())
        .map(str::to_string)
        .collect()
}

fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1];
        for (j, cb) in b.iter().enumerate() {
            let cost = usize::from(ca != *cb);
            cur.push((prev[j] + cost).min(prev[j + 1] + 1).min(cur[j] + 1));
        }
        prev = cur;
    }
    prev[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const KEYS: &[ConfigKey] = &[
        ConfigKey {
            name: "linger.ms",
            ty: ConfigType::Long,
            default: "5",
            validator: Validator::AtLeast(0),
            doc: "",
        },
        ConfigKey {
            name: "acks",
            ty: ConfigType::String,
            default: "all",
            validator: Validator::OneOf(&["all", "-1", "0", "1"]),
            doc: "",
        },
        ConfigKey {
            name: "enable.idempotence",
            ty: ConfigType::Boolean,
            default: "true",
            validator: Validator::None,
            doc: "",
        },
        ConfigKey {
            name: "ratio",
            ty: ConfigType::Double,
            default: "0.5",
            validator: Validator::Between(0, 1000),
            doc: "",
        },
    ];

    fn parse_one(name: &str, value: Value) -> Result<ConfigValues, Vec<ConfigError>> {
        parse(KEYS, &BTreeMap::from([(name.to_string(), value)]))
    }

    #[test]
    fn defaults_apply_and_explicit_values_are_tracked() {
        let v = parse_one("linger.ms", json!(20)).unwrap();
        assert_eq!(v.int("linger.ms"), 20);
        assert_eq!(v.get("acks"), "all");
        assert!(v.is_explicit("linger.ms") && !v.is_explicit("acks"));
        assert_eq!(v.thousandths("ratio"), 500);
    }

    #[test]
    fn errors_carry_the_key_the_value_and_the_problem() {
        let e = parse_one("linger.ms", json!("abc")).unwrap_err();
        assert_eq!(
            e[0],
            ConfigError::new(
                "linger.ms",
                "abc",
                ConfigProblem::NotANumber {
                    ty: ConfigType::Long
                }
            )
        );
        let e = parse_one("linger.ms", json!(-1)).unwrap_err();
        assert_eq!(e[0].problem, ConfigProblem::AtLeast { min: "0".into() });
        let e = parse_one("acks", json!("2")).unwrap_err();
        assert!(matches!(&e[0].problem, ConfigProblem::NotOneOf { item, .. } if item == "2"));
        let e = parse_one("enable.idempotence", json!("yes")).unwrap_err();
        assert_eq!(e[0].problem, ConfigProblem::NotABoolean);
        let e = parse_one("ratio", json!("1.5")).unwrap_err();
        assert_eq!(
            e[0].problem,
            ConfigProblem::Between {
                min: "0.0".into(),
                max: "1.0".into()
            }
        );
    }

    #[test]
    fn unknown_keys_suggest_the_closest_known_one() {
        let e = parse_one("linger.msx", json!(1)).unwrap_err();
        assert_eq!(
            e[0].problem,
            ConfigProblem::UnknownKey {
                suggestion: Some("linger.ms")
            }
        );
    }

    #[test]
    fn thousandths_parse_decimals_without_floats() {
        assert_eq!(parse_thousandths("0.5"), Some(500));
        assert_eq!(parse_thousandths("1"), Some(1000));
        assert_eq!(parse_thousandths("0.125"), Some(125));
        assert_eq!(parse_thousandths("0.1234"), None);
        assert_eq!(parse_thousandths("x"), None);
    }
}

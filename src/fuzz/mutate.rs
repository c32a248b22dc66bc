//! Structure-aware mutation: a valid JSON document is changed a few places at a time (a value
//! replaced by an extreme or a value of another type, a key removed or invented, an array item
//! repeated or dropped, a string cut or grown), then sometimes damaged byte by byte, so inputs
//! reach deep validation as well as the parser.

use crate::sim::Prng;
use serde_json::{Map, Number, Value};

/// Numbers at the edges of every integer type the inputs use.
const EDGE_NUMBERS: &[i64] = &[
    0,
    1,
    -1,
    2,
    3,
    7,
    100,
    255,
    256,
    1000,
    65_535,
    65_536,
    i16::MAX as i64,
    i16::MIN as i64,
    i32::MAX as i64,
    i32::MIN as i64,
    u32::MAX as i64,
    i64::MAX,
    i64::MIN,
];

/// Strings that have broken parsers before, and the names the inputs use.
const EDGE_STRINGS: &[&str] = &[
    "",
    " ",
    "b1",
    "b0",
    "b99",
    "p1",
    "c1",
    "ctl1",
    "t",
    "orders",
    "orders-0",
    "__consumer_offsets",
    "all",
    "-1",
    "1e3",
    "0.5",
    "NaN",
    "true",
    "null",
    "é",
    "🦀",
    "\u{0}",
    "\n",
    "a,b,,c",
    "range",
    "sticky",
    "cooperative-sticky",
    "roundrobin",
    "crash",
    "partition",
    "produce",
    "none",
    "earliest",
    "<script>alert(1)</script>",
];

fn pick<'a, T>(prng: &mut Prng, items: &'a [T]) -> &'a T {
    &items[prng.below(items.len() as u64) as usize]
}

/// A value of a random kind, small or extreme.
pub fn random_value(prng: &mut Prng, depth: u32) -> Value {
    match prng.below(if depth > 2 { 5 } else { 7 }) {
        0 => Value::Null,
        1 => Value::Bool(prng.chance(1, 2)),
        2 => Value::Number(Number::from(*pick(prng, EDGE_NUMBERS))),
        3 => Value::Number(Number::from(prng.next_u64())),
        4 => Value::String(random_string(prng)),
        5 => Value::Array(
            (0..prng.below(4))
                .map(|_| random_value(prng, depth + 1))
                .collect(),
        ),
        _ => {
            let mut map = Map::new();
            for _ in 0..prng.below(3) {
                map.insert(random_string(prng), random_value(prng, depth + 1));
            }
            Value::Object(map)
        }
    }
}

fn random_string(prng: &mut Prng) -> String {
    match prng.below(4) {
        0 => pick(prng, EDGE_STRINGS).to_string(),
        1 => "x".repeat(prng.below(300) as usize),
        2 => (0..prng.below(12))
            .map(|_| char::from_u32(prng.below(0x2FF) as u32).unwrap_or('?'))
            .collect(),
        _ => pick(prng, EDGE_STRINGS).repeat(1 + prng.below(3) as usize),
    }
}

/// Every place in `value` (a path of child indices), up to a bound.
fn places(value: &Value, path: &mut Vec<usize>, out: &mut Vec<Vec<usize>>) {
    if out.len() > 4_000 {
        return;
    }
    out.push(path.clone());
    let children: Vec<&Value> = match value {
        Value::Array(items) => items.iter().collect(),
        Value::Object(map) => map.values().collect(),
        _ => return,
    };
    for (i, child) in children.into_iter().enumerate() {
        path.push(i);
        places(child, path, out);
        path.pop();
    }
}

fn at_mut<'a>(value: &'a mut Value, path: &[usize]) -> &'a mut Value {
    let mut here = value;
    for &i in path {
        here = match here {
            Value::Array(items) => &mut items[i],
            Value::Object(map) => map
                .values_mut()
                .nth(i)
                .expect("the path was taken from this value"),
            _ => unreachable!("the path was taken from this value"),
        };
    }
    here
}

/// Change `value` at one random place.
fn mutate_once(prng: &mut Prng, value: &mut Value) {
    let mut all = Vec::new();
    places(value, &mut Vec::new(), &mut all);
    let path = pick(prng, &all).clone();
    let here = at_mut(value, &path);
    match (here, prng.below(6)) {
        (Value::Object(map), 0) if !map.is_empty() => {
            let key = map
                .keys()
                .nth(prng.below(map.len() as u64) as usize)
                .cloned();
            map.remove(&key.expect("non-empty"));
        }
        (Value::Object(map), 1) => {
            map.insert(random_string(prng), random_value(prng, 0));
        }
        (Value::Array(items), 0) if !items.is_empty() => {
            items.remove(prng.below(items.len() as u64) as usize);
        }
        (Value::Array(items), 1) if !items.is_empty() => {
            let item = items[prng.below(items.len() as u64) as usize].clone();
            let copies = if prng.chance(1, 8) { 50 } else { 1 };
            items.extend(std::iter::repeat_n(item, copies));
        }
        (Value::String(s), 2) => {
            let cut = prng.below(s.len() as u64 + 1) as usize;
            if s.is_char_boundary(cut) {
                s.truncate(cut);
            }
            s.push_str(&random_string(prng));
        }
        (Value::Number(n), 2) => {
            let base = n.as_i64().unwrap_or(0);
            let delta = *pick(prng, &[-1i64, 1, 1000, -1000]);
            *n = Number::from(base.saturating_add(delta));
        }
        (here, _) => *here = random_value(prng, 0),
    }
}

/// A mutated copy of the JSON `seed` (1 to 4 structural changes, then sometimes byte damage).
pub fn mutate_json(prng: &mut Prng, seed: &str) -> String {
    let Ok(mut value) = serde_json::from_str::<Value>(seed) else {
        return mutate_text(prng, seed);
    };
    for _ in 0..1 + prng.below(4) {
        mutate_once(prng, &mut value);
    }
    let text = value.to_string();
    if prng.chance(1, 6) {
        mutate_text(prng, &text)
    } else {
        text
    }
}

/// `text` damaged byte by byte: cut, a byte flipped, a slice repeated or dropped.
pub fn mutate_text(prng: &mut Prng, text: &str) -> String {
    let mut bytes = text.as_bytes().to_vec();
    for _ in 0..1 + prng.below(3) {
        let len = bytes.len() as u64;
        match prng.below(4) {
            0 => bytes.truncate(prng.below(len + 1) as usize),
            1 if len > 0 => {
                let i = prng.below(len) as usize;
                bytes[i] ^= 1 << prng.below(8);
            }
            2 if len > 0 => {
                let from = prng.below(len) as usize;
                let to = (from + 1 + prng.below(16) as usize).min(bytes.len());
                let slice = bytes[from..to].to_vec();
                bytes.splice(from..from, slice);
            }
            _ if len > 0 => {
                let from = prng.below(len) as usize;
                let to = (from + 1 + prng.below(16) as usize).min(bytes.len());
                bytes.drain(from..to);
            }
            _ => bytes.push(b'{'),
        }
    }
    String::from_utf8_lossy(&bytes).into_owned()
}

//! The values of `fields` that the stored event leaves out, because the
//! `fields` fast columns hold them exactly.
//!
//! A left-out value is listed in the stored bytes' header by key and kind
//! (string, integer, fraction, boolean), since a numeric column holding both
//! integers and fractions is coerced to `f64`: the kind says which JSON
//! number to rebuild. What does not read back exactly stays in the JSON:
//! ids, strings that are indexed as numbers (`"200"`), long strings, nulls,
//! arrays and objects, integers beyond 2^53, keys with a `.` (a path in the
//! columns) or a `\` or control character.

use super::{FIELDS_SLOT, Terms};
use crate::index::field_value::FieldValue;
use serde::ser::{Serialize, SerializeMap, Serializer};
use serde_json::{Map, Number, Value};
use std::collections::HashMap;
use tantivy::DocId;
use tantivy::columnar::DynamicColumn;
use tantivy::fastfield::FastFieldReaders;

/// Integers up to this magnitude read back exactly from an `f64` column.
const EXACT_INT: u64 = 1 << 53;

/// Longer keys stay in the stored JSON.
const MAX_KEY_BYTES: usize = 255;

/// What a left-out value was, to rebuild the same JSON value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FieldKind {
    Str,
    Int,
    Float,
    Bool,
}

impl FieldKind {
    fn tag(self) -> u8 {
        match self {
            FieldKind::Str => b's',
            FieldKind::Int => b'i',
            FieldKind::Float => b'f',
            FieldKind::Bool => b'b',
        }
    }

    fn from_tag(tag: u8) -> Option<FieldKind> {
        Some(match tag {
            b's' => FieldKind::Str,
            b'i' => FieldKind::Int,
            b'f' => FieldKind::Float,
            b'b' => FieldKind::Bool,
            _ => return None,
        })
    }
}

/// How `fields[key] = value`, indexed as `indexed`, reads back from its fast
/// column, if it does exactly.
pub fn column_kind(key: &str, value: &Value, indexed: &FieldValue) -> Option<FieldKind> {
    let plain_key = !key.is_empty()
        && key.len() <= MAX_KEY_BYTES
        && !key.contains(['.', '\\'])
        && !key.chars().any(char::is_control);
    if !plain_key {
        return None;
    }
    match (value, indexed) {
        (Value::String(s), FieldValue::Str(_)) if !s.is_empty() && !s.contains('\0') => {
            Some(FieldKind::Str)
        }
        (Value::Number(_), FieldValue::I64(n)) if n.unsigned_abs() <= EXACT_INT => {
            Some(FieldKind::Int)
        }
        (Value::Number(_), FieldValue::F64(_)) => Some(FieldKind::Float),
        (Value::Bool(_), FieldValue::Bool(_)) => Some(FieldKind::Bool),
        _ => None,
    }
}

/// Appends the header listing `left_out`: its byte length (u16, little
/// endian), then `kind key \n` per value. Call it only when
/// [`fits_header`].
pub fn write_header(left_out: &[(&str, FieldKind)], out: &mut Vec<u8>) {
    let len = u16::try_from(header_len(left_out)).expect("checked by fits_header");
    out.extend_from_slice(&len.to_le_bytes());
    for (key, kind) in left_out {
        out.push(kind.tag());
        out.extend_from_slice(key.as_bytes());
        out.push(b'\n');
    }
}

/// Whether `left_out` fits the header (the rest stays in the JSON).
pub fn fits_header(left_out: &[(&str, FieldKind)]) -> bool {
    header_len(left_out) <= usize::from(u16::MAX)
}

/// The header's length after its own two bytes: a tag, the key and a
/// newline per value.
fn header_len(left_out: &[(&str, FieldKind)]) -> usize {
    left_out.iter().map(|(key, _)| key.len() + 2).sum()
}

/// The left-out values a header lists: key and kind.
pub type Listed<'a> = Vec<(&'a str, FieldKind)>;

/// Splits `bytes` into the listed values and the rest.
pub fn read_header(bytes: &[u8]) -> Result<(Listed<'_>, &[u8]), String> {
    let [lo, hi, rest @ ..] = bytes else {
        return Err("a stored event cut short in its fields header".into());
    };
    let len = usize::from(u16::from_le_bytes([*lo, *hi]));
    if rest.len() < len {
        return Err("a stored event cut short in its fields header".into());
    }
    let (header, rest) = rest.split_at(len);
    let mut listed = Vec::new();
    for entry in header.split(|b| *b == b'\n').filter(|e| !e.is_empty()) {
        let kind = FieldKind::from_tag(entry[0]).ok_or("an unknown field kind")?;
        let key = std::str::from_utf8(&entry[1..]).map_err(|e| e.to_string())?;
        listed.push((key, kind));
    }
    Ok((listed, rest))
}

/// `fields` without the left-out values, serialised as a JSON object.
/// `left_out` is in the map's (sorted) order.
pub struct Kept<'a> {
    pub all: &'a Map<String, Value>,
    pub left_out: &'a [(&'a str, FieldKind)],
}

impl Kept<'_> {
    pub fn is_empty(&self) -> bool {
        self.all.len() == self.left_out.len()
    }
}

impl Serialize for Kept<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut map = s.serialize_map(Some(self.all.len() - self.left_out.len()))?;
        let mut left_out = self.left_out.iter().peekable();
        for (key, value) in self.all {
            if left_out.next_if(|(k, _)| *k == key).is_none() {
                map.serialize_entry(key, value)?;
            }
        }
        map.end()
    }
}

/// The `fields` columns of one segment, opened as values are read, each
/// with its slot in the segment's [`Terms`].
pub struct FieldColumns {
    fast: FastFieldReaders,
    open: HashMap<String, (usize, Vec<DynamicColumn>)>,
}

impl FieldColumns {
    pub fn new(fast: FastFieldReaders) -> FieldColumns {
        FieldColumns {
            fast,
            open: HashMap::new(),
        }
    }

    /// The value of `fields[key]` for `doc`, as `kind`.
    pub fn value(
        &mut self,
        key: &str,
        kind: FieldKind,
        doc: DocId,
        terms: &mut Terms,
    ) -> Result<Value, String> {
        if !self.open.contains_key(key) {
            let handles = self
                .fast
                .dynamic_column_handles(&format!("fields.{key}"))
                .map_err(|e| e.to_string())?;
            let columns = handles
                .iter()
                .map(|h| h.open())
                .collect::<Result<Vec<_>, _>>()
                .map_err(|e| e.to_string())?;
            let slot = FIELDS_SLOT + self.open.len();
            self.open.insert(key.to_string(), (slot, columns));
        }
        let (slot, columns) = &self.open[key];
        columns
            .iter()
            .find_map(|column| read(column, kind, doc, *slot, terms))
            .ok_or_else(|| format!("no indexed value of fields.{key}"))
    }
}

fn read(
    column: &DynamicColumn,
    kind: FieldKind,
    doc: DocId,
    slot: usize,
    terms: &mut Terms,
) -> Option<Value> {
    let float = |x: f64| Number::from_f64(x).map(Value::Number);
    match (kind, column) {
        (FieldKind::Str, DynamicColumn::Str(c)) => terms.first(slot, c, doc).map(Value::String),
        (FieldKind::Bool, DynamicColumn::Bool(c)) => c.first(doc).map(Value::Bool),
        (FieldKind::Int, DynamicColumn::I64(c)) => c.first(doc).map(Value::from),
        (FieldKind::Int, DynamicColumn::U64(c)) => c.first(doc).map(Value::from),
        (FieldKind::Int, DynamicColumn::F64(c)) => c.first(doc).map(|x| Value::from(x as i64)),
        (FieldKind::Float, DynamicColumn::F64(c)) => c.first(doc).and_then(float),
        (FieldKind::Float, DynamicColumn::I64(c)) => c.first(doc).and_then(|v| float(v as f64)),
        (FieldKind::Float, DynamicColumn::U64(c)) => c.first(doc).and_then(|v| float(v as f64)),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn only_values_that_read_back_exactly_are_left_out() {
        let list = json!([1]);
        let cases = [
            (
                "path",
                json!("/cart"),
                FieldValue::Str("/cart"),
                Some(FieldKind::Str),
            ),
            (
                "status",
                json!(500),
                FieldValue::I64(500),
                Some(FieldKind::Int),
            ),
            (
                "took",
                json!(0.5),
                FieldValue::F64(0.5),
                Some(FieldKind::Float),
            ),
            (
                "ok",
                json!(true),
                FieldValue::Bool(true),
                Some(FieldKind::Bool),
            ),
            ("status", json!("500"), FieldValue::I64(500), None),
            ("big", json!(1u64 << 60), FieldValue::I64(1 << 60), None),
            ("huge", json!(u64::MAX), FieldValue::U64(u64::MAX), None),
            ("a.b", json!("x"), FieldValue::Str("x"), None),
            ("a\\b", json!("x"), FieldValue::Str("x"), None),
            ("", json!("x"), FieldValue::Str("x"), None),
            ("empty", json!(""), FieldValue::Str(""), None),
            ("list", json!([1]), FieldValue::Json(&list), None),
        ];
        for (key, value, indexed, want) in cases {
            assert_eq!(column_kind(key, &value, &indexed), want, "{key} = {value}");
        }
    }

    #[test]
    fn the_header_lists_keys_and_kinds_and_kept_fields_skip_them() {
        let fields: Map<String, Value> =
            serde_json::from_value(json!({"a": 1, "b": "two", "c": [3], "d": false})).unwrap();
        let left_out = [("a", FieldKind::Int), ("d", FieldKind::Bool)];
        let mut bytes = Vec::new();
        write_header(&left_out, &mut bytes);
        bytes.extend_from_slice(b"{}");
        let (listed, rest) = read_header(&bytes).unwrap();
        assert_eq!(listed, left_out);
        assert_eq!(rest, b"{}");
        let kept = Kept {
            all: &fields,
            left_out: &left_out,
        };
        assert_eq!(
            serde_json::to_string(&kept).unwrap(),
            r#"{"b":"two","c":[3]}"#
        );
        assert!(read_header(&bytes[..3]).is_err());
    }
}

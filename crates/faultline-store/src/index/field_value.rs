//! The values of an event's document as tantivy reads them, borrowed from
//! the event (see `doc`): no copy of each key and value into an owned
//! JSON tree, nor of the message, per document.
//!
//! A top-level string that reads as a number (`"200"`, `"0.031"`: access
//! logs' status and request time, regex captures) is indexed as that
//! number, so percentiles and numeric ranges work on it; every other value
//! is indexed as tantivy indexes JSON (a nested string that reads as an RFC
//! 3339 time becomes a date).

use serde_json::{Map, Value as Json};
use tantivy::DateTime;
use tantivy::schema::document::{ReferenceValue, ReferenceValueLeaf, Value};

/// One value of a document: a leaf, or the `fields` or `words` object.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum FieldValue<'e> {
    /// The entries of an event's `fields` that one of the two objects
    /// holds, as their slots say.
    Object(Object<'e>),
    Str(&'e str),
    I64(i64),
    U64(u64),
    F64(f64),
    Bool(bool),
    Date(DateTime),
    Bytes(&'e [u8]),
    /// Arrays, objects and what is inside them, as tantivy reads JSON.
    Json(&'e Json),
}

/// How one entry of an event's `fields` is indexed, decided once per
/// document (tantivy reads a document's values once for each of its
/// writers).
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Slot {
    /// Not indexed: a null, or a string too long to group or filter by.
    Skip,
    /// A unique id: under `ids`, not under `fields`.
    Id,
    /// A numeric id, under `ids` as the text at this index of the
    /// document's numbers written out.
    IdNumber(u32),
    /// Under `fields`.
    Indexed,
    /// Under `fields`, and its words under `words` (a string with
    /// whitespace).
    IndexedWords,
    /// Under `fields`, and under `words` the strings with whitespace inside
    /// it: the value at this index of the document's nested words.
    IndexedNestedWords(u32),
}

/// Which object of the document.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Part {
    Fields,
    Words,
}

/// The `fields` or `words` object of a document: an event's `fields`, and
/// a slot for each of its entries, in the map's order.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Object<'e> {
    pub map: &'e Map<String, Json>,
    pub slots: &'e [Slot],
    /// The values of [`Slot::IndexedNestedWords`].
    pub nested_words: &'e [Json],
    pub part: Part,
}

impl Object<'_> {
    /// Whether the object holds no entry.
    pub fn is_empty(&self) -> bool {
        !self.slots.iter().any(|slot| match self.part {
            Part::Fields => matches!(
                slot,
                Slot::Indexed | Slot::IndexedWords | Slot::IndexedNestedWords(_)
            ),
            Part::Words => matches!(slot, Slot::IndexedWords | Slot::IndexedNestedWords(_)),
        })
    }
}

impl<'e> FieldValue<'e> {
    /// A top-level value as indexed; `None` for a null, which is not.
    pub fn of(value: &'e Json) -> Option<FieldValue<'e>> {
        Some(match value {
            Json::Null => return None,
            Json::String(s) => numeric(s).unwrap_or(FieldValue::Str(s)),
            Json::Bool(b) => FieldValue::Bool(*b),
            Json::Number(n) => match (n.as_i64(), n.as_u64(), n.as_f64()) {
                (Some(i), _, _) => FieldValue::I64(i),
                (None, Some(u), _) => FieldValue::U64(u),
                (None, None, Some(x)) => FieldValue::F64(x),
                (None, None, None) => return None,
            },
            Json::Array(_) | Json::Object(_) => FieldValue::Json(value),
        })
    }
}

/// A string written as a number, as that number.
fn numeric(s: &str) -> Option<FieldValue<'static>> {
    let numeric = s.len() <= 24
        && s.bytes()
            .all(|b| b.is_ascii_digit() || b == b'.' || b == b'-');
    if !numeric {
        return None;
    }
    if let Ok(n) = s.parse::<i64>() {
        return Some(FieldValue::I64(n));
    }
    s.parse::<f64>()
        .ok()
        .filter(|x| x.is_finite())
        .map(FieldValue::F64)
}

/// The values of an array inside `fields`.
#[derive(Debug)]
pub struct Elements<'e>(std::slice::Iter<'e, Json>);

impl<'e> Iterator for Elements<'e> {
    type Item = FieldValue<'e>;
    fn next(&mut self) -> Option<FieldValue<'e>> {
        self.0.next().map(FieldValue::Json)
    }
}

/// The entries of the `fields` or `words` object, or of an object inside
/// a value.
#[derive(Debug)]
pub enum Entries<'e> {
    Object {
        entries: std::iter::Zip<serde_json::map::Iter<'e>, std::slice::Iter<'e, Slot>>,
        nested_words: &'e [Json],
        part: Part,
    },
    Json(serde_json::map::Iter<'e>),
}

impl<'e> Iterator for Entries<'e> {
    type Item = (&'e str, FieldValue<'e>);
    fn next(&mut self) -> Option<Self::Item> {
        match self {
            Entries::Object {
                entries,
                nested_words,
                part,
            } => entries.find_map(|((key, value), slot)| {
                let value = match (*part, *slot) {
                    (
                        Part::Fields,
                        Slot::Indexed | Slot::IndexedWords | Slot::IndexedNestedWords(_),
                    ) => FieldValue::of(value)?,
                    (Part::Words, Slot::IndexedWords) => FieldValue::Str(value.as_str()?),
                    (Part::Words, Slot::IndexedNestedWords(i)) => {
                        FieldValue::Json(nested_words.get(i as usize)?)
                    }
                    _ => return None,
                };
                Some((key.as_str(), value))
            }),
            Entries::Json(entries) => entries
                .next()
                .map(|(k, v)| (k.as_str(), FieldValue::Json(v))),
        }
    }
}

impl<'e> Value<'e> for FieldValue<'e> {
    type ArrayIter = Elements<'e>;
    type ObjectIter = Entries<'e>;

    fn as_value(&self) -> ReferenceValue<'e, Self> {
        let leaf = |leaf: ReferenceValueLeaf<'e>| ReferenceValue::Leaf(leaf);
        match *self {
            FieldValue::Object(object) => ReferenceValue::Object(Entries::Object {
                entries: object.map.iter().zip(object.slots),
                nested_words: object.nested_words,
                part: object.part,
            }),
            FieldValue::Str(s) => leaf(ReferenceValueLeaf::Str(s)),
            FieldValue::I64(n) => leaf(ReferenceValueLeaf::I64(n)),
            FieldValue::U64(n) => leaf(ReferenceValueLeaf::U64(n)),
            FieldValue::F64(x) => leaf(ReferenceValueLeaf::F64(x)),
            FieldValue::Bool(b) => leaf(ReferenceValueLeaf::Bool(b)),
            FieldValue::Date(d) => leaf(ReferenceValueLeaf::Date(d)),
            FieldValue::Bytes(b) => leaf(ReferenceValueLeaf::Bytes(b)),
            FieldValue::Json(Json::Array(items)) => ReferenceValue::Array(Elements(items.iter())),
            FieldValue::Json(Json::Object(map)) => {
                ReferenceValue::Object(Entries::Json(map.iter()))
            }
            // Any other JSON is a leaf, read as tantivy reads JSON.
            FieldValue::Json(json) => match json.as_value() {
                ReferenceValue::Leaf(l) => leaf(l),
                _ => leaf(ReferenceValueLeaf::Null),
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn numeric_strings_become_numbers_and_other_values_keep_their_kind() {
        let cases = [
            (json!("0.125"), Some(FieldValue::F64(0.125))),
            (json!("404"), Some(FieldValue::I64(404))),
            (json!("-"), Some(FieldValue::Str("-"))),
            (json!("1.2.3"), Some(FieldValue::Str("1.2.3"))),
            (json!(7), Some(FieldValue::I64(7))),
            (json!(u64::MAX), Some(FieldValue::U64(u64::MAX))),
            (json!(false), Some(FieldValue::Bool(false))),
            (json!(null), None),
        ];
        for (value, want) in &cases {
            assert_eq!(FieldValue::of(value), *want, "{value}");
        }
    }
}

//! An event's `fields` as tantivy indexes them, borrowed from the event: no
//! copy of each key and value into an owned JSON tree per document.
//!
//! A top-level string that reads as a number (`"200"`, `"0.031"`: access
//! logs' status and request time, regex captures) is indexed as that
//! number, so percentiles and numeric ranges work on it; every other value
//! is indexed as tantivy indexes JSON (a nested string that reads as an RFC
//! 3339 time becomes a date).

use serde_json::Value as Json;
use tantivy::schema::document::{ReferenceValue, ReferenceValueLeaf, Value};

/// One value of `fields`, or the whole object.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum FieldValue<'e> {
    /// The top-level object: the keys and values that are indexed.
    Fields(&'e [(&'e str, FieldValue<'e>)]),
    Str(&'e str),
    I64(i64),
    U64(u64),
    F64(f64),
    Bool(bool),
    /// Arrays, objects and what is inside them, as tantivy reads JSON.
    Json(&'e Json),
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

/// The entries of the `fields` object or of an object inside it.
#[derive(Debug)]
pub enum Entries<'e> {
    Fields(std::slice::Iter<'e, (&'e str, FieldValue<'e>)>),
    Json(serde_json::map::Iter<'e>),
}

impl<'e> Iterator for Entries<'e> {
    type Item = (&'e str, FieldValue<'e>);
    fn next(&mut self) -> Option<Self::Item> {
        match self {
            Entries::Fields(entries) => entries.next().map(|(k, v)| (*k, *v)),
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
            FieldValue::Fields(entries) => ReferenceValue::Object(Entries::Fields(entries.iter())),
            FieldValue::Str(s) => leaf(ReferenceValueLeaf::Str(s)),
            FieldValue::I64(n) => leaf(ReferenceValueLeaf::I64(n)),
            FieldValue::U64(n) => leaf(ReferenceValueLeaf::U64(n)),
            FieldValue::F64(x) => leaf(ReferenceValueLeaf::F64(x)),
            FieldValue::Bool(b) => leaf(ReferenceValueLeaf::Bool(b)),
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

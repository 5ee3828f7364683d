//! Query terms on `fields` and on the keyword fields a day does not index
//! (all but `fingerprint`), answered from the fast columns.
//!
//! A value of `fields` is held once, in the fast column of its path; only the
//! words of values with whitespace are indexed as terms (under `words`).
//! tantivy's parser reads `status:500` or `path:/cart` against the query
//! schema, where `fields` is indexed, and makes one term per reading of the
//! value (the number 500, the word `500`); [`rewrite`] turns each into what
//! the day holds:
//!
//! - a number, boolean or date: equality on the path's fast column;
//! - a word: a value of the path's string column that is that word (the
//!   `field` tokenizer's one token: the whole value, lowercased), or the
//!   word in `words` (a value of several words).
//!
//! A term on a keyword field held only in its column is the whole value,
//! byte for byte, as before.
//!
//! A bare word has no path in `fields`, so it never matched a value of
//! `fields` and still does not. Ranges and `path:*` already ran on the
//! columns and are left as they are.

use super::schema::Fields;
use super::tokenizer::reads_as_words;
use crate::StoreError;
use std::ops::Bound;
use tantivy::columnar::StrColumn;
use tantivy::query::{
    BitSetDocSet, BooleanQuery, ConstScorer, EmptyQuery, EmptyScorer, EnableScoring, Explanation,
    Occur, Query, RangeQuery, Scorer, TermQuery, TermSetQuery, Weight,
};
use tantivy::schema::{Field, IndexRecordOption, Type};
use tantivy::{BitSet, DocId, Score, SegmentReader, Term};

/// Separates the segments of a JSON path inside a term.
const JSON_PATH_SEGMENT_SEP: char = '\u{1}';

/// `query` (parsed against `fields.query_schema`) with its terms on `fields`
/// answered from the columns and `words`; unchanged for a legacy day, whose
/// `fields` are indexed.
pub fn rewrite(fields: &Fields, query: Box<dyn Query>) -> Result<Box<dyn Query>, StoreError> {
    match fields.words {
        Some(words) => Rewriter { fields, words }.rewrite(query),
        None => Ok(query),
    }
}

struct Rewriter<'f> {
    fields: &'f Fields,
    words: Field,
}

impl Rewriter<'_> {
    fn rewrite(&self, query: Box<dyn Query>) -> Result<Box<dyn Query>, StoreError> {
        if let Some(boolean) = query.downcast_ref::<BooleanQuery>() {
            let clauses = boolean
                .clauses()
                .iter()
                .map(|(occur, q)| Ok((*occur, self.rewrite(q.box_clone())?)))
                .collect::<Result<Vec<_>, StoreError>>()?;
            let mut rewritten = BooleanQuery::new(clauses);
            rewritten.set_minimum_number_should_match(boolean.get_minimum_number_should_match());
            return Ok(Box::new(rewritten));
        }
        if let Some(term) = query.downcast_ref::<TermQuery>() {
            return Ok(self.term(term.term()).unwrap_or(query));
        }
        let mut in_columns = Vec::new();
        query.query_terms(&mut |term, _| {
            if let Some(q) = self.term(term) {
                in_columns.push(q);
            }
        });
        if in_columns.is_empty() {
            return Ok(query);
        }
        if query.downcast_ref::<TermSetQuery>().is_some() {
            let any = in_columns.into_iter().map(|q| (Occur::Should, q)).collect();
            return Ok(Box::new(BooleanQuery::new(any)));
        }
        Err(StoreError::Query(format!(
            "this form of query is not supported on `fields` or keyword fields ({query:?}); \
             use terms, ranges, `IN [...]` or `key:*`"
        )))
    }

    /// What `term` finds when its field is held in columns (indexed in the
    /// query schema only); `None` when the day indexes it.
    fn term(&self, term: &Term) -> Option<Box<dyn Query>> {
        let field = term.field();
        if field == self.fields.fields {
            return Some(term_on_fields(self.words, term));
        }
        let indexed = |schema: &tantivy::schema::Schema| schema.get_field_entry(field).is_indexed();
        if indexed(&self.fields.schema) || !indexed(&self.fields.query_schema) {
            return None;
        }
        let value = term.value().as_str().unwrap_or_default().to_string();
        Some(Box::new(ColumnQuery {
            column: self.fields.schema.get_field_name(field).to_string(),
            wanted: Wanted::Exact(value),
        }))
    }
}

/// What `term` (on `fields`) finds, in a day whose `fields` are columns.
fn term_on_fields(words: Field, term: &Term) -> Box<dyn Query> {
    let (path, value) = json_parts(term);
    if path.is_empty() {
        // A bare word: `fields` has no value at the empty path.
        return if value.typ() == Type::Str {
            Box::new(TermQuery::new(
                with_field(term, words),
                IndexRecordOption::Basic,
            ))
        } else {
            Box::new(EmptyQuery)
        };
    }
    let column = format!("fields.{}", path.replace(JSON_PATH_SEGMENT_SEP, "."));
    if let Some(word) = value.as_str() {
        let in_words = TermQuery::new(with_field(term, words), IndexRecordOption::Basic);
        let whole = ColumnQuery {
            column,
            wanted: Wanted::Word(word.to_string()),
        };
        return Box::new(BooleanQuery::new(vec![
            (Occur::Should, Box::new(in_words) as Box<dyn Query>),
            (Occur::Should, Box::new(whole)),
        ]));
    }
    if let Some(b) = value.as_bool() {
        // tantivy's range on a JSON column takes numbers, dates and strings.
        return Box::new(ColumnQuery {
            column,
            wanted: Wanted::Bool(b),
        });
    }
    Box::new(RangeQuery::new(
        Bound::Included(term.clone()),
        Bound::Included(term.clone()),
    ))
}

/// A JSON term's path (segments joined by [`JSON_PATH_SEGMENT_SEP`]) and
/// value.
fn json_parts(term: &Term) -> (String, tantivy::schema::ValueBytes<Vec<u8>>) {
    let path = term.get_json_path().unwrap_or_default();
    let bytes = term.serialized_value_bytes();
    // `[path][JSON_END_OF_PATH = 0][type][value]`
    let value = match bytes.iter().position(|&b| b == 0) {
        Some(end) => bytes[end + 1..].to_vec(),
        None => vec![Type::Str.to_code()],
    };
    (path, tantivy::schema::ValueBytes::wrap(value))
}

/// `term` with its field replaced (same path, type and value).
#[allow(deprecated)] // tantivy has no typed way to move a JSON term to another field
fn with_field(term: &Term, field: Field) -> Term {
    let mut serialized = term.serialized_term();
    serialized[..4].copy_from_slice(&field.field_id().to_be_bytes());
    Term::wrap(&serialized)
}

/// The documents whose column `column` holds the wanted value.
#[derive(Clone, Debug)]
struct ColumnQuery {
    column: String,
    wanted: Wanted,
}

#[derive(Clone, Debug)]
enum Wanted {
    /// A string value that the `field` tokenizer reads as this one token:
    /// the whole value, lowercased (a value with whitespace is read as
    /// words, found in `words`).
    Word(String),
    /// A string value, byte for byte.
    Exact(String),
    Bool(bool),
}

impl Query for ColumnQuery {
    fn weight(&self, _: EnableScoring<'_>) -> tantivy::Result<Box<dyn Weight>> {
        Ok(Box::new(self.clone()))
    }
}

/// The ordinals of `column`'s values that the `field` tokenizer reads as
/// the one token `word`, in order.
fn ordinals_of(column: &StrColumn, word: &str) -> std::io::Result<Vec<u64>> {
    let mut ordinals = Vec::new();
    let mut values = column.dictionary().stream()?;
    while values.advance() {
        let Ok(value) = std::str::from_utf8(values.key()) else {
            continue;
        };
        if is_word(value, word) {
            ordinals.push(values.term_ord());
        }
    }
    Ok(ordinals)
}

/// Whether the `field` tokenizer reads `value` as the one token `word`.
fn is_word(value: &str, word: &str) -> bool {
    if value.is_ascii() {
        value.len() == word.len() && value.eq_ignore_ascii_case(word)
    } else {
        value.to_lowercase() == word && !reads_as_words(value)
    }
}

impl ColumnQuery {
    /// The matching documents of `reader`.
    fn docs(&self, reader: &SegmentReader) -> tantivy::Result<Option<BitSet>> {
        let max_doc = reader.max_doc();
        let mut docs = BitSet::with_max_value(max_doc);
        let mut hits = Vec::new();
        match &self.wanted {
            Wanted::Word(word) => {
                let Some(column) = reader.fast_fields().str(&self.column)? else {
                    return Ok(None);
                };
                for ordinal in ordinals_of(&column, word)? {
                    column.ords().get_docids_for_value_range(
                        ordinal..=ordinal,
                        0..max_doc,
                        &mut hits,
                    );
                }
            }
            Wanted::Exact(value) => {
                let Some(column) = reader.fast_fields().str(&self.column)? else {
                    return Ok(None);
                };
                if let Some(ordinal) = column.dictionary().term_ord(value)? {
                    column.ords().get_docids_for_value_range(
                        ordinal..=ordinal,
                        0..max_doc,
                        &mut hits,
                    );
                }
            }
            Wanted::Bool(b) => {
                let Some(column) = reader.fast_fields().column_opt::<bool>(&self.column)? else {
                    return Ok(None);
                };
                column.get_docids_for_value_range(*b..=*b, 0..max_doc, &mut hits);
            }
        }
        if hits.is_empty() {
            return Ok(None);
        }
        for doc in hits {
            docs.insert(doc);
        }
        Ok(Some(docs))
    }
}

impl Weight for ColumnQuery {
    fn scorer(&self, reader: &SegmentReader, boost: Score) -> tantivy::Result<Box<dyn Scorer>> {
        Ok(match self.docs(reader)? {
            Some(docs) => Box::new(ConstScorer::new(BitSetDocSet::from(docs), boost)),
            None => Box::new(EmptyScorer),
        })
    }

    fn explain(&self, reader: &SegmentReader, doc: DocId) -> tantivy::Result<Explanation> {
        match self.docs(reader)? {
            Some(docs) if docs.contains(doc) => Ok(Explanation::new("ColumnQuery", 1.0)),
            _ => Err(tantivy::TantivyError::InvalidArgument(format!(
                "document {doc} does not match {self:?}"
            ))),
        }
    }
}

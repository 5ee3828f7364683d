//! Search: tantivy query syntax over message, exception, frames, fields and
//! ids, all terms required by default; filters on service, level, group and
//! time; newest first; highlights on the message.

use super::EventIndex;
use super::day::index_err;
use super::field_query;
use super::schema::Fields;
use super::stored;
use super::tokenizer;
use crate::{Hit, SearchQuery, SearchResults, StoreError};
use chrono::{DateTime, Utc};
use faultline_event::Event;
use std::collections::HashMap;
use std::ops::Bound;
use tantivy::collector::{Count, TopDocs};
use tantivy::query::{AllQuery, BooleanQuery, Occur, Query, QueryParser, RangeQuery, TermQuery};
use tantivy::schema::{Field, IndexRecordOption, Value};
use tantivy::snippet::SnippetGenerator;
use tantivy::tokenizer::TokenizerManager;
use tantivy::{DocAddress, Order, Searcher, TantivyDocument, Term};

/// Hits returned when the query does not say.
pub const DEFAULT_LIMIT: usize = 50;
/// The most hits one query returns.
pub const MAX_LIMIT: usize = 1000;
/// Characters of message around the matches in a highlight.
const HIGHLIGHT_CHARS: usize = 240;

/// A parsed query: the user's text part (for highlights) and the whole, for
/// days of the current schema and for legacy days.
pub struct Parsed {
    pub text: Option<Box<dyn Query>>,
    all: Box<dyn Query>,
    legacy: Box<dyn Query>,
}

impl Parsed {
    /// The whole query, for a day written with `fields`.
    pub fn all(&self, fields: &Fields) -> &dyn Query {
        if fields.words.is_some() {
            &*self.all
        } else {
            &*self.legacy
        }
    }
}

impl EventIndex {
    /// Runs a search over the days the time filter reaches.
    pub fn search(&self, q: &SearchQuery) -> Result<SearchResults, StoreError> {
        let limit = q.limit.unwrap_or(DEFAULT_LIMIT).clamp(1, MAX_LIMIT);
        let mut filters = Vec::new();
        for (field, value) in [
            (self.fields.service, q.service.as_deref()),
            (self.fields.level, q.level.map(|l| l.as_str())),
            (self.fields.fingerprint, q.group.as_deref()),
        ] {
            if let Some(value) = value {
                filters.push(term_query(field, value));
            }
        }
        let parsed = parse(&self.fields, &q.q, q.since, q.until, filters)?;
        let mut results = SearchResults::default();
        let mut hits: Vec<(i64, Hit)> = Vec::new();
        for day in self.days_between(q.since, q.until) {
            let err = index_err(&day.path);
            let searcher = day.reader.searcher();
            // Days come newest first: once `limit` hits are in, older days
            // only add to the count.
            let all = parsed.all(&day.fields);
            if hits.len() >= limit {
                results.total += searcher.search(all, &Count).map_err(&err)? as u64;
                continue;
            }
            let top = TopDocs::with_limit(limit)
                .order_by_fast_field::<tantivy::DateTime>("ts", Order::Desc);
            let (count, top) = searcher.search(all, &(Count, top)).map_err(&err)?;
            results.total += count as u64;
            let highlighter = match &parsed.text {
                Some(text) => {
                    let mut generator =
                        SnippetGenerator::create(&searcher, &**text, self.fields.message)
                            .map_err(&err)?;
                    generator.set_max_num_chars(HIGHLIGHT_CHARS);
                    Some(generator)
                }
                None => None,
            };
            let mut columns = HashMap::new();
            for (ts, address) in top {
                let event = self.stored_event(&searcher, address, &mut columns)?;
                let highlight = highlighter.as_ref().and_then(|h| highlight(h, &event));
                let ts = ts.map_or(i64::MIN, |t| t.into_timestamp_micros());
                hits.push((ts, Hit { event, highlight }));
            }
        }
        hits.sort_by_key(|(ts, _)| std::cmp::Reverse(*ts));
        results.hits = hits.into_iter().take(limit).map(|(_, h)| h).collect();
        Ok(results)
    }

    /// The stored event at `address`; `columns` keeps each segment's fast
    /// columns open across the hits of one search.
    fn stored_event(
        &self,
        searcher: &Searcher,
        address: DocAddress,
        columns: &mut HashMap<u32, stored::Columns>,
    ) -> Result<Event, StoreError> {
        let doc: TantivyDocument = searcher
            .doc(address)
            .map_err(|e| StoreError::Index(e.to_string()))?;
        let bytes = doc
            .get_first(self.fields.event)
            .and_then(|v| v.as_bytes())
            .ok_or_else(|| StoreError::Index("a document has no stored event".into()))?;
        let columns = columns
            .entry(address.segment_ord)
            .or_insert_with(|| stored::Columns::open(searcher.segment_reader(address.segment_ord)));
        stored::decode(bytes, columns, address.doc_id)
            .map_err(|e| StoreError::Index(format!("a stored event does not read back: {e}")))
    }
}

/// The message with its matches in `<b>…</b>`, or `None` when the query
/// matched elsewhere.
fn highlight(generator: &SnippetGenerator, event: &Event) -> Option<String> {
    let snippet = generator.snippet(&event.message);
    (!snippet.highlighted().is_empty()).then(|| snippet.to_html())
}

/// Parses the user's query text and joins it with `filters` and a time range.
pub fn parse(
    fields: &Fields,
    text: &str,
    since: Option<DateTime<Utc>>,
    until: Option<DateTime<Utc>>,
    mut filters: Vec<Box<dyn Query>>,
) -> Result<Parsed, StoreError> {
    let text_query = if text.trim().is_empty() {
        None
    } else {
        let text = qualify_ranges(fields, text);
        Some(
            parser(fields)
                .parse_query(&text)
                .map_err(|e| StoreError::Query(e.to_string()))?,
        )
    };
    if since.is_some() || until.is_some() {
        filters.push(time_range(fields.ts, since, until));
    }
    let rewritten = match &text_query {
        Some(text) => Some(field_query::rewrite(fields, text.box_clone())?),
        None => None,
    };
    let in_columns = filters
        .iter()
        .map(|f| field_query::rewrite(fields, f.box_clone()))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Parsed {
        all: conjunction(rewritten, &in_columns),
        legacy: conjunction(text_query.as_ref().map(|t| t.box_clone()), &filters),
        text: text_query,
    })
}

/// `text` and every filter.
fn conjunction(text: Option<Box<dyn Query>>, filters: &[Box<dyn Query>]) -> Box<dyn Query> {
    let mut clauses: Vec<(Occur, Box<dyn Query>)> = Vec::new();
    if let Some(text) = text {
        clauses.push((Occur::Must, text));
    }
    clauses.extend(filters.iter().map(|f| (Occur::Must, f.box_clone())));
    match clauses.len() {
        0 => Box::new(AllQuery),
        1 => clauses.pop().expect("one clause").1,
        _ => Box::new(BooleanQuery::new(clauses)),
    }
}

fn parser(fields: &Fields) -> QueryParser {
    let tokenizers = TokenizerManager::default();
    tokenizer::register(&tokenizers);
    let mut parser = QueryParser::new(
        fields.query_schema.clone(),
        fields.default_search_fields(),
        tokenizers,
    );
    parser.set_conjunction_by_default();
    parser
}

/// Prefixes `fields.` to the field of a range (`request_time:>0.5`,
/// `status:[500 TO 599]`) that is not a top-level field: tantivy looks a bare
/// name up in the default JSON field for terms, not for ranges.
fn qualify_ranges(fields: &Fields, text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 16);
    let mut name_start = 0;
    for (i, c) in text.char_indices() {
        if c == ':' && text[i + 1..].starts_with(['>', '<', '[', '{']) {
            let name = &out[name_start..];
            let top_level = fields.schema.get_field(name).is_ok();
            if !name.is_empty() && !top_level && !name.starts_with("fields.") {
                out.insert_str(name_start, "fields.");
            }
        }
        let operator = matches!(c, '+' | '-') && out.len() == name_start;
        out.push(c);
        if c.is_whitespace() || matches!(c, '(' | ')') || operator {
            name_start = out.len();
        }
    }
    out
}

pub fn term_query(field: Field, value: &str) -> Box<dyn Query> {
    Box::new(TermQuery::new(
        Term::from_field_text(field, value),
        IndexRecordOption::Basic,
    ))
}

/// `[since, until)` on the `ts` fast field.
fn time_range(
    ts: Field,
    since: Option<DateTime<Utc>>,
    until: Option<DateTime<Utc>>,
) -> Box<dyn Query> {
    let term = |t: DateTime<Utc>| {
        Term::from_field_date(
            ts,
            tantivy::DateTime::from_timestamp_micros(t.timestamp_micros()),
        )
    };
    let lower = since.map_or(Bound::Unbounded, |t| Bound::Included(term(t)));
    let upper = until.map_or(Bound::Unbounded, |t| Bound::Excluded(term(t)));
    Box::new(RangeQuery::new(lower, upper))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_on_bare_names_go_to_fields() {
        let f = Fields::new();
        let cases = [
            ("request_time:>0.5", "fields.request_time:>0.5"),
            (
                "a (status:[500 TO 599] -x-time:<3)",
                "a (fields.status:[500 TO 599] -fields.x-time:<3)",
            ),
            ("ts:>2026 fields.n:{1 TO 2]", "ts:>2026 fields.n:{1 TO 2]"),
            ("path:/api status:500", "path:/api status:500"),
        ];
        for (text, want) in cases {
            assert_eq!(qualify_ranges(&f, text), want);
        }
    }
}

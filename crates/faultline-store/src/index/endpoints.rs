//! Access-log endpoints: requests, server errors and latency percentiles per
//! method and route, read from the fast columns of `fields.method`,
//! `fields.path`, `fields.status` and `fields.request_time`.
//!
//! A route is the caller's: paths carry ids (`/orders/9002`), and which
//! segments are variable is a grouping rule, not a storage one. Each path in
//! a segment's dictionary is mapped to its route once; a route's latencies go
//! into a DDSketch (1% relative error), and the sketches of its segments and
//! days merge (percentiles themselves would not).

use super::EventIndex;
use super::day::index_err;
use super::search::parse;
use crate::{EndpointStats, Percentiles, StoreError};
use chrono::{DateTime, Utc};
use sketches_ddsketch::{Config, DDSketch};
use std::collections::HashMap;
use tantivy::columnar::{DynamicColumn, StrColumn};
use tantivy::query::{EnableScoring, ExistsQuery};
use tantivy::{DocId, SegmentReader};

/// Maps a request path to the route it counts under.
pub type RouteFn<'a> = &'a (dyn Fn(&str) -> String + Sync);

/// One endpoint's running totals.
struct Tally {
    requests: u64,
    server_errors: u64,
    latency: DDSketch,
}

impl Tally {
    fn new() -> Tally {
        Tally {
            requests: 0,
            server_errors: 0,
            latency: DDSketch::new(Config::defaults()),
        }
    }

    fn merge(&mut self, other: &Tally) {
        self.requests += other.requests;
        self.server_errors += other.server_errors;
        // Sketches with the same config always merge.
        let _ = self.latency.merge(&other.latency);
    }
}

/// A segment's columns; the request's path is required, the rest optional.
struct Columns {
    path: StrColumn,
    method: Option<StrColumn>,
    status: Vec<DynamicColumn>,
    request_time: Vec<DynamicColumn>,
}

impl EventIndex {
    /// Requests in `[since, until)` per method and `route(path)`, most first.
    pub fn endpoints(
        &self,
        since: Option<DateTime<Utc>>,
        until: Option<DateTime<Utc>>,
        route: RouteFn<'_>,
    ) -> Result<Vec<EndpointStats>, StoreError> {
        let has_path = Box::new(ExistsQuery::new("fields.path".into(), false));
        let parsed = parse(&self.fields, "", since, until, vec![has_path])?;
        let mut by_route: HashMap<(String, String), Tally> = HashMap::new();
        for day in self.days_between(since, until) {
            let err = index_err(&day.path);
            let searcher = day.reader.searcher();
            let weight = parsed
                .all(&day.fields)
                .weight(EnableScoring::disabled_from_searcher(&searcher))
                .map_err(&err)?;
            for segment in searcher.segment_readers() {
                let Some(columns) = columns(segment).map_err(&err)? else {
                    continue;
                };
                let io_err =
                    |e: std::io::Error| StoreError::Index(format!("{}: {e}", day.path.display()));
                let mut tallies = SegmentTallies::new(&columns, route).map_err(io_err)?;
                weight
                    .for_each_no_score(segment, &mut |docs| {
                        docs.iter().for_each(|&doc| tallies.count(doc));
                    })
                    .map_err(&err)?;
                tallies.into_routes(&mut by_route).map_err(io_err)?;
            }
        }
        let mut list: Vec<EndpointStats> = by_route
            .into_iter()
            .map(|((method, route), t)| stats(method, route, &t))
            .collect();
        list.sort_by(|a, b| {
            (b.requests, &a.method, &a.route).cmp(&(a.requests, &b.method, &b.route))
        });
        Ok(list)
    }
}

fn columns(segment: &SegmentReader) -> tantivy::Result<Option<Columns>> {
    let fast = segment.fast_fields();
    let Some(path) = fast.str("fields.path")? else {
        return Ok(None);
    };
    let numeric = |name: &str| -> tantivy::Result<Vec<DynamicColumn>> {
        fast.dynamic_column_handles(name)?
            .into_iter()
            .map(|h| h.open().map_err(tantivy::TantivyError::from))
            .collect()
    };
    Ok(Some(Columns {
        path,
        method: fast.str("fields.method")?,
        status: numeric("fields.status")?,
        request_time: numeric("fields.request_time")?,
    }))
}

/// One segment's requests per (method ordinal, route). Paths with ids are
/// mostly distinct, routes few: the path dictionary is read once, in order,
/// mapping each path ordinal to its route, and only routes get a sketch.
struct SegmentTallies<'a> {
    columns: &'a Columns,
    /// Path ordinal → index in `routes`.
    path_routes: Vec<u32>,
    routes: Vec<String>,
    tallies: HashMap<(Option<u64>, u32), Tally>,
}

impl<'a> SegmentTallies<'a> {
    fn new(columns: &'a Columns, route_of: RouteFn<'_>) -> std::io::Result<Self> {
        let dictionary = columns.path.dictionary();
        let mut path_routes = Vec::with_capacity(dictionary.num_terms());
        let mut routes = Vec::new();
        let mut index: HashMap<String, u32> = HashMap::new();
        let mut terms = dictionary.stream()?;
        while terms.advance() {
            let route = route_of(&String::from_utf8_lossy(terms.key()));
            let next = routes.len() as u32;
            let i = *index.entry(route.clone()).or_insert(next);
            if i == next {
                routes.push(route);
            }
            path_routes.push(i);
        }
        Ok(SegmentTallies {
            columns,
            path_routes,
            routes,
            tallies: HashMap::new(),
        })
    }

    fn count(&mut self, doc: DocId) {
        let columns = self.columns;
        let Some(route) = columns
            .path
            .term_ords(doc)
            .next()
            .and_then(|ord| self.path_routes.get(ord as usize))
        else {
            return;
        };
        let method = columns
            .method
            .as_ref()
            .and_then(|m| m.term_ords(doc).next());
        let tally = self
            .tallies
            .entry((method, *route))
            .or_insert_with(Tally::new);
        tally.requests += 1;
        if number(&columns.status, doc).is_some_and(|s| (500.0..600.0).contains(&s)) {
            tally.server_errors += 1;
        }
        if let Some(t) = number(&columns.request_time, doc).filter(|t| t.is_finite() && *t >= 0.0) {
            tally.latency.add(t);
        }
    }

    /// Adds this segment's tallies to `by_route`, by method and route text.
    fn into_routes(self, by_route: &mut HashMap<(String, String), Tally>) -> std::io::Result<()> {
        let mut text = String::new();
        for ((method, route), tally) in self.tallies {
            let method = match (method, &self.columns.method) {
                (Some(ord), Some(column)) => {
                    column.ord_to_str(ord, &mut text)?;
                    text.clone()
                }
                _ => "-".to_string(),
            };
            by_route
                .entry((method, self.routes[route as usize].clone()))
                .or_insert_with(Tally::new)
                .merge(&tally);
        }
        Ok(())
    }
}

/// The first numeric value of a field in `doc`, whichever type it was stored as.
fn number(columns: &[DynamicColumn], doc: DocId) -> Option<f64> {
    columns.iter().find_map(|c| match c {
        DynamicColumn::I64(c) => c.first(doc).map(|v| v as f64),
        DynamicColumn::U64(c) => c.first(doc).map(|v| v as f64),
        DynamicColumn::F64(c) => c.first(doc),
        _ => None,
    })
}

fn stats(method: String, route: String, t: &Tally) -> EndpointStats {
    let q = |q: f64| t.latency.quantile(q).ok().flatten();
    let latency = match (q(0.5), q(0.95), q(0.99)) {
        (Some(p50), Some(p95), Some(p99)) => Some(Percentiles { p50, p95, p99 }),
        _ => None,
    };
    EndpointStats {
        method,
        route,
        requests: t.requests,
        server_errors: t.server_errors,
        latency,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::StoreConfig;
    use chrono::TimeZone;
    use faultline_event::Event;
    use serde_json::{Value, json};

    fn request(day: u32, i: u32, method: &str, path: &str, status: u64, time: Value) -> Event {
        let mut e = Event::new(format!("{method} {path} {status}"));
        e.ts = Some(Utc.with_ymd_and_hms(2026, 11, day, 1, i % 60, 0).unwrap());
        e.fields.insert("method".into(), json!(method));
        e.fields.insert("path".into(), json!(path));
        e.fields.insert("status".into(), json!(status));
        e.fields.insert("request_time".into(), time);
        e
    }

    /// Digits become `<n>`: the caller's rule, not the store's.
    fn route(path: &str) -> String {
        let mut out = String::new();
        for c in path.chars() {
            if !c.is_ascii_digit() {
                out.push(c);
            } else if !out.ends_with("<n>") {
                out.push_str("<n>");
            }
        }
        out
    }

    #[test]
    fn requests_fold_into_routes_across_days_with_merged_percentiles() {
        let mut events = Vec::new();
        // 100 GETs of /orders/<id> over two days, latency 1..=100 ms, every
        // tenth a 503; whole numbers on the first day, fractions on the next.
        for i in 1..=100u32 {
            let (day, time) = if i <= 50 {
                (16, json!(i))
            } else {
                (17, json!(f64::from(i)))
            };
            let status = if i % 10 == 0 { 503 } else { 200 };
            events.push(request(
                day,
                i,
                "GET",
                &format!("/orders/{i}"),
                status,
                time,
            ));
        }
        events.push(request(16, 0, "POST", "/orders", 201, json!("250")));
        events.push(request(25, 0, "GET", "/orders/7", 200, json!(1)));
        events.push(Event::new("no path, not a request"));
        let dir = tempfile::tempdir().unwrap();
        let index = EventIndex::open(dir.path(), &StoreConfig::default()).unwrap();
        index.add(&events).unwrap();
        index.commit_with(1).unwrap();
        let since = Utc.with_ymd_and_hms(2026, 11, 16, 0, 0, 0).unwrap();
        let until = Utc.with_ymd_and_hms(2026, 11, 23, 0, 0, 0).unwrap();
        let list = index.endpoints(Some(since), Some(until), &route).unwrap();
        let names: Vec<(&str, &str, u64)> = list
            .iter()
            .map(|e| (e.method.as_str(), e.route.as_str(), e.requests))
            .collect();
        assert_eq!(names, [("GET", "/orders/<n>", 100), ("POST", "/orders", 1)]);
        assert_eq!(list[0].server_errors, 10);
        let p = list[0].latency.expect("latency");
        for (got, want) in [(p.p50, 50.0), (p.p95, 95.0), (p.p99, 99.0)] {
            assert!((got - want).abs() <= want * 0.02, "{got} vs {want}");
        }
        assert!(list[1].latency.is_some_and(|p| (p.p50 - 250.0).abs() < 5.0));
        let empty = index.endpoints(Some(until), None, &route).unwrap();
        assert_eq!(empty.len(), 1, "the 25th only");
    }
}

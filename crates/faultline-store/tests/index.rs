//! The event index on its own: search, filters, highlights, stats, per-day
//! folders, retention and reopening.

use chrono::{DateTime, Duration, NaiveDate, TimeZone, Utc};
use faultline_event::{Event, Exception, Frame, Level, SourcePos};
use faultline_store::{EventIndex, IndexOrder, SearchQuery, StatsQuery, StoreConfig, StoreError};
use serde_json::json;
use std::collections::BTreeMap;

fn config() -> StoreConfig {
    StoreConfig {
        index_memory_bytes: 16 << 20,
        ..StoreConfig::default()
    }
}

fn at(day: u32, hour: u32, minute: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, day, hour, minute, 0)
        .unwrap()
}

fn event(ts: DateTime<Utc>, service: &str, level: Level, message: &str) -> Event {
    let mut e = Event::new(message);
    e.ts = Some(ts);
    e.service = Some(service.into());
    e.level = Some(level);
    e.host = Some("web-1".into());
    e
}

fn payment_error(ts: DateTime<Utc>) -> Event {
    let mut e = event(ts, "billing", Level::Error, "payment failed for order 1234");
    let mut exc = Exception::new("java.lang.IllegalStateException", "card declined");
    exc.frames.push(Frame {
        module: Some("com.acme.PaymentService".into()),
        function: Some("charge".into()),
        file: Some("PaymentService.java".into()),
        line: Some(42),
        ..Frame::default()
    });
    exc.frames.push(Frame {
        module: Some("com.acme.billing.api".into()),
        function: Some("process_payment".into()),
        line: Some(42),
        ..Frame::default()
    });
    e.exception = Some(exc);
    e.fingerprint = Some("f00d".into());
    e.fields.insert(
        "request_id".into(),
        json!("3f2504e0-4f89-11d3-9a0c-0305e82c3301"),
    );
    e
}

/// A fixture: a payment error on the 26th, a day of access logs on the 27th.
fn fixture() -> Vec<Event> {
    let mut events = vec![payment_error(at(26, 9, 30))];
    let paths = ["/api/pay", "/api/cart", "/api/pay", "/health"];
    for i in 0..40u32 {
        let path = paths[i as usize % paths.len()];
        let mut e = event(
            at(27, i % 4, i),
            "gateway",
            Level::Info,
            &format!("GET {path} 200"),
        );
        e.fields.insert("path".into(), json!(path));
        e.fields
            .insert("status".into(), json!(if i % 10 == 0 { 500 } else { 200 }));
        e.fields.insert(
            "request_time".into(),
            json!(format!("{:.3}", f64::from(i + 1) / 100.0)),
        );
        events.push(e);
    }
    events.push(event(
        at(27, 5, 0),
        "billing",
        Level::Warn,
        "retrying <script> payment",
    ));
    events
}

fn open_with(events: &[Event]) -> (tempfile::TempDir, EventIndex) {
    let dir = tempfile::tempdir().unwrap();
    let index = EventIndex::open(dir.path(), &config()).unwrap();
    index.add(events).unwrap();
    index.commit_with(7).unwrap();
    (dir, index)
}

fn search(index: &EventIndex, q: &str) -> Vec<Event> {
    let query = SearchQuery {
        q: q.into(),
        limit: Some(1000),
        ..SearchQuery::default()
    };
    index
        .search(&query)
        .unwrap()
        .hits
        .into_iter()
        .map(|h| h.event)
        .collect()
}

#[test]
fn class_name_parts_exception_types_words_and_fields_find_the_event() {
    let (_dir, index) = open_with(&fixture());
    for q in [
        "PaymentService",
        "payment service",
        "processPayment",
        "process_payment",
        "charge",
        "frames:Payment",
        "com.acme.PaymentService.charge",
        "frames:PaymentService",
        "IllegalStateException",
        "IllegalState",
        "exception:declined",
        "payment failed",
        "3f2504e0-4f89-11d3-9a0c-0305e82c3301",
        "ids:3F2504E0-4F89-11D3-9A0C-0305E82C3301",
    ] {
        let hits = search(&index, q);
        assert_eq!(hits.len(), 1, "{q}: {hits:?}");
        assert_eq!(hits[0].service.as_deref(), Some("billing"), "{q}");
    }
    assert_eq!(search(&index, "path:/api/pay").len(), 20);
    assert_eq!(search(&index, "status:500").len(), 4);
    assert_eq!(search(&index, "request_time:>0.35").len(), 5);
    assert!(search(&index, "PaymentServiceImpl").is_empty());
    assert!(
        search(&index, "payment refunded").is_empty(),
        "terms are required by default"
    );
}

#[test]
fn filters_narrow_and_hits_come_newest_first() {
    let (_dir, index) = open_with(&fixture());
    let q = |f: &dyn Fn(&mut SearchQuery)| {
        let mut query = SearchQuery::default();
        f(&mut query);
        index.search(&query).unwrap()
    };
    let all = q(&|_| {});
    assert_eq!(all.total, 42);
    assert_eq!(all.hits.len(), 42);
    let times: Vec<_> = all.hits.iter().map(|h| h.event.ts.unwrap()).collect();
    assert!(times.windows(2).all(|w| w[0] >= w[1]), "{times:?}");
    assert_eq!(times[0], at(27, 5, 0));

    assert_eq!(q(&|s| s.service = Some("billing".into())).total, 2);
    assert_eq!(q(&|s| s.level = Some(Level::Error)).total, 1);
    assert_eq!(q(&|s| s.group = Some("f00d".into())).total, 1);
    let window = q(&|s| {
        s.since = Some(at(27, 1, 0));
        s.until = Some(at(27, 3, 0));
    });
    let want = fixture()
        .iter()
        .filter(|e| e.ts.unwrap() >= at(27, 1, 0) && e.ts.unwrap() < at(27, 3, 0))
        .count();
    assert_eq!(window.total, want as u64);
    let limited = q(&|s| s.limit = Some(3));
    assert_eq!((limited.total, limited.hits.len()), (42, 3));
    assert_eq!(limited.hits[0].event.ts, Some(at(27, 5, 0)));
}

#[test]
fn highlights_mark_matches_and_escape_html() {
    let (_dir, index) = open_with(&fixture());
    let query = SearchQuery {
        q: "payment".into(),
        ..SearchQuery::default()
    };
    let results = index.search(&query).unwrap();
    let highlights: Vec<_> = results
        .hits
        .iter()
        .filter_map(|h| h.highlight.clone())
        .collect();
    assert!(
        highlights.contains(&"retrying &lt;script&gt; <b>payment</b>".to_string()),
        "{highlights:?}"
    );
    assert!(
        highlights
            .iter()
            .any(|h| h.contains("<b>payment</b> failed")),
        "{highlights:?}"
    );
}

#[test]
fn a_bad_query_is_a_query_error() {
    let (_dir, index) = open_with(&fixture());
    let query = SearchQuery {
        q: "service:(billing".into(),
        ..SearchQuery::default()
    };
    match index.search(&query) {
        Err(StoreError::Query(message)) => assert!(!message.is_empty()),
        other => panic!("expected a query error, got {other:?}"),
    }
    let stats = StatsQuery {
        interval: Some("1w".into()),
        ..StatsQuery::default()
    };
    assert!(matches!(index.stats(&stats), Err(StoreError::Query(_))));
}

/// Nearest-rank percentile of sorted values.
fn nearest_rank(sorted: &[f64], p: f64) -> f64 {
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

#[test]
fn stats_count_by_hour_and_field_with_percentiles() {
    let events = fixture();
    let (_dir, index) = open_with(&events);
    let query = StatsQuery {
        q: "service:gateway".into(),
        by: Some("path".into()),
        interval: Some("1h".into()),
        percentiles: Some("request_time".into()),
        ..StatsQuery::default()
    };
    let stats = index.stats(&query).unwrap();
    let gateway: Vec<&Event> = events
        .iter()
        .filter(|e| e.service.as_deref() == Some("gateway"))
        .collect();
    assert_eq!(stats.total, gateway.len() as u64);

    let mut per_hour: BTreeMap<DateTime<Utc>, BTreeMap<String, u64>> = BTreeMap::new();
    let mut per_path: BTreeMap<String, u64> = BTreeMap::new();
    for e in &gateway {
        let hour = e.ts.unwrap() - Duration::minutes(e.ts.unwrap().timestamp() / 60 % 60);
        let path = e.fields["path"].as_str().unwrap().to_string();
        *per_hour
            .entry(hour)
            .or_default()
            .entry(path.clone())
            .or_default() += 1;
        *per_path.entry(path).or_default() += 1;
    }
    let got: BTreeMap<_, _> = stats
        .buckets
        .iter()
        .map(|b| (b.start, b.by.clone()))
        .collect();
    assert_eq!(got, per_hour);
    for b in &stats.buckets {
        assert_eq!(b.count, b.by.values().sum::<u64>());
    }
    let by: BTreeMap<_, _> = stats.by.iter().cloned().collect();
    assert_eq!(by, per_path);
    assert!(
        stats.by.windows(2).all(|w| w[0].1 >= w[1].1),
        "largest first"
    );

    let mut times: Vec<f64> = gateway
        .iter()
        .map(|e| e.fields["request_time"].as_str().unwrap().parse().unwrap())
        .collect();
    times.sort_by(f64::total_cmp);
    let p = stats.percentiles.expect("percentiles");
    for (got, pct) in [(p.p50, 50.0), (p.p95, 95.0), (p.p99, 99.0)] {
        let want = nearest_rank(&times, pct);
        assert!(
            (got - want).abs() <= want * 0.03 + 0.006,
            "p{pct}: {got} vs {want}"
        );
    }
}

#[test]
fn stats_by_a_numeric_field_and_by_service_per_day() {
    let (_dir, index) = open_with(&fixture());
    let by_status = index
        .stats(&StatsQuery {
            by: Some("status".into()),
            interval: Some("1d".into()),
            ..StatsQuery::default()
        })
        .unwrap();
    let by: BTreeMap<_, _> = by_status.by.into_iter().collect();
    assert_eq!(
        by,
        BTreeMap::from([("200".to_string(), 36), ("500".to_string(), 4)])
    );
    let by_service = index
        .stats(&StatsQuery {
            by: Some("service".into()),
            interval: Some("1d".into()),
            ..StatsQuery::default()
        })
        .unwrap();
    let days: Vec<_> = by_service
        .buckets
        .iter()
        .map(|b| (b.start.date_naive(), b.count))
        .collect();
    let day = |d| NaiveDate::from_ymd_opt(2026, 11, d).unwrap();
    assert_eq!(days, [(day(26), 1), (day(27), 41)]);
    assert_eq!(by_service.buckets[1].by["billing"], 1);
    assert_eq!(by_service.buckets[1].by["gateway"], 40);
}

#[test]
fn one_folder_per_day_and_retention_deletes_old_days() {
    let (dir, index) = open_with(&fixture());
    let day = |d| NaiveDate::from_ymd_opt(2026, 11, d).unwrap();
    assert_eq!(index.days(), [day(26), day(27)]);
    assert!(dir.path().join("2026-11-26").join("meta.json").exists());
    assert!(index.size_bytes() > 0);
    index.retain(day(27)).unwrap();
    assert_eq!(index.days(), [day(27)]);
    assert!(!dir.path().join("2026-11-26").exists());
    assert!(search(&index, "PaymentService").is_empty());
    assert_eq!(search(&index, "path:/api/pay").len(), 20);
}

#[test]
fn reopening_keeps_events_and_the_committed_position() {
    let dir = tempfile::tempdir().unwrap();
    {
        let index = EventIndex::open(dir.path(), &config()).unwrap();
        assert_eq!(index.committed_position(), None);
        index.add(&fixture()).unwrap();
        index.commit_with(99).unwrap();
        index.add(&[payment_error(at(27, 23, 0))]).unwrap();
        // Not committed: lost with the process, replayed from position 99.
    }
    let index = EventIndex::open(dir.path(), &config()).unwrap();
    assert_eq!(index.committed_position(), Some(99));
    assert_eq!(search(&index, "PaymentService").len(), 1);
    index
        .add_replayed(99, &[payment_error(at(27, 23, 0))])
        .unwrap();
    // An entry before a day's committed position is already in that day.
    index
        .add_replayed(50, &[payment_error(at(26, 9, 30))])
        .unwrap();
    index.commit_with(120).unwrap();
    assert_eq!(search(&index, "PaymentService").len(), 2);
    assert_eq!(index.committed_position(), Some(120));
}

#[test]
fn added_events_are_invisible_until_committed() {
    let (_dir, index) = open_with(&[]);
    index.add(&[payment_error(at(26, 9, 30))]).unwrap();
    assert!(search(&index, "charge").is_empty());
    index.commit_with(8).unwrap();
    assert_eq!(search(&index, "charge").len(), 1);
}

/// A small deterministic generator (xorshift) for the stored-event test.
struct Gen(u64);

impl Gen {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn pick<'a>(&mut self, options: &[&'a str]) -> Option<&'a str> {
        let i = (self.next() % (options.len() as u64 + 1)) as usize;
        options.get(i).copied()
    }
}

/// Events whose parts take every path of the stored form: times with and
/// without sub-millisecond digits or missing, empty, short and overlong
/// keyword values and explanations, every level, sources with and without
/// a file id (and one whose file id has a newline), and none.
fn varied_events(n: usize) -> Vec<Event> {
    let mut g = Gen(0x9e37_79b9_7f4a_7c15);
    let long = "x".repeat(1500);
    let levels = [
        Level::Trace,
        Level::Debug,
        Level::Info,
        Level::Warn,
        Level::Error,
        Level::Fatal,
    ];
    (0..n)
        .map(|i| {
            let mut e = Event::new(format!("event {i} happened"));
            let base = at(26, 10, 0).timestamp_micros() + (i as i64) * 1_000_003;
            e.ts = match g.next() % 4 {
                0 => None,
                1 => DateTime::from_timestamp_micros(base),
                _ => DateTime::from_timestamp_micros(base - base % 1000),
            };
            e.service = g.pick(&["billing", "", "api"]).map(String::from);
            e.host = g.pick(&["web-1", &long]).map(String::from);
            e.level = (g.next() % 7)
                .try_into()
                .ok()
                .and_then(|l: usize| levels.get(l).copied());
            e.logger = g
                .pick(&["com.acme.Pay", "ünïcode.logger"])
                .map(String::from);
            e.template = g.pick(&["event <*> happened", &long]).map(String::from);
            e.fingerprint = g.pick(&["f00d", "beef"]).map(String::from);
            e.explanation = g
                .pick(&["grouped by: message template", "", &long])
                .map(String::from);
            e.source = g
                .pick(&["9555e8555c62dcfd", "", "a\nb"])
                .map(|file_id| SourcePos {
                    path: format!("/var/log/app-{}.log", i % 3),
                    file_id: file_id.into(),
                    offset: g.next() >> (g.next() % 64),
                });
            if g.next().is_multiple_of(3) {
                e.fields.insert("status".into(), json!(500));
                e.stack = Some("Error: boom\n    at f (a.js:1:2)".into());
            }
            add_varied_fields(&mut g, &mut e.fields, i);
            e
        })
        .collect()
}

/// `fields` values of every shape: those the fast columns hold exactly
/// (strings, integers, fractions, booleans; one key holding integers in
/// some events and fractions in others, so its column is coerced) and those
/// that stay in the stored JSON (ids, numeric strings, long strings, nulls,
/// arrays, objects, dotted keys, huge integers).
fn add_varied_fields(
    g: &mut Gen,
    fields: &mut serde_json::Map<String, serde_json::Value>,
    i: usize,
) {
    let long = "y".repeat(300);
    let candidates = [
        ("path", json!(format!("/api/v{}/cart", i % 4))),
        (
            "user_agent",
            json!("Mozilla/5.0 (X11; Linux x86_64) Firefox/132.0"),
        ),
        ("bytes", json!(i * 37)),
        (
            "took",
            if i.is_multiple_of(2) {
                json!(i)
            } else {
                json!(i as f64 / 8.0)
            },
        ),
        ("ok", json!(i.is_multiple_of(5))),
        ("code", json!("500")),
        ("request_id", json!(format!("req-{i}"))),
        ("trace", json!("4bf92f3577b34da6a3ce929d0e0e4736")),
        ("payload", json!(long)),
        ("gone", serde_json::Value::Null),
        ("tags", json!(["a", "b"])),
        ("req", json!({"method": "GET", "url": "/x"})),
        ("http.method", json!("POST")),
        ("big", json!(u64::MAX - i as u64)),
        ("neg", json!(-(i as i64) * 1_000_000_007)),
        ("empty", json!("")),
        ("ünï", json!("ça va")),
    ];
    for (key, value) in candidates {
        if !g.next().is_multiple_of(3) {
            fields.insert(key.to_string(), value);
        }
    }
}

#[test]
fn stored_events_read_back_whole() {
    let events = varied_events(400);
    let dir = tempfile::tempdir().unwrap();
    let index = EventIndex::open(dir.path(), &config()).unwrap();
    let (first, second) = events.split_at(150);
    index.add(first).unwrap();
    index.commit_with(1).unwrap();
    index.add(second).unwrap();
    index.commit_with(2).unwrap();
    let mut found = search(&index, "");
    assert_eq!(found.len(), events.len());
    found.sort_by(|a, b| a.message.cmp(&b.message));
    let mut want = events.clone();
    want.sort_by(|a, b| a.message.cmp(&b.message));
    for (found, want) in found.iter().zip(&want) {
        assert_eq!(found, want);
    }
}

/// An index in `dir` holding 300 varied events, added in three commits.
fn three_commits_of_varied_events(dir: &std::path::Path) -> (EventIndex, Vec<Event>) {
    let events = varied_events(300);
    let index = EventIndex::open(dir, &config()).unwrap();
    for (n, chunk) in events.chunks(100).enumerate() {
        index.add(chunk).unwrap();
        index.commit_with(n as u64 + 1).unwrap();
    }
    (index, events)
}

#[test]
fn an_idle_day_is_merged_into_one_segment_and_still_found() {
    let dir = tempfile::tempdir().unwrap();
    let (index, events) = three_commits_of_varied_events(dir.path());
    let segments = |index: &EventIndex| -> usize {
        index
            .days()
            .iter()
            .map(|day| {
                std::fs::read_dir(dir.path().join(day.to_string()))
                    .unwrap()
                    .flatten()
                    .filter(|e| e.path().extension().is_some_and(|x| x == "store"))
                    .count()
            })
            .sum()
    };
    let before = segments(&index);
    for _ in 0..30 {
        index.commit_with(4).unwrap();
    }
    index.settle();
    assert!(segments(&index) < before, "{before} segments stayed");
    assert_eq!(segments(&index), index.days().len());
    let mut found = search(&index, "");
    found.sort_by(|a, b| a.message.cmp(&b.message));
    let mut want = events;
    want.sort_by(|a, b| a.message.cmp(&b.message));
    assert_eq!(found, want);
}

#[test]
fn an_index_of_another_schema_version_is_refused_with_what_to_do() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("version"), "2\n").unwrap();
    let err = EventIndex::open(dir.path(), &config()).unwrap_err();
    let message = err.to_string();
    assert!(message.contains("schema version 2"), "{message}");
    assert!(message.contains("move the folder aside"), "{message}");
}

#[test]
fn a_late_event_for_a_day_being_merged_waits_for_the_merge_and_is_found() {
    let dir = tempfile::tempdir().unwrap();
    let (index, events) = three_commits_of_varied_events(dir.path());
    for _ in 0..30 {
        index.commit_with(4).unwrap();
    }
    // The merges started by the last commit may still run: a new writer for
    // the same day must wait for them rather than fail on the index lock.
    let late = varied_events(301).split_off(300);
    index.add(&late).unwrap();
    index.commit_with(5).unwrap();
    let found = search(&index, "");
    assert_eq!(found.len(), 301);
    assert!(found.contains(&late[0]));
    assert!(events.iter().all(|e| found.contains(e)));
}

/// Every event `q` finds, in a stable order, or the query's error.
fn found(index: &EventIndex, q: &str) -> Result<Vec<Event>, String> {
    let query = SearchQuery {
        q: q.to_string(),
        limit: Some(1000),
        ..SearchQuery::default()
    };
    let mut events = index.search(&query).map_err(|e| e.to_string())?.hits;
    events.sort_by(|a, b| (&a.event.message, a.event.ts).cmp(&(&b.event.message, b.event.ts)));
    Ok(events.into_iter().map(|h| h.event).collect())
}

/// Queries that find some of [`varied_events`]: terms, cases, numbers,
/// booleans, nested paths, `IN`, ranges, `key:*`, exclusions, keywords.
const MATCHING: [&str; 38] = [
    "path:/api/v1/cart",
    "fields.path:/api/v2/cart",
    "path:/API/V3/CART",
    "user_agent:firefox",
    "user_agent:x11",
    "bytes:37",
    "bytes:74 OR bytes:111",
    "took:4 OR took:6 OR took:8 OR took:10",
    "took:0.125 OR took:0.375 OR took:0.625 OR took:0.875",
    "took:>10",
    "ok:true",
    "ok:false",
    "code:500",
    "status:500",
    "status:[500 TO 599]",
    "http.method:post",
    "http.method:POST",
    "req.method:get",
    "req.url:/x",
    "tags:a",
    "neg:-1000000007",
    "fields.path:IN [/api/v0/cart /api/v2/cart]",
    "event -path:/api/v1/cart",
    "path:/api/v1/cart AND ok:true",
    "path:/api/v1/cart OR bytes:37",
    "fields.path:*",
    "service:billing",
    "service:api OR level:error",
    "host:web-1",
    "level:warn",
    "logger:com.acme.Pay",
    "fingerprint:f00d",
    "template:\"event <*> happened\"",
    "fingerprint:IN [f00d beef]",
    "event -fingerprint:beef",
    "service:[a TO c]",
    "level:*",
    "fingerprint:f00d AND path:/api/v1/cart",
];

/// Queries on `fields` find the same events whether a day indexes every
/// value of `fields` as terms (the legacy schema) or answers them from the
/// fast columns and `words` (the current one), in one segment or several.
#[test]
fn fields_queries_find_what_the_legacy_schema_found() {
    let events = varied_events(600);
    let open = |legacy: bool| {
        let dir = tempfile::tempdir().unwrap();
        let index = if legacy {
            EventIndex::open_legacy(dir.path(), &config()).unwrap()
        } else {
            EventIndex::open(dir.path(), &config()).unwrap()
        };
        for (n, chunk) in events.chunks(250).enumerate() {
            index.add(chunk).unwrap();
            index.commit_with(n as u64 + 1).unwrap();
        }
        (dir, index)
    };
    let ((_l, legacy), (_c, current)) = (open(true), open(false));
    let matching = MATCHING;
    for q in matching {
        let want = found(&legacy, q).unwrap_or_else(|e| panic!("{q}: {e}"));
        assert!(
            !want.is_empty(),
            "{q} finds nothing even in the legacy schema"
        );
        let got = found(&current, q).unwrap_or_else(|e| panic!("{q}: {e}"));
        assert_eq!(got.len(), want.len(), "{q}");
        assert!(got == want, "{q}: other events found");
    }
    for q in [
        "path:/api/v9/cart",
        "user_agent:chrome",
        "bytes:36",
        "firefox",
        "request_id:req-5",
        "payload:yyy",
        "empty:x",
        "user_agent:\"mozilla firefox\"",
        "service:Billing",
        "logger:com",
        "fingerprint:f00",
    ] {
        assert_eq!(found(&current, q), found(&legacy, q), "{q}");
    }
    let filtered = |index: &EventIndex, service: &str, level: Level, group: &str| {
        let query = SearchQuery {
            q: "event".into(),
            service: Some(service.into()),
            level: Some(level),
            group: Some(group.into()),
            limit: Some(1000),
            ..SearchQuery::default()
        };
        index.search(&query).unwrap().total
    };
    for q in ["path:/api/v1/cart", "service:billing AND ok:true"] {
        let stats = |index: &EventIndex| {
            let query = StatsQuery {
                q: q.into(),
                by: Some("path".into()),
                ..StatsQuery::default()
            };
            let result = index.stats(&query).unwrap();
            (result.total, result.by)
        };
        let want = stats(&legacy);
        assert!(want.0 > 0, "{q}");
        assert_eq!(stats(&current), want, "stats {q}");
    }
    for (service, level, group) in [
        ("billing", Level::Error, "f00d"),
        ("api", Level::Info, "beef"),
    ] {
        let want = filtered(&legacy, service, level, group);
        assert!(want > 0, "{service} {level:?} {group}");
        assert_eq!(filtered(&current, service, level, group), want);
    }
}

/// A folder written with the legacy schema opens: its days keep their
/// schema (and their events), a new day takes the current one, and a query
/// on `fields` finds events on both.
#[test]
fn a_legacy_folder_opens_and_a_new_day_takes_the_current_schema() {
    let dir = tempfile::tempdir().unwrap();
    let old = varied_events(100);
    {
        let index = EventIndex::open_legacy(dir.path(), &config()).unwrap();
        index.add(&old).unwrap();
        index.commit_with(1).unwrap();
    }
    std::fs::write(dir.path().join("version"), "3\n").unwrap();
    let index = EventIndex::open(dir.path(), &config()).unwrap();
    assert_eq!(
        std::fs::read_to_string(dir.path().join("version")).unwrap(),
        faultline_store::SCHEMA_VERSION.to_string()
    );
    let mut new = varied_events(100);
    for e in &mut new {
        e.ts = e.ts.map(|t| t + chrono::Duration::days(40));
        e.message = format!("new {}", e.message);
    }
    index.add(&new).unwrap();
    index.commit_with(2).unwrap();
    let both = found(&index, "path:/api/v1/cart").unwrap();
    let (newer, older): (Vec<_>, Vec<_>) = both.iter().partition(|e| e.message.starts_with("new "));
    let want = |events: &[Event]| {
        events
            .iter()
            .filter(|e| e.fields.get("path") == Some(&json!("/api/v1/cart")))
            .count()
    };
    assert_eq!((newer.len(), older.len()), (want(&new), want(&old)));
    assert!(want(&old) > 0 && want(&new) > 0);
    assert_eq!(found(&index, "").unwrap().len(), 200);
}

/// A day kept in template order (the default) finds the same events, reads
/// them back whole and counts the same stats as a day kept in arrival
/// order, before and after its segments merge.
#[test]
fn a_day_in_template_order_finds_what_a_day_in_arrival_order_finds() {
    let events = varied_events(600);
    let open = |order: IndexOrder| {
        let dir = tempfile::tempdir().unwrap();
        let config = StoreConfig {
            index_order: order,
            ..config()
        };
        let index = EventIndex::open(dir.path(), &config).unwrap();
        for (n, chunk) in events.chunks(200).enumerate() {
            index.add(chunk).unwrap();
            index.commit_with(n as u64 + 1).unwrap();
        }
        (dir, index)
    };
    let ((_a, arrival), (_t, template)) = (open(IndexOrder::Arrival), open(IndexOrder::Template));
    let same = |arrival: &EventIndex, template: &EventIndex| {
        for q in MATCHING
            .iter()
            .chain(&["", "event", "happened", "boom", "f", "nothing-like-it"])
        {
            let want = found(arrival, q).unwrap_or_else(|e| panic!("{q}: {e}"));
            assert!(want.len() <= 600, "{q}");
            let got = found(template, q).unwrap_or_else(|e| panic!("{q}: {e}"));
            assert!(
                got == want,
                "{q}: {} events against {}",
                got.len(),
                want.len()
            );
        }
        let stats = |index: &EventIndex| {
            let query = StatsQuery {
                q: "event".into(),
                by: Some("service".into()),
                percentiles: Some("took".into()),
                ..StatsQuery::default()
            };
            let result = index.stats(&query).unwrap();
            (result.total, result.by, format!("{:?}", result.percentiles))
        };
        assert_eq!(stats(template), stats(arrival));
        let mut all = found(template, "").unwrap();
        all.sort_by(|a, b| a.message.cmp(&b.message));
        let mut want = events.clone();
        want.sort_by(|a, b| a.message.cmp(&b.message));
        assert_eq!(all.len(), want.len());
        assert!(all == want, "stored events read back otherwise");
    };
    same(&arrival, &template);
    for index in [&arrival, &template] {
        for _ in 0..30 {
            index.commit_with(4).unwrap();
        }
        index.settle();
    }
    same(&arrival, &template);
}

//! `faultline search`, `faultline groups` and `faultline stats`: the query
//! API, against a running collector (`--collector URL`) or a data folder
//! (`--data DIR`), printed as tables or, with `--json`, as the API's JSON.
//! `faultline groups --resolve|--ignore|--unresolve FP` sets a group's
//! status the same two ways (`PUT /api/v1/groups/{fingerprint}/status`).

use crate::cli::{GroupsArgs, QuerySource, SearchArgs, StatsArgs};
use anyhow::{Context as _, bail};
use chrono::{DateTime, SecondsFormat, Utc};
use faultline_collector::params::{GroupParams, SearchParams, StatsParams};
use faultline_store::{GroupRecord, GroupStatus, SearchResults, StatsResult, Store, StoreConfig};
use serde::Serialize;
use serde::de::DeserializeOwned;
use std::fmt::Write as _;
use std::io::Write as _;
use std::process::ExitCode;
use std::time::Duration;

/// Reading a data folder keeps every day it holds: retention is the
/// collector's to apply, with its own configuration.
const KEEP_DAYS: u32 = 36_500;

/// Where queries go.
pub(crate) enum Backend {
    Http {
        client: reqwest::blocking::Client,
        base: String,
        token: Option<String>,
    },
    Local(Box<Store>),
}

impl Backend {
    pub(crate) fn new(source: &QuerySource) -> anyhow::Result<Backend> {
        match (&source.collector, &source.data) {
            (Some(url), None) => {
                let client = reqwest::blocking::Client::builder()
                    .timeout(Duration::from_secs(120))
                    .build()
                    .context("building the HTTP client")?;
                let token = source
                    .token
                    .clone()
                    .or_else(|| std::env::var("FAULTLINE_TOKEN").ok());
                Ok(Backend::Http {
                    client,
                    base: url.trim_end_matches('/').to_string(),
                    token,
                })
            }
            (None, Some(dir)) => {
                let config = StoreConfig {
                    retention_days: KEEP_DAYS,
                    ..StoreConfig::default()
                };
                let store = Store::open(dir, config)
                    .with_context(|| format!("--data {}", dir.display()))?;
                Ok(Backend::Local(Box::new(store)))
            }
            _ => bail!("pass either --collector URL or --data DIR"),
        }
    }

    fn get<T: DeserializeOwned>(&self, path: &str, params: &impl Serialize) -> anyhow::Result<T> {
        let url = self.url(path);
        self.request(path, params)?
            .json()
            .with_context(|| format!("{url}: not the expected JSON"))
    }

    /// The body of a collector's answer, as text (a rendered report).
    pub(crate) fn get_text(&self, path: &str, params: &impl Serialize) -> anyhow::Result<String> {
        let url = self.url(path);
        self.request(path, params)?
            .text()
            .with_context(|| format!("{url}: reading the answer"))
    }

    /// `PUT`s `body` as JSON and reads the answer.
    fn put<T: DeserializeOwned>(&self, path: &str, body: &impl Serialize) -> anyhow::Result<T> {
        let url = self.url(path);
        self.send(path, |client, url| client.put(url).json(body))?
            .json()
            .with_context(|| format!("{url}: not the expected JSON"))
    }

    fn url(&self, path: &str) -> String {
        match self {
            Backend::Http { base, .. } => format!("{base}{path}"),
            Backend::Local(_) => path.to_string(),
        }
    }

    /// A successful answer of the collector to a `GET`, or its error message.
    fn request(
        &self,
        path: &str,
        params: &impl Serialize,
    ) -> anyhow::Result<reqwest::blocking::Response> {
        self.send(path, |client, url| client.get(url).query(params))
    }

    /// A successful answer of the collector to the request `build` makes
    /// for `path`, or its error message.
    fn send(
        &self,
        path: &str,
        build: impl FnOnce(&reqwest::blocking::Client, &str) -> reqwest::blocking::RequestBuilder,
    ) -> anyhow::Result<reqwest::blocking::Response> {
        let Backend::Http {
            client,
            base,
            token,
        } = self
        else {
            unreachable!("only called on a collector");
        };
        let url = format!("{base}{path}");
        let mut request = build(client, &url);
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        let request = request.build().with_context(|| url.clone())?;
        let what = format!("{} {url}", request.method());
        let response = client.execute(request).with_context(|| what)?;
        let status = response.status();
        if !status.is_success() {
            let body: serde_json::Value = response.json().unwrap_or_default();
            let message = body["error"].as_str().unwrap_or("no details");
            bail!("{url}: {status}: {message}");
        }
        Ok(response)
    }
}

pub fn search(args: SearchArgs) -> anyhow::Result<ExitCode> {
    let backend = Backend::new(&args.source)?;
    let params = SearchParams {
        q: args.query.clone(),
        service: args.service.clone(),
        level: args.level.clone(),
        since: args.since.clone(),
        until: args.until.clone(),
        group: args.group.clone(),
        limit: Some(args.limit),
    };
    let results: SearchResults = match &backend {
        Backend::Http { .. } => backend.get("/api/v1/search", &params)?,
        Backend::Local(store) => store.search(&params.to_query(Utc::now())?)?,
    };
    print(args.source.json, &results, || search_table(&results))
}

pub fn groups(args: GroupsArgs) -> anyhow::Result<ExitCode> {
    let backend = Backend::new(&args.source)?;
    if let Some((fingerprint, status)) = status_change(&args) {
        let group = set_status(&backend, fingerprint, status)?;
        return print(args.source.json, &group, || group_page(&group));
    }
    if let Some(fingerprint) = &args.fingerprint {
        let group: GroupRecord = match &backend {
            Backend::Http { .. } => backend.get(&format!("/api/v1/groups/{fingerprint}"), &())?,
            Backend::Local(store) => store
                .group(fingerprint)?
                .with_context(|| format!("no group {fingerprint:?}"))?,
        };
        return print(args.source.json, &group, || group_page(&group));
    }
    let params = GroupParams {
        since: Some(args.since.clone()),
        service: args.service.clone(),
        level: args.level.clone(),
        sort: Some(args.sort.clone()),
        limit: Some(args.limit),
        status: args.status.clone(),
    };
    let groups: Vec<GroupRecord> = match &backend {
        Backend::Http { .. } => backend.get("/api/v1/groups", &params)?,
        Backend::Local(store) => store.groups(&params.to_query(Utc::now())?)?,
    };
    print(args.source.json, &groups, || groups_table(&groups))
}

/// The group and status `--resolve`, `--ignore` or `--unresolve` name.
fn status_change(args: &GroupsArgs) -> Option<(&str, GroupStatus)> {
    [
        (&args.resolve, GroupStatus::Resolved),
        (&args.ignore, GroupStatus::Ignored),
        (&args.unresolve, GroupStatus::Unresolved),
    ]
    .into_iter()
    .find_map(|(fingerprint, status)| Some((fingerprint.as_deref()?, status)))
}

/// Sets a group's status; returns once the change is durable.
fn set_status(
    backend: &Backend,
    fingerprint: &str,
    status: GroupStatus,
) -> anyhow::Result<GroupRecord> {
    match backend {
        Backend::Http { .. } => backend.put(
            &format!("/api/v1/groups/{fingerprint}/status"),
            &serde_json::json!({ "status": status }),
        ),
        Backend::Local(store) => store
            .set_status(fingerprint, status)?
            .with_context(|| format!("no group {fingerprint:?}")),
    }
}

pub fn stats(args: StatsArgs) -> anyhow::Result<ExitCode> {
    let backend = Backend::new(&args.source)?;
    let params = StatsParams {
        q: args.query.clone(),
        by: args.by.clone(),
        interval: Some(args.interval.clone()),
        percentiles: args.percentiles.clone(),
        since: args.since.clone(),
        until: args.until.clone(),
    };
    let stats: StatsResult = match &backend {
        Backend::Http { .. } => backend.get("/api/v1/stats", &params)?,
        Backend::Local(store) => store.stats(&params.to_query(Utc::now())?)?,
    };
    print(args.source.json, &stats, || stats_table(&stats))
}

fn print(
    json: bool,
    value: &impl Serialize,
    table: impl FnOnce() -> String,
) -> anyhow::Result<ExitCode> {
    let mut out = std::io::stdout().lock();
    let written = if json {
        serde_json::to_writer_pretty(&mut out, value)
            .map_err(std::io::Error::from)
            .and_then(|()| out.write_all(b"\n"))
    } else {
        out.write_all(table().as_bytes())
    };
    match written {
        Err(err) if err.kind() != std::io::ErrorKind::BrokenPipe => Err(err.into()),
        _ => Ok(ExitCode::SUCCESS),
    }
}

fn time(ts: Option<DateTime<Utc>>) -> String {
    ts.map_or_else(
        || "-".to_string(),
        |t| t.to_rfc3339_opts(SecondsFormat::Secs, true),
    )
}

/// The first line of `text`, cut to `max` characters.
fn line(text: &str, max: usize) -> String {
    let first = text.lines().next().unwrap_or_default();
    if first.chars().count() <= max {
        return first.to_string();
    }
    let cut: String = first.chars().take(max.saturating_sub(1)).collect();
    format!("{cut}…")
}

fn search_table(results: &SearchResults) -> String {
    let mut out = format!(
        "{} of {} matching events\n",
        results.hits.len(),
        results.total
    );
    for hit in &results.hits {
        let e = &hit.event;
        let _ = writeln!(
            out,
            "{:<20}  {:<5}  {:<14}  {}",
            time(e.ts),
            e.level.map_or("-", |l| l.as_str()),
            line(e.service.as_deref().unwrap_or("-"), 14),
            line(&e.message, 100)
        );
    }
    out
}

fn groups_table(groups: &[GroupRecord]) -> String {
    let mut out = format!(
        "{:>8}  {:<10}  {:<20}  {:<16}  {:<16}  {}\n",
        "COUNT", "STATUS", "LAST SEEN", "SERVICES", "FINGERPRINT", "TITLE"
    );
    for g in groups {
        let _ = writeln!(
            out,
            "{:>8}  {:<10}  {:<20}  {:<16}  {:<16}  {}",
            g.count,
            g.state.status.as_str(),
            time(Some(g.last_seen)),
            line(&g.services.join(","), 16),
            line(&g.fingerprint, 16),
            line(&g.title, 90)
        );
    }
    if groups.is_empty() {
        out.push_str("no groups in this window\n");
    }
    out
}

fn group_page(g: &GroupRecord) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "{}\n", g.title);
    let rows = [
        ("fingerprint", g.fingerprint.clone()),
        ("status", status_line(g)),
        ("events", g.count.to_string()),
        ("first seen", time(Some(g.first_seen))),
        ("last seen", time(Some(g.last_seen))),
        ("culprit", g.culprit.clone().unwrap_or_else(|| "-".into())),
        ("services", g.services.join(", ")),
        ("hosts", g.hosts.join(", ")),
        ("why", g.explanation.clone()),
    ];
    for (name, value) in rows {
        let _ = writeln!(out, "{name:>12}: {value}");
    }
    out.push_str("\nper day:\n");
    for (day, count) in &g.daily {
        let _ = writeln!(out, "  {day}  {count:>8}");
    }
    out.push_str("\nsample:\n");
    let sample = g.sample.stack.as_deref().unwrap_or(&g.sample.message);
    for l in sample.lines().take(60) {
        let _ = writeln!(out, "  {l}");
    }
    out
}

/// `resolved (set 2026-11-26T07:00:00Z)`, with when it last regressed.
fn status_line(g: &GroupRecord) -> String {
    let mut line = g.state.status.to_string();
    if let Some(changed) = g.state.status_changed_at {
        let _ = write!(line, " (set {})", time(Some(changed)));
    }
    if let Some(regressed) = g.state.regressed_at {
        let _ = write!(line, ", regressed {}", time(Some(regressed)));
    }
    line
}

fn stats_table(stats: &StatsResult) -> String {
    let mut out = format!("{} events\n", stats.total);
    if !stats.by.is_empty() {
        out.push('\n');
        for (value, count) in &stats.by {
            let _ = writeln!(out, "{count:>10}  {value}");
        }
    }
    if let Some(p) = stats.percentiles {
        let _ = writeln!(out, "\np50 {}  p95 {}  p99 {}", p.p50, p.p95, p.p99);
    }
    out.push('\n');
    for bucket in &stats.buckets {
        let _ = write!(out, "{}  {:>8}", time(Some(bucket.start)), bucket.count);
        if let Some(p) = bucket.percentiles {
            let _ = write!(out, "  p50 {} p95 {} p99 {}", p.p50, p.p95, p.p99);
        }
        for (value, count) in bucket.by.iter().take(8) {
            let _ = write!(out, "  {value}={count}");
        }
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_lines_are_cut_to_their_first_line() {
        assert_eq!(line("short", 10), "short");
        assert_eq!(line("abcdefghijkl", 5), "abcd…");
        assert_eq!(line("first\nsecond", 20), "first");
    }
}

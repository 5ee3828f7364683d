//! Stats: counts over time, by any field, and percentiles of a numeric field,
//! with tantivy's aggregations over the fast fields. Each day's index is
//! aggregated on its own and the intermediate results are merged.

use super::EventIndex;
use super::day::index_err;
use super::schema::KEYWORD_FIELDS;
use super::search::parse;
use crate::{Bucket, Percentiles, StatsQuery, StatsResult, StoreError};
use chrono::{DateTime, Utc};
use serde_json::{Value, json};
use std::collections::BTreeMap;
use tantivy::aggregation::agg_req::Aggregations;
use tantivy::aggregation::intermediate_agg_result::IntermediateAggregationResults;
use tantivy::aggregation::{
    AggContextParams, AggregationLimitsGuard, DistributedAggregationCollector,
};
use tantivy::collector::Count;

/// Values of `by` reported overall, largest first.
const BY_VALUES: u32 = 100;
/// Values of `by` reported per bucket.
const BY_VALUES_PER_BUCKET: u32 = 20;
/// Buckets (time buckets times their values) one query may produce.
const MAX_BUCKETS: u32 = 200_000;
/// Memory one query's aggregations may take.
const MAX_AGG_MEMORY_BYTES: u64 = 512 << 20;

impl EventIndex {
    /// Counts matching events per `interval`, per value of `by`, with
    /// percentiles of `percentiles`, over the days the time filter reaches.
    pub fn stats(&self, q: &StatsQuery) -> Result<StatsResult, StoreError> {
        let interval = q.interval.as_deref().unwrap_or("1h");
        check_interval(interval)?;
        let by = q.by.as_deref().map(column);
        let pct = q.percentiles.as_deref().map(column);
        let aggs = request(interval, by.as_deref(), pct.as_deref())?;
        let parsed = parse(&self.fields, &q.q, q.since, q.until, Vec::new())?;
        let mut total = 0;
        let mut merged: Option<IntermediateAggregationResults> = None;
        for day in self.days_between(q.since, q.until) {
            let err = index_err(&day.path);
            let searcher = day.reader.searcher();
            let collector = DistributedAggregationCollector::from_aggs(aggs.clone(), context());
            let (count, fruit) = searcher
                .search(parsed.all(&day.fields), &(Count, collector))
                .map_err(&err)?;
            total += count as u64;
            match &mut merged {
                Some(m) => m.merge_fruits(fruit).map_err(&err)?,
                None => merged = Some(fruit),
            }
        }
        let mut result = StatsResult {
            total,
            ..StatsResult::default()
        };
        if let Some(merged) = merged {
            let limits = context().limits;
            let fin = merged
                .into_final_result(aggs, limits)
                .map_err(|e| StoreError::Query(e.to_string()))?;
            let value = serde_json::to_value(&fin).map_err(|e| StoreError::Index(e.to_string()))?;
            fill(&mut result, &value);
        }
        Ok(result)
    }
}

/// The column `by=` or `percentiles=` names: a top-level field, or a key of
/// `fields` (written with or without the `fields.` prefix).
fn column(name: &str) -> String {
    if KEYWORD_FIELDS.contains(&name) || name.starts_with("fields.") {
        name.to_string()
    } else {
        format!("fields.{name}")
    }
}

/// Accepts `<n>s`, `<n>m`, `<n>h` or `<n>d` with n ≥ 1.
fn check_interval(interval: &str) -> Result<(), StoreError> {
    let digits = interval.trim_end_matches(['s', 'm', 'h', 'd']);
    let unit = &interval[digits.len()..];
    let ok = unit.len() == 1 && digits.parse::<u32>().is_ok_and(|n| n > 0);
    if ok {
        Ok(())
    } else {
        Err(StoreError::Query(format!(
            "interval {interval:?}: expected a number and a unit, such as 1m, 15m, 1h or 1d"
        )))
    }
}

fn request(
    interval: &str,
    by: Option<&str>,
    pct: Option<&str>,
) -> Result<Aggregations, StoreError> {
    let mut inner = serde_json::Map::new();
    let mut outer = serde_json::Map::new();
    if let Some(by) = by {
        inner.insert(
            "by".into(),
            json!({"terms": {"field": by, "size": BY_VALUES_PER_BUCKET}}),
        );
        outer.insert(
            "by".into(),
            json!({"terms": {"field": by, "size": BY_VALUES}}),
        );
    }
    if let Some(pct) = pct {
        let p =
            json!({"percentiles": {"field": pct, "percents": [50.0, 95.0, 99.0], "keyed": false}});
        inner.insert("pct".into(), p.clone());
        outer.insert("pct".into(), p);
    }
    let mut histogram = json!({"date_histogram": {"field": "ts", "fixed_interval": interval}});
    if !inner.is_empty() {
        histogram["aggs"] = Value::Object(inner);
    }
    outer.insert("over_time".into(), histogram);
    serde_json::from_value(Value::Object(outer)).map_err(|e| StoreError::Query(e.to_string()))
}

fn context() -> AggContextParams {
    let limits = AggregationLimitsGuard::new(Some(MAX_AGG_MEMORY_BYTES), Some(MAX_BUCKETS));
    AggContextParams::new(limits, Default::default())
}

fn fill(result: &mut StatsResult, value: &Value) {
    result.by = terms(&value["by"]);
    result.percentiles = percentiles(&value["pct"]);
    let buckets = value["over_time"]["buckets"]
        .as_array()
        .map_or(&[][..], |b| b);
    for b in buckets {
        let Some(start) = b["key"]
            .as_f64()
            .and_then(|k| DateTime::<Utc>::from_timestamp_millis(k as i64))
        else {
            continue;
        };
        result.buckets.push(Bucket {
            start,
            count: b["doc_count"].as_u64().unwrap_or(0),
            by: terms(&b["by"]).into_iter().collect::<BTreeMap<_, _>>(),
            percentiles: percentiles(&b["pct"]),
        });
    }
}

/// A terms aggregation's buckets as (value, count), largest first.
fn terms(value: &Value) -> Vec<(String, u64)> {
    let buckets = value["buckets"].as_array().map_or(&[][..], |b| b);
    buckets
        .iter()
        .map(|b| (key_text(&b["key"]), b["doc_count"].as_u64().unwrap_or(0)))
        .collect()
}

/// A bucket key as text: numbers without a needless `.0`.
fn key_text(key: &Value) -> String {
    match key {
        Value::String(s) => s.clone(),
        Value::Number(n) => match n.as_f64() {
            Some(x) if x.fract() == 0.0 && x.abs() < 1e15 => format!("{}", x as i64),
            _ => n.to_string(),
        },
        other => other.to_string(),
    }
}

fn percentiles(value: &Value) -> Option<Percentiles> {
    let entries = value["values"].as_array()?;
    let at = |p: f64| {
        entries
            .iter()
            .find(|e| e["key"].as_f64() == Some(p))
            .and_then(|e| e["value"].as_f64())
    };
    Some(Percentiles {
        p50: at(50.0)?,
        p95: at(95.0)?,
        p99: at(99.0)?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn intervals_need_a_number_and_a_unit() {
        for ok in ["1m", "15m", "1h", "1d", "30s"] {
            assert!(check_interval(ok).is_ok(), "{ok}");
        }
        for bad in ["", "h", "0h", "1w", "1hh", "-1h", "1.5h"] {
            assert!(check_interval(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn columns_are_top_level_or_fields() {
        assert_eq!(column("service"), "service");
        assert_eq!(column("path"), "fields.path");
        assert_eq!(column("fields.status"), "fields.status");
    }
}

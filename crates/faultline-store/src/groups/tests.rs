use super::*;
use chrono::TimeZone;

fn at(day: u32, hour: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, day, hour, 0, 0).unwrap()
}

fn event(fp: &str, ts: DateTime<Utc>, service: &str, level: Level) -> Event {
    let mut e = Event::new(format!("{fp} happened"));
    e.fingerprint = Some(fp.into());
    e.ts = Some(ts);
    e.service = Some(service.into());
    e.level = Some(level);
    e.host = Some(format!("{service}-host"));
    e
}

fn meta(title: &str) -> GroupMeta {
    GroupMeta {
        title: title.into(),
        culprit: Some("pay.rs in charge".into()),
        module: Some("pay".into()),
        explanation: "grouped by: exception type".into(),
    }
}

/// `a`: 5 events on the 20th; `b`: 1 on the 10th, 3 on the 27th and 28th;
/// `c`: 2 warnings on the 28th, on two services.
fn store() -> GroupStore {
    let mut s = GroupStore::default();
    for h in 0..5 {
        s.apply(
            &event("a", at(20, h), "billing", Level::Error),
            Some(&meta("A")),
        );
    }
    s.apply(
        &event("b", at(10, 1), "cart", Level::Info),
        Some(&meta("B")),
    );
    for (d, h) in [(27, 3), (28, 1), (28, 2)] {
        s.apply(&event("b", at(d, h), "cart", Level::Fatal), None);
    }
    s.apply(&event("c", at(28, 5), "billing", Level::Warn), None);
    s.apply(&event("c", at(28, 6), "cart", Level::Warn), None);
    s
}

fn fps(records: &[GroupRecord]) -> Vec<&str> {
    records.iter().map(|r| r.fingerprint.as_str()).collect()
}

fn today() -> NaiveDate {
    at(28, 0).date_naive()
}

#[test]
fn a_group_keeps_counts_first_and_last_seen_level_and_first_sample() {
    let s = store();
    let b = s.get("b").unwrap();
    assert_eq!(b.count, 4);
    assert_eq!((b.first_seen, b.last_seen), (at(10, 1), at(28, 2)));
    assert_eq!(b.level, Some(Level::Fatal));
    assert_eq!(b.title, "B");
    assert_eq!(b.sample.ts, Some(at(10, 1)));
    assert_eq!(b.daily.values().copied().collect::<Vec<_>>(), vec![1, 1, 2]);
    let c = s.get("c").unwrap();
    assert_eq!(c.title, "c happened", "a title from the event without meta");
    assert_eq!(c.services, vec!["billing", "cart"]);
    assert_eq!(c.hosts, vec!["billing-host", "cart-host"]);
    assert!(s.get("nope").is_none());
}

#[test]
fn ranks_by_count_new_and_trend_within_the_window() {
    let s = store();
    let q = |sort, since: Option<DateTime<Utc>>| GroupQuery {
        sort,
        since,
        ..GroupQuery::default()
    };
    assert_eq!(
        fps(&s.query(&q(GroupSort::Count, None), today())),
        ["a", "b", "c"]
    );
    let recent = s.query(&q(GroupSort::Count, Some(at(25, 12))), today());
    assert_eq!(fps(&recent), ["b", "c"]);
    assert_eq!(recent[0].count, 3, "counts from the start of since's day");
    assert_eq!(
        fps(&s.query(&q(GroupSort::New, None), today())),
        ["c", "a", "b"]
    );
    let trend = s.query(&q(GroupSort::Trend, Some(at(21, 0))), today());
    assert_eq!(fps(&trend), ["b", "c"], "a had nothing in the window");
    let limited = GroupQuery {
        limit: Some(1),
        ..GroupQuery::default()
    };
    assert_eq!(fps(&s.query(&limited, today())), ["a"]);
}

#[test]
fn filters_by_service_and_minimum_level() {
    let s = store();
    let cart = GroupQuery {
        service: Some("cart".into()),
        ..GroupQuery::default()
    };
    let got = s.query(&cart, today());
    assert_eq!(fps(&got), ["b", "c"]);
    assert_eq!(got[1].count, 1, "only the cart events of c");
    let errors = GroupQuery {
        level: Some(Level::Error),
        ..GroupQuery::default()
    };
    assert_eq!(fps(&s.query(&errors, today())), ["a", "b"]);
}

#[test]
fn retention_drops_old_days_and_emptied_groups() {
    let mut s = store();
    s.retain(at(21, 0).date_naive());
    assert!(s.get("a").is_none());
    let b = s.get("b").unwrap();
    assert_eq!(b.count, 3);
    assert_eq!(s.len(), 2);
}

#[test]
fn retention_keeps_what_a_user_decided_about_a_group_that_went_quiet() {
    let mut s = store();
    s.set_status("a", GroupStatus::Resolved, at(20, 9)).unwrap();
    s.apply(&event("c", at(10, 5), "billing", Level::Warn), None);
    s.set_status("c", GroupStatus::Ignored, at(11, 0)).unwrap();
    // `a`'s events (the 20th) and `c`'s first one are past retention.
    s.retain(at(21, 0).date_naive());
    let a = s.get("a").expect("a resolved group outlives its events");
    assert_eq!((a.count, a.state.status), (0, GroupStatus::Resolved));
    assert!(a.daily.is_empty() && a.services.is_empty());
    let listed = s.query(&GroupQuery::default(), today());
    assert_eq!(
        fps(&listed),
        ["b", "c"],
        "a group without events is not ranked"
    );

    // The bug comes back a month later: a regression, not a new group.
    s.apply(&event("a", at(29, 1), "billing", Level::Error), None);
    let a = s.get("a").unwrap();
    assert_eq!(a.count, 1);
    assert_eq!(a.state.status, GroupStatus::Unresolved);
    assert_eq!(a.state.regressed_at, Some(at(29, 1)));
    assert_eq!(a.first_seen, at(20, 0), "first seen stays the first time");

    // An ignored group stays ignored through retention.
    s.retain(at(29, 0).date_naive());
    s.apply(&event("c", at(30, 1), "billing", Level::Warn), None);
    assert_eq!(status_of(&s, "c"), (GroupStatus::Ignored, None));
    // An untriaged group is forgotten with its last day.
    assert!(s.get("b").is_none());
}

#[test]
fn a_snapshot_round_trips_with_its_position() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("groups.json");
    assert_eq!(GroupStore::load(&path).unwrap().1, 0);
    store().save(&path, 4242).unwrap();
    let (back, position) = GroupStore::load(&path).unwrap();
    assert_eq!(position, 4242);
    let q = GroupQuery::default();
    let (a, b) = (back.query(&q, today()), store().query(&q, today()));
    assert_eq!(
        serde_json::to_value(a).unwrap(),
        serde_json::to_value(b).unwrap()
    );
    std::fs::write(&path, b"{\"version\":9,\"position\":0,\"groups\":[]}").unwrap();
    assert!(matches!(
        GroupStore::load(&path),
        Err(StoreError::Corrupt { .. })
    ));
}

#[test]
fn activity_counts_a_window_per_service_and_keeps_the_history() {
    let s = store();
    let from = NaiveDate::from_ymd_opt(2026, 11, 27).unwrap();
    let to = NaiveDate::from_ymd_opt(2026, 11, 28).unwrap();
    let list = s.activity(from, to);
    let counts: Vec<(&str, u64)> = list
        .iter()
        .map(|a| (a.group.fingerprint.as_str(), a.group.count))
        .collect();
    assert_eq!(counts, [("b", 3), ("c", 2)], "a had nothing in the window");
    assert_eq!(
        list[0].group.daily.values().sum::<u64>(),
        4,
        "whole history"
    );
    let c = &list[1].services_daily;
    assert_eq!(c.keys().collect::<Vec<_>>(), ["billing", "cart"]);
    assert_eq!(c["cart"].values().sum::<u64>(), 1);
    assert!(s.activity(to, from).is_empty());
}

fn status_of(s: &GroupStore, fp: &str) -> (GroupStatus, Option<DateTime<Utc>>) {
    let g = s.get(fp).unwrap();
    (g.state.status, g.state.regressed_at)
}

#[test]
fn groups_start_unresolved_and_unknown_groups_have_no_status() {
    let mut s = store();
    assert_eq!(status_of(&s, "a"), (GroupStatus::Unresolved, None));
    assert_eq!(s.get("a").unwrap().state.status_changed_at, None);
    assert!(
        s.set_status("nope", GroupStatus::Resolved, at(28, 9))
            .is_none()
    );
    assert!(s.get("nope").is_none(), "setting a status creates no group");
}

#[test]
fn an_event_after_the_resolve_time_regresses_the_group() {
    let mut s = store();
    let before = s.set_status("b", GroupStatus::Resolved, at(28, 9)).unwrap();
    assert_eq!(before.status, GroupStatus::Unresolved);
    assert_eq!(status_of(&s, "b"), (GroupStatus::Resolved, None));
    assert_eq!(s.get("b").unwrap().state.status_changed_at, Some(at(28, 9)));
    s.apply(&event("b", at(28, 10), "cart", Level::Error), None);
    assert_eq!(
        status_of(&s, "b"),
        (GroupStatus::Unresolved, Some(at(28, 10)))
    );
    assert_eq!(
        s.get("b").unwrap().state.status_changed_at,
        Some(at(28, 9)),
        "a regression is not a user's change"
    );
}

#[test]
fn an_event_dated_before_the_resolve_time_does_not_regress() {
    let mut s = store();
    s.set_status("b", GroupStatus::Resolved, at(28, 9)).unwrap();
    s.apply(&event("b", at(28, 8), "cart", Level::Error), None);
    s.apply(&event("b", at(28, 9), "cart", Level::Error), None);
    assert_eq!(status_of(&s, "b"), (GroupStatus::Resolved, None));
    assert_eq!(s.get("b").unwrap().count, 6, "the late events still count");
}

#[test]
fn an_ignored_group_stays_ignored() {
    let mut s = store();
    s.set_status("c", GroupStatus::Ignored, at(28, 9)).unwrap();
    s.apply(&event("c", at(28, 23), "cart", Level::Fatal), None);
    assert_eq!(status_of(&s, "c"), (GroupStatus::Ignored, None));
}

#[test]
fn queries_filter_by_status_and_list_every_status_by_default() {
    let mut s = store();
    s.set_status("a", GroupStatus::Resolved, at(28, 9)).unwrap();
    s.set_status("c", GroupStatus::Ignored, at(28, 9)).unwrap();
    let with = |status| GroupQuery {
        status,
        ..GroupQuery::default()
    };
    assert_eq!(fps(&s.query(&with(None), today())), ["a", "b", "c"]);
    let resolved = s.query(&with(Some(GroupStatus::Resolved)), today());
    assert_eq!(fps(&resolved), ["a"]);
    assert_eq!(resolved[0].state.status, GroupStatus::Resolved);
    let unresolved = with(Some(GroupStatus::Unresolved));
    assert_eq!(fps(&s.query(&unresolved, today())), ["b"]);
    let ignored = with(Some(GroupStatus::Ignored));
    assert_eq!(fps(&s.query(&ignored, today())), ["c"]);
}

#[test]
fn replaying_events_over_a_snapshot_gives_the_same_statuses() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("groups.json");
    let mut live = store();
    live.set_status("a", GroupStatus::Resolved, at(28, 9))
        .unwrap();
    live.set_status("b", GroupStatus::Resolved, at(28, 9))
        .unwrap();
    live.set_status("c", GroupStatus::Ignored, at(28, 9))
        .unwrap();
    live.save(&path, 7).unwrap();
    let after = [
        event("a", at(28, 8), "billing", Level::Error),
        event("b", at(28, 11), "cart", Level::Error),
        event("b", at(28, 12), "cart", Level::Error),
        event("c", at(28, 12), "cart", Level::Error),
    ];
    for e in &after {
        live.apply(e, None);
    }
    let (mut replayed, _) = GroupStore::load(&path).unwrap();
    for e in &after {
        replayed.apply(e, None);
    }
    for fp in ["a", "b", "c"] {
        let (l, r) = (live.get(fp).unwrap(), replayed.get(fp).unwrap());
        assert_eq!(
            (
                l.state.status,
                l.state.status_changed_at,
                l.state.regressed_at
            ),
            (
                r.state.status,
                r.state.status_changed_at,
                r.state.regressed_at
            ),
            "{fp}"
        );
    }
    assert_eq!(status_of(&replayed, "a"), (GroupStatus::Resolved, None));
    assert_eq!(
        status_of(&replayed, "b"),
        (GroupStatus::Unresolved, Some(at(28, 11)))
    );
    assert_eq!(status_of(&replayed, "c"), (GroupStatus::Ignored, None));
}

#[test]
fn a_snapshot_without_statuses_loads_as_unresolved() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("groups.json");
    let mut s = store();
    s.set_status("a", GroupStatus::Resolved, at(28, 9)).unwrap();
    s.save(&path, 3).unwrap();
    let mut old: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
    for g in old["groups"].as_array_mut().unwrap() {
        let g = g.as_object_mut().unwrap();
        for key in ["status", "status_changed_at", "regressed_at"] {
            g.remove(key);
        }
    }
    std::fs::write(&path, serde_json::to_vec(&old).unwrap()).unwrap();
    let (back, position) = GroupStore::load(&path).unwrap();
    assert_eq!(position, 3);
    assert_eq!(status_of(&back, "a"), (GroupStatus::Unresolved, None));
    assert_eq!(back.get("a").unwrap().state.status_changed_at, None);
    let json = serde_json::to_value(back.get("a").unwrap()).unwrap();
    assert_eq!(json["status"], "unresolved");
    assert!(json.get("regressed_at").is_none() && json.get("status_changed_at").is_none());
}

use super::*;
use crate::{render_html, render_markdown, render_report_json};
use chrono::TimeZone;

fn week() -> IsoWeek {
    IsoWeek::parse("2026-W47").unwrap()
}

/// A day of the report's week (0 = Monday) or before it (negative).
fn day(offset: i64) -> NaiveDate {
    week().monday() + chrono::Duration::days(offset)
}

fn at(offset: i64) -> DateTime<Utc> {
    Utc.from_utc_datetime(&day(offset).and_hms_opt(10, 0, 0).unwrap())
}

/// A group with `counts` events on the given days.
fn group(fp: &str, counts: &[(i64, u64)]) -> GroupInput {
    let daily: BTreeMap<NaiveDate, u64> = counts.iter().map(|(d, n)| (day(*d), *n)).collect();
    let first = counts.iter().map(|c| c.0).min().unwrap();
    let last = counts.iter().map(|c| c.0).max().unwrap();
    GroupInput {
        fingerprint: fp.to_string(),
        title: format!("{fp} failed"),
        culprit: Some(format!("{fp}.run")),
        module: Some(format!("mod_{fp}")),
        exception_type: Some("IOError".into()),
        level: Some(Level::Error),
        first_seen: at(first),
        last_seen: at(last),
        service_daily: BTreeMap::from([("api".to_string(), daily.clone())]),
        daily,
    }
}

fn input(groups: Vec<GroupInput>) -> WeekInput {
    WeekInput {
        week: week(),
        days: Vec::new(),
        groups,
        endpoints: Vec::new(),
        previous_requests: HashMap::new(),
    }
}

fn status_of(report: &WeeklyReport, fp: &str) -> Status {
    report
        .groups
        .iter()
        .find(|g| g.fingerprint == fp)
        .unwrap()
        .status
}

#[test]
fn each_status_follows_its_rule() {
    let report = WeeklyReport::build(&input(vec![
        group("fresh", &[(2, 5)]),
        group("back", &[(-30, 4), (3, 2)]),
        group("back_after_a_week", &[(-8, 1), (0, 1)]),
        group("not_silent_long_enough", &[(-7, 1), (0, 1)]),
        group("doubling", &[(-3, 5), (1, 10)]),
        group("almost_doubling", &[(-3, 5), (1, 9)]),
        group("steady", &[(-20, 1), (-2, 3), (4, 3)]),
        group("quiet_nine_days", &[(-6, 3), (4, 3)]),
    ]));
    assert_eq!(status_of(&report, "fresh"), Status::New);
    assert_eq!(status_of(&report, "back"), Status::Regressed);
    // Last seen on the Sunday 8 days before: 7 silent days in between.
    assert_eq!(status_of(&report, "back_after_a_week"), Status::Regressed);
    assert_eq!(
        status_of(&report, "not_silent_long_enough"),
        Status::Ongoing
    );
    assert_eq!(status_of(&report, "doubling"), Status::Escalating);
    assert_eq!(status_of(&report, "almost_doubling"), Status::Ongoing);
    assert_eq!(status_of(&report, "steady"), Status::Ongoing);
    assert_eq!(status_of(&report, "quiet_nine_days"), Status::Regressed);
}

#[test]
fn groups_rank_by_this_weeks_count_with_their_change_and_sparkline() {
    let report = WeeklyReport::build(&input(vec![
        group("small", &[(0, 1)]),
        group("big", &[(-7, 4), (-1, 2), (6, 9)]),
        group("only_last_week", &[(-2, 50)]),
    ]));
    let order: Vec<&str> = report
        .groups
        .iter()
        .map(|g| g.fingerprint.as_str())
        .collect();
    assert_eq!(
        order,
        ["big", "small"],
        "a group silent this week is not listed"
    );
    let big = &report.groups[0];
    assert_eq!(big.count, Change::new(9, 6));
    assert_eq!(big.count.change_pct, Some(50.0));
    assert_eq!(big.sparkline, [4, 0, 0, 0, 0, 0, 2, 0, 0, 0, 0, 0, 0, 9]);
    assert_eq!(big.link, "/groups/big");
    let mailed = report.clone().with_base_url("https://faultline.example/");
    assert_eq!(
        mailed.groups[0].link,
        format!("https://faultline.example{}", report.groups[0].link)
    );
    assert_eq!(report.totals.groups, Change::new(2, 2));
}

#[test]
fn weak_areas_roll_up_by_module_service_and_exception_with_growth() {
    let mut a = group("a", &[(-3, 2), (1, 6)]);
    a.module = Some("billing".into());
    a.service_daily = BTreeMap::from([
        (
            "api".to_string(),
            BTreeMap::from([(day(1), 4), (day(-3), 2)]),
        ),
        ("worker".to_string(), BTreeMap::from([(day(1), 2)])),
    ]);
    let mut b = group("b", &[(2, 3)]);
    b.module = Some("billing".into());
    b.exception_type = None;
    let report = WeeklyReport::build(&input(vec![a, b]));
    let areas = &report.weak_areas;
    assert_eq!(areas.by_module.len(), 1);
    assert_eq!(areas.by_module[0].name, "billing");
    assert_eq!(areas.by_module[0].count, Change::new(9, 2));
    assert_eq!(areas.by_module[0].groups, 2);
    let services: Vec<(&str, u64, u64)> = areas
        .by_service
        .iter()
        .map(|s| (s.name.as_str(), s.count.this_week, s.count.previous_week))
        .collect();
    assert_eq!(services, [("api", 7, 2), ("worker", 2, 0)]);
    assert_eq!(areas.by_exception[0].count, Change::new(6, 2));
}

#[test]
fn totals_count_errors_and_fill_missing_days() {
    let mut input = input(Vec::new());
    input.days = vec![
        DayInput {
            date: day(0),
            total: 10,
            levels: BTreeMap::from([("error".into(), 3), ("fatal".into(), 1), ("info".into(), 4)]),
        },
        DayInput {
            date: day(-7),
            total: 4,
            levels: BTreeMap::from([("error".into(), 4)]),
        },
    ];
    let report = WeeklyReport::build(&input);
    assert_eq!(report.daily.len(), 7);
    assert_eq!(report.daily[0].levels.get("none"), Some(&2));
    assert_eq!(report.daily[1].total, 0);
    assert_eq!(report.totals.events, Change::new(10, 4));
    assert_eq!(report.totals.errors, Change::new(4, 4));
    assert_eq!(report.totals.errors.change_pct, Some(0.0));
}

#[test]
fn endpoints_list_the_most_and_least_called_with_their_error_rate() {
    let mut input = input(Vec::new());
    for (i, route) in ["/a", "/b", "/c", "/d", "/e", "/f", "/g"]
        .iter()
        .enumerate()
    {
        input.endpoints.push(EndpointInput {
            method: "GET".into(),
            route: route.to_string(),
            requests: (i as u64 + 1) * 10,
            server_errors: i as u64,
            latency: Some([0.01, 0.1, 0.5]),
        });
    }
    input
        .previous_requests
        .insert(("GET".into(), "/g".into()), 35);
    let report = WeeklyReport::build(&input);
    let e = &report.endpoints;
    assert_eq!((e.count, e.requests), (7, 280));
    assert_eq!(e.error_rate_pct, Some(7.5));
    assert_eq!(e.most_called[0].route, "/g");
    assert_eq!(e.most_called[0].requests.change_pct, Some(100.0));
    assert_eq!(e.most_called[0].error_rate_pct, Some(8.6));
    let least: Vec<&str> = e.least_called.iter().map(|r| r.route.as_str()).collect();
    assert_eq!(least, ["/a", "/b", "/c", "/d", "/e"]);
}

/// Renders every format and checks each is sound: no NaN or infinities, no
/// unescaped markup from the data.
fn render_all(report: &WeeklyReport) -> (String, String, String) {
    let (json, md, html) = (
        render_report_json(report),
        render_markdown(report),
        render_html(report),
    );
    for text in [&json, &md, &html] {
        assert!(!text.contains("NaN") && !text.contains("inf"), "{text}");
    }
    let parsed: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(parsed["report_version"], 1);
    assert!(html.starts_with("<!DOCTYPE html>"));
    assert!(
        !html.contains("<script") && !html.contains("src="),
        "self-contained"
    );
    (json, md, html)
}

#[test]
fn no_data_renders_a_calm_empty_report() {
    let report = WeeklyReport::build(&input(Vec::new()));
    assert_eq!(report.totals.events, Change::new(0, 0));
    assert_eq!(report.totals.events.change_pct, None);
    let (_, md, html) = render_all(&report);
    assert!(md.contains("No error groups this week."), "{md}");
    assert!(html.contains("No events this week."));
    assert_eq!(html.matches("<svg").count(), 1, "the daily chart, empty");
}

#[test]
fn one_huge_group_renders_with_finite_figures() {
    let mut input = input(vec![group("huge", &[(-1, 1), (3, 1_000_000)])]);
    input.days = vec![DayInput {
        date: day(3),
        total: 1_000_000,
        levels: BTreeMap::from([("error".into(), 1_000_000)]),
    }];
    let report = WeeklyReport::build(&input);
    assert_eq!(report.groups[0].count.change_pct, Some(99_999_900.0));
    assert_eq!(report.groups[0].status, Status::Escalating);
    let (_, md, html) = render_all(&report);
    assert!(
        md.contains("| 1 | 1000000 | +99999900.0% | escalating |"),
        "{md}"
    );
    assert!(html.contains(">1000000<"));
}

#[test]
fn titles_with_markup_are_escaped_in_every_format() {
    let mut g = group("x", &[(0, 1)]);
    g.title = r#"Bad <script>alert("&")</script> | 'quoted'"#.into();
    g.culprit = Some("a<b>.c".into());
    let report = WeeklyReport::build(&input(vec![g]));
    let (json, md, html) = render_all(&report);
    assert!(
        !html.contains("<script>") && !html.contains("a<b>.c"),
        "{html}"
    );
    assert!(
        html.contains("&lt;script&gt;alert(&quot;&amp;&quot;)&lt;/script&gt;"),
        "{html}"
    );
    assert!(md.contains(r"Bad \<script\>alert\(&quot;") || md.contains(r"Bad \<script\>alert\("));
    assert!(!md.contains("<script>"), "{md}");
    let parsed: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(parsed["groups"][0]["title"], report.groups[0].title);
}

#[test]
fn a_tiny_fall_rounds_to_zero_not_minus_zero() {
    let c = Change::new(199_997, 200_003);
    assert_eq!(c.change_pct.map(|p| p.to_string()), Some("0".to_string()));
    assert_eq!(Change::new(0, 5).change_pct, Some(-100.0));
}

#[test]
fn the_section_embeds_without_a_document_around_it() {
    let report = WeeklyReport::build(&input(vec![group("x", &[(0, 1)])]));
    let section = crate::render_html_section(&report);
    assert!(section.starts_with("<table") && !section.contains("<html"));
    assert!(section.contains("href=\"/groups/x\""));
    assert!(render_html(&report).contains(&section));
}

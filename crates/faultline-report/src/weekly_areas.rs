//! The week's weak areas: group counts rolled up by the culprit's module, by
//! service and by exception type, each against the week before.

use crate::IsoWeek;
use crate::weekly::{AreaChange, Change, GroupInput, TOP_AREAS, WeeklyAreas, week_sum};
use std::collections::HashMap;

/// This week's and last week's events, and this week's groups, of one area.
#[derive(Default)]
struct Tally {
    this_week: u64,
    previous_week: u64,
    groups: u64,
}

impl Tally {
    fn add(&mut self, this_week: u64, previous_week: u64) {
        self.this_week += this_week;
        self.previous_week += previous_week;
        self.groups += u64::from(this_week > 0);
    }
}

/// The three rankings, most events this week first. A group seen in several
/// services counts in each with that service's events only.
pub(crate) fn rank(groups: &[GroupInput], week: IsoWeek) -> WeeklyAreas {
    let previous = week.previous();
    let mut modules: HashMap<&str, Tally> = HashMap::new();
    let mut services: HashMap<&str, Tally> = HashMap::new();
    let mut exceptions: HashMap<&str, Tally> = HashMap::new();
    for g in groups {
        let (now, before) = (week_sum(&g.daily, week), week_sum(&g.daily, previous));
        if let Some(module) = g.module.as_deref() {
            modules.entry(module).or_default().add(now, before);
        }
        if let Some(kind) = g.exception_type.as_deref() {
            exceptions.entry(kind).or_default().add(now, before);
        }
        for (service, daily) in &g.service_daily {
            if service.is_empty() {
                continue;
            }
            let (now, before) = (week_sum(daily, week), week_sum(daily, previous));
            services.entry(service).or_default().add(now, before);
        }
    }
    WeeklyAreas {
        by_module: ranked(modules),
        by_service: ranked(services),
        by_exception: ranked(exceptions),
    }
}

fn ranked(areas: HashMap<&str, Tally>) -> Vec<AreaChange> {
    let mut list: Vec<AreaChange> = areas
        .into_iter()
        .filter(|(_, t)| t.this_week > 0)
        .map(|(name, t)| AreaChange {
            name: name.to_string(),
            count: Change::new(t.this_week, t.previous_week),
            groups: t.groups,
        })
        .collect();
    list.sort_by(|a, b| {
        b.count
            .this_week
            .cmp(&a.count.this_week)
            .then(b.groups.cmp(&a.groups))
            .then(a.name.cmp(&b.name))
    });
    list.truncate(TOP_AREAS);
    list
}

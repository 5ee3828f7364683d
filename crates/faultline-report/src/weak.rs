//! Weak areas: group counts rolled up by the culprit's module and by service.

use crate::Groups;
use serde::Serialize;
use std::collections::HashMap;

/// One module or service, with the errors that point at it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct WeakArea {
    /// `module` or `service`.
    pub kind: &'static str,
    pub name: String,
    /// Events in its groups.
    pub count: u64,
    /// Distinct groups.
    pub groups: u64,
}

/// The rankings, most events first.
#[derive(Debug, Clone, Default, Serialize)]
pub struct WeakAreas {
    pub by_module: Vec<WeakArea>,
    pub by_service: Vec<WeakArea>,
}

impl Groups {
    /// Rolls the groups up by culprit module and by service. A group seen in
    /// several services counts fully in each; a group with no module (a
    /// message with no logger) counts only for its services.
    pub fn weak_areas(&self) -> WeakAreas {
        let mut modules: HashMap<&str, (u64, u64)> = HashMap::new();
        let mut services: HashMap<&str, (u64, u64)> = HashMap::new();
        for group in self.all() {
            if let Some(module) = group.module.as_deref() {
                add(&mut modules, module, group.count);
            }
            for service in &group.services {
                add(&mut services, service, group.count);
            }
        }
        WeakAreas {
            by_module: rank("module", modules),
            by_service: rank("service", services),
        }
    }
}

fn add<'a>(areas: &mut HashMap<&'a str, (u64, u64)>, name: &'a str, count: u64) {
    let entry = areas.entry(name).or_default();
    entry.0 += count;
    entry.1 += 1;
}

fn rank(kind: &'static str, areas: HashMap<&str, (u64, u64)>) -> Vec<WeakArea> {
    let mut ranked: Vec<WeakArea> = areas
        .into_iter()
        .map(|(name, (count, groups))| WeakArea {
            kind,
            name: name.to_string(),
            count,
            groups,
        })
        .collect();
    ranked.sort_by(|a, b| {
        b.count
            .cmp(&a.count)
            .then(b.groups.cmp(&a.groups))
            .then(a.name.cmp(&b.name))
    });
    ranked
}

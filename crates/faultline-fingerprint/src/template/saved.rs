//! The miner's saved shape: versioned, holding each cluster's id, template,
//! tree path and count; the prefix tree is rebuilt on load and the
//! exact-match memory starts empty.

use super::{Cluster, MinerConfig, TemplateMiner};
use serde::de::Error as _;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// Bumped when the saved shape changes; older versions are refused on load.
const SAVED_VERSION: u32 = 1;

#[derive(Serialize)]
struct SavedRef<'a> {
    version: u32,
    config: &'a MinerConfig,
    clusters: Vec<ClusterRef<'a>>,
}

#[derive(Serialize)]
struct ClusterRef<'a> {
    id: u64,
    template: &'a str,
    path: &'a [Box<str>],
    count: u64,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Saved {
    version: u32,
    #[serde(default)]
    config: MinerConfig,
    clusters: Vec<SavedCluster>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SavedCluster {
    id: u64,
    template: String,
    path: Vec<Box<str>>,
    #[serde(default)]
    count: u64,
}

impl Serialize for TemplateMiner {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        SavedRef {
            version: SAVED_VERSION,
            config: &self.config,
            clusters: self
                .clusters
                .iter()
                .map(|c| ClusterRef {
                    id: c.id,
                    template: &c.template,
                    path: &c.path,
                    count: c.count,
                })
                .collect(),
        }
        .serialize(serializer)
    }
}

impl<'de> Deserialize<'de> for TemplateMiner {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let saved = Saved::deserialize(deserializer)?;
        if saved.version != SAVED_VERSION {
            return Err(D::Error::custom(format!(
                "template miner state version {} is not supported (expected {SAVED_VERSION})",
                saved.version
            )));
        }
        let mut miner = TemplateMiner::with_config(saved.config);
        for cluster in saved.clusters {
            restore(&mut miner, cluster).map_err(D::Error::custom)?;
        }
        Ok(miner)
    }
}

fn restore(miner: &mut TemplateMiner, saved: SavedCluster) -> Result<(), String> {
    let tokens: Vec<Box<str>> = saved
        .template
        .split_ascii_whitespace()
        .map(Box::from)
        .collect();
    if saved.path.len() > tokens.len() {
        return Err(format!(
            "cluster {} has a longer tree path than template",
            saved.id
        ));
    }
    let index = miner.clusters.len();
    if miner.by_id.insert(saved.id, index).is_some() {
        return Err(format!("cluster id {} appears twice", saved.id));
    }
    miner.attach(tokens.len(), &saved.path, index);
    miner.clusters.push(Cluster {
        id: saved.id,
        template: tokens.join(" "),
        tokens,
        path: saved.path,
        count: saved.count,
    });
    Ok(())
}

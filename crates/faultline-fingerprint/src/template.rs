//! Template mining: grouping single-line messages by the log statement that
//! printed them, Drain-style.
//!
//! ```
//! use faultline_fingerprint::template::TemplateMiner;
//!
//! let mut miner = TemplateMiner::new();
//! let a = miner.add("Connection to 10.0.0.7:5432 timed out after 3000 ms");
//! let b = miner.add("Connection to 10.0.0.9:5432 timed out after 5000 ms");
//! assert_eq!(a.id, b.id);
//! assert_eq!(b.template, "Connection to <ip> timed out after <dur>");
//!
//! let c = miner.add("user alice logged in from 10.1.2.3");
//! let d = miner.add("user bob logged in from 10.1.2.4");
//! assert_eq!(c.id, d.id);
//! assert_eq!(d.template, "user <*> logged in from <ip>");
//! ```
//!
//! How a message finds its template:
//!
//! 1. it is masked ([`crate::mask::mask`]): numbers, ids, addresses, times,
//!    paths and quoted strings become typed placeholders, so they never split
//!    a group; a masked text seen before goes straight to its cluster;
//! 2. it is split at whitespace; runs of one repeated placeholder count as
//!    one token (`<num> <num> <num>` → `<num>`), so lists of any length agree;
//! 3. a template of the same length that the message fits entirely (every
//!    constant token equal, anything under `<*>`) takes it, the most
//!    specific first: a message always fits the template it joined, so a text
//!    seen before finds its group again however much was learnt since;
//! 4. otherwise a fixed-depth prefix tree keyed by the token count and the
//!    first [`MinerConfig::prefix_tokens`] tokens (tokens with digits or
//!    placeholders go down the `<*>` branch) picks the candidate clusters,
//!    and the one whose template shares the most tokens, position by
//!    position, wins if that share reaches [`MinerConfig::similarity`]; its
//!    template then turns every disagreeing token into `<*>`;
//! 5. failing that, a cluster of the same length elsewhere in the tree that
//!    differs from the message in one token only takes it (a variable word
//!    among the first tokens, `Started GET …` / `Started POST …`), for
//!    messages of five tokens or more. Otherwise the message starts a new
//!    cluster.
//!
//! A cluster's id is derived from the text that started it (xxh3 of the
//! masked tokens), so it never changes as the template generalises, it
//! survives a save and load (the miner is serde `Serialize`/`Deserialize`),
//! and two miners fed the same messages assign the same ids.

mod hasher;
mod saved;

use crate::mask::mask_into;
use hasher::BuildU64;
use std::collections::HashMap;

/// The mined-wildcard token.
pub const WILDCARD: &str = "<*>";

/// How the miner groups; the defaults need no tuning per log source.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct MinerConfig {
    /// Share of a template's tokens (0.0–1.0) a message must equal, position by
    /// position, to join it. Default 0.5.
    pub similarity: f64,
    /// How many leading tokens route a message in the prefix tree. Default 2.
    pub prefix_tokens: usize,
    /// Children a tree node keeps before further distinct tokens share its
    /// `<*>` branch. Default 100.
    pub max_children: usize,
    /// Masked texts (up to 512 bytes each) remembered for the exact-match
    /// fast path; the memory is cleared when full. Default 16384.
    pub cache_entries: usize,
}

impl Default for MinerConfig {
    fn default() -> Self {
        MinerConfig {
            similarity: 0.5,
            prefix_tokens: 2,
            max_children: 100,
            cache_entries: 16_384,
        }
    }
}

/// Where a message landed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TemplateMatch {
    /// The cluster's id: stable for the cluster's life, even as its template
    /// generalises, and across save and load.
    pub id: u64,
    /// The masked template, with `<*>` for mined wildcards.
    pub template: String,
}

/// One group of messages and its template.
#[derive(Debug, Clone)]
struct Cluster {
    id: u64,
    tokens: Vec<Box<str>>,
    template: String,
    /// The tree keys that lead to this cluster's leaf.
    path: Vec<Box<str>>,
    count: u64,
}

#[derive(Debug, Clone, Default)]
struct Node {
    children: HashMap<Box<str>, Node>,
    clusters: Vec<usize>,
}

/// Drain-style template miner: persistent (serde `Serialize`/`Deserialize`),
/// stable ids. See the module documentation.
#[derive(Debug, Clone)]
pub struct TemplateMiner {
    config: MinerConfig,
    clusters: Vec<Cluster>,
    by_id: HashMap<u64, usize>,
    /// Token count → tree.
    roots: HashMap<usize, Node>,
    /// Token count → clusters of that length.
    by_len: HashMap<usize, Vec<usize>>,
    /// xxh3 of a masked text → (that text, cluster index).
    cache: HashMap<u64, (Box<str>, usize), BuildU64>,
    scratch: String,
}

impl Default for TemplateMiner {
    fn default() -> Self {
        TemplateMiner::new()
    }
}

impl TemplateMiner {
    /// A miner with the default [`MinerConfig`].
    pub fn new() -> Self {
        TemplateMiner::with_config(MinerConfig::default())
    }

    /// A miner with the given configuration.
    pub fn with_config(config: MinerConfig) -> Self {
        TemplateMiner {
            config,
            clusters: Vec::new(),
            by_id: HashMap::new(),
            roots: HashMap::new(),
            by_len: HashMap::new(),
            cache: HashMap::default(),
            scratch: String::new(),
        }
    }

    /// The configuration in use.
    pub fn config(&self) -> &MinerConfig {
        &self.config
    }

    /// Masks `message`, finds or starts its cluster, generalises the
    /// cluster's template if needed, and returns the cluster's id and template.
    pub fn add(&mut self, message: &str) -> TemplateMatch {
        let mut masked = std::mem::take(&mut self.scratch);
        masked.clear();
        mask_into(message, &mut masked);
        let key = xxhash_rust::xxh3::xxh3_64(masked.as_bytes());
        let index = match self.cached(key, &masked) {
            Some(index) => index,
            None => {
                let index = self.learn(&masked);
                self.remember(key, &masked, index);
                index
            }
        };
        self.scratch = masked;
        let cluster = &mut self.clusters[index];
        cluster.count += 1;
        TemplateMatch {
            id: cluster.id,
            template: cluster.template.clone(),
        }
    }

    /// The cluster `message` would join, without learning from it.
    pub fn find(&self, message: &str) -> Option<TemplateMatch> {
        let mut masked = String::with_capacity(message.len());
        mask_into(message, &mut masked);
        let key = xxhash_rust::xxh3::xxh3_64(masked.as_bytes());
        let index = match self.cached(key, &masked) {
            Some(index) => index,
            None => self.best_match(&tokens(&masked))?,
        };
        let cluster = &self.clusters[index];
        Some(TemplateMatch {
            id: cluster.id,
            template: cluster.template.clone(),
        })
    }

    /// Every cluster's id and current template, oldest first.
    pub fn templates(&self) -> impl Iterator<Item = (u64, &str)> + '_ {
        self.clusters.iter().map(|c| (c.id, c.template.as_str()))
    }

    /// The current template of the cluster with this id.
    pub fn template(&self, id: u64) -> Option<&str> {
        self.by_id
            .get(&id)
            .map(|&i| self.clusters[i].template.as_str())
    }

    /// How many messages joined the cluster with this id (since it was created,
    /// saved counts included).
    pub fn count(&self, id: u64) -> Option<u64> {
        self.by_id.get(&id).map(|&i| self.clusters[i].count)
    }

    /// The number of clusters.
    pub fn len(&self) -> usize {
        self.clusters.len()
    }

    /// True before the first message.
    pub fn is_empty(&self) -> bool {
        self.clusters.is_empty()
    }

    fn cached(&self, key: u64, masked: &str) -> Option<usize> {
        match self.cache.get(&key) {
            Some((text, index)) if **text == *masked => Some(*index),
            _ => None,
        }
    }

    fn remember(&mut self, key: u64, masked: &str, index: usize) {
        if self.config.cache_entries == 0 || masked.len() > MAX_REMEMBERED_BYTES {
            return;
        }
        if self.cache.len() >= self.config.cache_entries {
            self.cache.clear();
        }
        self.cache.insert(key, (masked.into(), index));
    }

    /// The slow path: tree lookup, similarity, merge or create.
    fn learn(&mut self, masked: &str) -> usize {
        let tokens = tokens(masked);
        match self.best_match(&tokens) {
            Some(index) => {
                self.merge(index, &tokens);
                index
            }
            None => self.create(&tokens),
        }
    }

    fn best_match(&self, tokens: &[&str]) -> Option<usize> {
        let same_length = self.by_len.get(&tokens.len())?;
        if let Some(index) = self.full_fit(same_length, tokens) {
            return Some(index);
        }
        let leaf = self.find_leaf(tokens);
        let candidates = leaf.iter().flat_map(|node| node.clusters.iter().copied());
        let found = self
            .best_of(candidates, tokens)
            .filter(|&(sim, ..)| sim >= self.config.similarity);
        found
            .or_else(|| self.near_miss(same_length, tokens))
            .map(|(.., index)| index)
    }

    /// The template `tokens` fit entirely (every constant equal, anything
    /// under `<*>`), the most specific first, then the oldest. A message
    /// always fits the template it joined, as generalising only adds `<*>`,
    /// so a text seen before finds its group again whatever the tree
    /// learnt since.
    fn full_fit(&self, candidates: &[usize], tokens: &[&str]) -> Option<usize> {
        let mut best: Option<(usize, usize)> = None;
        for &index in candidates {
            let template = &self.clusters[index].tokens;
            let fits = template
                .iter()
                .zip(tokens)
                .all(|(have, new)| &**have == WILDCARD || &**have == *new);
            if !fits {
                continue;
            }
            let constants = template.iter().filter(|t| &***t != WILDCARD).count();
            if best.is_none_or(|(c, _)| constants > c) {
                best = Some((constants, index));
            }
        }
        best.map(|(_, index)| index)
    }

    /// The cluster whose template is most similar to `tokens`, as
    /// (similarity, wildcards, index); ties go to the more general template.
    fn best_of(
        &self,
        candidates: impl Iterator<Item = usize>,
        tokens: &[&str],
    ) -> Option<(f64, usize, usize)> {
        let mut best: Option<(f64, usize, usize)> = None;
        for index in candidates {
            let (sim, wildcards) = similarity(&self.clusters[index].tokens, tokens);
            if best.is_none_or(|(s, w, _)| sim > s || (sim == s && wildcards > w)) {
                best = Some((sim, wildcards, index));
            }
        }
        best
    }

    /// Drain's tree assumes the first tokens are constant; a variable word
    /// there (`Started GET …`, `Container billing in pod …`) would start a
    /// cluster per value. So when the message's own leaf has no match, a
    /// cluster of the same length elsewhere in the tree may take it if the
    /// two differ in one token only, the usual similarity holds and the
    /// message has at least
    /// [`NEAR_MISS_MIN_TOKENS`] tokens.
    fn near_miss(&self, same_length: &[usize], tokens: &[&str]) -> Option<(f64, usize, usize)> {
        if tokens.len() < NEAR_MISS_MIN_TOKENS {
            return None;
        }
        let close = same_length
            .iter()
            .copied()
            .filter(|&i| mismatches(&self.clusters[i].tokens, tokens) <= 1);
        self.best_of(close, tokens)
            .filter(|&(sim, ..)| sim >= self.config.similarity)
    }

    fn find_leaf(&self, tokens: &[&str]) -> Option<&Node> {
        let mut node = self.roots.get(&tokens.len())?;
        for token in tokens.iter().take(self.config.prefix_tokens) {
            let key = tree_key(token);
            node = node
                .children
                .get(key)
                .or_else(|| node.children.get(WILDCARD))?;
        }
        Some(node)
    }

    fn merge(&mut self, index: usize, tokens: &[&str]) {
        let cluster = &mut self.clusters[index];
        let mut changed = false;
        for (have, new) in cluster.tokens.iter_mut().zip(tokens) {
            if &**have != *new && &**have != WILDCARD {
                *have = WILDCARD.into();
                changed = true;
            }
        }
        if changed {
            cluster.template = cluster.tokens.join(" ");
        }
    }

    fn create(&mut self, tokens: &[&str]) -> usize {
        let template = tokens.join(" ");
        let mut id = xxhash_rust::xxh3::xxh3_64(template.as_bytes());
        while self.by_id.contains_key(&id) {
            id = id.wrapping_add(1);
        }
        let path = self.insert_path(tokens);
        let index = self.clusters.len();
        self.attach(tokens.len(), &path, index);
        self.clusters.push(Cluster {
            id,
            tokens: tokens.iter().map(|&t| t.into()).collect(),
            template,
            path,
            count: 0,
        });
        self.by_id.insert(id, index);
        index
    }

    /// The tree keys for a new cluster, honouring `max_children`.
    fn insert_path(&self, tokens: &[&str]) -> Vec<Box<str>> {
        let mut path = Vec::new();
        let mut node = self.roots.get(&tokens.len());
        for token in tokens.iter().take(self.config.prefix_tokens) {
            let mut key = tree_key(token);
            if let Some(n) = node
                && !n.children.contains_key(key)
                && n.children.len() + 1 >= self.config.max_children
            {
                key = WILDCARD;
            }
            node = node.and_then(|n| n.children.get(key));
            path.push(key.into());
        }
        path
    }

    /// Adds cluster `index` to the leaf at `path`, creating nodes on the way.
    fn attach(&mut self, len: usize, path: &[Box<str>], index: usize) {
        self.by_len.entry(len).or_default().push(index);
        let mut node = self.roots.entry(len).or_default();
        for key in path {
            node = node.children.entry(key.clone()).or_default();
        }
        node.clusters.push(index);
    }
}

/// Longer masked texts are not remembered, which bounds the memory at
/// `cache_entries` × 512 bytes (8 MiB by default).
const MAX_REMEMBERED_BYTES: usize = 512;

/// Messages shorter than this never join a cluster outside their own
/// tree leaf: in `Connection opened <ip>` one word is the whole statement.
const NEAR_MISS_MIN_TOKENS: usize = 5;

/// Positions where the template has a constant that the message does not.
fn mismatches(template: &[Box<str>], tokens: &[&str]) -> usize {
    template
        .iter()
        .zip(tokens)
        .filter(|(have, new)| &***have != WILDCARD && &***have != **new)
        .count()
}

/// Whitespace tokens, with runs of one repeated placeholder counted once.
fn tokens(masked: &str) -> Vec<&str> {
    let mut out: Vec<&str> = Vec::with_capacity(16);
    for token in masked.split_ascii_whitespace() {
        if is_placeholder(token) && out.last() == Some(&token) {
            continue;
        }
        out.push(token);
    }
    out
}

fn is_placeholder(token: &str) -> bool {
    token.len() > 2 && token.starts_with('<') && token.ends_with('>')
}

/// Tokens that are or look variable route through the `<*>` branch.
fn tree_key(token: &str) -> &str {
    if token.contains('<') || token.bytes().any(|b| b.is_ascii_digit()) {
        WILDCARD
    } else {
        token
    }
}

/// The share of positions where the template equals the message (`<*>`
/// never counts as equal), and the template's wildcard count.
fn similarity(template: &[Box<str>], tokens: &[&str]) -> (f64, usize) {
    let mut equal = 0;
    let mut wildcards = 0;
    for (have, new) in template.iter().zip(tokens) {
        if &**have == WILDCARD {
            wildcards += 1;
        } else if &**have == *new {
            equal += 1;
        }
    }
    if template.is_empty() {
        return (1.0, 0);
    }
    (equal as f64 / template.len() as f64, wildcards)
}

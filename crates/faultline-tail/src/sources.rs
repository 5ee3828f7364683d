//! Compiled sources: which paths the globs match, and where to look for them.

use std::path::{Component, Path, PathBuf};

use globset::{Glob, GlobBuilder, GlobSet, GlobSetBuilder};
use walkdir::WalkDir;

use crate::{SourceConfig, StartAt, TailError};

/// One source, validated: its globs compiled and the folders to walk.
#[derive(Debug)]
pub(crate) struct Source {
    include: GlobSet,
    exclude: GlobSet,
    /// Excludes without a `/` match the file name alone (`*.tmp`).
    exclude_names: GlobSet,
    /// (folder, how deep to walk: None for `**`)
    roots: Vec<(PathBuf, Option<usize>)>,
    pub(crate) start_at: StartAt,
}

/// All sources, in configuration order: the first that matches a path owns it.
#[derive(Debug)]
pub(crate) struct Sources(Vec<Source>);

impl Sources {
    pub(crate) fn new(configs: &[SourceConfig]) -> Result<Sources, TailError> {
        if configs.is_empty() {
            return Err(TailError::Config("no sources".into()));
        }
        configs
            .iter()
            .map(Source::new)
            .collect::<Result<_, _>>()
            .map(Sources)
    }

    pub(crate) fn get(&self, index: usize) -> &Source {
        &self.0[index]
    }

    /// The folders to watch: every root of every source.
    pub(crate) fn roots(&self) -> impl Iterator<Item = &Path> {
        self.0
            .iter()
            .flat_map(|s| s.roots.iter().map(|(p, _)| p.as_path()))
    }

    /// Every matching file (symlinks followed), with its source, sorted by
    /// path so discovery order is stable.
    pub(crate) fn scan(&self) -> Vec<(PathBuf, usize)> {
        let mut found = Vec::new();
        for (index, source) in self.0.iter().enumerate() {
            for (root, depth) in &source.roots {
                let mut walk = WalkDir::new(root).follow_links(true);
                if let Some(depth) = depth {
                    walk = walk.max_depth(*depth);
                }
                for entry in walk.into_iter().filter_map(Result::ok) {
                    if entry.file_type().is_file() && source.matches(entry.path()) {
                        found.push((entry.into_path(), index));
                    }
                }
            }
        }
        found.sort();
        found.dedup_by(|a, b| a.0 == b.0);
        found
    }
}

impl Source {
    fn new(config: &SourceConfig) -> Result<Source, TailError> {
        if config.include.is_empty() {
            return Err(TailError::Config("a source has no include globs".into()));
        }
        let (names, paths): (Vec<_>, Vec<_>) =
            config.exclude.iter().partition(|g| !g.contains('/'));
        Ok(Source {
            include: glob_set(config.include.iter())?,
            exclude: glob_set(paths.into_iter())?,
            exclude_names: glob_set(names.into_iter())?,
            roots: config.include.iter().map(|g| root_of(g)).collect(),
            start_at: config.start_at,
        })
    }

    pub(crate) fn matches(&self, path: &Path) -> bool {
        self.include.is_match(path)
            && !self.exclude.is_match(path)
            && !path
                .file_name()
                .is_some_and(|n| self.exclude_names.is_match(n))
    }
}

fn glob_set<'a>(globs: impl Iterator<Item = &'a String>) -> Result<GlobSet, TailError> {
    let mut set = GlobSetBuilder::new();
    for glob in globs {
        set.add(compile(glob)?);
    }
    set.build().map_err(|e| TailError::BadGlob {
        glob: "(set)".into(),
        message: e.to_string(),
    })
}

fn compile(glob: &str) -> Result<Glob, TailError> {
    GlobBuilder::new(glob)
        .literal_separator(true)
        .build()
        .map_err(|e| TailError::BadGlob {
            glob: glob.to_string(),
            message: e.kind().to_string(),
        })
}

/// The literal folder a glob starts in, and how many levels below it the
/// glob can reach (None when it holds `**`).
fn root_of(glob: &str) -> (PathBuf, Option<usize>) {
    let is_pattern = |s: &str| s.contains(['*', '?', '[', '{']);
    let mut root = PathBuf::new();
    let mut rest = Vec::new();
    for component in Path::new(glob).components() {
        match component {
            Component::Normal(c) if rest.is_empty() && !is_pattern(&c.to_string_lossy()) => {
                root.push(c)
            }
            Component::Normal(c) => rest.push(c.to_string_lossy().into_owned()),
            other => root.push(other),
        }
    }
    if rest.is_empty() {
        // A literal path: walk its folder, one level.
        let parent = root.parent().map(Path::to_path_buf).unwrap_or_default();
        return (parent, Some(1));
    }
    let depth = if rest.iter().any(|c| c.contains("**")) {
        None
    } else {
        Some(rest.len())
    };
    (root, depth)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn source(include: &[&str], exclude: &[&str]) -> Source {
        let config = SourceConfig {
            include: include.iter().map(|s| s.to_string()).collect(),
            exclude: exclude.iter().map(|s| s.to_string()).collect(),
            start_at: StartAt::Beginning,
        };
        Source::new(&config).unwrap()
    }

    #[test]
    fn roots_stop_at_the_first_pattern() {
        assert_eq!(
            root_of("/var/log/*.log"),
            (PathBuf::from("/var/log"), Some(1))
        );
        assert_eq!(
            root_of("/var/log/**/*.log"),
            (PathBuf::from("/var/log"), None)
        );
        assert_eq!(
            root_of("/var/log/a/app.log"),
            (PathBuf::from("/var/log/a"), Some(1))
        );
        assert_eq!(
            root_of("/srv/*/logs/*.log"),
            (PathBuf::from("/srv"), Some(3))
        );
    }

    #[test]
    fn star_stays_in_its_folder_and_double_star_does_not() {
        let s = source(&["/l/*.log", "/d/**/*.log"], &["*.tmp.log", "/d/skip/**"]);
        assert!(s.matches(Path::new("/l/a.log")));
        assert!(!s.matches(Path::new("/l/x/a.log")));
        assert!(s.matches(Path::new("/d/a.log")));
        assert!(s.matches(Path::new("/d/x/y/a.log")));
        assert!(!s.matches(Path::new("/l/a.tmp.log")));
        assert!(!s.matches(Path::new("/d/skip/a.log")));
    }

    #[test]
    fn a_bad_glob_is_named() {
        let config = SourceConfig {
            include: vec!["/l/[a.log".into()],
            exclude: vec![],
            start_at: StartAt::End,
        };
        let err = Source::new(&config).unwrap_err();
        assert!(err.to_string().contains("/l/[a.log"), "{err}");
    }
}

//! The built-in formats and their sniff order, and loading user formats.
//!
//! Sniffing gives ties to the format registered first, so the order runs from
//! the most specific to the most general:
//!
//! 1. container wrappers (`docker_json` before `json`: both are JSON objects);
//! 2. `json`;
//! 3. the declarative formats whose lines open with a distinctive shape,
//!    `nginx_access` (combined plus nginx's extra columns) before
//!    `apache_access` (plain common/combined), `nginx_error` before `go_log`
//!    (both open with `2009/11/10 23:00:00`), `spring_boot` and `log4j` before
//!    `python_logging` (all open with a date and a level);
//! 4. `jul`, then `syslog`;
//! 5. `logfmt` last of all: many formats carry `key=value` pairs inside.

use super::{
    AccessLog, Container, FormatError, Json, Jul, LineFormat, Logfmt, RegexFormat, Syslog,
};
use std::path::Path;
use std::sync::{Arc, LazyLock};

/// The declarative formats compiled in, `(file name, TOML)`, in sniff order.
pub static BUILTIN_PARSERS: &[(&str, &str)] = &[
    (
        "nginx_access.toml",
        include_str!("../../../../parsers/nginx_access.toml"),
    ),
    (
        "apache_access.toml",
        include_str!("../../../../parsers/apache_access.toml"),
    ),
    (
        "nginx_error.toml",
        include_str!("../../../../parsers/nginx_error.toml"),
    ),
    (
        "spring_boot.toml",
        include_str!("../../../../parsers/spring_boot.toml"),
    ),
    ("log4j.toml", include_str!("../../../../parsers/log4j.toml")),
    (
        "python_logging.toml",
        include_str!("../../../../parsers/python_logging.toml"),
    ),
    (
        "logback.toml",
        include_str!("../../../../parsers/logback.toml"),
    ),
    ("rails.toml", include_str!("../../../../parsers/rails.toml")),
    (
        "python_basic.toml",
        include_str!("../../../../parsers/python_basic.toml"),
    ),
    (
        "env_logger.toml",
        include_str!("../../../../parsers/env_logger.toml"),
    ),
    (
        "rust_tracing.toml",
        include_str!("../../../../parsers/rust_tracing.toml"),
    ),
    (
        "go_log.toml",
        include_str!("../../../../parsers/go_log.toml"),
    ),
];

static BUILTIN: LazyLock<Vec<Arc<dyn LineFormat>>> = LazyLock::new(|| {
    let mut inner: Vec<Arc<dyn LineFormat>> = vec![Arc::new(Json)];
    for (file, text) in BUILTIN_PARSERS {
        let origin = format!("parsers/{file}");
        // The built-in files are part of the source; a test compiles each.
        let format = RegexFormat::from_toml(text, &origin).expect("built-in parsers compile");
        inner.push(AccessLog::wrap(format));
    }
    inner.extend([
        Arc::new(Jul) as Arc<dyn LineFormat>,
        Arc::new(Syslog),
        Arc::new(Logfmt),
    ]);
    let mut all: Vec<Arc<dyn LineFormat>> = vec![
        Arc::new(Container::docker(inner.clone())),
        Arc::new(Container::cri(inner.clone())),
    ];
    all.extend(inner);
    all
});

/// The built-in formats in sniff order, `plain` excepted.
pub fn builtin_formats() -> Vec<Arc<dyn LineFormat>> {
    BUILTIN.clone()
}

/// Reads and compiles every `*.toml` file of `dir`, in file-name order.
pub fn read_dir(dir: &Path) -> Result<Vec<Arc<dyn LineFormat>>, FormatError> {
    let io = |path: &Path| {
        let path = path.to_path_buf();
        move |source| FormatError::Io { path, source }
    };
    let mut paths = Vec::new();
    for entry in std::fs::read_dir(dir).map_err(io(dir))? {
        let path = entry.map_err(io(dir))?.path();
        if path.extension().is_some_and(|e| e == "toml") {
            paths.push(path);
        }
    }
    paths.sort();
    let mut formats: Vec<Arc<dyn LineFormat>> = Vec::with_capacity(paths.len());
    for path in paths {
        let text = std::fs::read_to_string(&path).map_err(io(&path))?;
        formats.push(Arc::new(RegexFormat::from_toml(
            &text,
            &path.display().to_string(),
        )?));
    }
    Ok(formats)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::format::Registry;

    #[test]
    fn every_builtin_parser_compiles_and_is_named_after_its_file() {
        for (file, text) in BUILTIN_PARSERS {
            let format = RegexFormat::from_toml(text, file).unwrap_or_else(|e| panic!("{e}"));
            assert_eq!(format!("{}.toml", format.name()), *file);
            assert!(
                !format.description().is_empty(),
                "{file} needs a description"
            );
        }
    }

    #[test]
    fn load_dir_adds_user_formats_first_and_names_bad_files() {
        let dir = std::env::temp_dir().join(format!("faultline-formats-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(
            dir.join("a.toml"),
            "name = \"mine\"\nregex = '^MINE (?P<message>.*)'\n",
        )
        .unwrap();
        std::fs::write(dir.join("notes.txt"), "ignored").unwrap();
        let mut registry = Registry::builtin();
        assert_eq!(registry.load_dir(&dir).unwrap(), vec!["mine".to_string()]);
        assert_eq!(registry.names()[0], "mine");
        assert_eq!(registry.sniff(["MINE hello"]).name(), "mine");

        std::fs::write(dir.join("b.toml"), "name = \"bad\"\nregex = [\n").unwrap();
        let err = registry.load_dir(&dir).unwrap_err().to_string();
        assert!(err.contains("b.toml") && err.contains("line"), "{err}");
        let missing = registry.load_dir(dir.join("nope")).unwrap_err().to_string();
        assert!(missing.contains("nope"), "{missing}");
        std::fs::remove_dir_all(&dir).unwrap();
    }
}

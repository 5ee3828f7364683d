//! Globs for config: `*` matches within a path segment, `**` across them,
//! `?` one character. A glob without wildcards also matches as a prefix that
//! ends at a separator, so `com.acme` matches `com.acme.shop.Cart` and
//! `App\Services` matches `App\Services\Billing` but not `com.acmex`.

use crate::ConfigError;
use regex::Regex;

/// Several globs compiled into one matcher.
#[derive(Debug, Clone)]
pub(crate) struct GlobSet {
    regex: Regex,
}

impl GlobSet {
    /// Compiles `globs` (from the config field `field`); `None` when empty.
    pub(crate) fn new(field: &str, globs: &[String]) -> Result<Option<GlobSet>, ConfigError> {
        if globs.is_empty() {
            return Ok(None);
        }
        let mut alternatives = Vec::with_capacity(globs.len());
        for glob in globs {
            if glob.trim().is_empty() {
                return Err(ConfigError::EmptyGlob {
                    field: field.to_string(),
                });
            }
            alternatives.push(to_regex(glob));
        }
        let pattern = format!("^(?:{})$", alternatives.join("|"));
        let regex = Regex::new(&pattern).map_err(|source| ConfigError::Glob {
            field: field.to_string(),
            glob: globs.join(", "),
            reason: source.to_string(),
        })?;
        Ok(Some(GlobSet { regex }))
    }

    pub(crate) fn is_match(&self, text: &str) -> bool {
        self.regex.is_match(text)
    }
}

/// One glob as a regex body (unanchored; the set anchors).
fn to_regex(glob: &str) -> String {
    let mut out = String::with_capacity(glob.len() * 2);
    let mut chars = glob.chars().peekable();
    let mut wild = false;
    while let Some(c) = chars.next() {
        match c {
            '*' if chars.peek() == Some(&'*') => {
                chars.next();
                out.push_str(".*");
                wild = true;
            }
            '*' => {
                out.push_str("[^/]*");
                wild = true;
            }
            '?' => {
                out.push_str("[^/]");
                wild = true;
            }
            c => out.push_str(&regex::escape(c.encode_utf8(&mut [0; 4]))),
        }
    }
    if !wild {
        out.push_str(r"(?:[./\\:$#].*)?");
    }
    format!("(?:{out})")
}

#[cfg(test)]
mod tests {
    use super::GlobSet;

    fn set(globs: &[&str]) -> GlobSet {
        let globs: Vec<String> = globs.iter().map(|g| g.to_string()).collect();
        GlobSet::new("test", &globs).unwrap().unwrap()
    }

    #[test]
    fn wildcards_and_prefixes() {
        let s = set(&["com.acme.*", "**/generated/**", "App\\Services", "shop::*"]);
        assert!(s.is_match("com.acme.shop.Cart"));
        assert!(!s.is_match("com.acmex.Cart"));
        assert!(s.is_match("/srv/app/generated/api/client.py"));
        assert!(!s.is_match("/srv/app/gen/api/client.py"));
        assert!(s.is_match("App\\Services\\Billing"));
        assert!(s.is_match("App\\Services"));
        assert!(!s.is_match("App\\ServicesX"));
        assert!(s.is_match("shop::handlers::orders"));
    }

    #[test]
    fn empty_glob_is_an_error_naming_the_field() {
        let err = GlobSet::new("in_app_include", &["".to_string()]).unwrap_err();
        assert!(err.to_string().contains("in_app_include"), "{err}");
    }
}

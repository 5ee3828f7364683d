//! In-app classification: which frames are the application's own code.
//!
//! Library and runtime frames (installed packages, the standard library,
//! frameworks, generated proxies) say little about which bug this is and
//! change with every dependency upgrade, so fingerprints hash only in-app
//! frames when there are any. The defaults know where each ecosystem keeps
//! its libraries; `in_app_include` and `in_app_exclude` globs from the config
//! match a frame's module or file path and win over them, exclude first.

mod defaults;

use crate::ConfigError;
use crate::glob::GlobSet;
use crate::normalize::Lang;
use faultline_event::{Event, Frame};

/// The compiled in-app rules.
#[derive(Debug, Clone, Default)]
pub struct InApp {
    include: Option<GlobSet>,
    exclude: Option<GlobSet>,
}

impl InApp {
    /// Compiles the config's globs.
    pub fn new(include: &[String], exclude: &[String]) -> Result<InApp, ConfigError> {
        Ok(InApp {
            include: GlobSet::new("in_app_include", include)?,
            exclude: GlobSet::new("in_app_exclude", exclude)?,
        })
    }

    /// Whether `frame` is the application's own code.
    pub fn classify(&self, lang: Lang, frame: &Frame) -> bool {
        if let Some(exclude) = &self.exclude
            && matches_frame(exclude, frame)
        {
            return false;
        }
        if let Some(include) = &self.include
            && matches_frame(include, frame)
        {
            return true;
        }
        is_in_app_by_default(lang, frame)
    }

    /// Sets `in_app` on every frame of every exception in the event's chain.
    pub fn mark(&self, lang: Lang, event: &mut Event) {
        let mut next = event.exception.as_mut();
        while let Some(exc) = next {
            for frame in &mut exc.frames {
                frame.in_app = Some(self.classify(lang, frame));
            }
            next = exc.cause.as_deref_mut();
        }
    }
}

fn matches_frame(set: &GlobSet, frame: &Frame) -> bool {
    frame.module.as_deref().is_some_and(|m| set.is_match(m))
        || frame.file.as_deref().is_some_and(|f| set.is_match(f))
}

/// The built-in rules for one frame, without any config.
pub fn is_in_app_by_default(lang: Lang, frame: &Frame) -> bool {
    let module = frame.module.as_deref().unwrap_or("");
    let file = frame.file.as_deref().unwrap_or("");
    if module.is_empty() && file.is_empty() && lang != Lang::Go {
        return false;
    }
    if defaults::is_library_path(file) {
        return false;
    }
    match lang {
        Lang::Java => defaults::java(module),
        Lang::Python => defaults::python(module, file),
        Lang::Go => defaults::go(module, file, frame.function.as_deref()),
        Lang::Node => defaults::node(file),
        Lang::Ruby => defaults::ruby(module, file),
        Lang::DotNet => defaults::dotnet(module, frame.function.as_deref()),
        Lang::Php => defaults::php(module, file),
        Lang::Rust => defaults::rust(module, frame.function.as_deref(), file),
        Lang::Dart => defaults::dart(file),
        Lang::Unknown => true,
    }
}

#[cfg(test)]
mod tests;

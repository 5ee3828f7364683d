//! How a group reads in lists: its title and its culprit.

use crate::inapp::is_in_app_by_default;
use crate::mask::mask;
use crate::normalize::{self, KEY_SEP, Lang, basename};
use faultline_event::{Event, Exception, Frame};

/// Longest title, in characters.
const MAX_TITLE_CHARS: usize = 200;

/// The group's title: `Type: value` for an exception (the value's first
/// line, variables masked), else the message template.
///
/// ```
/// use faultline_event::{Event, Exception};
///
/// let mut event = Event::new("charge failed");
/// event.exception = Some(Exception::new("KeyError", "'card_4242' missing for user 88"));
/// assert_eq!(faultline_fingerprint::title(&event), "KeyError: <str> missing for user <num>");
/// ```
pub fn title(event: &Event) -> String {
    let text = match &event.exception {
        Some(exc) if !exc.kind.trim().is_empty() => {
            let value = mask(exc.value.lines().next().unwrap_or(""));
            if value.trim().is_empty() {
                exc.kind.trim().to_string()
            } else {
                format!("{}: {}", exc.kind.trim(), value.trim())
            }
        }
        _ => match &event.template {
            Some(template) => template.clone(),
            None => mask(&event.message),
        },
    };
    truncate(text)
}

fn truncate(mut text: String) -> String {
    if let Some((at, _)) = text.char_indices().nth(MAX_TITLE_CHARS) {
        text.truncate(at);
        text.push('…');
    }
    text
}

/// Where it broke: the in-app frame nearest the crash, in the deepest cause
/// that has one, as `module.function (file)` with the language's separators
/// (`Order#total (order.rb)`, `shop::orders::total (orders.rs)`,
/// `App\Billing::charge (Billing.php)`, `charge (billing/tasks.py)`).
/// Uses `in_app` as the fingerprinter set it, or the default rules on an
/// event not fingerprinted yet; falls back to the crash site when no frame is
/// in-app. `None` without frames.
pub fn culprit(event: &Event) -> Option<String> {
    let (lang, frame) = culprit_frame(event)?;
    Some(display(lang, frame))
}

/// The module (or, where the language has none, the file) of the culprit
/// frame, normalised as for grouping: what weak areas are rolled up by.
pub fn culprit_module(event: &Event) -> Option<String> {
    let (lang, frame) = culprit_frame(event)?;
    let mut key = String::new();
    normalize::frame_key(lang, frame, &mut key);
    let module = key.split_once(KEY_SEP).map_or(key.as_str(), |(m, _)| m);
    (!module.is_empty()).then(|| module.to_string())
}

/// The frame [`culprit`] names, with the event's language.
fn culprit_frame(event: &Event) -> Option<(Lang, &Frame)> {
    let exc = event.exception.as_ref()?;
    let lang = Lang::of(event);
    let marked = exc
        .chain()
        .flat_map(|e| &e.frames)
        .any(|f| f.in_app.is_some());
    let in_app = |f: &Frame| match marked {
        true => f.in_app == Some(true),
        false => is_in_app_by_default(lang, f),
    };
    let chain: Vec<&Exception> = exc.chain().collect();
    let frame = chain
        .iter()
        .rev()
        .find_map(|e| e.frames.iter().rev().find(|f| in_app(f)))
        .or_else(|| exc.frames.last())?;
    Some((lang, frame))
}

/// One frame for people to read.
fn display(lang: Lang, frame: &Frame) -> String {
    let mut key = String::new();
    normalize::frame_key(lang, frame, &mut key);
    let (module, function) = key.split_once(KEY_SEP).unwrap_or((&key, ""));
    let file = frame.file.as_deref().unwrap_or("");
    let module_is_file = frame.module.is_none() || lang == Lang::Node;
    if function.is_empty() {
        return module.to_string();
    }
    if module_is_file || module.is_empty() {
        return match module.is_empty() {
            true => function.to_string(),
            false => format!("{function} ({module})"),
        };
    }
    let sep = match lang {
        Lang::Rust | Lang::Php => "::",
        Lang::Ruby => "#",
        _ => ".",
    };
    match file.is_empty() {
        true => format!("{module}{sep}{function}"),
        false => format!("{module}{sep}{function} ({})", basename(file)),
    }
}

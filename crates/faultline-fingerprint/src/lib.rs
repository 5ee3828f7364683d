//! Error fingerprinting: deciding which events share a root cause.
//!
//! Events with an exception are grouped by the exception type and the
//! normalised in-app frames of every exception in the cause chain
//! ([`inapp`], [`normalize`]); events without one by their message template
//! (variables masked by [`mask`], templates mined Drain-style by
//! [`template`]). Config [`rules`] can set or extend any fingerprint. Every
//! decision carries a human explanation, and the hash is fixed and versioned
//! ([`FINGERPRINT_VERSION`]): xxh3-128 over a canonical, length-prefixed
//! encoding.
//!
//! Fingerprinting is pure apart from the template miner's state, which the
//! caller owns and may persist.
//!
//! ```
//! use faultline_event::{Event, Exception, Frame};
//! use faultline_fingerprint::{Basis, Config, Fingerprinter};
//!
//! let frame = |module: &str, function: &str, line| Frame {
//!     module: Some(module.into()),
//!     function: Some(function.into()),
//!     line: Some(line),
//!     ..Frame::default()
//! };
//! let event = |line, order| {
//!     let mut exc = Exception::new("java.lang.IllegalStateException", format!("order {order}"));
//!     exc.frames = vec![
//!         frame("org.springframework.web.servlet.FrameworkServlet", "service", 897),
//!         frame("com.acme.shop.CartService", "checkout", line),
//!     ];
//!     let mut event = Event::new("checkout failed");
//!     event.fields.insert("trace_language".into(), "java".into()); // as the parser sets it
//!     event.exception = Some(exc);
//!     event
//! };
//! let mut fingerprinter = Fingerprinter::new(Config::default()).unwrap();
//! let (mut a, mut b) = (event(61, 5521), event(64, 9042));
//! let decision = fingerprinter.apply(&mut a);
//! assert_eq!(decision.basis, Basis::InAppFrames);
//! assert_eq!(decision.explanation, "grouped by: exception type + 1 in-app frame");
//! assert_eq!(fingerprinter.apply(&mut b).fingerprint, decision.fingerprint);
//! assert_eq!(a.fingerprint, Some(decision.fingerprint));
//! assert_eq!(a.exception.unwrap().frames[0].in_app, Some(false));
//! ```

pub mod mask;
pub mod template;

mod chain;
mod display;
pub mod endpoint;
mod fingerprinter;
mod glob;
mod hash;
pub mod inapp;
pub mod normalize;
pub mod rules;

pub use display::{culprit, culprit_module, title};
pub use fingerprinter::{Basis, Config, ConfigError, Decision, FINGERPRINT_VERSION, Fingerprinter};
pub use rules::RuleConfig;

use faultline_event::{Event, Level};

/// Whether an event forms an error group: errors and warnings, and anything
/// carrying an exception. Others are only indexed, with their template. The
/// collector, `faultline analyze` and the benchmarks all go by this rule.
pub fn is_grouped(event: &Event) -> bool {
    event.exception.is_some() || event.level.is_some_and(Level::is_warning_or_above)
}

use super::*;
use faultline_event::{Exception, Frame};

fn config(toml_text: &str) -> RuleConfig {
    toml::from_str(toml_text).unwrap()
}

fn event() -> Event {
    let mut exc = Exception::new("java.util.concurrent.TimeoutException", "after 500 ms");
    exc.frames.push(Frame {
        module: Some("com.acme.cache.CartCache".into()),
        function: Some("get".into()),
        ..Frame::default()
    });
    let mut event = Event::new("cache read timed out");
    event.logger = Some("com.acme.cache".into());
    event.exception = Some(exc);
    event
}

#[test]
fn all_conditions_must_hold() {
    let rule = |extra: &str| {
        Rule::new(&config(&format!(
            "name = \"r\"\nfingerprint = [\"x\"]\n{extra}"
        )))
        .unwrap()
    };
    assert!(rule("type = \"*TimeoutException\"").matches(&event()));
    assert!(rule("frame = \"com.acme.cache.CartCache.get\"").matches(&event()));
    assert!(rule("message = \"after \\\\d+ ms\"\nlogger = \"com.acme\"").matches(&event()));
    assert!(!rule("type = \"*TimeoutException\"\nlogger = \"org.other\"").matches(&event()));
    assert!(!rule("message = \"^refused\"").matches(&event()));
}

#[test]
fn bad_rules_are_named_in_errors() {
    let err = |text: &str| Rule::new(&config(text)).unwrap_err().to_string();
    assert!(err("name = \"a\"\nfingerprint = [\"x\"]").contains("\"a\""));
    assert!(err("name = \"b\"\ntype = \"X\"\nfingerprint = []").contains("\"b\""));
    let e = err("name = \"c\"\ntype = \"X\"\nfingerprint = [\"{{ nope }}\"]");
    assert!(e.contains("\"c\"") && e.contains("nope"), "{e}");
    assert!(err("name = \"d\"\nmessage = \"(\"\nfingerprint = [\"x\"]").contains("\"d\""));
}

#[test]
fn parts_parse_variables_and_literals() {
    let parts = parse_parts(
        "r",
        &["{{ default }}".into(), "{{type}}".into(), "db".into()],
    )
    .unwrap();
    assert_eq!(
        parts,
        [Part::Default, Part::Type, Part::Literal("db".into())]
    );
}

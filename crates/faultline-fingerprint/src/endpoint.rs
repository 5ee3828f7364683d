//! Access-log records: grouped by endpoint and status, not by their text.
//!
//! A request line's path carries ids (`/api/v1/orders/9002`); masking the
//! whole path (as the message template does) would put `GET /wp-login.php 404`
//! and `GET /api/v1/orders/9002 504` in one group. An endpoint keeps the
//! path's fixed segments, masks the variable ones, drops the query string, and
//! is grouped with the method and the status code.

use faultline_event::Event;
use serde_json::Value;

/// The endpoint of an access-log event: `(method, route, status)`, when the
/// event carries `fields.path` and a numeric `fields.status`.
pub fn endpoint(event: &Event) -> Option<(String, String, u16)> {
    let status = event.fields.get("status").and_then(Value::as_u64)?;
    let path = event.fields.get("path").and_then(Value::as_str)?;
    let method = event
        .fields
        .get("method")
        .and_then(Value::as_str)
        .unwrap_or("-");
    Some((method.to_string(), route(path), u16::try_from(status).ok()?))
}

/// The path with its query dropped and its variable segments masked:
/// numbers → `<num>`, ids (UUIDs, hex, long digit-bearing tokens) → `<id>`.
pub fn route(path: &str) -> String {
    let path = path.split(['?', '#']).next().unwrap_or("");
    let mut out = String::with_capacity(path.len());
    for (i, segment) in path.split('/').enumerate() {
        if i > 0 {
            out.push('/');
        }
        out.push_str(mask_segment(segment));
    }
    if out.is_empty() {
        out.push('/');
    }
    out
}

fn mask_segment(segment: &str) -> &str {
    let digits = segment.bytes().filter(u8::is_ascii_digit).count();
    if digits == 0 {
        return segment;
    }
    if digits == segment.len() {
        return "<num>";
    }
    let hexish = segment
        .bytes()
        .all(|b| b.is_ascii_hexdigit() || b == b'-' || b == b'_');
    // `v1`, `v2beta`, `2fa` stay: short, or mostly letters.
    if (hexish && segment.len() >= 8) || (digits >= 4 && digits * 2 >= segment.len()) {
        return "<id>";
    }
    segment
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn routes_keep_fixed_segments_and_mask_ids() {
        let cases = [
            ("/api/v1/orders/9002?expand=items", "/api/v1/orders/<num>"),
            (
                "/api/v1/users/3f2a9c1e-77aa-4b0e-9a52-0d3c5f1b2e44/cart",
                "/api/v1/users/<id>/cart",
            ),
            ("/static/app.9f8e7d6c5b.js", "/static/app.9f8e7d6c5b.js"),
            ("/blob/deadbeef0cafe1", "/blob/<id>"),
            ("/team/deadbeef", "/team/deadbeef"),
            ("/v2/2fa/verify", "/v2/2fa/verify"),
            ("/wp-login.php", "/wp-login.php"),
            ("/", "/"),
            ("", "/"),
        ];
        for (path, want) in cases {
            assert_eq!(route(path), want, "{path}");
        }
    }

    #[test]
    fn only_access_records_have_an_endpoint() {
        let mut event = Event::new("GET /api/v1/orders/17 HTTP/1.1");
        assert_eq!(endpoint(&event), None);
        event
            .fields
            .insert("path".into(), "/api/v1/orders/17".into());
        event.fields.insert("method".into(), "GET".into());
        event.fields.insert("status".into(), 504.into());
        assert_eq!(
            endpoint(&event),
            Some(("GET".into(), "/api/v1/orders/<num>".into(), 504))
        );
    }
}

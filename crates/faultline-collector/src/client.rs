//! Who a request comes from. The TCP peer is the client unless it is one
//! of the `trusted_proxies`: then the client is the right-most address in
//! `X-Forwarded-For` that is not itself a trusted proxy (each proxy appends
//! the address it was called from, so everything left of that is whatever
//! the client chose to send). Without `X-Forwarded-For`, the `for=` values
//! of the standard `Forwarded` header (RFC 7239) are walked the same way;
//! with both, `X-Forwarded-For` wins. The scheme is the last
//! `X-Forwarded-Proto`, or without it the `proto=` of the right-most
//! `Forwarded` element. None of these headers from any other peer is ever
//! believed.
//!
//! ```
//! use faultline_collector::client::{Client, TrustedProxies};
//! use axum::http::{HeaderMap, HeaderValue};
//!
//! let trusted = TrustedProxies::parse(&["127.0.0.1".into()]).unwrap();
//! let mut headers = HeaderMap::new();
//! headers.insert("x-forwarded-for", HeaderValue::from_static("1.2.3.4, 203.0.113.7"));
//! let client = Client::of("127.0.0.1".parse().unwrap(), &headers, &trusted);
//! assert_eq!(client.addr.to_string(), "203.0.113.7");
//!
//! let mut headers = HeaderMap::new();
//! headers.insert("forwarded", HeaderValue::from_static(r#"for="[2001:db8::7]:4711";proto=https"#));
//! let client = Client::of("127.0.0.1".parse().unwrap(), &headers, &trusted);
//! assert_eq!(client.addr.to_string(), "2001:db8::7");
//! assert!(client.https);
//! ```

use axum::http::HeaderMap;
use ipnet::IpNet;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};

/// The client address when a trusted proxy forwarded one that cannot be
/// read (garbage, `for=unknown`, an obfuscated `for=_hidden`): never
/// loopback, so a collector without tokens refuses it.
pub const UNREADABLE: IpAddr = IpAddr::V4(Ipv4Addr::UNSPECIFIED);

/// The headers a proxy adds that say who its client was.
const FORWARDING_HEADERS: [&str; 2] = ["x-forwarded-for", "forwarded"];

/// The `trusted_proxies` of the config: addresses and CIDR ranges.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TrustedProxies(Vec<IpNet>);

impl TrustedProxies {
    /// Parses `"10.0.0.0/8"` or `"127.0.0.1"` entries; the error is the
    /// first entry that is neither.
    pub fn parse(entries: &[String]) -> Result<TrustedProxies, String> {
        let mut nets = Vec::with_capacity(entries.len());
        for entry in entries {
            let text = entry.trim();
            let net = match text.parse::<IpAddr>() {
                Ok(ip) => IpNet::from(ip.to_canonical()),
                Err(_) => text.parse::<IpNet>().map_err(|_| entry.clone())?.trunc(),
            };
            nets.push(net);
        }
        Ok(TrustedProxies(nets))
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Whether `ip` is a trusted proxy (IPv4-mapped IPv6 counts as IPv4).
    pub fn contains(&self, ip: IpAddr) -> bool {
        let ip = ip.to_canonical();
        self.0.iter().any(|net| net.contains(&ip))
    }
}

/// A request's client as far as it can be told.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Client {
    /// The client's address: the peer, or what a trusted proxy said
    /// ([`UNREADABLE`] when what it said is not an address).
    pub addr: IpAddr,
    /// The TCP peer.
    pub peer: IpAddr,
    /// Whether the peer is a trusted proxy.
    pub via_trusted_proxy: bool,
    /// A forwarding header (`x-forwarded-for` or `forwarded`) sent by a
    /// peer that is not a trusted proxy: some proxy forwarded this request,
    /// and who its client was cannot be believed.
    pub untrusted_forwarding: Option<&'static str>,
    /// Whether a trusted proxy said the browser came over TLS
    /// (`X-Forwarded-Proto: https`, or `Forwarded: proto=https` without
    /// `X-Forwarded-Proto`).
    pub https: bool,
}

impl Client {
    pub fn of(peer: IpAddr, headers: &HeaderMap, trusted: &TrustedProxies) -> Client {
        let peer = peer.to_canonical();
        if !trusted.contains(peer) {
            return Client {
                addr: peer,
                peer,
                via_trusted_proxy: false,
                untrusted_forwarding: FORWARDING_HEADERS
                    .into_iter()
                    .find(|name| headers.contains_key(*name)),
                https: false,
            };
        }
        // No header: the proxy's own request (or a local client of a host
        // whose loopback address is trusted). A header that does not read:
        // a client, but not which one. X-Forwarded-For wins over Forwarded.
        let addr = if headers.contains_key("x-forwarded-for") {
            forwarded_for(headers)
                .and_then(|chain| client_in_chain(chain.into_iter().map(parse_element), trusted))
                .unwrap_or(UNREADABLE)
        } else if headers.contains_key("forwarded") {
            forwarded_hops(headers)
                .and_then(|hops| client_in_chain(hops.iter().map(hop_address), trusted))
                .unwrap_or(UNREADABLE)
        } else {
            peer
        };
        Client {
            addr,
            peer,
            via_trusted_proxy: true,
            untrusted_forwarding: None,
            https: forwarded_proto_https(headers),
        }
    }

    /// Why a collector without tokens, which serves loopback clients only,
    /// refuses this request; `None` when it may go on.
    pub fn loopback_refusal(&self) -> Option<String> {
        if let Some(header) = self.untrusted_forwarding {
            tracing::warn!(
                peer = %self.peer,
                header,
                "refused: forwarded by a proxy that is not in trusted_proxies"
            );
            return Some(format!(
                "no tokens are configured, so only loopback clients are accepted, and this \
                 request was forwarded by a proxy (it carries {header}) at {peer} that is not \
                 in trusted_proxies, so its client is unknown: configure [[tokens]], or add \
                 the proxy's address to trusted_proxies",
                peer = self.peer
            ));
        }
        (!self.addr.is_loopback())
            .then(|| "no tokens are configured: only loopback clients are accepted".to_string())
    }
}

/// The elements of every `X-Forwarded-For` header, in order (several
/// header lines are one list); `None` when there is none or one is not text.
fn forwarded_for(headers: &HeaderMap) -> Option<Vec<&str>> {
    let mut chain = Vec::new();
    for value in headers.get_all("x-forwarded-for") {
        chain.extend(value.to_str().ok()?.split(','));
    }
    (!chain.is_empty()).then_some(chain)
}

/// One `X-Forwarded-For` element: an address, possibly with a port
/// (`203.0.113.7:4711`, `[2001:db8::1]:4711`) or in brackets.
fn parse_element(element: &str) -> Option<IpAddr> {
    let text = element.trim();
    let ip = text
        .parse::<IpAddr>()
        .ok()
        .or_else(|| text.parse::<SocketAddr>().ok().map(|s| s.ip()))
        .or_else(|| text.strip_prefix('[')?.strip_suffix(']')?.parse().ok())?;
    Some(ip.to_canonical())
}

/// Walks the chain of addresses (`None` for an element that is not one)
/// from the right, past trusted proxies, to the first address that is not
/// one; with every one trusted, the left-most (the first proxy's own
/// client). Every element passed was written by a trusted proxy, so the walk
/// stops, with `None`, at one that is not an address; anything the client
/// wrote lies left of where it stops.
fn client_in_chain(
    chain: impl DoubleEndedIterator<Item = Option<IpAddr>>,
    trusted: &TrustedProxies,
) -> Option<IpAddr> {
    let mut last = None;
    for ip in chain.rev() {
        let ip = ip?;
        if !trusted.contains(ip) {
            return Some(ip);
        }
        last = Some(ip);
    }
    last
}

/// One element of a `Forwarded` header: its `for=` and `proto=` values,
/// unquoted (other parameters, such as `by=` and `host=`, are not needed).
#[derive(Debug, Default, PartialEq, Eq)]
struct Hop {
    node: Option<String>,
    proto: Option<String>,
}

/// The elements of every `Forwarded` header, in order (several header lines
/// are one list; empty elements are skipped), `None` for an element that
/// does not read; `None` when a header is not text.
fn forwarded_hops(headers: &HeaderMap) -> Option<Vec<Option<Hop>>> {
    let mut hops = Vec::new();
    for value in headers.get_all("forwarded") {
        for element in split_unquoted(value.to_str().ok()?, ',') {
            if !element.trim().is_empty() {
                hops.push(parse_hop(element));
            }
        }
    }
    Some(hops)
}

/// `forwarded-element = [pair] *( ";" [pair] )`, `pair = token "=" value`
/// (RFC 7239), with names in any case and spaces around the parts. `None`
/// when a pair has no `=`, a value is neither a token nor one quoted string,
/// or `for` or `proto` is given twice.
fn parse_hop(element: &str) -> Option<Hop> {
    let mut hop = Hop::default();
    for pair in split_unquoted(element, ';') {
        if pair.trim().is_empty() {
            continue;
        }
        let (name, value) = pair.split_once('=')?;
        let value = unquote(value.trim())?;
        let slot = match name.trim().to_ascii_lowercase().as_str() {
            "for" => &mut hop.node,
            "proto" => &mut hop.proto,
            _ => continue,
        };
        if slot.replace(value).is_some() {
            return None;
        }
    }
    Some(hop)
}

/// Splits `text` at each `separator` that is not inside a quoted string.
fn split_unquoted(text: &str, separator: char) -> Vec<&str> {
    let mut parts = Vec::new();
    let (mut start, mut quoted, mut escaped) = (0, false, false);
    for (i, c) in text.char_indices() {
        match c {
            _ if escaped => escaped = false,
            '\\' if quoted => escaped = true,
            '"' => quoted = !quoted,
            c if c == separator && !quoted => {
                parts.push(&text[start..i]);
                start = i + c.len_utf8();
            }
            _ => {}
        }
    }
    parts.push(&text[start..]);
    parts
}

/// A token as it is, or a quoted string without its quotes and escapes;
/// `None` for a stray or unclosed quote.
fn unquote(value: &str) -> Option<String> {
    let Some(quoted) = value.strip_prefix('"') else {
        return (!value.contains('"')).then(|| value.to_string());
    };
    let mut text = String::with_capacity(quoted.len());
    let mut chars = quoted.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => text.push(chars.next()?),
            '"' => return chars.as_str().is_empty().then_some(text),
            c => text.push(c),
        }
    }
    None
}

/// The address in a hop's `for=`; `None` without one, or when it is
/// `unknown`, an obfuscated `_name` or anything else that is not an address.
fn hop_address(hop: &Option<Hop>) -> Option<IpAddr> {
    parse_node(hop.as_ref()?.node.as_deref()?)
}

/// An RFC 7239 node: `192.0.2.60`, `192.0.2.60:4711`, `[2001:db8::17]`,
/// `[2001:db8::17]:4711` (the port may be obfuscated, `:_p1`); a bare IPv6
/// address is read too.
fn parse_node(node: &str) -> Option<IpAddr> {
    let node = node.trim();
    if let Ok(ip) = node.parse::<IpAddr>() {
        return Some(ip.to_canonical());
    }
    let (ip, port) = match node.strip_prefix('[') {
        Some(bracketed) => {
            let (host, rest) = bracketed.split_once(']')?;
            let port = if rest.is_empty() {
                None
            } else {
                Some(rest.strip_prefix(':')?)
            };
            (host.parse::<IpAddr>().ok()?, port)
        }
        None => {
            let (host, port) = node.rsplit_once(':')?;
            (IpAddr::V4(host.parse::<Ipv4Addr>().ok()?), Some(port))
        }
    };
    port.is_none_or(is_port).then(|| ip.to_canonical())
}

/// `port = 1*5DIGIT`, `obfport = "_" 1*(ALPHA / DIGIT / "." / "_" / "-")`.
fn is_port(port: &str) -> bool {
    match port.strip_prefix('_') {
        Some(obfuscated) => {
            !obfuscated.is_empty()
                && obfuscated
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b"._-".contains(&b))
        }
        None => port.parse::<u16>().is_ok() && port.bytes().all(|b| b.is_ascii_digit()),
    }
}

/// Whether a trusted proxy said the browser came over TLS: the last value of
/// `X-Forwarded-Proto`, or without that header the `proto=` of the
/// right-most `Forwarded` element.
fn forwarded_proto_https(headers: &HeaderMap) -> bool {
    let https = |proto: &str| proto.trim().eq_ignore_ascii_case("https");
    if let Some(value) = headers.get("x-forwarded-proto") {
        return value
            .to_str()
            .ok()
            .and_then(|v| v.split(',').next_back())
            .is_some_and(https);
    }
    forwarded_hops(headers)
        .and_then(|hops| hops.into_iter().next_back().flatten()?.proto)
        .is_some_and(|proto| https(&proto))
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn trusted(entries: &[&str]) -> TrustedProxies {
        let entries: Vec<String> = entries.iter().map(|e| e.to_string()).collect();
        TrustedProxies::parse(&entries).unwrap()
    }

    fn client(peer: &str, forwarded_for: &[&str], trust: &[&str]) -> Client {
        let mut headers = HeaderMap::new();
        for value in forwarded_for {
            headers.append("x-forwarded-for", HeaderValue::from_str(value).unwrap());
        }
        Client::of(peer.parse().unwrap(), &headers, &trusted(trust))
    }

    fn addr(peer: &str, forwarded_for: &[&str], trust: &[&str]) -> String {
        client(peer, forwarded_for, trust).addr.to_string()
    }

    #[test]
    fn the_right_most_untrusted_address_is_the_client() {
        let trust = ["127.0.0.1", "10.0.0.0/8"];
        assert_eq!(
            addr("127.0.0.1", &["1.1.1.1, 203.0.113.7, 10.1.2.3"], &trust),
            "203.0.113.7"
        );
        assert_eq!(
            addr("127.0.0.1", &["1.1.1.1", "203.0.113.7"], &trust),
            "203.0.113.7",
            "several header lines are one list"
        );
        assert_eq!(
            addr("127.0.0.1", &["203.0.113.7:4711"], &trust),
            "203.0.113.7"
        );
    }

    #[test]
    fn an_untrusted_peer_is_the_client_whatever_it_sends() {
        let c = client("203.0.113.9", &["127.0.0.1"], &["127.0.0.1"]);
        assert_eq!(c.addr.to_string(), "203.0.113.9");
        assert_eq!(c.untrusted_forwarding, Some("x-forwarded-for"));
        let c = client("127.0.0.1", &["203.0.113.7"], &[]);
        assert_eq!(c.addr.to_string(), "127.0.0.1");
        assert!(c.loopback_refusal().unwrap().contains("trusted_proxies"));
    }

    #[test]
    fn with_every_address_trusted_the_left_most_is_the_client() {
        let trust = ["127.0.0.1", "10.0.0.0/8"];
        assert_eq!(
            addr("127.0.0.1", &["10.9.9.9, 10.1.1.1"], &trust),
            "10.9.9.9"
        );
        assert_eq!(addr("127.0.0.1", &["127.0.0.1"], &trust), "127.0.0.1");
    }

    #[test]
    fn a_missing_header_leaves_the_peer_and_a_garbage_one_no_address() {
        let trust = ["127.0.0.1"];
        assert_eq!(addr("127.0.0.1", &[], &trust), "127.0.0.1");
        for garbage in ["", "nonsense", "203.0.113.7, unknown", "1.2.3.4.5", "::zz"] {
            let c = client("127.0.0.1", &[garbage], &trust);
            assert_eq!(c.addr, UNREADABLE, "{garbage:?}");
            assert!(
                c.loopback_refusal().is_some(),
                "{garbage:?} passed as local"
            );
        }
        assert_eq!(
            addr("127.0.0.1", &["nonsense, 203.0.113.7"], &trust),
            "203.0.113.7",
            "what the client wrote left of its address does not matter"
        );
    }

    #[test]
    fn ipv6_peers_and_addresses_are_read() {
        let trust = ["::1", "fd00::/8"];
        assert_eq!(
            addr("::1", &["2001:db8::7, fd00::1"], &trust),
            "2001:db8::7"
        );
        assert_eq!(addr("::1", &["[2001:db8::7]:4711"], &trust), "2001:db8::7");
        assert_eq!(addr("::1", &["[2001:db8::7]"], &trust), "2001:db8::7");
        assert_eq!(
            addr("::ffff:127.0.0.1", &["203.0.113.7"], &["127.0.0.1"]),
            "203.0.113.7",
            "an IPv4-mapped peer is its IPv4 address"
        );
        assert_eq!(
            addr("127.0.0.1", &["::ffff:203.0.113.7"], &["127.0.0.1"]),
            "203.0.113.7"
        );
    }

    #[test]
    fn cidr_ranges_trust_every_address_inside_only() {
        let trust = trusted(&["10.0.0.0/8", "192.168.1.7/24"]);
        assert!(trust.contains("10.255.0.1".parse().unwrap()));
        assert!(!trust.contains("11.0.0.1".parse().unwrap()));
        assert!(
            trust.contains("192.168.1.200".parse().unwrap()),
            "the range, not its host"
        );
        assert!(!trust.contains("192.168.2.1".parse().unwrap()));
        assert!(!trusted(&[]).contains("127.0.0.1".parse().unwrap()));
        let entries = ["10.0.0.0/33".to_string()];
        assert_eq!(TrustedProxies::parse(&entries), Err("10.0.0.0/33".into()));
        let entries = ["localhost".to_string()];
        assert_eq!(TrustedProxies::parse(&entries), Err("localhost".into()));
    }

    #[test]
    fn forwarded_proto_is_believed_from_trusted_proxies_only() {
        let mut headers = HeaderMap::new();
        headers.insert("x-forwarded-proto", HeaderValue::from_static("https"));
        let peer = "127.0.0.1".parse().unwrap();
        assert!(Client::of(peer, &headers, &trusted(&["127.0.0.1"])).https);
        assert!(!Client::of(peer, &headers, &trusted(&[])).https);
        headers.insert("x-forwarded-proto", HeaderValue::from_static("http"));
        assert!(!Client::of(peer, &headers, &trusted(&["127.0.0.1"])).https);
    }

    fn with_headers(peer: &str, headers: &[(&'static str, &str)], trust: &[&str]) -> Client {
        let mut map = HeaderMap::new();
        for (name, value) in headers {
            map.append(*name, HeaderValue::from_str(value).unwrap());
        }
        Client::of(peer.parse().unwrap(), &map, &trusted(trust))
    }

    /// The client a trusted 127.0.0.1 (and 10.0.0.0/8) reads from
    /// `Forwarded` header lines.
    fn forwarded(lines: &[&str]) -> Client {
        let headers: Vec<(&'static str, &str)> =
            lines.iter().map(|line| ("forwarded", *line)).collect();
        with_headers("127.0.0.1", &headers, &["127.0.0.1", "10.0.0.0/8"])
    }

    fn forwarded_addr(lines: &[&str]) -> String {
        forwarded(lines).addr.to_string()
    }

    #[test]
    fn forwarded_names_the_client_of_a_single_element() {
        assert_eq!(
            forwarded_addr(&["for=192.0.2.60;proto=http;by=203.0.113.43"]),
            "192.0.2.60"
        );
        assert_eq!(
            forwarded_addr(&["by=10.0.0.1;for=192.0.2.60"]),
            "192.0.2.60"
        );
        assert_eq!(
            forwarded_addr(&["  FOR = 192.0.2.60 ; Proto=https ; "]),
            "192.0.2.60",
            "names in any case, spaces around the parts"
        );
        assert_eq!(forwarded_addr(&["For=\"192.0.2.60\""]), "192.0.2.60");
        assert!(forwarded(&["for=192.0.2.60"]).via_trusted_proxy);
    }

    #[test]
    fn forwarded_is_walked_right_to_left_past_trusted_proxies() {
        assert_eq!(
            forwarded_addr(&["for=192.0.2.43, for=198.51.100.17"]),
            "198.51.100.17"
        );
        assert_eq!(
            forwarded_addr(&["for=192.0.2.43", "for=198.51.100.17;proto=https"]),
            "198.51.100.17",
            "several header lines are one list"
        );
        assert_eq!(
            forwarded_addr(&[
                "for=1.1.1.1, for=203.0.113.7",
                "for=10.1.2.3, for=127.0.0.1"
            ]),
            "203.0.113.7",
            "trusted proxies are skipped"
        );
        assert_eq!(
            forwarded_addr(&["for=10.9.9.9,for=10.1.1.1"]),
            "10.9.9.9",
            "with every address trusted, the left-most"
        );
        assert_eq!(forwarded_addr(&["for=127.0.0.1"]), "127.0.0.1");
        assert_eq!(
            forwarded_addr(&["for=203.0.113.7, , for=10.1.2.3;by=10.0.0.1,"]),
            "203.0.113.7",
            "empty elements are no hops"
        );
        assert_eq!(
            forwarded_addr(&["for=203.0.113.7;host=\"example.com,for=10.1.1.1\""]),
            "203.0.113.7",
            "a comma inside quotes separates nothing"
        );
    }

    #[test]
    fn forwarded_nodes_with_ports_and_ipv6_are_read() {
        for (node, ip) in [
            ("for=\"[2001:db8:cafe::17]:4711\"", "2001:db8:cafe::17"),
            ("for=\"[2001:db8:cafe::17]\"", "2001:db8:cafe::17"),
            ("for=[2001:db8:cafe::17]:4711", "2001:db8:cafe::17"),
            ("for=\"[::ffff:203.0.113.7]\"", "203.0.113.7"),
            ("for=\"192.0.2.60:4711\"", "192.0.2.60"),
            ("for=192.0.2.60:4711", "192.0.2.60"),
            ("for=\"192.0.2.60:_p1\"", "192.0.2.60"),
            ("for=\"[2001:db8::7]:_hidden-port\"", "2001:db8::7"),
        ] {
            assert_eq!(forwarded_addr(&[node]), ip, "{node}");
        }
        let c = with_headers(
            "::1",
            &[("forwarded", "for=\"[2001:db8::7]\", for=\"[fd00::1]:80\"")],
            &["::1", "fd00::/8"],
        );
        assert_eq!(c.addr.to_string(), "2001:db8::7");
    }

    #[test]
    fn forwarded_unknown_obfuscated_or_garbage_is_no_address() {
        for garbage in [
            "for=unknown",
            "for=\"unknown:4711\"",
            "for=_hidden",
            "for=\"_SEVKISEK\"",
            "for=203.0.113.7, for=unknown",
            "proto=https;by=10.0.0.1",
            "",
            "nonsense",
            "for=\"203.0.113.7",
            "for=203.0.113.7\"",
            "for=\"203.0.113.7\"x",
            "for=1.2.3.4;for=127.0.0.1",
            "for=\"[2001:db8::7\"",
            "for=\"[2001:db8::7]4711\"",
            "for=\"192.0.2.60:\"",
            "for=\"192.0.2.60:+80\"",
            "for=\"192.0.2.60:_\"",
            "for=1.2.3.4.5",
        ] {
            let c = forwarded(&[garbage]);
            assert_eq!(c.addr, UNREADABLE, "{garbage:?}");
            assert!(
                c.loopback_refusal().is_some(),
                "{garbage:?} passed as local"
            );
        }
        assert_eq!(
            forwarded_addr(&["for=unknown, for=203.0.113.7"]),
            "203.0.113.7",
            "what lies left of the client does not matter"
        );
    }

    #[test]
    fn x_forwarded_for_wins_over_forwarded() {
        let trust = ["127.0.0.1"];
        let both = |xff, fwd| {
            with_headers(
                "127.0.0.1",
                &[("x-forwarded-for", xff), ("forwarded", fwd)],
                &trust,
            )
            .addr
            .to_string()
        };
        assert_eq!(both("203.0.113.7", "for=127.0.0.1"), "203.0.113.7");
        assert_eq!(both("127.0.0.1", "for=203.0.113.9"), "127.0.0.1");
        assert_eq!(
            both("nonsense", "for=127.0.0.1"),
            UNREADABLE.to_string(),
            "a garbage X-Forwarded-For is not rescued by Forwarded"
        );
    }

    #[test]
    fn forwarded_from_an_untrusted_peer_is_ignored() {
        let c = with_headers(
            "127.0.0.1",
            &[("forwarded", "for=127.0.0.1;proto=https")],
            &[],
        );
        assert_eq!(c.addr.to_string(), "127.0.0.1");
        assert!(!c.https);
        assert_eq!(c.untrusted_forwarding, Some("forwarded"));
        assert!(c.loopback_refusal().unwrap().contains("forwarded"));
    }

    #[test]
    fn forwarded_proto_of_the_right_most_element_is_believed() {
        assert!(forwarded(&["for=192.0.2.60;proto=https"]).https);
        assert!(forwarded(&["for=192.0.2.60;PROTO=\"HTTPS\""]).https);
        assert!(forwarded(&["proto=https"]).https);
        assert!(!forwarded(&["for=192.0.2.60;proto=http"]).https);
        assert!(!forwarded(&["for=192.0.2.60"]).https);
        assert!(!forwarded(&["for=1.1.1.1;proto=https, for=10.1.1.1;proto=http"]).https);
        assert!(forwarded(&["for=1.1.1.1;proto=http", "for=10.1.1.1;proto=https"]).https);
        assert!(
            !forwarded(&["for=1.1.1.1;proto=https, for=10.1.1.1"]).https,
            "the right-most element says nothing"
        );
        let xfp = |value| {
            with_headers(
                "127.0.0.1",
                &[
                    ("x-forwarded-proto", value),
                    ("forwarded", "for=1.1.1.1;proto=https"),
                ],
                &["127.0.0.1"],
            )
            .https
        };
        assert!(!xfp("http"), "X-Forwarded-Proto wins");
        assert!(xfp("https"));
    }

    #[test]
    fn quoted_strings_lose_their_quotes_and_escapes() {
        assert_eq!(unquote("token"), Some("token".into()));
        assert_eq!(unquote(r#""a\"b,c""#), Some("a\"b,c".into()));
        assert_eq!(unquote(r#""a\\""#), Some("a\\".into()));
        assert_eq!(unquote(r#""a\""#), None, "the closing quote is escaped");
        assert_eq!(unquote(r#""a"b"#), None);
        assert_eq!(unquote(r#"a"b"#), None);
        assert_eq!(
            split_unquoted(r#"a;b="x;\";y";c"#, ';'),
            ["a", r#"b="x;\";y""#, "c"]
        );
    }

    #[test]
    fn loopback_clients_pass_and_others_are_refused() {
        let trust = ["127.0.0.1"];
        assert_eq!(client("127.0.0.1", &[], &[]).loopback_refusal(), None);
        assert_eq!(
            client("127.0.0.1", &["127.0.0.1"], &trust).loopback_refusal(),
            None
        );
        let refusal = client("127.0.0.1", &["203.0.113.7"], &trust).loopback_refusal();
        assert!(refusal.unwrap().contains("only loopback"));
        let mut headers = HeaderMap::new();
        headers.insert("forwarded", HeaderValue::from_static("for=203.0.113.7"));
        let c = Client::of("127.0.0.1".parse().unwrap(), &headers, &trusted(&[]));
        assert_eq!(c.untrusted_forwarding, Some("forwarded"));
        assert!(c.loopback_refusal().is_some());
    }
}

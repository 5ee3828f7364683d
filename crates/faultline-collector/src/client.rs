//! Who a request comes from. The TCP peer is the client unless it is one
//! of the `trusted_proxies`: then the client is the right-most address in
//! `X-Forwarded-For` that is not itself a trusted proxy (each proxy appends
//! the address it was called from, so everything left of that is whatever
//! the client chose to send). `X-Forwarded-For` and `X-Forwarded-Proto`
//! from any other peer are never believed.
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
//! ```

use axum::http::HeaderMap;
use ipnet::IpNet;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};

/// The client address when a trusted proxy forwarded one that cannot be
/// read: never loopback, so a collector without tokens refuses it.
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
    /// (`X-Forwarded-Proto: https`).
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
        // a client, but not which one.
        let addr = match headers.contains_key("x-forwarded-for") {
            false => peer,
            true => forwarded_for(headers)
                .and_then(|chain| client_in_chain(&chain, trusted))
                .unwrap_or(UNREADABLE),
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

/// Walks the chain from the right, past trusted proxies, to the first
/// address that is not one; with every one trusted, the left-most (the
/// first proxy's own client). Every element passed was written by a trusted
/// proxy, so the walk stops, with `None`, at one that is not an address;
/// anything the client wrote lies left of where it stops.
fn client_in_chain(chain: &[&str], trusted: &TrustedProxies) -> Option<IpAddr> {
    let mut last = None;
    for element in chain.iter().rev() {
        let ip = parse_element(element)?;
        if !trusted.contains(ip) {
            return Some(ip);
        }
        last = Some(ip);
    }
    last
}

fn forwarded_proto_https(headers: &HeaderMap) -> bool {
    headers
        .get("x-forwarded-proto")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(',').next_back())
        .is_some_and(|v| v.trim().eq_ignore_ascii_case("https"))
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

//! Deterministic corpora for the benches: realistic log lines in the formats
//! users run, with stack traces mixed in, generated rather than committed.

pub mod demo;

/// A small, fast, deterministic generator (xorshift), so every run measures
/// the same bytes.
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed.max(1))
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    pub fn below(&mut self, n: u64) -> u64 {
        self.next_u64() % n
    }

    pub fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len() as u64) as usize]
    }
}

const PATHS: &[&str] = &[
    "/api/v1/users",
    "/api/v1/orders",
    "/api/v1/payments/charge",
    "/healthz",
    "/static/app.js",
    "/api/v1/search",
];
const MESSAGES: &[&str] = &[
    "request completed",
    "cache miss for key user:{}",
    "connection to 10.0.0.{}:5432 timed out after 3000 ms",
    "order {} shipped to warehouse",
    "retrying payment {} (attempt 2)",
    "user {} logged in from 192.168.1.20",
];
const LEVELS: &[&str] = &["INFO", "INFO", "INFO", "DEBUG", "WARN", "ERROR"];

fn message(rng: &mut Rng) -> String {
    rng.pick(MESSAGES)
        .replace("{}", &rng.below(100_000).to_string())
}

fn stamp(rng: &mut Rng) -> String {
    format!(
        "2026-11-20T14:{:02}:{:02}.{:03}Z",
        rng.below(60),
        rng.below(60),
        rng.below(1000)
    )
}

/// One JSON line (pino-like).
pub fn json_line(rng: &mut Rng) -> String {
    format!(
        "{{\"time\":\"{}\",\"level\":\"{}\",\"msg\":\"{}\",\"service\":\"checkout\",\"req_id\":\"{:016x}\",\"duration_ms\":{}}}\n",
        stamp(rng),
        rng.pick(LEVELS).to_lowercase(),
        message(rng),
        rng.next_u64(),
        rng.below(2000)
    )
}

/// One logfmt line.
pub fn logfmt_line(rng: &mut Rng) -> String {
    format!(
        "time={} level={} msg=\"{}\" service=billing req_id={:016x} duration_ms={}\n",
        stamp(rng),
        rng.pick(LEVELS).to_lowercase(),
        message(rng),
        rng.next_u64(),
        rng.below(2000)
    )
}

/// One nginx combined access-log line with a request time.
pub fn access_line(rng: &mut Rng) -> String {
    let status = [200, 200, 200, 201, 304, 404, 500, 502][rng.below(8) as usize];
    format!(
        "10.0.{}.{} - - [20/Nov/2026:14:{:02}:{:02} +0000] \"GET {}?page={} HTTP/1.1\" {} {} \"-\" \"Mozilla/5.0 (X11; Linux x86_64)\" {}.{:03}\n",
        rng.below(256),
        rng.below(256),
        rng.below(60),
        rng.below(60),
        rng.pick(PATHS),
        rng.below(50),
        status,
        rng.below(100_000),
        rng.below(3),
        rng.below(1000)
    )
}

const JAVA_TRACE: &str = "java.lang.IllegalStateException: card declined for order 42
\tat com.acme.billing.PaymentService.charge(PaymentService.java:88)
\tat com.acme.billing.CheckoutController.pay(CheckoutController.java:41)
\tat jdk.internal.reflect.GeneratedMethodAccessor12.invoke(Unknown Source)
\tat org.springframework.web.servlet.FrameworkServlet.service(FrameworkServlet.java:897)
\tat org.apache.catalina.core.ApplicationFilterChain.doFilter(ApplicationFilterChain.java:166)
Caused by: java.net.SocketTimeoutException: Read timed out
\tat java.base/java.net.SocketInputStream.read(SocketInputStream.java:183)
\tat com.acme.billing.GatewayClient.post(GatewayClient.java:120)
\t... 4 more
";

const PYTHON_TRACE: &str = "Traceback (most recent call last):
  File \"/app/orders/views.py\", line 57, in create_order
    order = service.place(cart)
  File \"/app/orders/service.py\", line 112, in place
    raise InventoryError(f\"sku {sku} out of stock\")
orders.errors.InventoryError: sku 1234 out of stock
";

/// Every tenth ERROR record carries a Java or Python trace (6 in 10 of them).
fn with_trace(rng: &mut Rng, level: &str, mut line: String) -> String {
    if level == "ERROR" && rng.below(10) < 6 {
        line.push_str(if rng.below(2) == 0 {
            JAVA_TRACE
        } else {
            PYTHON_TRACE
        });
    }
    line
}

/// A log4j line (`2026-11-20 14:03:11,482 INFO [worker-3] com.acme.App - …`),
/// read by the declarative `log4j` format, with traces after some errors.
pub fn log4j_line(rng: &mut Rng) -> String {
    let level = rng.pick(LEVELS);
    let line = format!(
        "2026-11-20 14:{:02}:{:02},{:03} {} [worker-{}] com.acme.App - {}\n",
        rng.below(60),
        rng.below(60),
        rng.below(1000),
        level,
        rng.below(16),
        message(rng)
    );
    with_trace(rng, level, line)
}

/// A plain-text line no declarative format claims (a timestamp, a thread, a
/// level, prose), with traces after some errors: the plain format and the
/// trace grammars alone.
pub fn plain_line(rng: &mut Rng) -> String {
    let level = rng.pick(LEVELS);
    let line = format!(
        "2026-11-20 14:{:02}:{:02}.{:03} [worker-{}] {} {}\n",
        rng.below(60),
        rng.below(60),
        rng.below(1000),
        rng.below(16),
        level,
        message(rng)
    );
    with_trace(rng, level, line)
}

/// About `bytes` of lines from `make`.
pub fn corpus(bytes: usize, seed: u64, make: fn(&mut Rng) -> String) -> Vec<u8> {
    let mut rng = Rng::new(seed);
    let mut out = Vec::with_capacity(bytes + 4096);
    while out.len() < bytes {
        out.extend_from_slice(make(&mut rng).as_bytes());
    }
    out
}

/// The mixed corpus: a quarter each of JSON, logfmt, access logs, and plain
/// text with traces (about 10% of its records carry one), as separate inputs.
pub fn mixed(bytes: usize) -> Vec<(&'static str, Vec<u8>)> {
    let part = bytes / 4;
    vec![
        ("json", corpus(part, 1, json_line)),
        ("logfmt", corpus(part, 2, logfmt_line)),
        ("access", corpus(part, 3, access_line)),
        ("plain_traces", corpus(part, 4, plain_line)),
    ]
}

/// Regex-format corpora beyond the mixed one: log4j headers with traces.
pub fn regex_formats(bytes: usize) -> Vec<(&'static str, Vec<u8>)> {
    vec![("log4j_traces", corpus(bytes, 5, log4j_line))]
}

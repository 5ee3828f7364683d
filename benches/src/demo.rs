//! The demo corpus: one day of a small web shop's services, each writing its
//! own log format, with the errors a real day has. The same generator scales
//! to gigabytes for end-to-end benchmarks by simulating more days.
//!
//! The story of a day (all times UTC):
//! - traffic follows the sun: quiet at night, busy from 09:00 to 22:00;
//! - at 13:02 a release is deployed: every service restarts, line numbers in
//!   stack traces shift, and a new bug ships in checkout's coupon code;
//! - from 14:05 to 14:50 the payment provider answers slowly: checkout's
//!   charges time out, the API gateway returns 504s, orders wait for payments;
//! - all day long, smaller recurring errors: a Redis cache timing out, a
//!   missing address field, a nil pointer in the worker's receipt renderer,
//!   a panic in search's snippet code, a flaky tax service; and a few rare
//!   ones (an out-of-memory crash, a full disk, a deadlock).
//!
//! Everything is drawn from [`Rng`] seeded by the day's number, so a day's
//! bytes never change.

use crate::Rng;
use std::fmt::Write as _;

/// The first simulated day.
pub const FIRST_DAY: Date = Date {
    year: 2026,
    month: 11,
    day: 20,
};

/// The files of one day, as `(file name, contents)`.
pub fn day(index: u32) -> Vec<(&'static str, String)> {
    let date = FIRST_DAY.plus_days(index);
    let seed = 0x5eed_0000 + u64::from(index);
    let day = Day { date, index };
    vec![
        ("checkout.log", checkout(&day, &mut Rng::new(seed ^ 1))),
        ("orders.log", orders(&day, &mut Rng::new(seed ^ 2))),
        ("api.jsonl", api(&day, &mut Rng::new(seed ^ 3))),
        ("worker.log", worker(&day, &mut Rng::new(seed ^ 4))),
        ("billing.log", billing(&day, &mut Rng::new(seed ^ 5))),
        ("search.log", search(&day, &mut Rng::new(seed ^ 6))),
        ("gateway.log", gateway(&day, &mut Rng::new(seed ^ 7))),
        ("syslog.log", syslog(&day, &mut Rng::new(seed ^ 8))),
    ]
}

/// One simulated day: its date and the shape of its timeline.
#[derive(Debug, Clone, Copy)]
pub struct Day {
    pub date: Date,
    pub index: u32,
}

/// Milliseconds since midnight.
pub type Ms = u32;

const HOUR: Ms = 3_600_000;
const MINUTE: Ms = 60_000;
/// When the release goes out.
pub const DEPLOY: Ms = 13 * HOUR + 2 * MINUTE;
/// When the payment provider is slow.
pub const INCIDENT: (Ms, Ms) = (14 * HOUR + 5 * MINUTE, 14 * HOUR + 50 * MINUTE);

impl Day {
    /// `n` moments of the day, sorted, denser when the shop is busy.
    pub fn timeline(&self, rng: &mut Rng, n: usize) -> Vec<Ms> {
        let mut out = Vec::with_capacity(n);
        while out.len() < n {
            let ms = rng.below(u64::from(24 * HOUR)) as Ms;
            let weight = match ms / HOUR {
                0..=5 => 15,
                6..=8 => 45,
                9..=21 => 100,
                _ => 50,
            };
            if rng.below(100) < weight {
                out.push(ms);
            }
        }
        out.sort_unstable();
        out
    }

    /// The release running at `ms`: whether the deploy has happened.
    pub fn deployed(&self, ms: Ms) -> bool {
        ms >= DEPLOY
    }

    pub fn incident(&self, ms: Ms) -> bool {
        (INCIDENT.0..INCIDENT.1).contains(&ms)
    }
}

/// Picks the line a frame is at: `before` the deploy, `after` it.
pub fn at(day: &Day, ms: Ms, before: u32, after: u32) -> u32 {
    if day.deployed(ms) { after } else { before }
}

/// `true` with probability `per_mille / 1000`.
pub fn chance(rng: &mut Rng, per_mille: u64) -> bool {
    rng.below(1000) < per_mille
}

/// Appends formatted text; writing to a `String` cannot fail.
pub fn put(out: &mut String, args: std::fmt::Arguments<'_>) {
    let _ = out.write_fmt(args);
}

/// A calendar day (proleptic Gregorian, UTC).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Date {
    pub year: i32,
    pub month: u32,
    pub day: u32,
}

const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

impl Date {
    /// Days since 1970-01-01 (Howard Hinnant's `days_from_civil`).
    pub fn days_since_epoch(self) -> i64 {
        let y = i64::from(self.year) - i64::from(self.month <= 2);
        let era = y.div_euclid(400);
        let yoe = y - era * 400;
        let m = i64::from(self.month);
        let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(self.day) - 1;
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
        era * 146_097 + doe - 719_468
    }

    fn from_days(days: i64) -> Date {
        let z = days + 719_468;
        let era = z.div_euclid(146_097);
        let doe = z - era * 146_097;
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        let mp = (5 * doy + 2) / 153;
        let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
        let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
        let year = (yoe + era * 400 + i64::from(month <= 2)) as i32;
        Date { year, month, day }
    }

    pub fn plus_days(self, n: u32) -> Date {
        Date::from_days(self.days_since_epoch() + i64::from(n))
    }
}

impl std::fmt::Display for Date {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}-{:02}-{:02}", self.year, self.month, self.day)
    }
}

/// A moment of a day, printed the way each logger prints it.
#[derive(Debug, Clone, Copy)]
pub struct Stamp {
    pub date: Date,
    pub ms: Ms,
}

impl Stamp {
    fn hms(self) -> (u32, u32, u32, u32) {
        let s = self.ms / 1000;
        (s / 3600, s / 60 % 60, s % 60, self.ms % 1000)
    }

    /// logback, log4net, Python `logging`: `2026-11-20 14:03:11,482`.
    pub fn comma(self) -> String {
        let (h, m, s, ms) = self.hms();
        format!("{} {h:02}:{m:02}:{s:02},{ms:03}", self.date)
    }

    /// Go's `log`: `2026/11/20 14:03:11`.
    pub fn go(self) -> String {
        let (h, m, s, _) = self.hms();
        let d = self.date;
        format!(
            "{}/{:02}/{:02} {h:02}:{m:02}:{s:02}",
            d.year, d.month, d.day
        )
    }

    /// RFC 3339 with `digits` fractional digits (3 or 6) and `Z`; the extra
    /// microseconds come from `micros`.
    pub fn rfc3339(self, micros: u32) -> String {
        let (h, m, s, ms) = self.hms();
        if micros == 0 {
            format!("{}T{h:02}:{m:02}:{s:02}.{ms:03}Z", self.date)
        } else {
            format!(
                "{}T{h:02}:{m:02}:{s:02}.{ms:03}{:03}Z",
                self.date,
                micros % 1000
            )
        }
    }

    /// nginx `$time_local`: `20/Nov/2026:14:03:11 +0000`.
    pub fn nginx(self) -> String {
        let (h, m, s, _) = self.hms();
        let d = self.date;
        let month = MONTHS[d.month as usize - 1];
        format!("{:02}/{month}/{}:{h:02}:{m:02}:{s:02} +0000", d.day, d.year)
    }

    /// Milliseconds since the Unix epoch (pino's `time`).
    pub fn epoch_ms(self) -> i64 {
        self.date.days_since_epoch() * 86_400_000 + i64::from(self.ms)
    }
}

impl Day {
    pub fn stamp(&self, ms: Ms) -> Stamp {
        Stamp {
            date: self.date,
            ms,
        }
    }
}

const SKUS: &[&str] = &[
    "TSH-RED-M",
    "TSH-BLK-L",
    "MUG-WHT-01",
    "HOOD-GRY-XL",
    "CAP-NVY-OS",
    "SOCK-MIX-3P",
    "BAG-CNV-01",
    "PST-A2-CITY",
];

/// checkout: Spring Boot with logback's file pattern, Java traces.
pub fn checkout(day: &Day, rng: &mut Rng) -> String {
    let mut out = String::with_capacity(400 << 10);
    let mut order = 88_000 + day.index * 2_000;
    let mut restarted = false;
    let mut synced = false;
    let boot = 5 * MINUTE + rng.below(1000) as Ms;
    java_start(day, rng, &mut out, boot, "2.14.0");
    for ms in day.timeline(rng, 560) {
        if !restarted && day.deployed(ms) {
            restarted = true;
            java_start(day, rng, &mut out, DEPLOY + 41_000, "2.15.0");
        }
        let ts = day.stamp(ms).comma();
        let thread = format!("http-nio-8080-exec-{}", 1 + rng.below(40));
        order += 1;
        let cart = 50_000 + rng.below(20_000);
        let timeout = if day.incident(ms) { 750 } else { 40 };
        let r = rng.below(1000);
        if r < timeout {
            payment_timeout(day, rng, &mut out, ms, &thread, order);
        } else if r < timeout + 25 && day.deployed(ms) {
            coupon_npe(day, &mut out, ms, &thread, cart);
        } else if r < timeout + 45 {
            put(
                &mut out,
                format_args!(
                    "{ts} WARN  [{thread}] com.acme.checkout.cart.CartCache - cache read timed out for cart {cart}, falling back to database\n\
                 io.lettuce.core.RedisCommandTimeoutException: Command timed out after 500 millisecond(s)\n\
                 \tat io.lettuce.core.internal.ExceptionFactory.createTimeoutException(ExceptionFactory.java:59)\n\
                 \tat io.lettuce.core.internal.Futures.awaitOrCancel(Futures.java:246)\n\
                 \tat jdk.proxy2/jdk.proxy2.$Proxy131.get(Unknown Source)\n\
                 \tat com.acme.checkout.cart.CartCache.get(CartCache.java:{})\n\
                 \tat com.acme.checkout.cart.CartService.load(CartService.java:{})\n\
                 \tat com.acme.checkout.web.CheckoutController.placeOrder(CheckoutController.java:{})\n\
                 \t... 52 common frames omitted\n",
                    at(day, ms, 35, 35),
                    at(day, ms, 61, 64),
                    at(day, ms, 44, 45),
                ),
            );
        } else if r < timeout + 65 {
            let sku = rng.pick(SKUS);
            let took = 1_500 + rng.below(4_000);
            put(
                &mut out,
                format_args!(
                    "{ts} WARN  [{thread}] com.acme.checkout.inventory.InventoryClient - inventory lookup for sku {sku} took {took} ms (budget 1000 ms)\n"
                ),
            );
        } else if r < timeout + 70 {
            put(
                &mut out,
                format_args!(
                    "{ts} ERROR [{thread}] com.acme.checkout.web.CheckoutController - checkout failed for cart {cart}\n\
                 org.springframework.orm.ObjectOptimisticLockingFailureException: Row was updated or deleted by another transaction (or unsaved-value mapping was incorrect) : [com.acme.checkout.cart.Cart#{cart}]\n\
                 \tat org.springframework.orm.jpa.vendor.HibernateJpaDialect.convertHibernateAccessException(HibernateJpaDialect.java:325)\n\
                 \tat org.springframework.orm.jpa.vendor.HibernateJpaDialect.translateExceptionIfPossible(HibernateJpaDialect.java:244)\n\
                 \tat com.acme.checkout.cart.CartRepository$$SpringCGLIB$$0.save(<generated>)\n\
                 \tat com.acme.checkout.cart.CartService.close(CartService.java:{})\n\
                 \tat com.acme.checkout.web.CheckoutController.placeOrder(CheckoutController.java:{})\n\
                 Caused by: org.hibernate.StaleObjectStateException: Row was updated or deleted by another transaction (or unsaved-value mapping was incorrect) : [com.acme.checkout.cart.Cart#{cart}]\n\
                 \tat org.hibernate.persister.entity.AbstractEntityPersister.check(AbstractEntityPersister.java:2548)\n\
                 \tat org.hibernate.engine.jdbc.batch.internal.BatchImpl.execute(BatchImpl.java:283)\n\
                 \t... 61 common frames omitted\n",
                    at(day, ms, 97, 101),
                    at(day, ms, 58, 61),
                ),
            );
        } else {
            checkout_ok(day, rng, &mut out, ms, &thread, order, cart);
        }
        if ms >= 3 * HOUR + 17 * MINUTE && !synced {
            synced = true;
            let ts = day.stamp(ms + 12).comma();
            put(
                &mut out,
                format_args!(
                    "{ts} INFO  [inventory-sync] com.acme.checkout.inventory.InventorySync - full inventory sync started\n\
                 Exception in thread \"inventory-sync\" java.lang.OutOfMemoryError: Java heap space\n\
                 \tat java.base/java.util.Arrays.copyOf(Arrays.java:3537)\n\
                 \tat java.base/java.util.ArrayList.grow(ArrayList.java:237)\n\
                 \tat java.base/java.util.ArrayList.add(ArrayList.java:484)\n\
                 \tat com.acme.checkout.inventory.InventorySync.loadAll(InventorySync.java:73)\n\
                 \tat com.acme.checkout.inventory.InventorySync.run(InventorySync.java:41)\n\
                 \tat java.base/java.lang.Thread.run(Thread.java:1583)\n"
                ),
            );
        }
    }
    out
}

fn java_start(day: &Day, rng: &mut Rng, out: &mut String, ms: Ms, version: &str) {
    let pid = 1 + rng.below(90);
    let lines = [
        format!("INFO  [main] com.acme.checkout.CheckoutApplication - Starting CheckoutApplication v{version} using Java 21.0.5 with PID {pid} (/app/checkout.jar started by app in /app)"),
        "INFO  [main] com.acme.checkout.CheckoutApplication - The following 1 profile is active: \"prod\"".to_string(),
        "INFO  [main] org.springframework.boot.web.embedded.tomcat.TomcatWebServer - Tomcat initialized with port 8080 (http)".to_string(),
        "INFO  [main] com.zaxxer.hikari.HikariDataSource - HikariPool-1 - Starting...".to_string(),
        "INFO  [main] com.zaxxer.hikari.pool.HikariPool - HikariPool-1 - Added connection org.postgresql.jdbc.PgConnection@5b3f3ba0".to_string(),
        "INFO  [main] com.zaxxer.hikari.HikariDataSource - HikariPool-1 - Start completed.".to_string(),
        "INFO  [main] org.springframework.boot.web.embedded.tomcat.TomcatWebServer - Tomcat started on port 8080 (http) with context path '/'".to_string(),
        format!("INFO  [main] com.acme.checkout.CheckoutApplication - Started CheckoutApplication in {}.{:03} seconds (process running for {}.{:03})", 6 + rng.below(3), rng.below(1000), 7 + rng.below(3), rng.below(1000)),
    ];
    if day.deployed(ms) {
        let ts = day.stamp(ms - 40_000).comma();
        put(
            out,
            format_args!(
                "{ts} INFO  [SpringApplicationShutdownHook] org.springframework.boot.web.embedded.tomcat.GracefulShutdown - Commencing graceful shutdown. Waiting for active requests to complete\n"
            ),
        );
    }
    for (i, line) in lines.iter().enumerate() {
        let ts = day.stamp(ms + 180 * i as Ms).comma();
        put(out, format_args!("{ts} {line}\n"));
    }
}

fn checkout_ok(
    day: &Day,
    rng: &mut Rng,
    out: &mut String,
    ms: Ms,
    thread: &str,
    order: u32,
    cart: u64,
) {
    let items = 1 + rng.below(5);
    let total = 900 + rng.below(20_000);
    let took = 80 + rng.below(400) as Ms;
    let t = |d: Ms| day.stamp(ms + d).comma();
    if chance(rng, 250) {
        put(
            out,
            format_args!(
                "{} DEBUG [{thread}] com.acme.checkout.pricing.PriceCalculator - priced cart {cart}: {items} items, subtotal {}.{:02} EUR\n",
                t(0),
                total / 100,
                total % 100
            ),
        );
    }
    if chance(rng, 500) {
        put(
            out,
            format_args!(
                "{} INFO  [{thread}] com.acme.checkout.payment.PaymentService - charge ch_{:012x} authorized for order {order} in {} ms\n",
                t(20),
                rng.next_u64() & 0xffff_ffff_ffff,
                took - 40,
            ),
        );
    }
    put(
        out,
        format_args!(
            "{} INFO  [{thread}] com.acme.checkout.web.CheckoutController - POST /api/v1/checkout cart={cart} order={order} 201 in {took} ms\n",
            t(took),
        ),
    );
    if chance(rng, 40) {
        let (active, idle) = (rng.below(12), rng.below(8));
        put(
            out,
            format_args!(
                "{} DEBUG [HikariPool-1 housekeeper] com.zaxxer.hikari.pool.HikariPool - HikariPool-1 - Pool stats (total=20, active={active}, idle={idle}, waiting=0)\n",
                t(took + 5)
            ),
        );
    }
}

/// A charge that times out: during the incident all three attempts fail and
/// the customer gets a 502; otherwise the retry goes through.
fn payment_timeout(day: &Day, rng: &mut Rng, out: &mut String, ms: Ms, thread: &str, order: u32) {
    let attempts = if day.incident(ms) { 3 } else { 1 };
    let amount = 1_000 + rng.below(30_000);
    let mut ms = ms;
    for attempt in 1..=attempts {
        charge_timeout(day, rng, out, ms, thread, (order, attempt, amount));
        ms += 5_000 + rng.below(300) as Ms;
    }
    let after = day.stamp(ms).comma();
    if attempts == 3 {
        put(
            out,
            format_args!(
                "{after} INFO  [{thread}] com.acme.checkout.web.CheckoutController - POST /api/v1/checkout order={order} 502 in {} ms\n",
                25_000 + rng.below(5_000)
            ),
        );
    } else {
        put(
            out,
            format_args!(
                "{after} INFO  [{thread}] com.acme.checkout.payment.PaymentService - charge ch_{:012x} authorized for order {order} on attempt 2\n",
                rng.next_u64() & 0xffff_ffff_ffff
            ),
        );
    }
}

fn charge_timeout(
    day: &Day,
    rng: &mut Rng,
    out: &mut String,
    ms: Ms,
    thread: &str,
    (order, attempt, amount): (u32, u32, u64),
) {
    let ts = day.stamp(ms).comma();
    let (kind, inner) = if chance(rng, 850) {
        ("Read timed out", "timedRead(NioSocketImpl.java:278)")
    } else {
        (
            "Connect timed out",
            "timedFinishConnect(NioSocketImpl.java:542)",
        )
    };
    put(
        out,
        format_args!(
            "{ts} ERROR [{thread}] com.acme.checkout.payment.PaymentService - charge failed for order {order} (attempt {attempt}/3, amount {}.{:02} EUR)\n\
         org.springframework.web.client.ResourceAccessException: I/O error on POST request for \"https://api.payrail.example/v1/charges\": {kind}\n\
         \tat org.springframework.web.client.RestTemplate.createResourceAccessException(RestTemplate.java:905)\n\
         \tat org.springframework.web.client.RestTemplate.doExecute(RestTemplate.java:885)\n\
         \tat org.springframework.web.client.RestTemplate.postForObject(RestTemplate.java:481)\n\
         \tat com.acme.checkout.payment.PayrailClient.charge(PayrailClient.java:{})\n\
         \tat com.acme.checkout.payment.PaymentService.charge(PaymentService.java:{})\n\
         \tat com.acme.checkout.payment.PaymentService$$SpringCGLIB$$0.charge(<generated>)\n\
         \tat com.acme.checkout.web.CheckoutController.placeOrder(CheckoutController.java:{})\n\
         \tat org.apache.tomcat.util.threads.TaskThread$WrappingRunnable.run(TaskThread.java:61)\n\
         \tat java.base/java.lang.Thread.run(Thread.java:1583)\n\
         Caused by: java.net.SocketTimeoutException: {kind}\n\
         \tat java.base/sun.nio.ch.NioSocketImpl.{inner}\n\
         \tat java.base/java.net.Socket$SocketInputStream.read(Socket.java:1099)\n\
         \tat org.apache.hc.core5.http.impl.io.SessionInputBufferImpl.fillBuffer(SessionInputBufferImpl.java:149)\n\
         \tat org.springframework.web.client.RestTemplate.doExecute(RestTemplate.java:879)\n\
         \t... 7 common frames omitted\n",
            amount / 100,
            amount % 100,
            at(day, ms, 64, 71),
            at(day, ms, 118, 126),
            at(day, ms, 52, 57),
        ),
    );
}

fn coupon_npe(day: &Day, out: &mut String, ms: Ms, thread: &str, cart: u64) {
    let ts = day.stamp(ms).comma();
    put(
        out,
        format_args!(
            "{ts} ERROR [{thread}] com.acme.checkout.web.CheckoutController - checkout failed for cart {cart}\n\
         java.lang.NullPointerException: Cannot invoke \"com.acme.checkout.coupon.Coupon.percentOff()\" because \"coupon\" is null\n\
         \tat com.acme.checkout.coupon.CouponService.apply(CouponService.java:47)\n\
         \tat com.acme.checkout.pricing.PriceCalculator.total(PriceCalculator.java:{})\n\
         \tat com.acme.checkout.web.CheckoutController.placeOrder(CheckoutController.java:{})\n\
         \tat java.base/jdk.internal.reflect.DirectMethodHandleAccessor.invoke(DirectMethodHandleAccessor.java:103)\n\
         \tat java.base/java.lang.reflect.Method.invoke(Method.java:580)\n\
         \tat org.springframework.web.servlet.FrameworkServlet.service(FrameworkServlet.java:885)\n\
         \tat java.base/java.lang.Thread.run(Thread.java:1583)\n",
            at(day, ms, 88, 93),
            at(day, ms, 49, 54),
        ),
    );
}

/// orders: a Python service with `logging` (`%(asctime)s %(levelname)s
/// %(name)s %(message)s`), tracebacks from `logger.exception`.
pub fn orders(day: &Day, rng: &mut Rng) -> String {
    let mut out = String::with_capacity(300 << 10);
    let mut order = 88_000 + day.index * 2_000;
    let mut restarted = false;
    let mut crashed = false;
    python_start(day, &mut out, 4 * MINUTE, "2.14.0");
    for ms in day.timeline(rng, 1100) {
        if !restarted && day.deployed(ms) {
            restarted = true;
            python_start(day, &mut out, DEPLOY + 20_000, "2.15.0");
        }
        let ts = day.stamp(ms).comma();
        order += 1;
        let pending = if day.incident(ms) { 350 } else { 8 };
        let r = rng.below(1000);
        if r < 30 {
            warehouse_timeout(day, rng, &mut out, ms, order);
        } else if r < 52 {
            let field = if chance(rng, 800) {
                "postcode"
            } else {
                "country_code"
            };
            put(
                &mut out,
                format_args!(
                    "{ts} ERROR orders.api invalid address payload for order {order}\n\
                 Traceback (most recent call last):\n\
                 \x20 File \"/app/orders/api/views.py\", line {}, in create_order\n\
                 \x20   shipping = serialize_address(payload[\"shipping\"])\n\
                 \x20              ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^\n\
                 \x20 File \"/app/orders/api/serializers.py\", line {}, in serialize_address\n\
                 \x20   \"{field}\": raw[\"{field}\"].strip(),\n\
                 \x20                ~~~^^^^^^^^^^^^\n\
                 KeyError: '{field}'\n",
                    at(day, ms, 57, 61),
                    at(day, ms, 88, 91),
                ),
            );
        } else if r < 52 + pending {
            put(
                &mut out,
                format_args!(
                    "{ts} WARNING orders.payments order {order} still awaiting payment confirmation after {}s, re-queueing\n",
                    30 + rng.below(90)
                ),
            );
        } else if r < 60 + pending {
            put(
                &mut out,
                format_args!(
                    "{ts} WARNING orders.db slow query ({} ms): SELECT * FROM order_lines WHERE order_id = %s\n",
                    800 + rng.below(3000)
                ),
            );
        } else if !crashed && ms > 19 * HOUR {
            crashed = true;
            put(
                &mut out,
                format_args!(
                    "{ts} INFO orders.reports building daily sales report for {}\n\
                 Traceback (most recent call last):\n\
                 \x20 File \"/app/orders/reports/daily.py\", line 31, in <module>\n\
                 \x20   main()\n\
                 \x20 File \"/app/orders/reports/daily.py\", line 26, in main\n\
                 \x20   for sku, qty in totals.items():\n\
                 RuntimeError: dictionary changed size during iteration\n",
                    day.date
                ),
            );
        } else {
            let user = 100 + rng.below(9_000);
            put(
                &mut out,
                format_args!(
                    "{ts} INFO orders.api order {order} created for user {user} ({} items)\n",
                    1 + rng.below(5)
                ),
            );
            if chance(rng, 300) {
                let ts = day.stamp(ms + 40 + rng.below(500) as Ms).comma();
                put(
                    &mut out,
                    format_args!(
                        "{ts} DEBUG orders.tasks.sync order {order} pushed to warehouse in {} ms\n",
                        20 + rng.below(200)
                    ),
                );
            }
        }
    }
    out
}

fn python_start(day: &Day, out: &mut String, ms: Ms, version: &str) {
    let lines = [
        format!("INFO orders.app starting orders {version} (gunicorn 23.0.0, 4 workers)"),
        "INFO orders.db connected to postgresql://orders-db:5432/orders (pool 10)".to_string(),
        "INFO orders.app ready to serve on 0.0.0.0:8000".to_string(),
    ];
    for (i, line) in lines.iter().enumerate() {
        let ts = day.stamp(ms + 300 * i as Ms).comma();
        put(out, format_args!("{ts} {line}\n"));
    }
}

fn warehouse_timeout(day: &Day, rng: &mut Rng, out: &mut String, ms: Ms, order: u32) {
    let ts = day.stamp(ms).comma();
    let host = rng.pick(&["wms-1.internal", "wms-2.internal"]);
    put(
        out,
        format_args!(
            "{ts} ERROR orders.tasks.sync pushing order {order} to warehouse failed, will retry in {}s\n\
         Traceback (most recent call last):\n\
         \x20 File \"/usr/local/lib/python3.12/site-packages/urllib3/connectionpool.py\", line 536, in _make_request\n\
         \x20   response = conn.getresponse()\n\
         \x20 File \"/usr/local/lib/python3.12/site-packages/urllib3/connection.py\", line 507, in getresponse\n\
         \x20   httplib_response = super().getresponse()\n\
         \x20 File \"/usr/local/lib/python3.12/http/client.py\", line 1428, in getresponse\n\
         \x20   response.begin()\n\
         \x20 File \"/usr/local/lib/python3.12/socket.py\", line 720, in readinto\n\
         \x20   return self._sock.recv_into(b)\n\
         TimeoutError: timed out\n\
         \n\
         The above exception was the direct cause of the following exception:\n\
         \n\
         Traceback (most recent call last):\n\
         \x20 File \"/app/orders/tasks/sync.py\", line {}, in push_order\n\
         \x20   client.put_order(order.to_wms())\n\
         \x20 File \"/app/orders/warehouse/client.py\", line {}, in put_order\n\
         \x20   resp = self.session.put(url, json=body, timeout=(2, 5))\n\
         \x20 File \"/usr/local/lib/python3.12/site-packages/requests/sessions.py\", line 649, in put\n\
         \x20   return self.request(\"PUT\", url, data=data, **kwargs)\n\
         \x20 File \"/usr/local/lib/python3.12/site-packages/requests/adapters.py\", line 713, in send\n\
         \x20   raise ReadTimeout(e, request=request)\n\
         requests.exceptions.ReadTimeout: HTTPConnectionPool(host='{host}', port=8080): Read timed out. (read timeout=5)\n",
            [30, 60, 120][rng.below(3) as usize],
            at(day, ms, 44, 47),
            at(day, ms, 71, 71),
        ),
    );
}

const API_URLS: &[&str] = &[
    "/api/v1/products?page=2",
    "/api/v1/products/tsh-red-m",
    "/api/v1/products/mug-wht-01",
    "/api/v1/cart",
    "/api/v1/cart/items",
    "/api/v1/search?q=hoodie",
    "/api/v1/me",
];

/// api: a Node.js BFF logging pino JSON lines, traces in `err.stack`.
pub fn api(day: &Day, rng: &mut Rng) -> String {
    let mut out = String::with_capacity(500 << 10);
    let pods_before = ["api-6d8f7b9c4-x2klm", "api-6d8f7b9c4-q9vtn"];
    let pods_after = ["api-7b5c9d8f6-h4rzp", "api-7b5c9d8f6-m2wfd"];
    let mut restarted = false;
    for ms in day.timeline(rng, 1100) {
        let pods = if day.deployed(ms) {
            pods_after
        } else {
            pods_before
        };
        if !restarted && day.deployed(ms) {
            restarted = true;
            for pod in pods_after {
                let head = pino_head(day, DEPLOY + 9_000, 30, pod);
                put(
                    &mut out,
                    format_args!("{head},\"msg\":\"api 4.2.0 listening on :3000\"}}\n"),
                );
            }
        }
        let pod = pods[rng.below(2) as usize];
        let req = format!("req-{:x}", rng.below(1 << 24));
        let r = rng.below(1000);
        let upstream = if day.incident(ms) { 300 } else { 6 };
        if r < upstream {
            let status = if chance(rng, 800) { 504 } else { 502 };
            let stack = format!(
                "AxiosError: Request failed with status code {status}\n    at settle (/app/node_modules/axios/dist/node/axios.cjs:2031:12)\n    at IncomingMessage.handleStreamEnd (/app/node_modules/axios/dist/node/axios.cjs:3148:11)\n    at IncomingMessage.emit (node:events:531:35)\n    at endReadableNT (node:internal/streams/readable:1696:12)\n    at process.processTicksAndRejections (node:internal/process/task_queues:82:21)\n    at async CheckoutProxy.forward (/app/src/routes/checkout.js:{}:22)\n    at async /app/src/middleware/asyncHandler.js:7:5",
                at(day, ms, 41, 44)
            );
            let head = pino_head(day, ms, 50, pod);
            put(
                &mut out,
                format_args!(
                    "{head},\"reqId\":\"{req}\",\"req\":{{\"method\":\"POST\",\"url\":\"/api/v1/checkout\"}},\"err\":{{\"type\":\"AxiosError\",\"message\":\"Request failed with status code {status}\",\"stack\":{},\"code\":\"ERR_BAD_RESPONSE\"}},\"msg\":\"upstream checkout failed\"}}\n",
                    json_str(&stack)
                ),
            );
        } else if r < upstream + 22 {
            let stack = format!(
                "TypeError: Cannot read properties of undefined (reading 'price')\n    at lineTotal (/app/src/views/cart.js:{}:31)\n    at Array.map (<anonymous>)\n    at CartView.render (/app/src/views/cart.js:{}:28)\n    at async CartController.show (/app/src/controllers/cart.js:{}:18)\n    at async /app/src/middleware/asyncHandler.js:7:5",
                at(day, ms, 27, 29),
                at(day, ms, 44, 46),
                at(day, ms, 19, 19),
            );
            let head = pino_head(day, ms, 50, pod);
            put(
                &mut out,
                format_args!(
                    "{head},\"reqId\":\"{req}\",\"req\":{{\"method\":\"GET\",\"url\":\"/api/v1/cart\"}},\"err\":{{\"type\":\"TypeError\",\"message\":\"Cannot read properties of undefined (reading 'price')\",\"stack\":{}}},\"msg\":\"request errored\"}}\n",
                    json_str(&stack)
                ),
            );
        } else if r < upstream + 40 {
            let url = rng.pick(API_URLS);
            let head = pino_head(day, ms, 40, pod);
            put(
                &mut out,
                format_args!(
                    "{head},\"reqId\":\"{req}\",\"req\":{{\"method\":\"GET\",\"url\":\"{url}\"}},\"responseTime\":{},\"msg\":\"slow request\"}}\n",
                    1_200 + rng.below(4_000)
                ),
            );
        } else {
            let url = rng.pick(API_URLS);
            let (status, time) = if chance(rng, 30) {
                (401, 3)
            } else {
                (200, 4 + rng.below(120))
            };
            let head = pino_head(day, ms, 30, pod);
            put(
                &mut out,
                format_args!(
                    "{head},\"reqId\":\"{req}\",\"req\":{{\"method\":\"GET\",\"url\":\"{url}\"}},\"res\":{{\"statusCode\":{status}}},\"responseTime\":{time},\"msg\":\"request completed\"}}\n"
                ),
            );
        }
    }
    out
}

/// `{"level":L,"time":T,"pid":1,"hostname":H` — the caller closes the object.
fn pino_head(day: &Day, ms: Ms, level: u32, host: &str) -> String {
    format!(
        "{{\"level\":{level},\"time\":{},\"pid\":1,\"hostname\":\"{host}\"",
        day.stamp(ms).epoch_ms()
    )
}

fn json_str(text: &str) -> String {
    serde_json::to_string(text).unwrap_or_default()
}

/// worker: a Go service with the standard `log` package, panics recovered by
/// `net/http`, and a crash.
pub fn worker(day: &Day, rng: &mut Rng) -> String {
    let mut out = String::with_capacity(300 << 10);
    let mut job = 7_000 + day.index * 1_000;
    let mut restarted = false;
    let mut crashed = false;
    go_start(day, &mut out, 3 * MINUTE, "1.8.3");
    for ms in day.timeline(rng, 1000) {
        if !restarted && day.deployed(ms) {
            restarted = true;
            go_start(day, &mut out, DEPLOY + 15_000, "1.9.0");
        }
        let ts = day.stamp(ms).go();
        job += 1;
        let r = rng.below(1000);
        if r < 24 {
            let goroutine = 30 + rng.below(4_000);
            let port = 32_768 + rng.below(28_000);
            let ip = format!("10.0.3.{}", 10 + rng.below(40));
            put(
                &mut out,
                format_args!(
                    "{ts} http: panic serving {ip}:{port}: runtime error: invalid memory address or nil pointer dereference\n\
                 goroutine {goroutine} [running]:\n\
                 net/http.(*conn).serve.func1()\n\
                 \t/usr/local/go/src/net/http/server.go:1947 +0xbe\n\
                 panic({{0x6c8a40?, 0xc0000c6018?}})\n\
                 \t/usr/local/go/src/runtime/panic.go:785 +0x132\n\
                 github.com/acme/shop-worker/internal/receipts.(*Renderer).customerName(...)\n\
                 \t/src/shop-worker/internal/receipts/render.go:{}\n\
                 github.com/acme/shop-worker/internal/receipts.(*Renderer).Render(0xc0001b4000, 0x{:x})\n\
                 \t/src/shop-worker/internal/receipts/render.go:{} +0x13a\n\
                 github.com/acme/shop-worker/internal/api.receiptHandler.func1({{0x8a2e40, 0xc0001c2000}}, 0xc0001d6000)\n\
                 \t/src/shop-worker/internal/api/receipts.go:{} +0xd4\n\
                 net/http.HandlerFunc.ServeHTTP(0xc0000a2330?, {{0x8a2e40?, 0xc0001c2000?}}, 0x10?)\n\
                 \t/usr/local/go/src/net/http/server.go:2220 +0x29\n\
                 net/http.(*conn).serve(0xc0001a0000, {{0x8a31b0, 0xc0000bc000}})\n\
                 \t/usr/local/go/src/net/http/server.go:2092 +0x5d0\n\
                 created by net/http.(*Server).Serve in goroutine 1\n\
                 \t/usr/local/go/src/net/http/server.go:3360 +0x485\n",
                    at(day, ms, 88, 93),
                    0x00c0_0000_0000_u64 + rng.below(0xffff) * 0x100,
                    at(day, ms, 61, 64),
                    at(day, ms, 37, 37),
                ),
            );
        } else if r < 60 {
            let ip = format!("10.0.5.{}", 20 + rng.below(2));
            put(
                &mut out,
                format_args!(
                    "{ts} ERROR job {job} (send-receipt) failed: smtp: dial tcp {ip}:587: i/o timeout\n"
                ),
            );
        } else if r < 80 {
            put(
                &mut out,
                format_args!(
                    "{ts} WARN job {job} (render-invoice) took {}.{}s, above the 5s budget\n",
                    5 + rng.below(9),
                    rng.below(10)
                ),
            );
        } else if !crashed && ms > 21 * HOUR + 30 * MINUTE {
            crashed = true;
            put(
                &mut out,
                format_args!(
                    "panic: send on closed channel\n\
                 \n\
                 goroutine {} [running]:\n\
                 github.com/acme/shop-worker/internal/queue.(*Consumer).dispatch(0xc000150000, {{0xc00015c000, 0x24}})\n\
                 \t/src/shop-worker/internal/queue/consumer.go:{} +0x2c5\n\
                 github.com/acme/shop-worker/internal/queue.(*Consumer).Run.func2()\n\
                 \t/src/shop-worker/internal/queue/consumer.go:58 +0x14d\n\
                 created by github.com/acme/shop-worker/internal/queue.(*Consumer).Run in goroutine 1\n\
                 \t/src/shop-worker/internal/queue/consumer.go:51 +0x96\n",
                    100 + rng.below(500),
                    at(day, ms, 97, 102),
                ),
            );
            go_start(day, &mut out, ms + 4_000, "1.9.0");
        } else {
            let kind = rng.pick(&[
                "send-receipt",
                "render-invoice",
                "sync-stock",
                "expire-carts",
            ]);
            put(
                &mut out,
                format_args!(
                    "{ts} INFO job {job} ({kind}) done in {}ms\n",
                    3 + rng.below(900)
                ),
            );
        }
    }
    out
}

fn go_start(day: &Day, out: &mut String, ms: Ms, version: &str) {
    let ts = day.stamp(ms).go();
    put(
        out,
        format_args!(
            "{ts} INFO starting shop-worker v{version} (go1.23.3)\n\
         {ts} INFO connected to redis at redis.internal:6379\n\
         {ts} INFO listening on :8081\n"
        ),
    );
}

/// billing: a .NET service with a log4net layout, inner exceptions.
pub fn billing(day: &Day, rng: &mut Rng) -> String {
    let mut out = String::with_capacity(200 << 10);
    let mut invoice = 40_000 + day.index * 1_000;
    let mut restarted = false;
    dotnet_start(day, &mut out, 6 * MINUTE);
    for ms in day.timeline(rng, 650) {
        if !restarted && day.deployed(ms) {
            restarted = true;
            dotnet_start(day, &mut out, DEPLOY + 30_000);
        }
        let ts = day.stamp(ms).comma();
        let thread = 4 + rng.below(30);
        invoice += 1;
        let r = rng.below(1000);
        if r < 45 {
            let attempt = 1 + rng.below(3);
            put(
                &mut out,
                format_args!(
                    "{ts} [{thread}] WARN  Acme.Billing.Tax.TaxClient - tax quote for invoice {invoice} failed, retrying (attempt {attempt} of 3)\n\
                 System.Net.Http.HttpRequestException: Connection refused (tax.internal:443)\n\
                 \x20---> System.Net.Sockets.SocketException (111): Connection refused\n\
                 \x20  at System.Net.Sockets.Socket.AwaitableSocketAsyncEventArgs.ThrowException(SocketError error, CancellationToken cancellationToken)\n\
                 \x20  at System.Net.Http.HttpConnectionPool.ConnectToTcpHostAsync(String host, Int32 port, HttpRequestMessage initialRequest, Boolean async, CancellationToken cancellationToken)\n\
                 \x20  --- End of inner exception stack trace ---\n\
                 \x20  at System.Net.Http.HttpConnectionPool.ConnectToTcpHostAsync(String host, Int32 port, HttpRequestMessage initialRequest, Boolean async, CancellationToken cancellationToken)\n\
                 \x20  at System.Net.Http.HttpClient.<SendAsync>g__Core|83_0(HttpRequestMessage request, HttpCompletionOption completionOption, CancellationTokenSource cts, Boolean disposeCts, CancellationTokenSource pendingRequestsCts, CancellationToken originalCancellationToken)\n\
                 \x20  at Acme.Billing.Tax.TaxClient.QuoteAsync(Quote quote) in /src/Acme.Billing/Tax/TaxClient.cs:line {}\n\
                 \x20  at Acme.Billing.Invoices.InvoiceService.TotalAsync(Invoice invoice) in /src/Acme.Billing/Invoices/InvoiceService.cs:line {}\n",
                    at(day, ms, 51, 54),
                    at(day, ms, 112, 118),
                ),
            );
        } else if r < 60 {
            let payment = 9_000 + rng.below(5_000);
            put(
                &mut out,
                format_args!(
                    "{ts} [{thread}] ERROR Acme.Billing.Payments.PaymentService - recording payment PAY-{payment} failed\n\
                 Microsoft.EntityFrameworkCore.DbUpdateException: An error occurred while saving the entity changes. See the inner exception for details.\n\
                 \x20---> Npgsql.PostgresException (0x80004005): 23505: duplicate key value violates unique constraint \"ix_payments_reference\"\n\
                 \x20  at Npgsql.Internal.NpgsqlConnector.ReadMessageLong(Boolean async, DataRowLoadingMode dataRowLoadingMode, Boolean readingNotifications, Boolean isReadingPrependedMessage)\n\
                 \x20  at Microsoft.EntityFrameworkCore.Update.ReaderModificationCommandBatch.ExecuteAsync(IRelationalConnection connection, CancellationToken cancellationToken)\n\
                 \x20  --- End of inner exception stack trace ---\n\
                 \x20  at Microsoft.EntityFrameworkCore.Update.ReaderModificationCommandBatch.ExecuteAsync(IRelationalConnection connection, CancellationToken cancellationToken)\n\
                 \x20  at Microsoft.EntityFrameworkCore.DbContext.SaveChangesAsync(Boolean acceptAllChangesOnSuccess, CancellationToken cancellationToken)\n\
                 \x20  at Acme.Billing.Payments.PaymentService.RecordAsync(Payment payment) in /src/Acme.Billing/Payments/PaymentService.cs:line {}\n\
                 \x20  at Acme.Billing.Payments.PaymentWebhook.HandleAsync(HttpContext context) in /src/Acme.Billing/Payments/PaymentWebhook.cs:line {}\n",
                    at(day, ms, 64, 64),
                    at(day, ms, 29, 31),
                ),
            );
        } else {
            let customer = 1_000 + rng.below(8_000);
            put(
                &mut out,
                format_args!(
                    "{ts} [{thread}] INFO  Acme.Billing.Invoices.InvoiceService - invoice {invoice} issued to customer {customer}: {}.{:02} EUR\n",
                    5 + rng.below(300),
                    rng.below(100)
                ),
            );
            if chance(rng, 500) {
                let ts = day.stamp(ms + 3).comma();
                put(
                    &mut out,
                    format_args!(
                        "{ts} [{thread}] DEBUG Acme.Billing.Api.RequestLogger - POST /api/invoices 201 {}ms\n",
                        8 + rng.below(90)
                    ),
                );
            }
        }
    }
    out
}

fn dotnet_start(day: &Day, out: &mut String, ms: Ms) {
    for (i, line) in [
        "Now listening on: http://[::]:8080",
        "Application started. Press Ctrl+C to shut down.",
        "Hosting environment: Production",
    ]
    .iter()
    .enumerate()
    {
        let ts = day.stamp(ms + 40 * i as Ms).comma();
        put(
            out,
            format_args!("{ts} [1] INFO  Microsoft.Hosting.Lifetime - {line}\n"),
        );
    }
}

const QUERIES: &[&str] = &[
    "red shirt",
    "hoodie",
    "mug",
    "crème brûlée poster",
    "socks 3 pack",
    "canvas bag",
    "caf\u{e9} au lait mug",
    "city poster a2",
];

/// search: a Rust service with `tracing`'s default format, panics printed
/// by the default hook.
pub fn search(day: &Day, rng: &mut Rng) -> String {
    let mut out = String::with_capacity(250 << 10);
    let mut restarted = false;
    let mut disk_full = false;
    rust_start(day, rng, &mut out, 2 * MINUTE, "0.9.4");
    for ms in day.timeline(rng, 1100) {
        if !restarted && day.deployed(ms) {
            restarted = true;
            rust_start(day, rng, &mut out, DEPLOY + 12_000, "0.10.0");
        }
        let ts = day.stamp(ms).rfc3339(rng.below(1000) as u32);
        let r = rng.below(1000);
        if r < 22 {
            let q = rng.pick(&[
                "crème brûlée poster",
                "caf\u{e9} au lait mug",
                "tr\u{e4}ger shirt",
            ]);
            let (start, ch) = q
                .char_indices()
                .find(|(_, c)| !c.is_ascii())
                .unwrap_or((0, 'é'));
            put(
                &mut out,
                format_args!(
                    "thread 'tokio-runtime-worker' panicked at src/index/snippet.rs:{}:38:\n\
                 byte index {} is not a char boundary; it is inside '{ch}' (bytes {start}..{}) of `{q}`\n\
                 note: run with `RUST_BACKTRACE=1` environment variable to display a backtrace\n\
                 {ts} ERROR search::http: handler panicked, returning 500 path=/search q=\"{q}\"\n",
                    at(day, ms, 141, 146),
                    start + 1,
                    start + ch.len_utf8(),
                ),
            );
        } else if r < 45 {
            put(
                &mut out,
                format_args!(
                    "{ts}  WARN search::index: segment merge took {}ms segments={} docs={}\n",
                    2_000 + rng.below(6_000),
                    8 + rng.below(12),
                    180_000 + rng.below(20_000)
                ),
            );
        } else if !disk_full && ms > 2 * HOUR + 40 * MINUTE {
            disk_full = true;
            put(
                &mut out,
                format_args!(
                    "{ts}  INFO search::index: nightly reindex started docs=191204\n\
                 thread 'reindex' panicked at src/index/writer.rs:{}:41:\n\
                 called `Result::unwrap()` on an `Err` value: Io(Os {{ code: 28, kind: StorageFull, message: \"No space left on device\" }})\n\
                 stack backtrace:\n\
                 \x20  0: rust_begin_unwind\n\
                 \x20            at /rustc/90b35a6239c3d8bdabc530a6a0816f7ff89a0aaf/library/std/src/panicking.rs:665:5\n\
                 \x20  1: core::panicking::panic_fmt\n\
                 \x20            at /rustc/90b35a6239c3d8bdabc530a6a0816f7ff89a0aaf/library/core/src/panicking.rs:74:14\n\
                 \x20  2: core::result::unwrap_failed\n\
                 \x20            at /rustc/90b35a6239c3d8bdabc530a6a0816f7ff89a0aaf/library/core/src/result.rs:1700:5\n\
                 \x20  3: search::index::writer::IndexWriter::commit\n\
                 \x20            at ./src/index/writer.rs:88:41\n\
                 \x20  4: search::index::reindex::run\n\
                 \x20            at ./src/index/reindex.rs:52:9\n\
                 note: Some details are omitted, run with `RUST_BACKTRACE=full` for a verbose backtrace.\n",
                    88
                ),
            );
        } else {
            let q = rng.pick(QUERIES);
            put(
                &mut out,
                format_args!(
                    "{ts}  INFO request{{method=GET path=/search}}: search::http: query served q=\"{q}\" hits={} took_ms={}\n",
                    rng.below(400),
                    1 + rng.below(60)
                ),
            );
        }
    }
    out
}

fn rust_start(day: &Day, rng: &mut Rng, out: &mut String, ms: Ms, version: &str) {
    let ts = day.stamp(ms).rfc3339(rng.below(1000) as u32);
    put(
        out,
        format_args!(
            "{ts}  INFO search: starting search v{version}\n\
         {ts}  INFO search::index: opened index at /data/index segments=14 docs=191204\n\
         {ts}  INFO search::http: listening on 0.0.0.0:7700\n"
        ),
    );
}

const PAGES: &[&str] = &[
    "/",
    "/products/tsh-red-m",
    "/products/hood-gry-xl",
    "/products/mug-wht-01",
    "/cart",
    "/static/js/app.4f9c2e1.js",
    "/static/css/app.91ab3c0.css",
    "/api/v1/products?page=1",
    "/api/v1/cart",
    "/api/v1/search?q=hoodie",
];
const AGENTS: &[&str] = &[
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1",
    "Mozilla/5.0 (X11; Linux x86_64; rv:132.0) Gecko/20100101 Firefox/132.0",
];

/// gateway: nginx's combined access log with `$request_time`.
pub fn gateway(day: &Day, rng: &mut Rng) -> String {
    let mut out = String::with_capacity(500 << 10);
    for ms in day.timeline(rng, 1400) {
        let ts = day.stamp(ms).nginx();
        let ip = format!(
            "{}.{}.{}.{}",
            80 + rng.below(100),
            rng.below(256),
            rng.below(256),
            1 + rng.below(254)
        );
        let r = rng.below(1000);
        let checkout = if day.incident(ms) { 250 } else { 40 };
        let (method, path, status, bytes, time, agent) = if r < 12 {
            (
                "GET",
                "/healthz".to_string(),
                200,
                2,
                0.001,
                "kube-probe/1.31",
            )
        } else if r < 20 {
            let path = rng.pick(&[
                "/wp-login.php",
                "/.env",
                "/admin/config.php",
                "/.git/config",
            ]);
            (
                "GET",
                path.to_string(),
                404,
                153,
                0.002,
                "Mozilla/5.0 zgrab/0.x",
            )
        } else if r < 20 + checkout {
            let failed = day.incident(ms) && chance(rng, 550);
            let status = if failed { 504 } else { 201 };
            let time = if failed {
                30.0 + rng.below(20) as f64 / 1000.0
            } else {
                0.1 + rng.below(400) as f64 / 1000.0
            };
            (
                "POST",
                "/api/v1/checkout".to_string(),
                status,
                if failed { 167 } else { 412 },
                time,
                rng.pick(AGENTS),
            )
        } else {
            let page = rng.pick(PAGES);
            let status = if chance(rng, 60) { 304 } else { 200 };
            (
                "GET",
                page.to_string(),
                status,
                300 + rng.below(40_000),
                rng.below(200) as f64 / 1000.0,
                rng.pick(AGENTS),
            )
        };
        put(
            &mut out,
            format_args!(
                "{ip} - - [{ts}] \"{method} {path} HTTP/1.1\" {status} {bytes} \"https://shop.example/\" \"{agent}\" {time:.3}\n"
            ),
        );
    }
    out
}

/// syslog: the database host's RFC 5424 syslog.
pub fn syslog(day: &Day, rng: &mut Rng) -> String {
    let mut out = String::with_capacity(60 << 10);
    for ms in day.timeline(rng, 400) {
        let ts = day.stamp(ms).rfc3339(0);
        let r = rng.below(1000);
        let line = if day.incident(ms) && r < 300 {
            format!(
                "<11>1 {ts} db-1 postgres {} - - FATAL:  remaining connection slots are reserved for roles with the SUPERUSER attribute",
                20_000 + rng.below(9_000)
            )
        } else if r < 60 {
            format!(
                "<12>1 {ts} db-1 postgres {} - - LOG:  checkpoints are occurring too frequently ({} seconds apart)",
                1_200 + rng.below(50),
                10 + rng.below(20)
            )
        } else if r < 200 {
            format!(
                "<38>1 {ts} db-1 sshd {} - - Accepted publickey for deploy from 10.0.1.{} port {} ssh2: ED25519 SHA256:3xQk0mJc",
                40_000 + rng.below(9_000),
                2 + rng.below(5),
                40_000 + rng.below(20_000)
            )
        } else if r < 600 {
            format!(
                "<78>1 {ts} db-1 CRON {} - - (postgres) CMD (/usr/local/bin/pg_backup --incremental)",
                50_000 + rng.below(9_000)
            )
        } else {
            format!(
                "<30>1 {ts} db-1 systemd 1 - - Started session-{}.scope - Session of User deploy.",
                1_000 + rng.below(9_000)
            )
        };
        out.push_str(&line);
        out.push('\n');
    }
    out
}

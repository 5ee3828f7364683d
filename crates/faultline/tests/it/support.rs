//! The collector harness shared by the end-to-end tests: a `faultline
//! collect` child on 127.0.0.1 (port 0, read back from its `listening` log
//! line), killed when dropped, and the queries the tests poll with deadlines.

use super::path_str;
use serde_json::Value;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

/// A collector child process, killed when dropped.
pub struct Collector {
    pub child: Child,
    pub base: String,
    pub log: PathBuf,
}

impl Collector {
    pub fn start(data: &Path, config: Option<&Path>) -> Collector {
        Collector::start_on(data, config, "127.0.0.1:0")
    }

    /// A collector on a given address (to restart one where its clients
    /// expect it).
    pub fn start_on(data: &Path, config: Option<&Path>, listen: &str) -> Collector {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_faultline"));
        cmd.args(["collect", "--listen", listen, "--log-format", "json"])
            .args(["--data", path_str(data)]);
        if let Some(config) = config {
            cmd.args(["--config", path_str(config)]);
        }
        Collector::spawn(cmd, unique(data.to_path_buf()))
    }

    /// A collector that `cmd` runs (`faultline collect` with JSON logs on
    /// 127.0.0.1, or a wrapper that ends by exec'ing one), logging to `log`.
    pub fn spawn(mut cmd: Command, log: PathBuf) -> Collector {
        cmd.env("RUST_LOG", "info")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(&log).expect("log file"));
        let child = cmd.spawn().expect("faultline collect starts");
        let mut collector = Collector {
            child,
            base: String::new(),
            log,
        };
        let addr = collector.wait_for_log("listening")["addr"]
            .as_str()
            .expect("listening line has addr")
            .to_string();
        collector.base = format!("http://{addr}");
        collector.wait_ready();
        collector
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// The first JSON log line whose message is `message`.
    pub fn wait_for_log(&mut self, message: &str) -> Value {
        let deadline = Instant::now() + Duration::from_secs(20);
        while Instant::now() < deadline {
            let file = std::fs::File::open(&self.log).expect("log file");
            for line in BufReader::new(file).lines().map_while(Result::ok) {
                if let Ok(v) = serde_json::from_str::<Value>(&line)
                    && v["message"] == message
                {
                    return v;
                }
            }
            if let Ok(Some(status)) = self.child.try_wait() {
                panic!("collector exited ({status}): {}", self.logs());
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        panic!("no {message:?} log line within 20 s: {}", self.logs());
    }

    pub fn wait_ready(&self) {
        let deadline = Instant::now() + Duration::from_secs(20);
        while Instant::now() < deadline {
            if let Ok(r) = client().get(self.url("/readyz")).send()
                && r.status() == 200
            {
                return;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        panic!("not ready within 20 s: {}", self.logs());
    }

    pub fn logs(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    pub fn sigkill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    pub fn sigterm(&mut self) -> ExitStatus {
        let pid = self.child.id().to_string();
        let sent = Command::new("kill").args(["-TERM", &pid]).status();
        assert!(sent.is_ok_and(|s| s.success()), "kill -TERM {pid}");
        let deadline = Instant::now() + Duration::from_secs(20);
        while Instant::now() < deadline {
            if let Ok(Some(status)) = self.child.try_wait() {
                return status;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        panic!("no exit within 20 s of SIGTERM: {}", self.logs());
    }
}

impl Drop for Collector {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub fn unique(path: PathBuf) -> PathBuf {
    static N: AtomicUsize = AtomicUsize::new(0);
    let n = N.fetch_add(1, Ordering::Relaxed);
    path.with_extension(format!("{}-{n}.log", std::process::id()))
}

pub fn client() -> reqwest::blocking::Client {
    reqwest::blocking::Client::builder()
        .timeout(Duration::from_secs(15))
        .build()
        .expect("client")
}

pub fn search_total(c: &Collector, query: &[(&str, &str)], token: Option<&str>) -> u64 {
    let mut request = client().get(c.url("/api/v1/search")).query(query);
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    let response = request.send().expect("search request");
    assert_eq!(response.status(), 200);
    let body: Value = response.json().expect("search JSON");
    body["total"].as_u64().expect("total")
}

/// Polls search until it reports `want` (the index commits on a timer).
pub fn wait_total(c: &Collector, query: &[(&str, &str)], token: Option<&str>, want: u64) -> u64 {
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        let total = search_total(c, query, token);
        if total == want || Instant::now() > deadline {
            return total;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

pub fn metric(c: &Collector, line_start: &str) -> f64 {
    let text = client()
        .get(c.url("/metrics"))
        .send()
        .and_then(|r| r.text())
        .expect("metrics");
    text.lines()
        .find_map(|l| l.strip_prefix(line_start)?.trim().parse().ok())
        .unwrap_or(0.0)
}

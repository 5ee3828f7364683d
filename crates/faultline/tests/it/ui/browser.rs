//! Headless Chromium under chromedriver (W3C WebDriver), driven with
//! fantoccini. chromedriver listens on a free loopback port; Chromium gets a
//! fresh profile in a temp folder and no network of its own (no sync,
//! updates or QUIC). Missing browsers fail the test with what to install.

use fantoccini::elements::Element;
use fantoccini::{Client, ClientBuilder, Locator};
use hyper_util::client::legacy::connect::HttpConnector;
use serde_json::json;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// How long a page may take to show what a test waits for.
const WAIT: Duration = Duration::from_secs(20);

pub struct Browser {
    driver: Child,
    port: u16,
    chromium: PathBuf,
    profile: tempfile::TempDir,
}

/// The first executable called one of `names` on `PATH` or in `/usr/bin`.
fn find(names: &[&str]) -> Option<PathBuf> {
    let path = std::env::var_os("PATH").unwrap_or_default();
    let mut dirs: Vec<PathBuf> = std::env::split_paths(&path).collect();
    dirs.push(PathBuf::from("/usr/bin"));
    names
        .iter()
        .flat_map(|name| dirs.iter().map(move |dir| dir.join(name)))
        .find(|candidate| candidate.is_file())
}

impl Browser {
    pub fn start() -> Browser {
        let missing =
            "run .ci/run (it installs them) or `apt-get install chromium chromium-driver`";
        let chromium = find(&["chromium", "chromium-browser"]).unwrap_or_else(|| {
            panic!("the browser tests need Chromium, which is not installed: {missing}")
        });
        let chromedriver = find(&["chromedriver"]).unwrap_or_else(|| {
            panic!("the browser tests need chromedriver, which is not installed: {missing}")
        });
        let port = free_port();
        let driver = Command::new(&chromedriver)
            .arg(format!("--port={port}"))
            .arg("--allowed-ips=127.0.0.1")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("{} does not start: {e}", chromedriver.display()));
        let browser = Browser {
            driver,
            port,
            chromium,
            profile: tempfile::tempdir().expect("profile dir"),
        };
        browser.wait_ready();
        browser
    }

    fn wait_ready(&self) {
        let deadline = Instant::now() + WAIT;
        let status = format!("http://127.0.0.1:{}/status", self.port);
        while Instant::now() < deadline {
            if let Ok(response) = super::client().get(&status).send()
                && response
                    .json::<serde_json::Value>()
                    .is_ok_and(|v| v["value"]["ready"] == true)
            {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        panic!(
            "chromedriver not ready on port {} within {WAIT:?}",
            self.port
        );
    }

    /// Opens a browser session, runs `steps` on it, and closes the session
    /// even when a step fails (the failure is then re-raised).
    pub fn run(&self, steps: impl AsyncFnOnce(&Page)) {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("runtime");
        let client = runtime.block_on(self.connect());
        let page = Page {
            client: client.clone(),
        };
        let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            runtime.block_on(async { steps(&page).await })
        }));
        if outcome.is_err() {
            let _ = runtime.block_on(page.try_screenshot("failure"));
        }
        let _ = runtime.block_on(client.close());
        if let Err(panic) = outcome {
            std::panic::resume_unwind(panic);
        }
    }

    async fn connect(&self) -> Client {
        let args = json!([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--disable-dev-shm-usage",
            "--window-size=1280,900",
            format!("--user-data-dir={}", self.profile.path().display()),
        ]);
        let mut capabilities = serde_json::Map::new();
        capabilities.insert("browserName".into(), json!("chrome"));
        capabilities.insert(
            "goog:chromeOptions".into(),
            json!({ "binary": self.chromium.display().to_string(), "args": args }),
        );
        ClientBuilder::new(HttpConnector::new())
            .capabilities(capabilities)
            .connect(&format!("http://127.0.0.1:{}", self.port))
            .await
            .expect("a chromium session through chromedriver")
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}

fn free_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("a free port");
    listener.local_addr().expect("address").port()
}

/// One browser tab, with the few things a test does to it.
pub struct Page {
    client: Client,
}

impl Page {
    pub async fn goto(&self, url: &str) {
        self.client
            .goto(url)
            .await
            .unwrap_or_else(|e| panic!("open {url}: {e}"));
    }

    /// The first element matching `css`, waiting for it to appear.
    pub async fn wait_for(&self, css: &str) -> Element {
        self.client
            .wait()
            .at_most(WAIT)
            .for_element(Locator::Css(css))
            .await
            .unwrap_or_else(|e| panic!("{css} did not appear within {WAIT:?}: {e}"))
    }

    pub async fn text(&self, css: &str) -> String {
        let text = self.wait_for(css).await.text().await;
        text.unwrap_or_else(|e| panic!("text of {css}: {e}"))
            .trim()
            .to_string()
    }

    pub async fn count(&self, css: &str) -> usize {
        let found = self.client.find_all(Locator::Css(css)).await;
        found.unwrap_or_else(|e| panic!("find {css}: {e}")).len()
    }

    /// The largest rendered height of the elements matching `css`, in pixels.
    pub async fn max_height(&self, css: &str) -> f64 {
        let mut max = 0.0f64;
        for element in self.client.find_all(Locator::Css(css)).await.expect("find") {
            let (_, _, _, height) = element.rectangle().await.expect("rectangle");
            max = max.max(height);
        }
        max
    }

    /// Scrolls the first element matching `css` to the top of the viewport.
    pub async fn scroll_to(&self, css: &str) {
        let script = "document.querySelector(arguments[0]).scrollIntoView()";
        let scrolled = self.client.execute(script, vec![json!(css)]).await;
        scrolled.unwrap_or_else(|e| panic!("scroll to {css}: {e}"));
    }

    /// The text of `css` inside the page's first frame.
    pub async fn frame_text(&self, css: &str) -> String {
        self.client.enter_frame(0).await.expect("enter the frame");
        let text = self.text(css).await;
        self.client
            .enter_parent_frame()
            .await
            .expect("leave the frame");
        text
    }

    pub async fn click(&self, css: &str) {
        let element = self.wait_for(css).await;
        element
            .click()
            .await
            .unwrap_or_else(|e| panic!("click {css}: {e}"));
    }

    pub async fn type_into(&self, css: &str, text: &str) {
        let element = self.wait_for(css).await;
        element
            .clear()
            .await
            .unwrap_or_else(|e| panic!("clear {css}: {e}"));
        element
            .send_keys(text)
            .await
            .unwrap_or_else(|e| panic!("type into {css}: {e}"));
    }

    /// The current URL's path and query.
    pub async fn path(&self) -> String {
        let url = self.client.current_url().await.expect("current URL");
        match url.query() {
            Some(query) => format!("{}?{query}", url.path()),
            None => url.path().to_string(),
        }
    }

    /// Saves the viewport as `target/ui-screenshots/NAME.png`.
    pub async fn screenshot(&self, name: &str) {
        self.try_screenshot(name)
            .await
            .unwrap_or_else(|e| panic!("screenshot {name}: {e}"));
    }

    async fn try_screenshot(&self, name: &str) -> Result<(), Box<dyn std::error::Error>> {
        let target = std::env::var_os("CARGO_TARGET_DIR")
            .map(PathBuf::from)
            .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../target"));
        let dir = target.join("ui-screenshots");
        std::fs::create_dir_all(&dir)?;
        let png = self.client.screenshot().await?;
        std::fs::write(dir.join(format!("{name}.png")), png)?;
        Ok(())
    }
}

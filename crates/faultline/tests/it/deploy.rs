//! What ops copy from `deploy/` runs as written: the Kubernetes sidecar
//! manifest's shipper config and container args drive a real shipper into a
//! real collector, and each systemd unit's `ExecStart` starts its process
//! (paths mapped into a temp folder, addresses onto loopback).

use super::path_str;
use super::ship::Shipper;
use super::support::{Collector, search_total};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};
use yaml_rust2::{Yaml, YamlLoader};

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn read(path: &str) -> String {
    std::fs::read_to_string(repo().join(path)).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn str_of(y: &Yaml) -> &str {
    y.as_str().unwrap_or_else(|| panic!("not a string: {y:?}"))
}

/// The manifest's documents by kind.
fn documents(kind: &str) -> Vec<Yaml> {
    let docs = YamlLoader::load_from_str(&read("deploy/kubernetes/shipper-sidecar.yaml"))
        .expect("the manifest is valid YAML");
    docs.into_iter()
        .filter(|d| d["kind"].as_str() == Some(kind))
        .collect()
}

/// The mount path of the pod volume named `volume` in `container`.
fn mount_of<'a>(container: &'a Yaml, volume: &str) -> &'a str {
    let mounts = container["volumeMounts"].as_vec().expect("volumeMounts");
    let mount = mounts
        .iter()
        .find(|m| m["name"].as_str() == Some(volume))
        .unwrap_or_else(|| panic!("no mount of volume {volume}"));
    str_of(&mount["mountPath"])
}

fn wait_total(c: &Collector, want: u64) -> u64 {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let total = search_total(c, &[("q", "service:checkout")], None);
        if total >= want || Instant::now() > deadline {
            return total;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

#[test]
fn kubernetes_sidecar_manifest_ships_what_it_describes() {
    let config_map = &documents("ConfigMap")[0];
    let deployment = &documents("Deployment")[0];
    let pod = &deployment["spec"]["template"]["spec"];
    let shipper = pod["initContainers"]
        .as_vec()
        .expect("a native sidecar is an init container")
        .iter()
        .find(|c| c["name"].as_str() == Some("faultline-shipper"))
        .expect("the faultline-shipper container");
    assert_eq!(shipper["restartPolicy"].as_str(), Some("Always"));

    // The args name the config file the ConfigMap volume provides.
    let args: Vec<&str> = shipper["args"]
        .as_vec()
        .expect("args")
        .iter()
        .map(str_of)
        .collect();
    assert_eq!(args[0], "ship", "{args:?}");
    let config_at = args
        .iter()
        .position(|a| *a == "--config")
        .expect("--config");
    let config_path = Path::new(args[config_at + 1]);
    let volumes = pod["volumes"].as_vec().expect("volumes");
    let config_volume = volumes
        .iter()
        .find(|v| v["configMap"]["name"].as_str() == config_map["metadata"]["name"].as_str())
        .expect("a volume of the ConfigMap");
    assert_eq!(
        Path::new(mount_of(shipper, str_of(&config_volume["name"]))),
        config_path.parent().unwrap()
    );
    let file_name = config_path.file_name().unwrap().to_str().unwrap();
    let text = str_of(&config_map["data"][file_name]);
    let mut config: toml::Table = toml::from_str(text).expect("the embedded config is TOML");

    // Its paths are the pod's mounts: the state is writable, the logs are the app's.
    let state = config["state"].as_str().expect("state").to_string();
    assert_eq!(mount_of(shipper, "faultline-state"), state);
    let logs = mount_of(shipper, "app-logs").to_string();
    let app = &pod["containers"][0];
    assert_eq!(
        mount_of(app, "app-logs"),
        logs,
        "the app writes where the shipper reads"
    );
    // The probes and the scrape port are the metrics listener's.
    let listen = config["metrics"]["listen"]
        .as_str()
        .expect("metrics.listen")
        .to_string();
    let port = shipper["ports"][0]["containerPort"]
        .as_i64()
        .expect("containerPort");
    assert!(listen.ends_with(&format!(":{port}")), "{listen} vs {port}");
    assert_eq!(
        shipper["livenessProbe"]["httpGet"]["path"].as_str(),
        Some("/healthz")
    );

    // Run it: the pod's folders mapped into a temp folder, the collector and
    // the metrics listener onto loopback.
    let tmp = tempfile::tempdir().unwrap();
    let collector = Collector::start(&tmp.path().join("data"), None);
    let local_logs = tmp.path().join("var-log-app");
    std::fs::create_dir_all(local_logs.join("checkout")).unwrap();
    let sources = config["sources"].as_array_mut().expect("sources");
    for source in sources.iter_mut() {
        let include = source["include"].as_array_mut().expect("include");
        for glob in include.iter_mut() {
            let g = glob.as_str().unwrap();
            assert!(g.starts_with(&logs), "{g} is under the logs mount {logs}");
            *glob = toml::Value::String(g.replacen(&logs, path_str(&local_logs), 1));
        }
    }
    config.insert("state".into(), path_str(&tmp.path().join("state")).into());
    let collector_table = config["collector"].as_table_mut().expect("[collector]");
    collector_table.insert("url".into(), collector.base.clone().into());
    let metrics = config["metrics"].as_table_mut().expect("[metrics]");
    metrics.insert("listen".into(), "127.0.0.1:0".into());
    let local_config = tmp.path().join(file_name);
    std::fs::write(&local_config, toml::to_string(&config).unwrap()).unwrap();
    std::fs::write(
        local_logs.join("checkout/app.log"),
        "2026-11-26 07:00:00,000 ERROR [main] com.acme.Checkout - payment failed\n\
         java.lang.IllegalStateException: card declined\n\
         \tat com.acme.Checkout.pay(Checkout.java:42)\n\
         2026-11-26 07:00:01,000 INFO [main] com.acme.Checkout - retrying\n",
    )
    .unwrap();
    let mut manifest_args: Vec<&str> = args[1..].to_vec();
    manifest_args[config_at] = path_str(&local_config);
    // `Shipper::start` adds its own `--log-format json`.
    if let Some(i) = manifest_args.iter().position(|a| *a == "--log-format") {
        manifest_args.drain(i..i + 2);
    }
    let mut process = Shipper::start(&tmp.path().join("shipper.log"), &manifest_args);
    let addr = process.wait_for_log("metrics listening")["addr"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(wait_total(&collector, 2), 2, "{}", process.logs());
    let health = reqwest::blocking::get(format!("http://{addr}/healthz")).expect("healthz");
    assert!(health.status().is_success());
    assert!(process.sigterm().success(), "{}", process.logs());
}

/// `ExecStart`'s arguments after the binary, and the unit's other keys.
fn unit(path: &str) -> (Vec<String>, Vec<(String, String)>) {
    let text = read(path);
    let keys: Vec<(String, String)> = text
        .lines()
        .filter(|l| !l.starts_with('#'))
        .filter_map(|l| l.split_once('='))
        .map(|(k, v)| (k.trim().to_string(), v.trim().to_string()))
        .collect();
    let exec = &keys
        .iter()
        .find(|(k, _)| k == "ExecStart")
        .expect("ExecStart")
        .1;
    let mut words = exec.split_whitespace().map(str::to_string);
    assert_eq!(words.next().as_deref(), Some("/usr/local/bin/faultline"));
    (words.collect(), keys)
}

fn key<'a>(keys: &'a [(String, String)], name: &str) -> &'a str {
    &keys
        .iter()
        .find(|(k, _)| k == name)
        .unwrap_or_else(|| panic!("no {name}"))
        .1
}

/// The value after `flag` in `args`.
fn flag<'a>(args: &'a [String], name: &str) -> &'a str {
    let at = args
        .iter()
        .position(|a| a == name)
        .unwrap_or_else(|| panic!("no {name}"));
    &args[at + 1]
}

/// The allocator settings that keep the shipper small are the same on a
/// host (systemd) and in a pod (the sidecar manifest).
#[test]
fn shipper_unit_and_sidecar_hand_memory_back_alike() {
    let (_, keys) = unit("deploy/faultline-shipper.service");
    let mut on_host: Vec<String> = keys
        .iter()
        .filter(|(k, _)| k == "Environment")
        .flat_map(|(_, v)| v.split_whitespace().map(str::to_string))
        .filter(|v| v.starts_with("MIMALLOC_"))
        .collect();
    let deployment = &documents("Deployment")[0];
    let shipper = deployment["spec"]["template"]["spec"]["initContainers"]
        .as_vec()
        .expect("initContainers")
        .iter()
        .find(|c| c["name"].as_str() == Some("faultline-shipper"))
        .expect("the faultline-shipper container");
    let mut in_pod: Vec<String> = shipper["env"]
        .as_vec()
        .expect("env")
        .iter()
        .filter(|e| str_of(&e["name"]).starts_with("MIMALLOC_"))
        .map(|e| format!("{}={}", str_of(&e["name"]), str_of(&e["value"])))
        .collect();
    on_host.sort();
    in_pod.sort();
    assert!(!in_pod.is_empty(), "the sidecar sets no MIMALLOC_ variable");
    assert_eq!(on_host, in_pod);
}

#[test]
fn shipper_unit_starts_the_shipper_it_describes() {
    let (args, keys) = unit("deploy/faultline-shipper.service");
    assert_eq!(args[0], "ship");
    // The config the install comment copies, the state folder systemd makes.
    assert_eq!(flag(&args, "--config"), "/etc/faultline/shipper.toml");
    let state = flag(&args, "--state");
    assert_eq!(state, format!("/var/lib/{}", key(&keys, "StateDirectory")));
    assert!(
        key(&keys, "ReadWritePaths")
            .split_whitespace()
            .any(|p| p == state)
    );

    let tmp = tempfile::tempdir().unwrap();
    let collector = Collector::start(&tmp.path().join("data"), None);
    let logs = tmp.path().join("logs");
    std::fs::create_dir_all(&logs).unwrap();
    std::fs::write(
        logs.join("a.log"),
        "2026-11-26 07:00:00,000 INFO [main] com.acme.A - up\n",
    )
    .unwrap();
    let local_state = tmp.path().join("state");
    let glob = format!("{}/*.log", path_str(&logs));
    let mut run: Vec<&str> = Vec::new();
    let mut i = 1;
    while i < args.len() {
        match args[i].as_str() {
            "--config" => run.extend(["--config", "../../deploy/shipper.toml"]),
            "--state" => run.extend(["--state", path_str(&local_state)]),
            "--log-format" => {}
            other => panic!("unexpected ExecStart argument {other}"),
        }
        i += 2;
    }
    // The example's collector and metrics addresses, moved to this test's.
    run.extend([
        "--collector",
        &collector.base,
        "--metrics-listen",
        "127.0.0.1:0",
    ]);
    run.extend(["--path", &glob, "--service", "checkout"]);
    let mut process = Shipper::start(&tmp.path().join("shipper.log"), &run);
    process.wait_for_log("shipping");
    assert_eq!(wait_total(&collector, 1), 1, "{}", process.logs());
    assert!(process.sigterm().success(), "{}", process.logs());
    assert!(local_state.join("checkpoints.json").is_file());
}

#[test]
fn collector_unit_starts_the_collector_it_describes() {
    let (args, keys) = unit("deploy/faultline-collector.service");
    assert_eq!(args[0], "collect");
    assert_eq!(flag(&args, "--config"), "/etc/faultline/collector.toml");
    let config: toml::Table = toml::from_str(&read("deploy/collector.toml")).unwrap();
    let data = config["data"].as_str().expect("data");
    assert_eq!(data, format!("/var/lib/{}", key(&keys, "StateDirectory")));
    assert!(
        key(&keys, "ReadWritePaths")
            .split_whitespace()
            .any(|p| p == data)
    );

    // The harness adds `--listen 127.0.0.1:0 --data TMP`, which win over the
    // config's 0.0.0.0:7080 and /var/lib/faultline.
    let tmp = tempfile::tempdir().unwrap();
    let mut collector = Collector::start(
        &tmp.path().join("data"),
        Some(&repo().join("deploy/collector.toml")),
    );
    assert!(collector.sigterm().success(), "{}", collector.logs());
}

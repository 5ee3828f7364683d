//! Where each ecosystem keeps its libraries: the default in-app rules.

/// True when a path runs through a folder where some ecosystem installs
/// libraries: `site-packages`, `dist-packages`, `node_modules`, `vendor`,
/// `gems`, Go's `pkg/mod`, Rust's `rustc` sources and cargo registry,
/// Dart's `.pub-cache`. Compares whole segments, so `/srv/vendors/` is not one.
pub(super) fn is_library_path(file: &str) -> bool {
    let mut prev = "";
    for seg in file.split('/') {
        match seg {
            "site-packages" | "dist-packages" | "node_modules" | "vendor" | "gems" | "rustc"
            | ".pub-cache" => return true,
            "mod" if prev == "pkg" => return true,
            "registry" | "git" if prev == ".cargo" || prev == "cargo" => return true,
            _ => {}
        }
        prev = seg;
    }
    false
}

/// True when `name` starts with one of `prefixes`.
fn has_prefix(name: &str, prefixes: &[&str]) -> bool {
    prefixes.iter().any(|p| name.starts_with(p))
}

/// JVM packages that are libraries as a whole, by their first segment.
#[rustfmt::skip]
const JAVA_ROOTS: &[&str] = &[
    "java", "javax", "jakarta", "jdk", "sun", "kotlin", "kotlinx", "scala", "akka", "groovy",
    "reactor", "oracle", "junit", "okhttp3", "okio", "retrofit2", "feign", "liquibase",
    "freemarker", "javassist", "lombok", "brave", "zipkin2",
];

/// JVM library organisations, by their first two segments.
#[rustfmt::skip]
const JAVA_ORGS: &[&str] = &[
    "com.sun", "org.springframework", "org.apache", "org.eclipse", "io.netty", "org.hibernate",
    "com.zaxxer", "com.fasterxml", "io.lettuce", "io.micrometer", "io.reactivex",
    "org.reactivestreams", "org.postgresql", "com.mysql", "org.mariadb", "org.h2", "org.junit",
    "org.testng", "org.slf4j", "ch.qos", "com.google", "io.grpc", "io.undertow", "org.glassfish",
    "org.jboss", "io.vertx", "io.quarkus", "io.micronaut", "net.bytebuddy", "org.mockito",
    "org.aspectj", "com.amazonaws", "software.amazon", "io.opentelemetry", "org.jooq",
    "org.flywaydb", "com.netflix", "org.thymeleaf", "io.dropwizard", "com.codahale", "io.swagger",
    "org.yaml", "com.squareup", "org.elasticsearch", "redis.clients", "com.mongodb", "org.mongodb",
    "com.datastax", "org.quartz", "io.temporal", "org.mybatis", "org.jdbi", "com.hazelcast",
    "org.ehcache", "org.gradle", "io.ktor", "io.projectreactor", "org.codehaus",
];

pub(super) fn java(module: &str) -> bool {
    if module.is_empty() {
        return false;
    }
    if module.contains('$')
        && (module.contains("$$")
            || module.contains("$Proxy")
            || module.contains("$HibernateProxy")
            || module.contains("$ByteBuddy")
            || module.contains("$MockitoMock"))
    {
        return false;
    }
    let root = module.split('.').next().unwrap_or(module);
    let org = match module.match_indices('.').nth(1) {
        Some((at, _)) => &module[..at],
        None => module,
    };
    !(JAVA_ROOTS.contains(&root) || JAVA_ORGS.contains(&org))
}

#[rustfmt::skip]
const PYTHON_STDLIB_MODULES: &[&str] = &[
    "asyncio", "concurrent", "threading", "importlib", "runpy", "logging", "unittest",
    "multiprocessing", "socketserver", "http", "urllib", "json", "contextlib", "functools",
    "subprocess", "socket", "ssl", "selectors", "queue", "wsgiref", "xmlrpc", "email", "abc",
];

pub(super) fn python(module: &str, file: &str) -> bool {
    if file.starts_with('<') {
        return false; // <frozen …>, <string>, <stdin>: not a file of the app
    }
    if let Some(at) = file.find("/lib/python").or_else(|| file.find("/lib/pypy"))
        && file[at + 5..]
            .bytes()
            .find(|b| b.is_ascii_digit())
            .is_some()
    {
        return false; // the standard library: /usr/lib/python3.12/…
    }
    if file.is_empty() {
        let root = module.split('.').next().unwrap_or(module);
        return !PYTHON_STDLIB_MODULES.contains(&root);
    }
    true
}

#[rustfmt::skip]
const GO_LIBS: &[&str] = &[
    "golang.org/x/", "google.golang.org/", "gopkg.in/", "go.uber.org/", "go.opentelemetry.io/",
    "gorm.io/", "k8s.io/", "sigs.k8s.io/", "cloud.google.com/go", "github.com/gin-gonic/",
    "github.com/labstack/echo", "github.com/go-chi/", "github.com/gorilla/", "github.com/jackc/",
    "github.com/lib/pq", "github.com/sirupsen/logrus", "github.com/stretchr/testify",
    "github.com/grpc-ecosystem/", "github.com/valyala/fasthttp", "github.com/gofiber/",
    "github.com/redis/go-redis", "github.com/go-redis/", "github.com/spf13/",
    "github.com/prometheus/", "github.com/aws/", "github.com/jmoiron/sqlx",
    "github.com/julienschmidt/httprouter", "github.com/urfave/cli", "github.com/segmentio/",
    "github.com/IBM/sarama", "github.com/Shopify/sarama", "github.com/nats-io/",
    "github.com/hashicorp/", "github.com/rs/zerolog", "github.com/pkg/errors",
    "github.com/uber-go/", "github.com/go-sql-driver/", "github.com/mattn/go-sqlite3",
];

pub(super) fn go(module: &str, file: &str, function: Option<&str>) -> bool {
    if module.is_empty() {
        // runtime frames print no package: `panic(...)`, `goexit`
        let runtime = file.contains("/src/runtime/") || file.contains("/libexec/src/");
        return !runtime && !matches!(function, Some("panic" | "gopanic" | "goexit") | None);
    }
    if file.contains("@v") || file.contains("/libexec/src/") {
        return false; // module cache with -trimpath, or a Homebrew GOROOT
    }
    let root = module.split('/').next().unwrap_or(module);
    if !root.contains('.') && module != "main" {
        return false; // the standard library: net/http, runtime, testing
    }
    !has_prefix(module, GO_LIBS)
}

pub(super) fn node(file: &str) -> bool {
    if file.is_empty()
        || file.starts_with("node:")
        || file.starts_with("internal/")
        || file.starts_with("bun:")
        || file.starts_with("ext:")
        || file.contains("/webpack/")
        || file == "native"
        || file == "<anonymous>"
    {
        return false;
    }
    let name = super::super::normalize::basename(file);
    let bundles = [
        "framework",
        "vendor",
        "vendors",
        "chunk-vendors",
        "polyfills",
        "runtime",
    ];
    !bundles
        .iter()
        .any(|b| name.starts_with(b) && name[b.len()..].starts_with(['.', '~', '-']))
}

#[rustfmt::skip]
const RUBY_LIBS: &[&str] = &[
    "ActiveSupport", "ActiveRecord", "ActiveModel", "ActiveJob", "ActionController",
    "ActionDispatch", "ActionView", "ActionCable", "ActionMailer", "AbstractController",
    "Rails", "Rack", "Sidekiq", "Puma", "Sinatra", "Grape", "Devise", "Warden",
    "Net", "Bundler", "Gem", "Rake", "RSpec", "Minitest", "Sequel", "Faraday",
    // core and standard library classes, which Ruby 3.4 prints at the caller's location
    "Array", "Hash", "Integer", "String", "Kernel", "Enumerable", "Enumerator", "Object",
    "BasicObject", "Class", "Module", "Proc", "Method", "IO", "File", "Dir", "TCPSocket",
    "Socket", "Thread", "Mutex", "Monitor", "Fiber", "Range", "Struct", "Comparable", "Symbol",
    "Float", "Time", "JSON", "Timeout", "OpenSSL", "URI", "CSV", "ERB", "Psych", "Logger",
];

pub(super) fn ruby(module: &str, file: &str) -> bool {
    if file.starts_with("<internal:") || file.contains("/rubygems") || file.contains("/bundler/") {
        return false;
    }
    if let Some(at) = file.find("/ruby/")
        && file[at + 6..].starts_with(|c: char| c.is_ascii_digit())
    {
        return false; // the standard library: /usr/local/lib/ruby/3.2.0/…
    }
    if let Some((head, _)) = file.split_once(") ")
        && head.contains(" (")
    {
        return false; // Rails' backtrace cleaner: `actionpack (7.1.2) lib/…`
    }
    let root = module.split("::").next().unwrap_or(module);
    !RUBY_LIBS.contains(&root)
}

#[rustfmt::skip]
const DOTNET_LIBS: &[&str] = &[
    "System", "Microsoft", "Windows", "Npgsql", "Dapper", "Newtonsoft", "Polly", "Grpc",
    "Google", "StackExchange", "MediatR", "Serilog", "NLog", "log4net", "AutoMapper",
    "Castle", "Xunit", "NUnit", "FluentValidation", "MassTransit", "Hangfire", "RabbitMQ",
    "Confluent", "Amazon", "Azure", "MySql", "MySqlConnector", "Oracle", "Swashbuckle",
    "Autofac", "Quartz", "Refit", "RestSharp", "Moq", "Elasticsearch", "Nest", "Mono",
    "Pomelo", "Orleans", "Dapr", "Humanizer",
];

pub(super) fn dotnet(module: &str, function: Option<&str>) -> bool {
    let function = function.unwrap_or("");
    if module.is_empty() {
        return !function.starts_with("lambda_method") && !function.is_empty();
    }
    let root = module.split('.').next().unwrap_or(module);
    !DOTNET_LIBS.contains(&root)
}

#[rustfmt::skip]
const PHP_LIBS: &[&str] = &[
    "Illuminate", "Symfony", "Laravel", "Slim", "Doctrine", "GuzzleHttp",
    "Monolog", "PHPUnit", "Psr", "Laminas", "Zend", "Composer", "Predis",
    "League", "Carbon", "Twig", "Livewire", "Nyholm",
];

#[rustfmt::skip]
const PHP_BUILTIN_CLASSES: &[&str] = &[
    "PDO", "PDOStatement", "mysqli", "mysqli_stmt", "Closure", "Generator", "ReflectionMethod",
    "ReflectionClass", "ReflectionFunction", "ReflectionProperty", "SplObjectStorage",
    "ArrayIterator", "ArrayObject", "DateTime", "DateTimeImmutable", "SoapClient", "Redis",
    "Memcached", "Imagick", "ZipArchive", "SimpleXMLElement", "DOMDocument", "NumberFormatter",
    "IntlDateFormatter",
];

pub(super) fn php(module: &str, file: &str) -> bool {
    if file.is_empty() || PHP_BUILTIN_CLASSES.contains(&module) {
        return false;
    }
    let root = module.split('\\').next().unwrap_or(module);
    !PHP_LIBS.contains(&root)
}

#[rustfmt::skip]
const RUST_LIBS: &[&str] = &[
    "std", "core", "alloc", "panic_unwind", "test", "tokio", "tokio_util", "futures",
    "futures_util", "futures_core", "futures_executor", "hyper", "hyper_util", "axum", "axum_core",
    "tower", "tower_http", "tower_service", "actix_web", "actix_rt", "actix_http", "rocket",
    "tracing", "tracing_core", "backtrace", "anyhow", "eyre", "color_eyre", "serde", "serde_json",
    "sqlx", "sqlx_core", "diesel", "reqwest", "tonic", "warp", "mio", "rayon", "rayon_core",
    "crossbeam", "crossbeam_channel", "parking_lot", "async_std", "async_task", "smol",
];

pub(super) fn rust(module: &str, function: Option<&str>, file: &str) -> bool {
    let function = function.unwrap_or("");
    if function.starts_with("__rust")
        || function.starts_with("rust_begin_unwind")
        || function.starts_with("rust_panic")
        || matches!(
            function,
            "_start" | "__libc_start_main" | "start_thread" | "clone" | "clone3"
        )
        || function.starts_with("__libc_start_call_main")
    {
        return false;
    }
    if module.is_empty() {
        return !file.is_empty();
    }
    let root = module.trim_start_matches('<');
    let root = root.split("::").next().unwrap_or(root);
    let root = root.split('<').next().unwrap_or(root);
    !RUST_LIBS.contains(&root)
}

#[rustfmt::skip]
const DART_LIBS: &[&str] = &[
    "package:flutter/", "package:flutter_test/", "package:test_api/", "package:stack_trace/",
    "package:async/", "package:collection/", "package:http/", "package:dio/",
    "package:provider/", "package:bloc/", "package:flutter_bloc/", "package:riverpod/",
    "package:flutter_riverpod/", "package:shelf/", "package:sqflite/", "package:get/",
];

pub(super) fn dart(file: &str) -> bool {
    !(file.is_empty() || file.starts_with("dart:") || has_prefix(file, DART_LIBS))
}

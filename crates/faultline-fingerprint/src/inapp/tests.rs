use super::*;

fn frame(module: Option<&str>, function: &str, file: Option<&str>) -> Frame {
    Frame {
        module: module.map(Into::into),
        function: Some(function.into()),
        file: file.map(Into::into),
        ..Frame::default()
    }
}

#[test]
fn defaults_per_language() {
    use Lang::*;
    let cases = [
        (
            Java,
            frame(Some("com.acme.shop.Cart"), "checkout", Some("Cart.java")),
            true,
        ),
        (
            Java,
            frame(
                Some("org.springframework.web.servlet.FrameworkServlet"),
                "service",
                None,
            ),
            false,
        ),
        (
            Java,
            frame(
                Some("com.acme.Foo$$EnhancerBySpringCGLIB$$1a"),
                "save",
                None,
            ),
            false,
        ),
        (
            Python,
            frame(None, "run", Some("/app/jobs/runner.py")),
            true,
        ),
        (
            Python,
            frame(
                None,
                "get",
                Some("/usr/local/lib/python3.11/site-packages/requests/api.py"),
            ),
            false,
        ),
        (
            Python,
            frame(None, "_run", Some("/usr/lib/python3.12/asyncio/events.py")),
            false,
        ),
        (
            Python,
            frame(Some("runpy"), "_run_code", Some("<frozen runpy>")),
            false,
        ),
        (
            Go,
            frame(Some("main"), "main", Some("/src/app/main.go")),
            true,
        ),
        (
            Go,
            frame(
                Some("net/http"),
                "serve",
                Some("/usr/local/go/src/net/http/server.go"),
            ),
            false,
        ),
        (
            Go,
            frame(
                Some("github.com/gin-gonic/gin"),
                "Next",
                Some("/go/pkg/mod/github.com/gin-gonic/gin@v1.9.1/context.go"),
            ),
            false,
        ),
        (
            Go,
            frame(None, "panic", Some("/usr/local/go/src/runtime/panic.go")),
            false,
        ),
        (Node, frame(None, "show", Some("/app/src/cart.js")), true),
        (
            Node,
            frame(
                None,
                "next",
                Some("/app/node_modules/express/lib/router.js"),
            ),
            false,
        ),
        (
            Node,
            frame(
                Some("process"),
                "processTicksAndRejections",
                Some("node:internal/process/task_queues"),
            ),
            false,
        ),
        (
            Ruby,
            frame(None, "show", Some("app/controllers/orders_controller.rb")),
            true,
        ),
        (
            Ruby,
            frame(
                None,
                "call",
                Some("actionpack (7.1.2) lib/action_dispatch/x.rb"),
            ),
            false,
        ),
        (
            Ruby,
            frame(Some("Array"), "each", Some("app/services/batch.rb")),
            false,
        ),
        (
            DotNet,
            frame(Some("Acme.Billing.Invoice"), "Build", None),
            true,
        ),
        (
            DotNet,
            frame(Some("System.Linq.Enumerable"), "First", None),
            false,
        ),
        (
            Php,
            frame(
                Some("App\\Services\\Pay"),
                "charge",
                Some("/var/www/app/Services/Pay.php"),
            ),
            true,
        ),
        (
            Php,
            frame(Some("PDO"), "__construct", Some("/var/www/src/Db.php")),
            false,
        ),
        (
            Php,
            frame(
                Some("Slim\\App"),
                "run",
                Some("/var/www/vendor/slim/slim/App.php"),
            ),
            false,
        ),
        (
            Rust,
            frame(Some("shop::orders"), "total", Some("./src/orders.rs")),
            true,
        ),
        (
            Rust,
            frame(
                Some("<core::pin::Pin<P> as core::future::Future>"),
                "poll",
                None,
            ),
            false,
        ),
        (Rust, frame(None, "rust_begin_unwind", None), false),
        (
            Dart,
            frame(Some("CartPage"), "build", Some("package:shop/cart.dart")),
            true,
        ),
        (
            Dart,
            frame(
                Some("StatefulElement"),
                "build",
                Some("package:flutter/src/widgets/framework.dart"),
            ),
            false,
        ),
    ];
    for (lang, frame, want) in cases {
        assert_eq!(
            is_in_app_by_default(lang, &frame),
            want,
            "{lang:?} {frame:?}"
        );
    }
}

#[test]
fn config_globs_win_over_defaults_and_exclude_wins() {
    let rules = InApp::new(
        &[
            "org.springframework.samples.**".into(),
            "**/vendor/acme/**".into(),
        ],
        &["org.springframework.samples.generated.*".into()],
    )
    .unwrap();
    let f = |m: &str| frame(Some(m), "f", None);
    assert!(rules.classify(
        Lang::Java,
        &f("org.springframework.samples.petclinic.Owner")
    ));
    assert!(!rules.classify(Lang::Java, &f("org.springframework.samples.generated.Dto")));
    assert!(!rules.classify(Lang::Java, &f("org.springframework.web.Servlet")));
    let vendored = frame(None, "f", Some("/srv/app/vendor/acme/lib.php"));
    assert!(rules.classify(Lang::Php, &vendored));
}

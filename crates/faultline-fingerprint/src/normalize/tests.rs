use super::*;

fn key(lang: Lang, module: Option<&str>, function: Option<&str>, file: Option<&str>) -> String {
    let frame = Frame {
        module: module.map(Into::into),
        function: function.map(Into::into),
        file: file.map(Into::into),
        line: Some(7),
        ..Frame::default()
    };
    let mut out = String::new();
    frame_key(lang, &frame, &mut out);
    out.replace(KEY_SEP, " | ")
}

#[test]
fn generated_and_numbered_names_per_language() {
    use Lang::*;
    let cases = [
        (
            Java,
            Some("com.acme.Foo$$Lambda$1287/0x0000000801a3c440"),
            Some("run"),
            None,
            "com.acme.Foo$$Lambda | run",
        ),
        (
            Java,
            Some("com.acme.Foo$$EnhancerBySpringCGLIB$$8f1c2a3d"),
            Some("save"),
            None,
            "com.acme.Foo | save",
        ),
        (
            Java,
            Some("com.sun.proxy.$Proxy142"),
            Some("sweep"),
            None,
            "com.sun.proxy.$Proxy | sweep",
        ),
        (
            Java,
            Some("com.acme.Foo$1"),
            Some("lambda$schedule$0"),
            None,
            "com.acme.Foo | lambda$schedule",
        ),
        (
            Java,
            Some("app//com.acme.Foo$HibernateProxy$Ab12"),
            Some("get"),
            None,
            "com.acme.Foo | get",
        ),
        (
            Java,
            Some("jdk.internal.reflect.GeneratedMethodAccessor12"),
            Some("invoke"),
            None,
            "jdk.internal.reflect.GeneratedMethodAccessor | invoke",
        ),
        (
            DotNet,
            Some("Acme.LabelService.<PrintAsync>d__4"),
            Some("MoveNext"),
            None,
            "Acme.LabelService | PrintAsync",
        ),
        (
            DotNet,
            Some("Acme.Sync.<>c__DisplayClass5_0.<<RunAsync>b__0>d"),
            Some("MoveNext"),
            None,
            "Acme.Sync | RunAsync.<lambda>",
        ),
        (
            DotNet,
            Some("Npgsql.Conn"),
            Some("<ReadMessage>g__ReadLong|233_0"),
            None,
            "Npgsql.Conn | ReadMessage.ReadLong",
        ),
        (
            DotNet,
            Some("System.Linq.Enumerable"),
            Some("First[TSource]"),
            None,
            "System.Linq.Enumerable | First",
        ),
        (
            DotNet,
            None,
            Some("lambda_method12"),
            None,
            " | lambda_method",
        ),
        (
            Go,
            Some("github.com/acme/x@v1.2.3/web"),
            Some("handler.func12.3"),
            None,
            "github.com/acme/x/web | handler.func",
        ),
        (Go, Some("main"), Some("Map[...]"), None, "main | Map"),
        (
            Rust,
            Some("shop::orders"),
            Some("total::h5c1e0f6a2b3d4e5f"),
            None,
            "shop::orders | total",
        ),
        (
            Rust,
            Some("tokio::core::Core<T,S>"),
            Some("poll::{{closure}}::h9f8e7d6c5b4a3928"),
            None,
            "tokio::core::Core | poll::{{closure}}",
        ),
        (
            Rust,
            None,
            None,
            Some("./src/jobs/settle.rs"),
            "src/jobs/settle.rs | ",
        ),
        (
            Ruby,
            None,
            Some("block (2 levels) in rescue in call"),
            Some("/srv/releases/20261120/app/models/order.rb"),
            "models/order.rb | call",
        ),
        (
            Ruby,
            None,
            Some("_app_views_orders_show_html_erb__1234_5678"),
            Some("app/views/orders/show.html.erb"),
            "orders/show.html.erb | _app_views_orders_show_html_erb",
        ),
        (
            Ruby,
            None,
            Some("fetch"),
            Some("/usr/local/bundle/gems/net-protocol-0.2.2/lib/net/protocol.rb"),
            "net/protocol.rb | fetch",
        ),
        (
            Python,
            None,
            Some("money"),
            Some("/srv/releases/1.378705245900539993/filters.py"),
            "releases/filters.py | money",
        ),
        (
            Node,
            Some("Object"),
            Some("async handle"),
            Some("https://shop.example.com/static/js/main.3f2a1c9b.js"),
            "js/main.js | handle",
        ),
        (
            Node,
            None,
            Some("next"),
            Some("/app/node_modules/.pnpm/express@4.18.2/node_modules/express/lib/route.js"),
            "lib/route.js | next",
        ),
        (
            Php,
            Some("Illuminate\\Pipeline\\Pipeline"),
            Some("Illuminate\\Pipeline\\{closure}"),
            None,
            "Illuminate\\Pipeline\\Pipeline | {closure}",
        ),
        (
            Php,
            Some("class@anonymous/var/www/x.php:12$0"),
            Some("handle"),
            None,
            "class@anonymous | handle",
        ),
    ];
    for (lang, module, function, file, want) in cases {
        assert_eq!(
            key(lang, module, function, file),
            want,
            "{lang:?} {module:?} {function:?}"
        );
    }
}

#[test]
fn versioned_parents_fall_back_to_the_file_name() {
    let mut out = String::new();
    push_file_tail("/gems/actionpack-7.1.2/base.rb", &mut out);
    assert_eq!(out, "actionpack/base.rb");
    out.clear();
    push_file_tail("/opt/app/1.2.3/main.py", &mut out);
    assert_eq!(out, "app/main.py");
}

#[test]
fn recursion_of_any_depth_collapses() {
    let mut a = vec!["main", "visit", "visit", "visit", "leaf"];
    let mut b = vec!["main", "visit", "leaf"];
    collapse_recursion(&mut a);
    collapse_recursion(&mut b);
    assert_eq!(a, b);
    let mut mutual = vec!["main", "even", "odd", "even", "odd", "even", "odd", "leaf"];
    collapse_recursion(&mut mutual);
    assert_eq!(mutual, ["main", "even", "odd", "leaf"]);
}

#[test]
fn exception_types_lose_generics_and_anonymous_numbers() {
    for (kind, want) in [
        (
            " System.Collections.Generic.KeyNotFoundException`1[System.String] ",
            "System.Collections.Generic.KeyNotFoundException",
        ),
        ("com.acme.Errors$1", "com.acme.Errors"),
        ("ValueError", "ValueError"),
    ] {
        let mut out = String::new();
        exception_type(kind, &mut out);
        assert_eq!(out, want);
    }
}

//! The layer rule, checked: every `crate::` path in a module's code (its tests aside)
//! must name a module of its own layer or a lower one, the modules must not depend on
//! each other in a circle, and only the services may name the store.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// Lowest first. A module may use the modules of its own layer and of the layers below.
const LAYERS: &[&[&str]] = &[
    &["model"],
    &["error"],
    &["secrets", "config"],
    &["store"],
    &["settings", "worklog", "senders"],
    &["queue", "oauth"],
    &["services"],
    &["sender"],
    &["i18n"],
    &["tui", "cli"],
];

/// The services: the only modules that may call `Store`.
const STORE_USERS: &[&str] = &[
    "settings", "worklog", "senders", "queue", "oauth", "services",
];

/// `crate::time` is `model::time`, re-exported at the root.
fn canonical(module: &str) -> &str {
    if module == "time" { "model" } else { module }
}

fn layer_of(module: &str) -> Option<usize> {
    LAYERS.iter().position(|l| l.contains(&canonical(module)))
}

/// The code of a file without its `#[cfg(test)]` items: tests may reach further.
fn without_tests(text: &str) -> &str {
    match text.find("#[cfg(test)]\nmod tests") {
        Some(i) => &text[..i],
        None => text,
    }
}

/// The top-level modules a piece of code names through `crate::`, including those in
/// `use crate::{a::B, c}` groups.
fn named_modules(code: &str) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    let mut rest = code;
    while let Some(i) = rest.find("crate::") {
        rest = &rest[i + "crate::".len()..];
        if let Some(group) = rest.strip_prefix('{') {
            // The first segment of each item of the group (nested groups included).
            let mut depth = 1;
            let mut item_start = true;
            for (j, c) in group.char_indices() {
                match c {
                    '{' => depth += 1,
                    '}' => {
                        depth -= 1;
                        if depth == 0 {
                            rest = &group[j..];
                            break;
                        }
                    }
                    ',' if depth == 1 => item_start = true,
                    c if item_start && depth == 1 && (c.is_ascii_lowercase() || c == '_') => {
                        let name: String = group[j..]
                            .chars()
                            .take_while(|c| {
                                c.is_ascii_lowercase() || *c == '_' || c.is_ascii_digit()
                            })
                            .collect();
                        out.insert(name);
                        item_start = false;
                    }
                    c if !c.is_whitespace() => item_start = false,
                    _ => {}
                }
            }
        } else {
            let name: String = rest
                .chars()
                .take_while(|c| c.is_ascii_lowercase() || *c == '_' || c.is_ascii_digit())
                .collect();
            // `crate::Error` and the like are the root's re-exports of `error`.
            if name.is_empty() {
                if rest.starts_with("Error") || rest.starts_with("Result") {
                    out.insert("error".to_string());
                }
            } else {
                out.insert(name);
            }
        }
    }
    out
}

/// Every `.rs` file under `dir` (the console's key-table test reads them too).
pub(crate) fn rust_files(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        let p = e.path();
        if p.is_dir() {
            rust_files(&p, out);
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
}

/// For each top-level module, the modules it names and the files that name them.
fn module_graph() -> BTreeMap<String, BTreeMap<String, BTreeSet<String>>> {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    let mut graph: BTreeMap<String, BTreeMap<String, BTreeSet<String>>> = BTreeMap::new();
    for f in files {
        let rel = f
            .strip_prefix(&src)
            .unwrap_or(&f)
            .to_string_lossy()
            .into_owned();
        let top = rel
            .split('/')
            .next()
            .unwrap_or_default()
            .trim_end_matches(".rs")
            .to_string();
        if matches!(top.as_str(), "lib" | "main" | "layers") {
            continue;
        }
        let text = std::fs::read_to_string(&f).unwrap_or_default();
        let deps = graph.entry(canonical(&top).to_string()).or_default();
        for m in named_modules(without_tests(&text)) {
            let m = canonical(&m).to_string();
            if m != canonical(&top) {
                deps.entry(m).or_default().insert(rel.clone());
            }
        }
    }
    graph
}

#[test]
fn every_module_has_a_layer() {
    let graph = module_graph();
    let unplaced: Vec<_> = graph.keys().filter(|m| layer_of(m).is_none()).collect();
    assert!(
        unplaced.is_empty(),
        "modules missing from LAYERS: {unplaced:?}"
    );
}

#[test]
fn no_module_uses_a_higher_layer() {
    let mut wrong = Vec::new();
    for (module, deps) in module_graph() {
        let Some(own) = layer_of(&module) else {
            continue;
        };
        for (dep, files) in deps {
            match layer_of(&dep) {
                Some(l) if l <= own => {}
                _ => wrong.push(format!("{module} -> {dep} (in {files:?})")),
            }
        }
    }
    assert!(
        wrong.is_empty(),
        "imports against the layers:\n{}",
        wrong.join("\n")
    );
}

#[test]
fn only_services_name_the_store() {
    let mut wrong = Vec::new();
    for (module, deps) in module_graph() {
        if let Some(files) = deps.get("store")
            && !STORE_USERS.contains(&module.as_str())
        {
            wrong.push(format!("{module} (in {files:?})"));
        }
    }
    assert!(
        wrong.is_empty(),
        "the store used outside the services:\n{}",
        wrong.join("\n")
    );
}

#[test]
fn modules_do_not_depend_on_each_other_in_a_circle() {
    let graph = module_graph();
    // Depth-first search with colours; a grey node reached again closes a circle.
    fn visit<'a>(
        m: &'a str,
        graph: &'a BTreeMap<String, BTreeMap<String, BTreeSet<String>>>,
        state: &mut BTreeMap<&'a str, u8>,
        path: &mut Vec<&'a str>,
    ) -> Option<Vec<String>> {
        match state.get(m) {
            Some(1) => {
                let start = path.iter().position(|p| *p == m).unwrap_or(0);
                let mut circle: Vec<String> = path[start..].iter().map(|s| s.to_string()).collect();
                circle.push(m.to_string());
                return Some(circle);
            }
            Some(_) => return None,
            None => {}
        }
        state.insert(m, 1);
        path.push(m);
        if let Some(deps) = graph.get(m) {
            for d in deps.keys() {
                if let Some(c) = visit(d, graph, state, path) {
                    return Some(c);
                }
            }
        }
        path.pop();
        state.insert(m, 2);
        None
    }
    let mut state = BTreeMap::new();
    for m in graph.keys() {
        let mut path = Vec::new();
        if let Some(circle) = visit(m, &graph, &mut state, &mut path) {
            panic!("modules in a circle: {}", circle.join(" -> "));
        }
    }
}

#[test]
fn the_reader_finds_grouped_and_inline_paths() {
    let code = "use crate::{model::{Mail, MailId}, store::Store};\nfn f() -> crate::Result<()> { crate::queue::x(); }";
    let found: Vec<_> = named_modules(code).into_iter().collect();
    assert_eq!(found, ["error", "model", "queue", "store"]);
    // A higher layer named anywhere in a file is caught, a test module is not read.
    let with_test = "use crate::model::Mail;\n#[cfg(test)]\nmod tests { use crate::tui::App; }";
    assert!(!named_modules(without_tests(with_test)).contains("tui"));
    assert!(layer_of("tui") > layer_of("store"));
}

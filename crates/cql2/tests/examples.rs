//! Conformance: every cql2-text example of the standard parses, its cql2-json twin parses to
//! the same AST, and the canonical text of that AST parses back to it. The examples are in
//! `tests/examples/` (see the README there for their source).

use std::fs;
use std::path::Path;

use cql2::{parse_json, parse_text};

/// Examples that use the array operators, which this crate does not support. They must fail
/// with a clear error, in both encodings.
const ARRAY_EXAMPLES: &[&str] = &[
    "clause7_15",
    "example79",
    "example80",
    "example81",
    "example82",
];

fn dir(sub: &str) -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/examples")
        .join(sub)
}

/// `example36-alt01` → `example36`: alternative texts share the JSON of their example.
fn json_twin(stem: &str) -> &str {
    stem.split_once("-alt").map_or(stem, |(base, _)| base)
}

#[test]
fn every_text_example_matches_its_json_twin() {
    let mut names: Vec<_> = fs::read_dir(dir("text"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "txt"))
        .collect();
    names.sort();
    assert!(names.len() >= 100, "examples missing: {}", names.len());
    let mut failures = Vec::new();
    let mut passed = 0;
    for path in &names {
        let stem = path.file_stem().unwrap().to_str().unwrap();
        let base = json_twin(stem);
        let text = fs::read_to_string(path).unwrap();
        let json = fs::read_to_string(dir("json").join(format!("{base}.json"))).unwrap();
        if ARRAY_EXAMPLES.contains(&base) {
            let t = parse_text(&text).unwrap_err();
            let j = parse_json(&json).unwrap_err();
            assert!(t.message.contains("array operator"), "{stem}: {t}");
            assert!(j.message.contains("array operator"), "{stem}: {j}");
            continue;
        }
        let from_text = match parse_text(&text) {
            Ok(e) => e,
            Err(e) => {
                failures.push(format!("{stem}.txt: {e}"));
                continue;
            }
        };
        let from_json = match parse_json(&json) {
            Ok(e) => e,
            Err(e) => {
                failures.push(format!("{base}.json: {e}"));
                continue;
            }
        };
        if from_text != from_json {
            failures.push(format!(
                "{stem}: text and JSON differ:\n  {from_text:?}\n  {from_json:?}"
            ));
            continue;
        }
        let canonical = from_text.to_string();
        match parse_text(&canonical) {
            Ok(again) if again == from_text => passed += 1,
            Ok(again) => failures.push(format!(
                "{stem}: round trip changed the AST: {canonical}\n  {again:?}"
            )),
            Err(e) => failures.push(format!(
                "{stem}: canonical text does not parse: {canonical}: {e}"
            )),
        }
    }
    assert!(
        failures.is_empty(),
        "{} failures:\n{}",
        failures.len(),
        failures.join("\n")
    );
    assert!(passed >= 100, "only {passed} examples passed");
}

#[test]
fn every_json_example_has_a_text_twin() {
    for entry in fs::read_dir(dir("json")).unwrap() {
        let path = entry.unwrap().path();
        let stem = path.file_stem().unwrap().to_str().unwrap().to_owned();
        assert!(
            dir("text").join(format!("{stem}.txt")).exists(),
            "{stem}.json has no text twin"
        );
    }
}

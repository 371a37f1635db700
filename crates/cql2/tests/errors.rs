//! Malformed filters: each error names the place (byte offset, line, column) and the problem.

use cql2::{MAX_DEPTH, ParseError, parse_json, parse_text};

fn text_err(input: &str) -> ParseError {
    parse_text(input).expect_err(input)
}

fn json_err(input: &str) -> ParseError {
    parse_json(input).expect_err(input)
}

#[test]
fn text_errors_point_at_the_problem() {
    let cases: &[(&str, usize, &str)] = &[
        (
            "landsat:scene_id =",
            18,
            "expected a value after '=', found end of input",
        ),
        (
            "city = 'Toronto' AND",
            20,
            "expected a value after AND, found end of input",
        ),
        (
            "floors > 5 floors",
            11,
            "expected AND, OR or the end after the number 5, found 'floors'",
        ),
        (
            "a = 1 = 2",
            6,
            "comparisons cannot be chained: join them with AND",
        ),
        (
            "a BETWEEN 1 OR 2",
            12,
            "expected AND after the number 1, found OR",
        ),
        (
            "a NOT b",
            6,
            "expected LIKE, BETWEEN or IN after NOT, found 'b'",
        ),
        ("x IS NULLL", 5, "expected NULL after IS, found 'NULLL'"),
        (
            "name = 'abc",
            7,
            "unterminated string: a closing ' is missing",
        ),
        ("a # b", 2, "unexpected character '#'"),
        ("a != b", 2, "'!=' is not CQL2: write '<>' for 'not equal'"),
        (
            "(a = 1",
            6,
            "expected ')' after the number 1, found end of input",
        ),
        ("f(a,,b)", 4, "expected a value after ',', found ','"),
        (
            "a AND 5",
            6,
            "AND needs a boolean expression, found a number",
        ),
        ("'abc' = 5", 6, "'=' cannot compare a string with a number"),
        (
            "S_INTERSECTS(geometry, 5)",
            23,
            "S_INTERSECTS needs a geometry, found a number",
        ),
        (
            "T_AFTER(t, 'x')",
            11,
            "T_AFTER needs a date, timestamp or interval, found a string",
        ),
        ("a + 'x' > 1", 4, "'+' needs a number, found a string"),
        (
            "S_INTERSECTS(a)",
            0,
            "S_INTERSECTS needs 2 arguments, found 1",
        ),
        ("CASEI(a, b) = 'x'", 0, "CASEI needs 1 argument, found 2"),
        (
            "DATE('2021-02-30') < d",
            5,
            "invalid date '2021-02-30': month 2 of 2021 has 28 days",
        ),
        (
            "POLYGON((0 0, 1 1, 0 0)) IS NULL",
            0,
            "ring 1 of a polygon needs at least 4 positions, found 3",
        ),
        (
            "S_WITHIN(g, POINT Z(1 2))",
            12,
            "POINT Z needs positions of 3 coordinates",
        ),
        (
            "S_WITHIN(g, BBOX(1, 2, 3))",
            12,
            "BBOX needs 4 or 6 numbers, found 3",
        ),
        (
            "A_CONTAINS(layers, ('a'))",
            0,
            "the array operator A_CONTAINS is not supported",
        ),
        (
            "x = NULL",
            4,
            "NULL is only allowed in 'IS NULL' and 'IS NOT NULL'",
        ),
        (
            "5",
            0,
            "a filter needs a boolean expression, found a number",
        ),
        ("", 0, "empty filter: expected a CQL2 expression"),
        ("x = 1e999", 4, "the number 1e999 is out of range"),
    ];
    for &(input, offset, message) in cases {
        let e = text_err(input);
        assert_eq!(
            (e.offset, e.message.as_str()),
            (offset, message),
            "{input:?}"
        );
    }
}

#[test]
fn error_display_has_line_and_column() {
    let e = text_err("a = 1\nAND b =");
    assert_eq!(
        e.to_string(),
        "at 13 (line 2, column 8): expected a value after '=', found end of input"
    );
    let e = text_err("naam = 'café' AND");
    assert_eq!((e.offset, e.column), (18, 18));
}

#[test]
fn json_errors_point_at_the_problem() {
    // (input, the text the error must point at (its first occurrence), message)
    let cases: &[(&str, &str, &str)] = &[
        (
            r#"{"op": "=", "args": [{"property": "a"}, 1]"#,
            "",
            "expected ',' or '}', found end of input",
        ),
        (
            r#"{"op": "=", "args": [{"property": "a"}, 1,]}"#,
            "]}",
            "expected a JSON value, found ']'",
        ),
        (
            r#"{"op": "like", "args": [{"property": "a"}]}"#,
            "[{",
            "\"like\" needs 2 arguments, found 1",
        ),
        (
            r#"{"op": "and", "args": [true, 5]}"#,
            "5",
            "\"and\" needs a boolean expression, found a number",
        ),
        (
            r#"{"op": "=", "args": [{"propety": "a"}, 1]}"#,
            "{\"propety\"",
            "unknown object: expected an operation {\"op\": …, \"args\": […]}, {\"property\": …}, \
             {\"date\": …}, {\"timestamp\": …}, {\"interval\": […]}, {\"bbox\": […]} or a GeoJSON geometry",
        ),
        (
            r#"{"op": "=", "args": [{"property": "a", "x": 1}, 1]}"#,
            "\"x\"",
            "unexpected member \"x\" in a property reference",
        ),
        (
            r#"{"op": "=", "op": "<"}"#,
            "\"op\": \"<\"",
            "duplicate member \"op\"",
        ),
        (
            r#"{"op": "isNull"}"#,
            "{",
            "the operation \"isNull\" has no \"args\"",
        ),
        (
            r#"{"op": "=", "args": [{"property": "d"}, {"date": "2021-13-01"}]}"#,
            "\"2021",
            "invalid date '2021-13-01': there is no month 13",
        ),
        (
            r#"{"op": "s_within", "args": [{"property": "g"}, {"type": "Polygon", "coordinates": [[[0,0],[1,1],[0,0]]]}]}"#,
            "{\"type\"",
            "ring 1 of a polygon needs at least 4 positions, found 3",
        ),
        (
            r#"{"op": "s_within", "args": [{"property": "g"}, {"type": "Circle", "coordinates": [0,0]}]}"#,
            "\"Circle\"",
            "unknown GeoJSON geometry type \"Circle\"",
        ),
        (
            r#"{"op": "s_within", "args": [{"property": "g"}, {"type": "Point", "coordinates": [1, 2, 3, 4]}]}"#,
            "[1,",
            "a position needs 2 or 3 coordinates, found 4",
        ),
        (
            r#"{"op": "a_contains", "args": [{"property": "g"}, ["a"]]}"#,
            "\"a_contains\"",
            "the array operator \"a_contains\" is not supported",
        ),
        (
            r#"{"op": "in", "args": [{"property": "g"}, []]}"#,
            "[]",
            "the list of \"in\" needs at least one value",
        ),
        (
            r#"{"op": "point", "args": []}"#,
            "\"point\"",
            "\"point\" is reserved and cannot name a function",
        ),
        (
            r#"{"op": "my func", "args": []}"#,
            "\"my func\"",
            "\"my func\" is not a valid function name",
        ),
        (
            r#"{"op": "=", "args": [{"property": "a"}, null]}"#,
            "null",
            "null is not a CQL2 value",
        ),
        (
            r#"{"op": "=", "args": [{"property": "a"}, 01]}"#,
            "01",
            "invalid JSON number: no leading zeros",
        ),
        (
            r#"{"op": "=", "args": [{"property": "a"}, "\ud800"]}"#,
            "\\ud800",
            "invalid \\u escape: lone surrogate",
        ),
        (
            r#"{"op": "=", "args": [{"property": ""}, 1]}"#,
            "\"\"",
            "empty property name",
        ),
        (
            "{\"op\": \"=\", \"args\": [{\"property\": \"a\"}, \"x\ny\"]}",
            "\n",
            "control character in JSON string: escape it",
        ),
        (
            r#"{"op": "=", "args": [{"property": "a"}, 1]} x"#,
            "x",
            "unexpected content after the JSON value",
        ),
        (
            r#""just a string""#,
            "\"just",
            "a filter needs a boolean expression, found a string",
        ),
        ("  ", "", "empty filter: expected a CQL2 JSON expression"),
    ];
    for &(input, at, message) in cases {
        let offset = if at.is_empty() && !input.trim().is_empty() {
            input.len()
        } else {
            input.find(at).unwrap_or(0)
        };
        let e = json_err(input);
        assert_eq!((e.offset, e.message.as_str()), (offset, message), "{input}");
    }
    let e = json_err("{\n  \"op\": \"not\",\n  \"args\": [5]\n}");
    assert_eq!((e.line, e.column), (3, 12));
}

#[test]
fn deep_nesting_is_an_error_not_a_crash() {
    let ok = format!(
        "{}a{}",
        "(".repeat(MAX_DEPTH - 1),
        ")".repeat(MAX_DEPTH - 1)
    );
    assert!(parse_text(&ok).is_ok());
    for deep in [
        format!(
            "{}a{}",
            "(".repeat(MAX_DEPTH + 1),
            ")".repeat(MAX_DEPTH + 1)
        ),
        format!("{}a", "NOT ".repeat(100_000)),
        format!("x = {}1", "-".repeat(100_000)),
        format!("x = {}1", "-(".repeat(100_000)),
        format!("x = {}", "f(".repeat(100_000)),
        format!("x = 1{}", " + 1".repeat(100_000)),
        format!("x = 2{}", " ^ 2".repeat(100_000)),
        format!("x IN ({})", "(".repeat(100_000)),
    ] {
        let e = text_err(&deep);
        assert!(
            e.message.contains("nests too deeply"),
            "{}: {e}",
            &deep[..20]
        );
    }
    // Printing never needs more nesting than the text it came from: filters wrapped in as many
    // parentheses as still parse round-trip too.
    for inner in [
        "a OR b AND c",
        "x = - -5",
        "x = -(5)",
        "NOT x IS NULL",
        "f(a) = 1",
        "x = 2 ^ -a ^ 2",
    ] {
        let wrap = |k: usize| format!("{}{inner}{}", "(".repeat(k), ")".repeat(k));
        let deepest = (0..=MAX_DEPTH)
            .rev()
            .find(|&k| parse_text(&wrap(k)).is_ok())
            .expect(inner);
        assert!(deepest > MAX_DEPTH - 5, "{inner}: {deepest}");
        let e = parse_text(&wrap(deepest)).unwrap();
        assert_eq!(parse_text(&e.to_string()).as_ref(), Ok(&e), "{inner}");
    }
    // Long but flat input is fine.
    let flat = format!("a = 1{}", " OR a = 1".repeat(20_000));
    assert!(parse_text(&flat).is_ok());

    let json_deep = format!(
        "{}true{}",
        r#"{"op":"not","args":["#.repeat(MAX_DEPTH + 1),
        "]}".repeat(MAX_DEPTH + 1)
    );
    assert!(json_err(&json_deep).message.contains("nests too deeply"));
    let arrays = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
    assert!(json_err(&arrays).message.contains("nests too deeply"));
    let json_ok = format!(
        "{}true{}",
        r#"{"op":"not","args":["#.repeat(MAX_DEPTH - 1),
        "]}".repeat(MAX_DEPTH - 1)
    );
    assert!(parse_json(&json_ok).is_ok());
}

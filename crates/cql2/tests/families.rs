//! One test per operator family: both encodings give the expected AST, and its canonical
//! text reads back to it.

mod common;

use common::{both, canon, int, prop, round_trip, string};
use cql2::{
    ArithmeticOp, BBox, CompareOp, Date, Expr, Geometry, Interval, IntervalBound, Number, Position,
    SpatialOp, TemporalOp, Timestamp, parse_json, parse_text,
};

#[test]
fn boolean_operators_and_precedence() {
    let e = both(
        "a = 1 AND b = 2 OR NOT c = 3",
        r#"{"op":"or","args":[{"op":"and","args":[{"op":"=","args":[{"property":"a"},1]},
            {"op":"=","args":[{"property":"b"},2]}]},{"op":"not","args":[{"op":"=","args":[{"property":"c"},3]}]}]}"#,
    );
    assert_eq!(e.to_string(), "a = 1 AND b = 2 OR NOT c = 3");
    // Unparenthesised chains are flat; parentheses keep their nesting.
    assert!(matches!(parse_text("a AND b AND c").unwrap(), Expr::And(v) if v.len() == 3));
    let nested = parse_text("(a AND b) AND c").unwrap();
    assert!(matches!(&nested, Expr::And(v) if v.len() == 2 && matches!(v[0], Expr::And(_))));
    assert_eq!(round_trip(&nested), "(a AND b) AND c");
    // Keywords ignore case; TRUE and FALSE are literals.
    assert_eq!(canon("not a or b and TrUe"), "NOT a OR b AND TRUE");
    assert_eq!(canon("(a OR b) AND c"), "(a OR b) AND c");
    assert_eq!(canon("a OR (b OR c)"), "a OR (b OR c)");
    both("TRUE", "true");
    both(
        "NOT NOT flag",
        r#"{"op":"not","args":[{"op":"not","args":[{"property":"flag"}]}]}"#,
    );
}

#[test]
fn comparisons() {
    for (sym, op) in [
        ("=", CompareOp::Eq),
        ("<>", CompareOp::NotEq),
        ("<", CompareOp::Lt),
        ("<=", CompareOp::LtEq),
        (">", CompareOp::Gt),
        (">=", CompareOp::GtEq),
    ] {
        let e = both(
            &format!("floors{sym}5"),
            &format!(r#"{{"op":"{sym}","args":[{{"property":"floors"}},5]}}"#),
        );
        assert_eq!(
            e,
            Expr::Compare {
                op,
                left: prop("floors"),
                right: int(5)
            }
        );
        assert_eq!(e.to_string(), format!("floors {sym} 5"));
    }
    // Property-property comparisons, quoted identifiers, strings with both quote escapes.
    let e = both(
        r#""a b" = other"#,
        r#"{"op":"=","args":[{"property":"a b"},{"property":"other"}]}"#,
    );
    assert_eq!(e.to_string(), r#""a b" = other"#);
    let e = both(
        r"name = 'it''s' OR name = 'it\'s'",
        r#"{"op":"or","args":[{"op":"=","args":[{"property":"name"},"it's"]},{"op":"=","args":[{"property":"name"},"it's"]}]}"#,
    );
    assert_eq!(e.to_string(), "name = 'it''s' OR name = 'it''s'");
    both(
        "IS_OPEN = false",
        r#"{"op":"=","args":[{"property":"IS_OPEN"},false]}"#,
    );
}

#[test]
fn is_null() {
    let e = both(
        "geometry IS NULL",
        r#"{"op":"isNull","args":[{"property":"geometry"}]}"#,
    );
    assert_eq!(e, Expr::IsNull(prop("geometry")));
    let e = both(
        "geometry is not null",
        r#"{"op":"not","args":[{"op":"isNull","args":[{"property":"geometry"}]}]}"#,
    );
    assert_eq!(e.to_string(), "geometry IS NOT NULL");
}

#[test]
fn like_between_in() {
    let e = both(
        "name LIKE 'Sm_th%'",
        r#"{"op":"like","args":[{"property":"name"},"Sm_th%"]}"#,
    );
    assert_eq!(
        e,
        Expr::Like {
            expr: prop("name"),
            pattern: string("Sm_th%")
        }
    );
    let e = both(
        "name NOT LIKE 'x%'",
        r#"{"op":"not","args":[{"op":"like","args":[{"property":"name"},"x%"]}]}"#,
    );
    assert_eq!(e.to_string(), "name NOT LIKE 'x%'");

    let e = both(
        "depth BETWEEN 100 AND 150.5",
        r#"{"op":"between","args":[{"property":"depth"},100,150.5]}"#,
    );
    assert_eq!(
        e,
        Expr::Between {
            expr: prop("depth"),
            low: int(100),
            high: Box::new(Expr::Number(Number::Float(150.5)))
        }
    );
    // BETWEEN binds its own AND.
    let e = parse_text("d BETWEEN 1 AND 2 AND ok").unwrap();
    assert!(matches!(&e, Expr::And(v) if v.len() == 2 && matches!(v[0], Expr::Between { .. })));
    assert_eq!(canon("NOT (d BETWEEN 1 AND 2)"), "d NOT BETWEEN 1 AND 2");

    let e = both(
        "c IN ('a', 'b')",
        r#"{"op":"in","args":[{"property":"c"},["a","b"]]}"#,
    );
    assert_eq!(
        e,
        Expr::In {
            expr: prop("c"),
            list: vec![*string("a"), *string("b")]
        }
    );
    let e = both(
        "c NOT IN (1, 2.5, -3)",
        r#"{"op":"not","args":[{"op":"in","args":[{"property":"c"},[1,2.5,-3]]}]}"#,
    );
    assert_eq!(e.to_string(), "c NOT IN (1, 2.5, -3)");
}

#[test]
fn case_and_accent_insensitive() {
    let e = both(
        "CASEI(road) = casei('Straße') AND ACCENTI(owner) LIKE accenti('Beyonc%')",
        r#"{"op":"and","args":[{"op":"=","args":[{"op":"casei","args":[{"property":"road"}]},{"op":"casei","args":["Straße"]}]},
            {"op":"like","args":[{"op":"accenti","args":[{"property":"owner"}]},{"op":"accenti","args":["Beyonc%"]}]}]}"#,
    );
    assert_eq!(
        e.to_string(),
        "CASEI(road) = CASEI('Straße') AND ACCENTI(owner) LIKE ACCENTI('Beyonc%')"
    );
    both(
        "CASEI(ACCENTI(name)) = 'x'",
        r#"{"op":"=","args":[{"op":"casei","args":[{"op":"accenti","args":[{"property":"name"}]}]},"x"]}"#,
    );
}

#[test]
fn spatial_predicates_and_geometries() {
    let point = Geometry::Point(Position {
        x: 5.1,
        y: 52.1,
        z: None,
    });
    for op in SpatialOp::ALL {
        let text = format!("{}(geometry, POINT(5.1 52.1))", op.text_name());
        let json = format!(
            r#"{{"op":"{}","args":[{{"property":"geometry"}},{{"type":"Point","coordinates":[5.1,52.1]}}]}}"#,
            op.json_name()
        );
        let e = both(&text, &json);
        assert_eq!(
            e,
            Expr::Spatial {
                op: *op,
                left: prop("geometry"),
                right: Box::new(Expr::Geometry(point.clone()))
            }
        );
        assert_eq!(e.to_string(), text);
    }
    let cases = [
        (
            "LINESTRING(0 0, 1 1)",
            r#"{"type":"LineString","coordinates":[[0,0],[1,1]]}"#,
        ),
        (
            "POLYGON((0 0, 1 0, 1 1, 0 0), (0.2 0.2, 0.5 0.2, 0.5 0.5, 0.2 0.2))",
            r#"{"type":"Polygon","coordinates":[[[0,0],[1,0],[1,1],[0,0]],[[0.2,0.2],[0.5,0.2],[0.5,0.5],[0.2,0.2]]]}"#,
        ),
        (
            "MULTIPOINT((0 0), (1 1))",
            r#"{"type":"MultiPoint","coordinates":[[0,0],[1,1]]}"#,
        ),
        (
            "MULTIPOINT(0 0, 1 1)",
            r#"{"type":"MultiPoint","coordinates":[[0,0],[1,1]]}"#,
        ),
        (
            "MULTILINESTRING((0 0, 1 1), (2 2, 3 3))",
            r#"{"type":"MultiLineString","coordinates":[[[0,0],[1,1]],[[2,2],[3,3]]]}"#,
        ),
        (
            "MULTIPOLYGON(((0 0, 1 0, 1 1, 0 0)), ((5 5, 6 5, 6 6, 5 5)))",
            r#"{"type":"MultiPolygon","coordinates":[[[[0,0],[1,0],[1,1],[0,0]]],[[[5,5],[6,5],[6,6],[5,5]]]]}"#,
        ),
        (
            "GEOMETRYCOLLECTION(POINT(0 0), LINESTRING(0 0, 1 1))",
            r#"{"type":"GeometryCollection","geometries":[{"type":"Point","coordinates":[0,0]},{"type":"LineString","coordinates":[[0,0],[1,1]]}]}"#,
        ),
        (
            "POINT Z(1 2 3)",
            r#"{"type":"Point","coordinates":[1,2,3]}"#,
        ),
        (
            "point z (1 2 3)",
            r#"{"type":"Point","coordinates":[1,2,3]}"#,
        ),
        (
            "LINESTRING Z(0 0 0, 1 1 1)",
            r#"{"type":"LineString","coordinates":[[0,0,0],[1,1,1]]}"#,
        ),
        (
            "LINESTRING(0 0 0, 1 1 1)",
            r#"{"type":"LineString","coordinates":[[0,0,0],[1,1,1]]}"#,
        ),
        (
            "GEOMETRYCOLLECTION Z(POINT Z(0 0 1))",
            r#"{"type":"GeometryCollection","geometries":[{"type":"Point","coordinates":[0,0,1]}]}"#,
        ),
        (
            "BBOX(4.9, 51.9, 5.6, 52.3)",
            r#"{"bbox":[4.9,51.9,5.6,52.3]}"#,
        ),
        (
            "BBOX(4.9, 51.9, -10, 5.6, 52.3, 100)",
            r#"{"bbox":[4.9,51.9,-10,5.6,52.3,100]}"#,
        ),
    ];
    for (wkt, geojson) in cases {
        both(
            &format!("S_INTERSECTS(geometry, {wkt})"),
            &format!(r#"{{"op":"s_intersects","args":[{{"property":"geometry"}},{geojson}]}}"#),
        );
    }
    let e = parse_text("S_WITHIN(a, BBOX(-180, -90, 0, 180, 90, 10))").unwrap();
    let Expr::Spatial { right, .. } = e else {
        panic!()
    };
    assert_eq!(
        *right,
        Expr::BBox(BBox {
            west: -180.0,
            south: -90.0,
            east: 180.0,
            north: 90.0,
            z: Some((0.0, 10.0))
        })
    );
    assert_eq!(
        canon("S_WITHIN(a, POINT Z (1 2 3))"),
        "S_WITHIN(a, POINT Z(1.0 2.0 3.0))"
    );
    // Property-property and function arguments.
    both(
        "S_CONTAINS(a, b)",
        r#"{"op":"s_contains","args":[{"property":"a"},{"property":"b"}]}"#,
    );
    both(
        "S_WITHIN(road, Buffer(geometry, 10, 'm'))",
        r#"{"op":"s_within","args":[{"property":"road"},{"op":"Buffer","args":[{"property":"geometry"},10,"m"]}]}"#,
    );
}

#[test]
fn temporal_predicates_and_literals() {
    for op in TemporalOp::ALL {
        let text = format!("{}(updated, DATE('2024-07-02'))", op.text_name());
        let json = format!(
            r#"{{"op":"{}","args":[{{"property":"updated"}},{{"date":"2024-07-02"}}]}}"#,
            op.json_name()
        );
        let e = both(&text, &json);
        let date = Date {
            year: 2024,
            month: 7,
            day: 2,
        };
        assert_eq!(
            e,
            Expr::Temporal {
                op: *op,
                left: prop("updated"),
                right: Box::new(Expr::Date(date))
            }
        );
    }
    let e = both(
        "T_DURING(INTERVAL(start, \"end\"), INTERVAL('2017-06-10T07:30:00.5Z', '..'))",
        r#"{"op":"t_during","args":[{"interval":[{"property":"start"},{"property":"end"}]},{"interval":["2017-06-10T07:30:00.500Z",".."]}]}"#,
    );
    let Expr::Temporal { right, .. } = &e else {
        panic!()
    };
    let date = Date {
        year: 2017,
        month: 6,
        day: 10,
    };
    let ts = Timestamp {
        date,
        hour: 7,
        minute: 30,
        second: 0,
        nanosecond: 500_000_000,
    };
    assert_eq!(
        **right,
        Expr::Interval(Interval {
            start: IntervalBound::Timestamp(ts),
            end: IntervalBound::Unbounded
        })
    );
    assert_eq!(
        e.to_string(),
        "T_DURING(INTERVAL(start, end), INTERVAL('2017-06-10T07:30:00.5Z', '..'))"
    );
    both(
        "T_AFTER(t, TIMESTAMP('2012-08-10T05:30:00Z'))",
        r#"{"op":"t_after","args":[{"property":"t"},{"timestamp":"2012-08-10T05:30:00Z"}]}"#,
    );
    both(
        "T_BEFORE(INTERVAL('..', '2024-01-01'), INTERVAL(a, now()))",
        r#"{"op":"t_before","args":[{"interval":["..","2024-01-01"]},{"interval":[{"property":"a"},{"op":"now","args":[]}]}]}"#,
    );
    // Instants compare with the comparison operators too.
    both(
        "updated >= DATE('1970-01-01')",
        r#"{"op":">=","args":[{"property":"updated"},{"date":"1970-01-01"}]}"#,
    );
    // Lenient: DATE(…) inside INTERVAL means the same as the bare string.
    assert_eq!(
        parse_text("T_MEETS(a, INTERVAL(DATE('2024-01-01'), '..'))"),
        parse_text("T_MEETS(a, INTERVAL('2024-01-01', '..'))")
    );
}

#[test]
fn arithmetic_precedence_and_associativity() {
    let e = both(
        "a + b * c > 1",
        r#"{"op":">","args":[{"op":"+","args":[{"property":"a"},{"op":"*","args":[{"property":"b"},{"property":"c"}]}]},1]}"#,
    );
    assert_eq!(e.to_string(), "a + b * c > 1");
    let e = both(
        "a - b - c = 0",
        r#"{"op":"=","args":[{"op":"-","args":[{"op":"-","args":[{"property":"a"},{"property":"b"}]},{"property":"c"}]},0]}"#,
    );
    assert_eq!(e.to_string(), "a - b - c = 0");
    assert_eq!(canon("a - (b - c) = 0"), "a - (b - c) = 0");
    assert_eq!(canon("(a + b) * c = 0"), "(a + b) * c = 0");
    assert_eq!(canon("a / (b * c) = 0"), "a / (b * c) = 0");
    // ^ is right-associative and binds tighter than * and unary minus binds tighter still.
    assert_eq!(canon("2 ^ 3 ^ 2 = x"), "2 ^ 3 ^ 2 = x");
    assert_eq!(canon("(2 ^ 3) ^ 2 = x"), "(2 ^ 3) ^ 2 = x");
    let e = parse_text("-a ^ 2 = x").unwrap();
    let Expr::Compare { left, .. } = &e else {
        panic!()
    };
    assert!(
        matches!(&**left, Expr::Arithmetic { op: ArithmeticOp::Pow, left, .. } if matches!(**left, Expr::Negate(_)))
    );
    assert_eq!(canon("-(a ^ 2) = x"), "-(a ^ 2) = x");
    // % and div.
    both(
        "foo % 2 = 0 AND foo div 2 = 1",
        r#"{"op":"and","args":[{"op":"=","args":[{"op":"%","args":[{"property":"foo"},2]},0]},{"op":"=","args":[{"op":"div","args":[{"property":"foo"},2]},1]}]}"#,
    );
    assert_eq!(canon("foo DIV 2 = 1"), "foo div 2 = 1");
    // A minus sign before a number is part of the literal; before anything else it is Negate.
    assert_eq!(
        parse_text("x = -5").unwrap(),
        Expr::Compare {
            op: CompareOp::Eq,
            left: prop("x"),
            right: int(-5)
        }
    );
    assert_eq!(canon("x = - 5"), "x = -5");
    assert_eq!(canon("x = a - -5"), "x = a - -5");
    assert_eq!(canon("x = -(5)"), "x = -+5");
    assert_eq!(canon("x = - -5"), "x = --5");
    assert_eq!(canon("x = -+5 ^ 2"), "x = -+5 ^ 2");
    assert_eq!(canon("x = --a"), "x = --a");
    assert_eq!(canon("x = +5"), "x = 5");
    both(
        "x = -y",
        r#"{"op":"=","args":[{"property":"x"},{"op":"-","args":[{"property":"y"}]}]}"#,
    );
}

#[test]
fn numbers_keep_their_kind_and_compare_by_value() {
    assert_eq!(canon("x = 1.0"), "x = 1.0");
    assert_eq!(canon("x = 1e3"), "x = 1000.0");
    assert_eq!(canon("x = .5"), "x = 0.5");
    assert_eq!(canon("x = 1."), "x = 1.0");
    assert_eq!(canon("x = 1e-7"), "x = 1e-7");
    assert_eq!(canon("x = 9007199254740993"), "x = 9007199254740993");
    assert_eq!(
        canon("x = -9223372036854775808"),
        "x = -9223372036854775808"
    );
    assert_eq!(canon("x = 99999999999999999999"), "x = 1e20");
    // 10 in text and 10.0 in JSON are the same number.
    both("x = 10", r#"{"op":"=","args":[{"property":"x"},10.0]}"#);
}

#[test]
fn functions() {
    let e = both(
        "avg(windSpeed) < 4",
        r#"{"op":"<","args":[{"op":"avg","args":[{"property":"windSpeed"}]},4]}"#,
    );
    assert_eq!(
        e,
        Expr::Compare {
            op: CompareOp::Lt,
            left: Box::new(Expr::Function {
                name: "avg".into(),
                args: vec![*prop("windSpeed")]
            }),
            right: int(4),
        }
    );
    both(
        "now() > t",
        r#"{"op":">","args":[{"op":"now","args":[]},{"property":"t"}]}"#,
    );
    both(
        "ns:fn(a = 1, 'x', POINT(1 2)) = TRUE",
        r#"{"op":"=","args":[{"op":"ns:fn","args":[{"op":"=","args":[{"property":"a"},1]},"x",{"type":"Point","coordinates":[1,2]}]},true]}"#,
    );
    // A function may stand for a boolean.
    both(
        "isOpen(shop)",
        r#"{"op":"isOpen","args":[{"property":"shop"}]}"#,
    );
}

#[test]
fn identifiers() {
    assert_eq!(
        parse_text("eo:cloud_cover < 10").unwrap().properties(),
        ["eo:cloud_cover"]
    );
    assert_eq!(
        parse_text("\"weird \"\"name\"\"\" = 1")
            .unwrap()
            .properties(),
        ["weird \"name\""]
    );
    // Reserved words and non-identifiers are quoted on output.
    assert_eq!(
        canon("\"and\" = 1 AND \"date\" = 2 AND \"1st\" = 3"),
        "\"and\" = 1 AND \"date\" = 2 AND \"1st\" = 3"
    );
    // A keyword not followed by '(' is a property when it is no operator.
    assert_eq!(parse_text("date > 5").unwrap().properties(), ["date"]);
    assert_eq!(
        parse_text("Straße = 'x' AND Οδος = 'y'")
            .unwrap()
            .properties(),
        ["Straße", "Οδος"]
    );
}

#[test]
fn properties_of_a_filter() {
    let e = parse_text(
        "a = b AND S_INTERSECTS(geom, BBOX(0,0,1,1)) AND T_DURING(INTERVAL(s, e), INTERVAL('..', '2024-01-01')) \
         AND f(c, a) IN (1, d)",
    )
    .unwrap();
    assert_eq!(e.properties(), ["a", "b", "geom", "s", "e", "c", "d"]);
    assert_eq!(e.functions(), ["f"]);
}

#[test]
fn strings_with_backslashes_round_trip() {
    // A backslash before a quote is the standard's escape for the quote; other backslashes are
    // plain characters.
    let cases = [
        (r"p = 'C:\dir\x'", r"C:\dir\x"),
        (r"p = 'it\'s'", "it's"),
        (r"p = 'a\\''", r"a\'"),
    ];
    for (text, value) in cases {
        let e = parse_text(text).unwrap();
        let expected = Expr::Compare {
            op: CompareOp::Eq,
            left: prop("p"),
            right: string(value),
        };
        assert_eq!(e, expected, "{text}");
        round_trip(&e);
    }
    // Written back, a quote right after a backslash takes the backslash form.
    let e = Expr::Compare {
        op: CompareOp::Eq,
        left: prop("p"),
        right: string(r"\'"),
    };
    assert_eq!(round_trip(&e), r"p = '\\''");
}

#[test]
fn json_ops_ignore_case_and_accept_minified_or_pretty_input() {
    let a =
        parse_json(r#"{"op":"T_FINISHEDBY","args":[{"property":"a"},{"property":"b"}]}"#).unwrap();
    let b = parse_json("{ \"op\" : \"t_finishedBy\" ,\n \"args\" : [ { \"property\" : \"a\" } , { \"property\" : \"b\" } ] }").unwrap();
    assert_eq!(a, b);
    assert_eq!(a.to_string(), "T_FINISHEDBY(a, b)");
    // JSON escapes, including surrogate pairs.
    let e =
        parse_json(r#"{"op":"=","args":[{"property":"n"},"\u00e9\ud83d\ude00\n\"\\\/"]}"#).unwrap();
    assert_eq!(
        e,
        Expr::Compare {
            op: CompareOp::Eq,
            left: prop("n"),
            right: string("é😀\n\"\\/")
        }
    );
    round_trip(&e);
}

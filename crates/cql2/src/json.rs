//! cql2-json: a small JSON reader that remembers where each value starts (so errors point into
//! the input), and the conversion of its values into the AST.
//!
//! The reader follows RFC 8259 strictly (no comments, trailing commas or lone surrogates) and
//! refuses duplicate object keys; it nests at most `2 * MAX_DEPTH + 16` arrays and objects. Ops
//! are matched ignoring ASCII case (`t_finishedBy`, `isNull`); any other op is a function call.

use crate::MAX_DEPTH;
use crate::ast::{
    ArithmeticOp, BBox, CompareOp, Expr, Geometry, Interval, IntervalBound, Number, Position,
};
use crate::ast::{SpatialOp, TemporalOp};
use crate::check;
use crate::error::{ParseError, snippet};
use crate::keywords::{ARRAY_OPERATORS, is_identifier, is_reserved};
use crate::temporal::{Date, Timestamp};
use crate::text::interval_string;

const MAX_JSON_DEPTH: usize = 2 * MAX_DEPTH + 16;

/// A kind check of [`crate::check`].
type Check = fn(&Expr, &str) -> Result<(), String>;

pub(crate) fn parse(src: &str) -> Result<Expr, ParseError> {
    let mut reader = Reader {
        src,
        b: src.as_bytes(),
        pos: 0,
        depth: 0,
    };
    reader.ws();
    if reader.pos == src.len() {
        return Err(ParseError::new(
            src,
            0,
            "empty filter: expected a CQL2 JSON expression",
        ));
    }
    let value = reader.value()?;
    reader.ws();
    if reader.pos < src.len() {
        return Err(reader.err(reader.pos, "unexpected content after the JSON value"));
    }
    let conv = Converter { src };
    let expr = conv.expr(&value, 1)?;
    check::boolean(&expr, "a filter").map_err(|m| conv.err(value.start, m))?;
    Ok(expr)
}

// ---- the reader ----

#[derive(Debug)]
enum Value<'a> {
    Null,
    Bool(bool),
    Number(&'a str),
    String(String),
    Array(Vec<Node<'a>>),
    Object(Vec<(Key, Node<'a>)>),
}

#[derive(Debug)]
struct Node<'a> {
    start: usize,
    value: Value<'a>,
}

#[derive(Debug)]
struct Key {
    start: usize,
    name: String,
}

struct Reader<'a> {
    src: &'a str,
    b: &'a [u8],
    pos: usize,
    depth: usize,
}

impl<'a> Reader<'a> {
    fn err(&self, at: usize, message: impl Into<String>) -> ParseError {
        ParseError::new(self.src, at, message)
    }

    fn ws(&mut self) {
        while matches!(self.b.get(self.pos), Some(b' ' | b'\t' | b'\n' | b'\r')) {
            self.pos += 1;
        }
    }

    fn found(&self) -> String {
        match self.src[self.pos..].chars().next() {
            None => "end of input".into(),
            Some(c) => format!("{c:?}"),
        }
    }

    fn expected(&self, what: &str) -> ParseError {
        self.err(self.pos, format!("expected {what}, found {}", self.found()))
    }

    fn value(&mut self) -> Result<Node<'a>, ParseError> {
        self.ws();
        let start = self.pos;
        let value = match self.b.get(self.pos) {
            Some(b'{') => self.nested(Self::object)?,
            Some(b'[') => self.nested(Self::array)?,
            Some(b'"') => Value::String(self.string()?),
            Some(b't') => self.literal("true", Value::Bool(true))?,
            Some(b'f') => self.literal("false", Value::Bool(false))?,
            Some(b'n') => self.literal("null", Value::Null)?,
            Some(b'-' | b'0'..=b'9') => Value::Number(self.number()?),
            _ => return Err(self.expected("a JSON value")),
        };
        Ok(Node { start, value })
    }

    fn nested(
        &mut self,
        read: fn(&mut Self) -> Result<Value<'a>, ParseError>,
    ) -> Result<Value<'a>, ParseError> {
        self.depth += 1;
        if self.depth > MAX_JSON_DEPTH {
            return Err(self.err(
                self.pos,
                format!("the JSON nests too deeply (the limit is {MAX_JSON_DEPTH} levels)"),
            ));
        }
        let v = read(self)?;
        self.depth -= 1;
        Ok(v)
    }

    fn literal(&mut self, word: &str, v: Value<'a>) -> Result<Value<'a>, ParseError> {
        if self.b[self.pos..].starts_with(word.as_bytes()) {
            self.pos += word.len();
            Ok(v)
        } else {
            Err(self.expected("a JSON value"))
        }
    }

    fn object(&mut self) -> Result<Value<'a>, ParseError> {
        self.pos += 1; // '{'
        let mut members: Vec<(Key, Node<'a>)> = Vec::new();
        self.ws();
        if self.b.get(self.pos) == Some(&b'}') {
            self.pos += 1;
            return Ok(Value::Object(members));
        }
        loop {
            self.ws();
            if self.b.get(self.pos) != Some(&b'"') {
                return Err(self.expected("a quoted member name"));
            }
            let key_start = self.pos;
            let name = self.string()?;
            if members.iter().any(|(k, _)| k.name == name) {
                return Err(self.err(
                    key_start,
                    format!("duplicate member \"{}\"", snippet(&name, 30)),
                ));
            }
            self.ws();
            if self.b.get(self.pos) != Some(&b':') {
                return Err(self.expected("':'"));
            }
            self.pos += 1;
            let value = self.value()?;
            members.push((
                Key {
                    start: key_start,
                    name,
                },
                value,
            ));
            self.ws();
            match self.b.get(self.pos) {
                Some(b',') => self.pos += 1,
                Some(b'}') => {
                    self.pos += 1;
                    return Ok(Value::Object(members));
                }
                _ => return Err(self.expected("',' or '}'")),
            }
        }
    }

    fn array(&mut self) -> Result<Value<'a>, ParseError> {
        self.pos += 1; // '['
        let mut items = Vec::new();
        self.ws();
        if self.b.get(self.pos) == Some(&b']') {
            self.pos += 1;
            return Ok(Value::Array(items));
        }
        loop {
            items.push(self.value()?);
            self.ws();
            match self.b.get(self.pos) {
                Some(b',') => self.pos += 1,
                Some(b']') => {
                    self.pos += 1;
                    return Ok(Value::Array(items));
                }
                _ => return Err(self.expected("',' or ']'")),
            }
        }
    }

    fn digits(&mut self) -> usize {
        let from = self.pos;
        while self.b.get(self.pos).is_some_and(u8::is_ascii_digit) {
            self.pos += 1;
        }
        self.pos - from
    }

    /// `-? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?`
    fn number(&mut self) -> Result<&'a str, ParseError> {
        let start = self.pos;
        if self.b[self.pos] == b'-' {
            self.pos += 1;
        }
        let int_start = self.pos;
        match self.digits() {
            0 => return Err(self.expected("a digit")),
            n if n > 1 && self.b[int_start] == b'0' => {
                return Err(self.err(int_start, "invalid JSON number: no leading zeros"));
            }
            _ => {}
        }
        if self.b.get(self.pos) == Some(&b'.') {
            self.pos += 1;
            if self.digits() == 0 {
                return Err(self.expected("a digit after '.'"));
            }
        }
        if matches!(self.b.get(self.pos), Some(b'e' | b'E')) {
            self.pos += 1;
            if matches!(self.b.get(self.pos), Some(b'+' | b'-')) {
                self.pos += 1;
            }
            if self.digits() == 0 {
                return Err(self.expected("a digit in the exponent"));
            }
        }
        Ok(&self.src[start..self.pos])
    }

    fn hex4(&mut self) -> Result<u32, ParseError> {
        let at = self.pos;
        let hex = self
            .b
            .get(self.pos..self.pos + 4)
            .and_then(|h| std::str::from_utf8(h).ok());
        match hex.and_then(|h| {
            u32::from_str_radix(h, 16)
                .ok()
                .filter(|_| h.bytes().all(|c| c.is_ascii_hexdigit()))
        }) {
            Some(v) => {
                self.pos += 4;
                Ok(v)
            }
            None => Err(self.err(at, "invalid \\u escape: four hex digits expected")),
        }
    }

    /// A string from its opening quote.
    fn string(&mut self) -> Result<String, ParseError> {
        let open = self.pos;
        self.pos += 1;
        let mut out = String::new();
        let mut run = self.pos;
        loop {
            match self.b.get(self.pos) {
                None => return Err(self.err(open, "unterminated JSON string")),
                Some(b'"') => {
                    out.push_str(&self.src[run..self.pos]);
                    self.pos += 1;
                    return Ok(out);
                }
                Some(b'\\') => {
                    out.push_str(&self.src[run..self.pos]);
                    let esc = self.pos;
                    self.pos += 1;
                    let c = match self.b.get(self.pos) {
                        Some(b'"') => '"',
                        Some(b'\\') => '\\',
                        Some(b'/') => '/',
                        Some(b'b') => '\u{8}',
                        Some(b'f') => '\u{c}',
                        Some(b'n') => '\n',
                        Some(b'r') => '\r',
                        Some(b't') => '\t',
                        Some(b'u') => {
                            self.pos += 1;
                            let hi = self.hex4()?;
                            let code = if (0xD800..0xDC00).contains(&hi) {
                                if !self.b[self.pos..].starts_with(b"\\u") {
                                    return Err(self.err(esc, "invalid \\u escape: lone surrogate"));
                                }
                                self.pos += 2;
                                let lo = self.hex4()?;
                                if !(0xDC00..0xE000).contains(&lo) {
                                    return Err(self.err(esc, "invalid \\u escape: lone surrogate"));
                                }
                                0x10000 + ((hi - 0xD800) << 10) + (lo - 0xDC00)
                            } else {
                                hi
                            };
                            let c = char::from_u32(code).ok_or_else(|| {
                                self.err(esc, "invalid \\u escape: lone surrogate")
                            })?;
                            out.push(c);
                            run = self.pos;
                            continue;
                        }
                        _ => return Err(self.err(esc, "invalid escape in JSON string")),
                    };
                    out.push(c);
                    self.pos += 1;
                    run = self.pos;
                }
                Some(&c) if c < 0x20 => {
                    return Err(self.err(self.pos, "control character in JSON string: escape it"));
                }
                Some(_) => self.pos += 1,
            }
        }
    }
}

// ---- the conversion ----

struct Converter<'s> {
    src: &'s str,
}

fn describe(v: &Value<'_>) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

impl Converter<'_> {
    fn err(&self, at: usize, message: impl Into<String>) -> ParseError {
        ParseError::new(self.src, at, message)
    }

    fn check(&self, e: &Expr, at: usize, f: Check, ctx: &str) -> Result<(), ParseError> {
        f(e, ctx).map_err(|m| self.err(at, m))
    }

    fn expr(&self, node: &Node<'_>, depth: usize) -> Result<Expr, ParseError> {
        if depth > MAX_DEPTH {
            return Err(self.err(
                node.start,
                format!("the expression nests too deeply (the limit is {MAX_DEPTH} levels)"),
            ));
        }
        match &node.value {
            Value::Null => Err(self.err(node.start, "null is not a CQL2 value")),
            Value::Bool(b) => Ok(Expr::Bool(*b)),
            Value::Number(text) => self.number(node.start, text).map(Expr::Number),
            Value::String(s) => Ok(Expr::String(s.clone())),
            Value::Array(_) => Err(self.err(
                node.start,
                "an array is only allowed as the list of \"in\" (array operators are not supported)",
            )),
            Value::Object(members) => self.object(node.start, members, depth),
        }
    }

    fn number(&self, at: usize, text: &str) -> Result<Number, ParseError> {
        let (negative, digits) = match text.strip_prefix('-') {
            Some(rest) => (true, rest),
            None => (false, text),
        };
        Number::parse(digits, negative).map_err(|m| self.err(at, m))
    }

    fn float(&self, node: &Node<'_>, what: &str) -> Result<f64, ParseError> {
        match &node.value {
            Value::Number(text) => self.number(node.start, text).map(Number::as_f64),
            v => Err(self.err(
                node.start,
                format!("{what} must be a number, found {}", describe(v)),
            )),
        }
    }

    fn array<'n, 'a>(&self, node: &'n Node<'a>, what: &str) -> Result<&'n [Node<'a>], ParseError> {
        match &node.value {
            Value::Array(items) => Ok(items),
            v => Err(self.err(
                node.start,
                format!("{what} must be an array, found {}", describe(v)),
            )),
        }
    }

    fn string<'n>(&self, node: &'n Node<'_>, what: &str) -> Result<&'n str, ParseError> {
        match &node.value {
            Value::String(s) => Ok(s),
            v => Err(self.err(
                node.start,
                format!("{what} must be a string, found {}", describe(v)),
            )),
        }
    }

    fn object(
        &self,
        start: usize,
        members: &[(Key, Node<'_>)],
        depth: usize,
    ) -> Result<Expr, ParseError> {
        let get = |name: &str| members.iter().find(|(k, _)| k.name == name).map(|(_, v)| v);
        let only = |allowed: &[&str], what: &str| -> Result<(), ParseError> {
            match members
                .iter()
                .find(|(k, _)| !allowed.contains(&k.name.as_str()))
            {
                Some((k, _)) => Err(self.err(
                    k.start,
                    format!("unexpected member \"{}\" in {what}", snippet(&k.name, 30)),
                )),
                None => Ok(()),
            }
        };
        if let Some(op) = get("op") {
            only(&["op", "args"], "an operation")?;
            let name = self.string(op, "\"op\"")?;
            let Some(args) = get("args") else {
                return Err(self.err(
                    start,
                    format!("the operation \"{}\" has no \"args\"", snippet(name, 30)),
                ));
            };
            let args_start = args.start;
            let args = self.array(args, "\"args\"")?;
            return self.operation(op.start, name, args_start, args, depth);
        }
        if let Some(p) = get("property") {
            only(&["property"], "a property reference")?;
            let name = self.string(p, "\"property\"")?;
            if name.is_empty() {
                return Err(self.err(p.start, "empty property name"));
            }
            return Ok(Expr::Property(name.to_owned()));
        }
        if let Some(d) = get("date") {
            only(&["date"], "a date")?;
            let s = self.string(d, "\"date\"")?;
            return Date::parse(s)
                .map(Expr::Date)
                .map_err(|m| self.err(d.start, m));
        }
        if let Some(t) = get("timestamp") {
            only(&["timestamp"], "a timestamp")?;
            let s = self.string(t, "\"timestamp\"")?;
            return Timestamp::parse(s)
                .map(Expr::Timestamp)
                .map_err(|m| self.err(t.start, m));
        }
        if let Some(i) = get("interval") {
            only(&["interval"], "an interval")?;
            let bounds = self.array(i, "\"interval\"")?;
            let [a, b] = bounds else {
                return Err(self.err(
                    i.start,
                    format!("\"interval\" needs 2 bounds, found {}", bounds.len()),
                ));
            };
            let interval = Interval {
                start: self.bound(a, depth)?,
                end: self.bound(b, depth)?,
            };
            return Ok(Expr::Interval(interval));
        }
        // Before "bbox": a GeoJSON geometry may carry a "bbox" member of its own.
        if get("type").is_some() {
            return self.geometry(start, members, false).map(Expr::Geometry);
        }
        if let Some(b) = get("bbox") {
            only(&["bbox"], "a bbox")?;
            let items = self.array(b, "\"bbox\"")?;
            let values = items
                .iter()
                .map(|n| self.float(n, "a bbox value"))
                .collect::<Result<Vec<_>, _>>()?;
            return BBox::from_slice(&values).map(Expr::BBox).ok_or_else(|| {
                self.err(
                    b.start,
                    format!("\"bbox\" needs 4 or 6 numbers, found {}", values.len()),
                )
            });
        }
        Err(self.err(
            start,
            "unknown object: expected an operation {\"op\": …, \"args\": […]}, {\"property\": …}, \
             {\"date\": …}, {\"timestamp\": …}, {\"interval\": […]}, {\"bbox\": […]} or a GeoJSON geometry",
        ))
    }

    fn bound(&self, node: &Node<'_>, depth: usize) -> Result<IntervalBound, ParseError> {
        if let Value::String(s) = &node.value {
            return interval_string(s).map_err(|m| self.err(node.start, m));
        }
        match self.expr(node, depth + 1)? {
            Expr::Date(d) => Ok(IntervalBound::Date(d)),
            Expr::Timestamp(t) => Ok(IntervalBound::Timestamp(t)),
            e @ (Expr::Property(_) | Expr::Function { .. }) => Ok(IntervalBound::Expr(Box::new(e))),
            _ => Err(self.err(
                node.start,
                "an interval bound must be \"..\", a date or timestamp string, a property or a function",
            )),
        }
    }

    fn operation(
        &self,
        at: usize,
        name: &str,
        args_at: usize,
        args: &[Node<'_>],
        depth: usize,
    ) -> Result<Expr, ParseError> {
        let lower = name.to_ascii_lowercase();
        let arity = |wanted: usize| -> Result<(), ParseError> {
            if args.len() == wanted {
                return Ok(());
            }
            let s = if wanted == 1 { "" } else { "s" };
            Err(self.err(
                args_at,
                format!(
                    "\"{}\" needs {wanted} argument{s}, found {}",
                    snippet(name, 30),
                    args.len()
                ),
            ))
        };
        // Converts the arguments, each checked with `f` against the context `ctx`.
        let convert = |f: Check, ctx: &str| -> Result<Vec<Expr>, ParseError> {
            args.iter()
                .map(|n| {
                    let e = self.expr(n, depth + 1)?;
                    self.check(&e, n.start, f, ctx)?;
                    Ok(e)
                })
                .collect()
        };
        let pair = |f: Check, ctx: &str| -> Result<(Box<Expr>, Box<Expr>), ParseError> {
            arity(2)?;
            let mut v = convert(f, ctx)?;
            let right = v.pop().map(Box::new);
            let left = v.pop().map(Box::new);
            left.zip(right)
                .ok_or_else(|| self.err(args_at, "two arguments expected"))
        };
        let one = |f: Check, ctx: &str| -> Result<Box<Expr>, ParseError> {
            arity(1)?;
            convert(f, ctx)?
                .pop()
                .map(Box::new)
                .ok_or_else(|| self.err(args_at, "one argument expected"))
        };
        let ctx = format!("\"{lower}\"");
        let any: Check = |_, _| Ok(());
        match lower.as_str() {
            "and" | "or" => {
                if args.len() < 2 {
                    return Err(self.err(
                        args_at,
                        format!(
                            "\"{lower}\" needs at least 2 arguments, found {}",
                            args.len()
                        ),
                    ));
                }
                let items = convert(check::boolean, &ctx)?;
                return Ok(if lower == "and" {
                    Expr::And(items)
                } else {
                    Expr::Or(items)
                });
            }
            "not" => return one(check::boolean, &ctx).map(Expr::Not),
            "isnull" => return one(any, &ctx).map(Expr::IsNull),
            "casei" => return one(check::character, &ctx).map(Expr::CaseI),
            "accenti" => return one(check::character, &ctx).map(Expr::AccentI),
            "like" => {
                let (expr, pattern) = pair(check::character, &ctx)?;
                return Ok(Expr::Like { expr, pattern });
            }
            "between" => {
                arity(3)?;
                let mut v = convert(check::scalar, &ctx)?.into_iter();
                let (Some(expr), Some(low), Some(high)) = (v.next(), v.next(), v.next()) else {
                    return Err(self.err(args_at, "three arguments expected"));
                };
                for (e, n) in [(&low, &args[1]), (&high, &args[2])] {
                    check::comparable(&expr, e, &ctx).map_err(|m| self.err(n.start, m))?;
                }
                return Ok(Expr::Between {
                    expr: Box::new(expr),
                    low: Box::new(low),
                    high: Box::new(high),
                });
            }
            "in" => {
                arity(2)?;
                let expr = self.expr(&args[0], depth + 1)?;
                self.check(&expr, args[0].start, check::scalar, &ctx)?;
                let items = self.array(&args[1], "the list of \"in\"")?;
                if items.is_empty() {
                    return Err(
                        self.err(args[1].start, "the list of \"in\" needs at least one value")
                    );
                }
                let mut list = Vec::with_capacity(items.len());
                for n in items {
                    let e = self.expr(n, depth + 1)?;
                    self.check(&e, n.start, check::scalar, &ctx)?;
                    check::comparable(&expr, &e, &ctx).map_err(|m| self.err(n.start, m))?;
                    list.push(e);
                }
                return Ok(Expr::In {
                    expr: Box::new(expr),
                    list,
                });
            }
            "-" if args.len() == 1 => return one(check::numeric, &ctx).map(Expr::Negate),
            _ => {}
        }
        if let Some(op) = CompareOp::from_symbol(&lower) {
            let (left, right) = pair(check::scalar, &ctx)?;
            check::comparable(&left, &right, &ctx).map_err(|m| self.err(at, m))?;
            return Ok(Expr::Compare { op, left, right });
        }
        if let Some(op) = ArithmeticOp::from_symbol(&lower) {
            let (left, right) = pair(check::numeric, &ctx)?;
            return Ok(Expr::Arithmetic { op, left, right });
        }
        if let Some(op) = SpatialOp::from_name(&lower) {
            let (left, right) = pair(check::spatial, &ctx)?;
            return Ok(Expr::Spatial { op, left, right });
        }
        if let Some(op) = TemporalOp::from_name(&lower) {
            let (left, right) = pair(check::temporal, &ctx)?;
            return Ok(Expr::Temporal { op, left, right });
        }
        if ARRAY_OPERATORS
            .iter()
            .any(|a| a.eq_ignore_ascii_case(&lower))
        {
            return Err(self.err(
                at,
                format!("the array operator \"{lower}\" is not supported"),
            ));
        }
        if !is_identifier(name) {
            return Err(self.err(
                at,
                format!("\"{}\" is not a valid function name", snippet(name, 30)),
            ));
        }
        if is_reserved(name) {
            return Err(self.err(
                at,
                format!("\"{name}\" is reserved and cannot name a function"),
            ));
        }
        let args = convert(any, &ctx)?;
        Ok(Expr::Function {
            name: name.to_owned(),
            args,
        })
    }

    // ---- GeoJSON ----

    fn position(&self, node: &Node<'_>) -> Result<Position, ParseError> {
        let items = self.array(node, "a position")?;
        let coord = |i: usize| self.float(&items[i], "a coordinate");
        match items.len() {
            2 => Ok(Position {
                x: coord(0)?,
                y: coord(1)?,
                z: None,
            }),
            3 => Ok(Position {
                x: coord(0)?,
                y: coord(1)?,
                z: Some(coord(2)?),
            }),
            n => Err(self.err(
                node.start,
                format!("a position needs 2 or 3 coordinates, found {n}"),
            )),
        }
    }

    fn positions(&self, node: &Node<'_>) -> Result<Vec<Position>, ParseError> {
        self.array(node, "a list of positions")?
            .iter()
            .map(|n| self.position(n))
            .collect()
    }

    fn rings(&self, node: &Node<'_>) -> Result<Vec<Vec<Position>>, ParseError> {
        self.array(node, "a list of rings")?
            .iter()
            .map(|n| self.positions(n))
            .collect()
    }

    fn geometry(
        &self,
        start: usize,
        members: &[(Key, Node<'_>)],
        in_collection: bool,
    ) -> Result<Geometry, ParseError> {
        let get = |name: &str| members.iter().find(|(k, _)| k.name == name).map(|(_, v)| v);
        let Some(kind) = get("type") else {
            return Err(self.err(start, "a GeoJSON geometry needs a \"type\""));
        };
        let kind_name = self.string(kind, "\"type\"")?;
        let coordinates = || {
            get("coordinates").ok_or_else(|| {
                self.err(
                    start,
                    format!("a GeoJSON {kind_name} needs \"coordinates\""),
                )
            })
        };
        let geometry = match kind_name {
            "Point" => Geometry::Point(self.position(coordinates()?)?),
            "LineString" => Geometry::LineString(self.positions(coordinates()?)?),
            "Polygon" => Geometry::Polygon(self.rings(coordinates()?)?),
            "MultiPoint" => Geometry::MultiPoint(self.positions(coordinates()?)?),
            "MultiLineString" => Geometry::MultiLineString(self.rings(coordinates()?)?),
            "MultiPolygon" => Geometry::MultiPolygon(
                self.array(coordinates()?, "a list of polygons")?
                    .iter()
                    .map(|n| self.rings(n))
                    .collect::<Result<_, _>>()?,
            ),
            "GeometryCollection" => {
                if in_collection {
                    return Err(self.err(start, "geometry collections cannot be nested"));
                }
                let Some(list) = get("geometries") else {
                    return Err(
                        self.err(start, "a GeoJSON GeometryCollection needs \"geometries\"")
                    );
                };
                let mut geometries = Vec::new();
                for n in self.array(list, "\"geometries\"")? {
                    let Value::Object(m) = &n.value else {
                        return Err(self.err(
                            n.start,
                            format!("a geometry must be an object, found {}", describe(&n.value)),
                        ));
                    };
                    geometries.push(self.geometry(n.start, m, true)?);
                }
                Geometry::GeometryCollection(geometries)
            }
            other => {
                return Err(self.err(
                    kind.start,
                    format!("unknown GeoJSON geometry type \"{}\"", snippet(other, 30)),
                ));
            }
        };
        geometry.validate().map_err(|m| self.err(start, m))?;
        Ok(geometry)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(src: &str) -> Result<(), ParseError> {
        let mut r = Reader {
            src,
            b: src.as_bytes(),
            pos: 0,
            depth: 0,
        };
        r.value()?;
        r.ws();
        if r.pos < src.len() {
            return Err(r.err(r.pos, "trailing"));
        }
        Ok(())
    }

    #[test]
    fn the_reader_follows_rfc_8259() {
        for ok in [
            "0",
            "-0",
            "1.5e+3",
            "1E-2",
            "-12.5",
            "true",
            "null",
            "\"\"",
            "[]",
            "{}",
            " [ 1 , [ ] ] ",
            r#"{"a": {"b": [1, "\u00e9\ud83d\ude00\t"]}}"#,
        ] {
            assert!(read(ok).is_ok(), "{ok}");
        }
        for bad in [
            "01",
            "1.",
            ".5",
            "+1",
            "1e",
            "-",
            "NaN",
            "Infinity",
            "tru",
            "[1,]",
            "{\"a\":1,}",
            "{'a':1}",
            "{\"a\" 1}",
            "[1 2]",
            "\"\\x\"",
            "\"\\u12\"",
            "\"\\ude00\"",
            "\"\\ud83d\"",
            "\"a",
            "// c\n1",
            "{\"a\":1,\"a\":2}",
            "[1]]",
        ] {
            assert!(read(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn numbers_keep_integers() {
        let e = parse(r#"{"op":"=","args":[{"property":"id"},9007199254740993]}"#).unwrap();
        let Expr::Compare { right, .. } = e else {
            panic!()
        };
        assert!(matches!(
            *right,
            Expr::Number(Number::Int(9_007_199_254_740_993))
        ));
        let e = parse(r#"{"op":"=","args":[{"property":"x"},-0.0]}"#).unwrap();
        let Expr::Compare { right, .. } = e else {
            panic!()
        };
        assert!(
            matches!(*right, Expr::Number(Number::Float(f)) if f == 0.0 && f.is_sign_negative())
        );
        assert!(
            parse(r#"{"op":"=","args":[{"property":"x"},1e400]}"#)
                .unwrap_err()
                .message
                .contains("out of range")
        );
    }

    #[test]
    fn geojson_may_carry_foreign_members() {
        let e = parse(
            r#"{"op":"s_within","args":[{"property":"g"},{"type":"Point","coordinates":[1,2],"bbox":[1,2,1,2]}]}"#,
        );
        assert!(e.is_ok());
        let e =
            parse(r#"{"op":"s_within","args":[{"property":"g"},{"type":"Point"}]}"#).unwrap_err();
        assert_eq!(e.message, "a GeoJSON Point needs \"coordinates\"");
    }

    #[test]
    fn interval_bounds() {
        let e = parse(
            r#"{"op":"t_during","args":[{"property":"t"},{"interval":[{"date":"2024-01-01"},".."]}]}"#,
        );
        assert!(e.is_ok());
        let e = parse(r#"{"op":"t_during","args":[{"property":"t"},{"interval":[5,".."]}]}"#)
            .unwrap_err();
        assert!(e.message.starts_with("an interval bound must be"));
        let e = parse(r#"{"op":"t_during","args":[{"property":"t"},{"interval":[".."]}]}"#)
            .unwrap_err();
        assert_eq!(e.message, "\"interval\" needs 2 bounds, found 1");
    }

    #[test]
    fn function_names_must_be_writable_as_text() {
        assert!(parse(r#"{"op":"ns:avg","args":[{"property":"a"}]}"#).is_ok());
        for name in ["date", "INTERVAL", "true", "1f", "", "a-b"] {
            let src = format!(r#"{{"op":"{name}","args":[]}}"#);
            assert!(parse(&src).is_err(), "{name}");
        }
    }
}

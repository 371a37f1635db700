//! cql2-text: a recursive-descent parser over the tokens of [`crate::lexer`].
//!
//! Precedence, loosest first: `OR`, `AND`, `NOT`, predicates (comparison, `LIKE`, `BETWEEN`,
//! `IN`, `IS NULL`), `+ -`, `* / % div`, `^` (right-associative), unary minus, primaries.
//! Unparenthesised `a AND b AND c` is one `And` of three; parentheses keep their nesting.
//! Recursion (parentheses, calls, `NOT`, unary minus) and the height of the tree are both
//! limited to [`MAX_DEPTH`], so no input can exhaust the stack.

use crate::MAX_DEPTH;
use crate::ast::{
    ArithmeticOp, BBox, CompareOp, Expr, Geometry, Interval, IntervalBound, Number, Position,
};
use crate::ast::{SpatialOp, TemporalOp};
use crate::check;
use crate::error::{ParseError, snippet};
use crate::keywords::{ARRAY_OPERATORS, OPERATORS};
use crate::lexer::{Tok, Token, tokenize};
use crate::temporal::{Date, Timestamp};

pub(crate) fn parse(src: &str) -> Result<Expr, ParseError> {
    let mut p = Parser::new(src)?;
    if p.peek().tok == Tok::Eof {
        return Err(p.err_at(p.peek().start, "empty filter: expected a CQL2 expression"));
    }
    let node = p.parse_or()?;
    if p.peek().tok != Tok::Eof {
        let found = p.describe(p.pos);
        let after = p.describe(p.pos - 1);
        return Err(p.err_at(
            p.peek().start,
            format!("expected AND, OR or the end after {after}, found {found}"),
        ));
    }
    check::boolean(&node.expr, "a filter").map_err(|m| p.err_at(node.start, m))?;
    Ok(node.expr)
}

/// Parses one WKT geometry (the CQL2 geometry literal grammar: 2D or Z, no EMPTY).
pub(crate) fn parse_wkt(src: &str) -> Result<Geometry, ParseError> {
    let mut p = Parser::new(src)?;
    let (geometry, _) = p.geometry(false)?;
    if p.peek().tok != Tok::Eof {
        let found = p.describe(p.pos);
        return Err(p.err_at(
            p.peek().start,
            format!("expected the end of the geometry, found {found}"),
        ));
    }
    Ok(geometry)
}

/// A parsed expression with the height of its tree and its first byte.
struct Node {
    expr: Expr,
    height: usize,
    start: usize,
}

type PResult = Result<Node, ParseError>;

struct Parser<'a> {
    src: &'a str,
    toks: Vec<Token>,
    pos: usize,
    depth: usize,
}

impl<'a> Parser<'a> {
    fn new(src: &'a str) -> Result<Self, ParseError> {
        Ok(Parser {
            src,
            toks: tokenize(src)?,
            pos: 0,
            depth: 0,
        })
    }
}

impl Parser<'_> {
    // ---- tokens ----

    fn peek(&self) -> &Token {
        self.peek_at(0)
    }

    fn peek_at(&self, n: usize) -> &Token {
        let last = self.toks.len() - 1; // the Eof token is always there
        &self.toks[(self.pos + n).min(last)]
    }

    fn next(&mut self) -> Token {
        let t = self.peek().clone();
        if t.tok != Tok::Eof {
            self.pos += 1;
        }
        t
    }

    fn text(&self, t: &Token) -> &str {
        &self.src[t.start..t.end]
    }

    /// Whether the token `n` ahead is the keyword `kw` (ignoring ASCII case).
    fn is_kw(&self, n: usize, kw: &str) -> bool {
        let t = self.peek_at(n);
        t.tok == Tok::Ident && self.text(t).eq_ignore_ascii_case(kw)
    }

    /// The token at index `i`, for a message.
    fn describe(&self, i: usize) -> String {
        let t = &self.toks[i.min(self.toks.len() - 1)];
        match &t.tok {
            Tok::Eof => "end of input".into(),
            Tok::Ident => {
                let text = self.text(t);
                if OPERATORS.iter().any(|k| k.eq_ignore_ascii_case(text)) {
                    text.to_ascii_uppercase()
                } else {
                    format!("'{}'", snippet(text, 30))
                }
            }
            Tok::Quoted(s) => format!("\"{}\"", snippet(s, 30)),
            Tok::Number => format!("the number {}", snippet(self.text(t), 30)),
            Tok::Str(s) => format!("the string '{}'", snippet(s, 30)),
            _ => format!("'{}'", self.text(t)),
        }
    }

    /// "after X" for the token before the current one, or "" at the start.
    fn after_prev(&self) -> String {
        if self.pos == 0 {
            String::new()
        } else {
            format!(" after {}", self.describe(self.pos - 1))
        }
    }

    fn err_at(&self, at: usize, message: impl Into<String>) -> ParseError {
        ParseError::new(self.src, at, message)
    }

    /// An error at the current token: "expected {what} after {previous}, found {current}".
    fn expected(&self, what: &str) -> ParseError {
        let found = self.describe(self.pos);
        self.err_at(
            self.peek().start,
            format!("expected {what}{}, found {found}", self.after_prev()),
        )
    }

    fn expect(&mut self, tok: Tok, what: &str) -> Result<Token, ParseError> {
        if self.peek().tok == tok {
            Ok(self.next())
        } else {
            Err(self.expected(what))
        }
    }

    fn expect_kw(&mut self, kw: &str) -> Result<Token, ParseError> {
        if self.is_kw(0, kw) {
            Ok(self.next())
        } else {
            Err(self.expected(kw))
        }
    }

    // ---- limits ----

    fn enter(&mut self) -> Result<(), ParseError> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(self.err_at(self.peek().start, too_deep()));
        }
        Ok(())
    }

    fn leave(&mut self) {
        self.depth -= 1;
    }

    /// A node one level above children of height `below`.
    fn node(&self, expr: Expr, below: usize, start: usize, at: usize) -> PResult {
        let height = below + 1;
        if height > MAX_DEPTH {
            return Err(self.err_at(at, too_deep()));
        }
        Ok(Node {
            expr,
            height,
            start,
        })
    }

    fn check(
        &self,
        n: &Node,
        f: fn(&Expr, &str) -> Result<(), String>,
        ctx: &str,
    ) -> Result<(), ParseError> {
        f(&n.expr, ctx).map_err(|m| self.err_at(n.start, m))
    }

    // ---- boolean expressions ----

    /// `OR` of `AND`s of `NOT`-operands, in one loop (one stack frame per nesting level).
    fn parse_or(&mut self) -> PResult {
        self.enter()?;
        let mut ors: Vec<Node> = Vec::new();
        let mut ands = vec![self.parse_not()?];
        loop {
            if self.is_kw(0, "AND") {
                self.next();
                ands.push(self.parse_not()?);
            } else if self.is_kw(0, "OR") {
                let at = self.next().start;
                ors.push(self.junction(std::mem::take(&mut ands), "AND", Expr::And, at)?);
                ands.push(self.parse_not()?);
            } else {
                break;
            }
        }
        let at = self.peek().start;
        let last = self.junction(ands, "AND", Expr::And, at)?;
        let node = if ors.is_empty() {
            last
        } else {
            ors.push(last);
            self.junction(ors, "OR", Expr::Or, at)?
        };
        self.leave();
        Ok(node)
    }

    /// One operand as is, or several joined by `make` (checked to be boolean).
    fn junction(
        &self,
        mut items: Vec<Node>,
        kw: &str,
        make: fn(Vec<Expr>) -> Expr,
        at: usize,
    ) -> PResult {
        if items.len() == 1
            && let Some(only) = items.pop()
        {
            return Ok(only);
        }
        let start = items.first().map_or(at, |n| n.start);
        let mut height = 0;
        for n in &items {
            self.check(n, check::boolean, kw)?;
            height = height.max(n.height);
        }
        self.node(
            make(items.into_iter().map(|n| n.expr).collect()),
            height,
            start,
            at,
        )
    }

    fn parse_not(&mut self) -> PResult {
        if !self.is_kw(0, "NOT") {
            return self.parse_predicate();
        }
        let not = self.next();
        self.enter()?;
        let inner = self.parse_not()?;
        self.leave();
        self.check(&inner, check::boolean, "NOT")?;
        self.node(
            Expr::Not(Box::new(inner.expr)),
            inner.height,
            not.start,
            not.start,
        )
    }

    // ---- predicates ----

    fn compare_op(&self) -> Option<CompareOp> {
        match self.peek().tok {
            Tok::Eq => Some(CompareOp::Eq),
            Tok::NotEq => Some(CompareOp::NotEq),
            Tok::Lt => Some(CompareOp::Lt),
            Tok::LtEq => Some(CompareOp::LtEq),
            Tok::Gt => Some(CompareOp::Gt),
            Tok::GtEq => Some(CompareOp::GtEq),
            _ => None,
        }
    }

    fn parse_predicate(&mut self) -> PResult {
        match self.parse_arith(1) {
            Ok(left) => self.predicate_tail(left),
            err => err,
        }
    }

    /// What may follow the first operand of a predicate.
    fn predicate_tail(&mut self, left: Node) -> PResult {
        if let Some(op) = self.compare_op() {
            return self.comparison(left, op);
        }
        let not = if self.is_kw(0, "NOT") {
            if !(self.is_kw(1, "LIKE") || self.is_kw(1, "BETWEEN") || self.is_kw(1, "IN")) {
                self.next();
                return Err(self.expected("LIKE, BETWEEN or IN"));
            }
            Some(self.next().start)
        } else {
            None
        };
        let node = if self.is_kw(0, "LIKE") {
            self.like(left)?
        } else if self.is_kw(0, "BETWEEN") {
            self.between(left)?
        } else if self.is_kw(0, "IN") {
            self.in_list(left)?
        } else if not.is_none() && self.is_kw(0, "IS") {
            return self.is_null(left);
        } else {
            return Ok(left);
        };
        match not {
            Some(at) => self.node(Expr::Not(Box::new(node.expr)), node.height, node.start, at),
            None => Ok(node),
        }
    }

    fn comparison(&mut self, left: Node, op: CompareOp) -> PResult {
        let at = self.next().start;
        let right = self.parse_arith(1)?;
        let ctx = format!("'{}'", op.symbol());
        self.check(&left, check::scalar, &ctx)?;
        self.check(&right, check::scalar, &ctx)?;
        check::comparable(&left.expr, &right.expr, &ctx).map_err(|m| self.err_at(at, m))?;
        let height = left.height.max(right.height);
        let expr = Expr::Compare {
            op,
            left: Box::new(left.expr),
            right: Box::new(right.expr),
        };
        let node = self.node(expr, height, left.start, at)?;
        if self.compare_op().is_some() {
            return Err(self.err_at(
                self.peek().start,
                "comparisons cannot be chained: join them with AND",
            ));
        }
        Ok(node)
    }

    fn like(&mut self, left: Node) -> PResult {
        let at = self.next().start;
        let pattern = self.parse_arith(1)?;
        self.check(&left, check::character, "LIKE")?;
        self.check(&pattern, check::character, "LIKE")?;
        let height = left.height.max(pattern.height);
        let expr = Expr::Like {
            expr: Box::new(left.expr),
            pattern: Box::new(pattern.expr),
        };
        self.node(expr, height, left.start, at)
    }

    fn between(&mut self, left: Node) -> PResult {
        let at = self.next().start;
        let low = self.parse_arith(1)?;
        self.expect_kw("AND")?;
        let high = self.parse_arith(1)?;
        for n in [&left, &low, &high] {
            self.check(n, check::scalar, "BETWEEN")?;
        }
        for n in [&low, &high] {
            check::comparable(&left.expr, &n.expr, "BETWEEN")
                .map_err(|m| self.err_at(n.start, m))?;
        }
        let height = left.height.max(low.height).max(high.height);
        let expr = Expr::Between {
            expr: Box::new(left.expr),
            low: Box::new(low.expr),
            high: Box::new(high.expr),
        };
        self.node(expr, height, left.start, at)
    }

    fn in_list(&mut self, left: Node) -> PResult {
        let at = self.next().start;
        self.expect(Tok::LParen, "'(' to open the list of IN")?;
        if self.peek().tok == Tok::RParen {
            return Err(self.err_at(self.peek().start, "the list of IN needs at least one value"));
        }
        self.check(&left, check::scalar, "IN")?;
        let mut height = left.height;
        let mut list = Vec::new();
        loop {
            let item = self.parse_arith(1)?;
            self.check(&item, check::scalar, "IN")?;
            check::comparable(&left.expr, &item.expr, "IN")
                .map_err(|m| self.err_at(item.start, m))?;
            height = height.max(item.height);
            list.push(item.expr);
            if self.peek().tok != Tok::Comma {
                break;
            }
            self.next();
        }
        self.expect(Tok::RParen, "',' or ')' in the list of IN")?;
        self.node(
            Expr::In {
                expr: Box::new(left.expr),
                list,
            },
            height,
            left.start,
            at,
        )
    }

    fn is_null(&mut self, left: Node) -> PResult {
        let at = self.next().start;
        let negated = self.is_kw(0, "NOT");
        if negated {
            self.next();
        }
        self.expect_kw("NULL")?;
        let node = self.node(
            Expr::IsNull(Box::new(left.expr)),
            left.height,
            left.start,
            at,
        )?;
        if negated {
            return self.node(Expr::Not(Box::new(node.expr)), node.height, node.start, at);
        }
        Ok(node)
    }

    // ---- arithmetic ----

    fn arithmetic(&self, op: ArithmeticOp, left: Node, right: Node, at: usize) -> PResult {
        let ctx = format!("'{}'", op.symbol());
        self.check(&left, check::numeric, &ctx)?;
        self.check(&right, check::numeric, &ctx)?;
        let height = left.height.max(right.height);
        let expr = Expr::Arithmetic {
            op,
            left: Box::new(left.expr),
            right: Box::new(right.expr),
        };
        self.node(expr, height, left.start, at)
    }

    /// The arithmetic operator at the current token and its binding strength: 1 for `+ -`,
    /// 2 for `* / % div`, 3 for `^`.
    fn arith_op(&self) -> Option<(ArithmeticOp, u8)> {
        Some(match self.peek().tok {
            Tok::Plus => (ArithmeticOp::Add, 1),
            Tok::Minus => (ArithmeticOp::Sub, 1),
            Tok::Star => (ArithmeticOp::Mul, 2),
            Tok::Slash => (ArithmeticOp::Div, 2),
            Tok::Percent => (ArithmeticOp::Mod, 2),
            Tok::Ident if self.is_kw(0, "DIV") => (ArithmeticOp::IntDiv, 2),
            Tok::Caret => (ArithmeticOp::Pow, 3),
            _ => return None,
        })
    }

    /// Arithmetic by precedence climbing: operators binding at least `min`; left-associative
    /// except `^`. Only `^` recurses without bound, and it counts as nesting.
    fn parse_arith(&mut self, min: u8) -> PResult {
        let mut left = self.parse_unary()?;
        while let Some((op, strength)) = self.arith_op()
            && strength >= min
        {
            let at = self.next().start;
            let right = if op == ArithmeticOp::Pow {
                self.enter()?;
                let right = self.parse_arith(strength)?;
                self.leave();
                right
            } else {
                self.parse_arith(strength + 1)?
            };
            left = self.arithmetic(op, left, right, at)?;
        }
        Ok(left)
    }

    fn parse_unary(&mut self) -> PResult {
        match self.peek().tok {
            Tok::Minus | Tok::Plus => self.signed(),
            _ => self.parse_primary(),
        }
    }

    /// After a sign: a signed number literal, or the negation of an operand.
    fn signed(&mut self) -> PResult {
        let sign = self.next();
        let negative = sign.tok == Tok::Minus;
        if self.peek().tok == Tok::Number {
            let t = self.next();
            let n =
                Number::parse(self.text(&t), negative).map_err(|m| self.err_at(sign.start, m))?;
            return Ok(Node {
                expr: Expr::Number(n),
                height: 1,
                start: sign.start,
            });
        }
        if !negative {
            return Err(self.expected("a number"));
        }
        self.enter()?;
        let inner = self.parse_unary()?;
        self.leave();
        self.check(&inner, check::numeric, "'-'")?;
        self.node(
            Expr::Negate(Box::new(inner.expr)),
            inner.height,
            sign.start,
            sign.start,
        )
    }

    // ---- primaries ----

    fn parse_primary(&mut self) -> PResult {
        let t = self.peek().clone();
        let leaf = |expr| {
            Ok(Node {
                expr,
                height: 1,
                start: t.start,
            })
        };
        match &t.tok {
            Tok::Number => {
                self.next();
                leaf(Expr::Number(
                    Number::parse(self.text(&t), false).map_err(|m| self.err_at(t.start, m))?,
                ))
            }
            Tok::Str(s) => {
                self.next();
                leaf(Expr::String(s.clone()))
            }
            Tok::Quoted(name) => {
                self.next();
                leaf(Expr::Property(name.clone()))
            }
            Tok::LParen => {
                self.next();
                let inner = self.parse_or()?;
                self.expect(Tok::RParen, "')'")?;
                Ok(Node {
                    start: t.start,
                    ..inner
                })
            }
            Tok::Ident => self.parse_word(t),
            _ => Err(self.expected("a value")),
        }
    }

    /// An identifier in value position: a literal keyword, a special form, a function call or
    /// a property. Each form has its own function, to keep this frame (on the stack at every
    /// nesting level) small.
    fn parse_word(&mut self, t: Token) -> PResult {
        let start = t.start;
        let upper = self.text(&t).to_ascii_uppercase();
        match upper.as_str() {
            "TRUE" | "FALSE" => {
                self.next();
                return Ok(Node {
                    expr: Expr::Bool(upper == "TRUE"),
                    height: 1,
                    start,
                });
            }
            "NULL" => {
                return Err(
                    self.err_at(start, "NULL is only allowed in 'IS NULL' and 'IS NOT NULL'")
                );
            }
            _ if OPERATORS.contains(&upper.as_str()) => return Err(self.expected("a value")),
            _ => {}
        }
        let call = self.peek_at(1).tok == Tok::LParen;
        if geometry_keyword(&upper).is_some()
            && (call || (self.is_kw(1, "Z") && self.peek_at(2).tok == Tok::LParen))
        {
            return self.parse_geometry_literal();
        }
        if !call {
            self.next();
            return Ok(Node {
                expr: Expr::Property(self.text(&t).to_owned()),
                height: 1,
                start,
            });
        }
        match upper.as_str() {
            "CASEI" => self.insensitive(start, "CASEI", Expr::CaseI),
            "ACCENTI" => self.insensitive(start, "ACCENTI", Expr::AccentI),
            "DATE" | "TIMESTAMP" => self.instant(start, upper == "DATE"),
            "INTERVAL" => self.interval(start),
            "BBOX" => self.bbox(start),
            _ if ARRAY_OPERATORS.contains(&upper.as_str()) => Err(self.err_at(
                start,
                format!("the array operator {upper} is not supported"),
            )),
            _ => {
                if let Some(op) = SpatialOp::from_name(&upper) {
                    self.relation(start, op.text_name(), check::spatial, |l, r| {
                        Expr::Spatial {
                            op,
                            left: l,
                            right: r,
                        }
                    })
                } else if let Some(op) = TemporalOp::from_name(&upper) {
                    self.relation(start, op.text_name(), check::temporal, |l, r| {
                        Expr::Temporal {
                            op,
                            left: l,
                            right: r,
                        }
                    })
                } else {
                    self.function(t)
                }
            }
        }
    }

    fn function(&mut self, name: Token) -> PResult {
        let (args, height) = self.parse_call()?;
        let name_text = self.text(&name).to_owned();
        let args = args.into_iter().map(|n| n.expr).collect();
        self.node(
            Expr::Function {
                name: name_text,
                args,
            },
            height,
            name.start,
            name.start,
        )
    }

    /// `CASEI(…)` or `ACCENTI(…)`.
    fn insensitive(&mut self, start: usize, name: &str, make: fn(Box<Expr>) -> Expr) -> PResult {
        let (mut args, height) = self.parse_call()?;
        let [arg] = exactly::<1>(&mut args).map_err(|n| self.arity(start, name, 1, n))?;
        self.check(&arg, check::character, name)?;
        self.node(make(Box::new(arg.expr)), height, start, start)
    }

    /// A spatial or temporal predicate of two arguments, each checked with `check`.
    fn relation(
        &mut self,
        start: usize,
        name: &str,
        check: fn(&Expr, &str) -> Result<(), String>,
        make: impl FnOnce(Box<Expr>, Box<Expr>) -> Expr,
    ) -> PResult {
        let (mut args, height) = self.parse_call()?;
        let [a, b] = exactly::<2>(&mut args).map_err(|n| self.arity(start, name, 2, n))?;
        self.check(&a, check, name)?;
        self.check(&b, check, name)?;
        self.node(
            make(Box::new(a.expr), Box::new(b.expr)),
            height,
            start,
            start,
        )
    }

    /// `DATE('…')` or `TIMESTAMP('…')`.
    fn instant(&mut self, start: usize, date: bool) -> PResult {
        self.next();
        self.next();
        let s = self.peek().clone();
        let Tok::Str(value) = &s.tok else {
            let (kind, example) = if date {
                ("date", "2024-07-02")
            } else {
                ("timestamp", "2012-08-10T05:30:00Z")
            };
            return Err(self.expected(&format!("a quoted {kind} like '{example}'")));
        };
        self.next();
        self.expect(Tok::RParen, "')'")?;
        let expr = if date {
            Expr::Date(Date::parse(value).map_err(|m| self.err_at(s.start, m))?)
        } else {
            Expr::Timestamp(Timestamp::parse(value).map_err(|m| self.err_at(s.start, m))?)
        };
        Ok(Node {
            expr,
            height: 1,
            start,
        })
    }

    fn interval(&mut self, start: usize) -> PResult {
        let (mut args, height) = self.parse_call()?;
        let [a, b] = exactly::<2>(&mut args).map_err(|n| self.arity(start, "INTERVAL", 2, n))?;
        let interval = Interval {
            start: self.bound(a)?,
            end: self.bound(b)?,
        };
        self.node(Expr::Interval(interval), height, start, start)
    }

    fn bbox(&mut self, start: usize) -> PResult {
        self.next();
        self.next();
        let mut values = vec![self.signed_number()?];
        while self.peek().tok == Tok::Comma {
            self.next();
            values.push(self.signed_number()?);
        }
        self.expect(Tok::RParen, "',' or ')' in BBOX")?;
        let bbox = BBox::from_slice(&values).ok_or_else(|| {
            self.err_at(
                start,
                format!("BBOX needs 4 or 6 numbers, found {}", values.len()),
            )
        })?;
        Ok(Node {
            expr: Expr::BBox(bbox),
            height: 1,
            start,
        })
    }

    fn arity(&self, at: usize, name: &str, wanted: usize, found: usize) -> ParseError {
        let s = if wanted == 1 { "" } else { "s" };
        self.err_at(
            at,
            format!("{name} needs {wanted} argument{s}, found {found}"),
        )
    }

    /// `name ( [expr {, expr}] )` from the name; the arguments and their greatest height.
    fn parse_call(&mut self) -> Result<(Vec<Node>, usize), ParseError> {
        let name = self.next();
        self.next(); // '('
        let mut args = Vec::new();
        let mut height = 0;
        if self.peek().tok != Tok::RParen {
            loop {
                match self.parse_or() {
                    Ok(arg) => {
                        height = height.max(arg.height);
                        args.push(arg);
                    }
                    Err(e) => return Err(e),
                }
                if self.peek().tok != Tok::Comma {
                    break;
                }
                self.next();
            }
            if self.peek().tok != Tok::RParen {
                return Err(self.bad_argument_end(&name));
            }
        }
        self.next(); // ')'
        Ok((args, height))
    }

    #[cold]
    fn bad_argument_end(&self, name: &Token) -> ParseError {
        self.expected(&format!(
            "',' or ')' in the arguments of {}",
            snippet(self.text(name), 30)
        ))
    }

    /// One end of `INTERVAL(…)`: `'..'`, a date or timestamp string, a property or a function
    /// (and, leniently, `DATE(…)` or `TIMESTAMP(…)`).
    fn bound(&self, n: Node) -> Result<IntervalBound, ParseError> {
        match n.expr {
            Expr::String(s) => interval_string(&s).map_err(|m| self.err_at(n.start, m)),
            Expr::Date(d) => Ok(IntervalBound::Date(d)),
            Expr::Timestamp(t) => Ok(IntervalBound::Timestamp(t)),
            e @ (Expr::Property(_) | Expr::Function { .. }) => Ok(IntervalBound::Expr(Box::new(e))),
            _ => Err(self.err_at(n.start, BOUND_KINDS)),
        }
    }

    // ---- geometry ----

    fn signed_number(&mut self) -> Result<f64, ParseError> {
        let sign = match self.peek().tok {
            Tok::Minus | Tok::Plus => Some(self.next()),
            _ => None,
        };
        if self.peek().tok != Tok::Number {
            return Err(self.expected("a number"));
        }
        let t = self.next();
        let negative = sign.as_ref().is_some_and(|s| s.tok == Tok::Minus);
        let at = sign.map_or(t.start, |s| s.start);
        Number::parse(self.text(&t), negative)
            .map(Number::as_f64)
            .map_err(|m| self.err_at(at, m))
    }

    fn position(&mut self) -> Result<Position, ParseError> {
        let x = self.signed_number()?;
        let y = self.signed_number()?;
        let z = match self.peek().tok {
            Tok::Minus | Tok::Plus | Tok::Number => Some(self.signed_number()?),
            _ => None,
        };
        Ok(Position { x, y, z })
    }

    /// `( position {, position} )`
    fn positions(&mut self) -> Result<Vec<Position>, ParseError> {
        self.list(|p| p.position())
    }

    /// `( item {, item} )`
    fn list<T>(
        &mut self,
        mut item: impl FnMut(&mut Self) -> Result<T, ParseError>,
    ) -> Result<Vec<T>, ParseError> {
        self.expect(Tok::LParen, "'('")?;
        let mut items = vec![item(self)?];
        while self.peek().tok == Tok::Comma {
            self.next();
            items.push(item(self)?);
        }
        self.expect(Tok::RParen, "',' or ')'")?;
        Ok(items)
    }

    fn parse_geometry_literal(&mut self) -> PResult {
        let (geometry, start) = self.geometry(false)?;
        Ok(Node {
            expr: Expr::Geometry(geometry),
            height: 1,
            start,
        })
    }

    /// A WKT geometry from its keyword, and its first byte; `in_collection` refuses a nested
    /// collection.
    fn geometry(&mut self, in_collection: bool) -> Result<(Geometry, usize), ParseError> {
        let kw = self.peek().clone();
        let start = kw.start;
        let upper = self.text(&kw).to_ascii_uppercase();
        let Some(kind) = geometry_keyword(&upper) else {
            return Err(self.expected("a geometry (POINT, LINESTRING, POLYGON, …)"));
        };
        self.next();
        let z = self.is_kw(0, "Z");
        if z {
            self.next();
        }
        let geometry = match kind {
            GeometryKind::Point => {
                self.expect(Tok::LParen, "'('")?;
                let p = self.position()?;
                self.expect(Tok::RParen, "')'")?;
                Geometry::Point(p)
            }
            GeometryKind::LineString => Geometry::LineString(self.positions()?),
            GeometryKind::Polygon => Geometry::Polygon(self.list(Self::positions)?),
            GeometryKind::MultiPoint => Geometry::MultiPoint(self.list(|p| {
                // `(1 2)` as in the BNF, or a bare `1 2` as in common WKT.
                if p.peek().tok == Tok::LParen {
                    p.next();
                    let pos = p.position()?;
                    p.expect(Tok::RParen, "')'")?;
                    Ok(pos)
                } else {
                    p.position()
                }
            })?),
            GeometryKind::MultiLineString => Geometry::MultiLineString(self.list(Self::positions)?),
            GeometryKind::MultiPolygon => {
                Geometry::MultiPolygon(self.list(|p| p.list(Self::positions))?)
            }
            GeometryKind::GeometryCollection => {
                if in_collection {
                    return Err(self.err_at(start, "geometry collections cannot be nested"));
                }
                let members = self.list(|p| p.geometry(true))?;
                let mut geometries = Vec::with_capacity(members.len());
                for (g, at) in members {
                    if z && !g.has_z() {
                        return Err(self
                            .err_at(at, "GEOMETRYCOLLECTION Z needs members with z coordinates"));
                    }
                    geometries.push(g);
                }
                Geometry::GeometryCollection(geometries)
            }
        };
        geometry.validate().map_err(|m| self.err_at(start, m))?;
        if z && kind != GeometryKind::GeometryCollection && !geometry.has_z() {
            return Err(self.err_at(start, format!("{upper} Z needs positions of 3 coordinates")));
        }
        Ok((geometry, start))
    }
}

const BOUND_KINDS: &str =
    "an INTERVAL bound must be '..', a date or timestamp string, a property or a function";

fn too_deep() -> String {
    format!("the expression nests too deeply (the limit is {MAX_DEPTH} levels)")
}

/// Takes exactly `N` nodes, or says how many there were.
fn exactly<const N: usize>(args: &mut Vec<Node>) -> Result<[Node; N], usize> {
    let n = args.len();
    std::mem::take(args).try_into().map_err(|_| n)
}

/// A string bound of an interval, in either encoding: `..`, a date or a timestamp.
pub(crate) fn interval_string(s: &str) -> Result<IntervalBound, String> {
    if s == ".." {
        Ok(IntervalBound::Unbounded)
    } else if s.len() == 10 {
        Date::parse(s).map(IntervalBound::Date)
    } else if s.len() > 10 && s.as_bytes()[10] == b'T' {
        Timestamp::parse(s).map(IntervalBound::Timestamp)
    } else {
        Err(format!(
            "an INTERVAL bound must be '..', a date like '2024-07-02' or a timestamp like \
             '2012-08-10T05:30:00Z', found '{}'",
            snippet(s, 40)
        ))
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum GeometryKind {
    Point,
    LineString,
    Polygon,
    MultiPoint,
    MultiLineString,
    MultiPolygon,
    GeometryCollection,
}

fn geometry_keyword(upper: &str) -> Option<GeometryKind> {
    Some(match upper {
        "POINT" => GeometryKind::Point,
        "LINESTRING" => GeometryKind::LineString,
        "POLYGON" => GeometryKind::Polygon,
        "MULTIPOINT" => GeometryKind::MultiPoint,
        "MULTILINESTRING" => GeometryKind::MultiLineString,
        "MULTIPOLYGON" => GeometryKind::MultiPolygon,
        "GEOMETRYCOLLECTION" => GeometryKind::GeometryCollection,
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn err(src: &str) -> ParseError {
        parse(src).expect_err(src)
    }

    #[test]
    fn keywords_ignore_case_but_names_keep_it() {
        let e = parse("s_Intersects(Geom, point(1 2)) and Not x Is Null").unwrap();
        assert_eq!(
            e.to_string(),
            "S_INTERSECTS(Geom, POINT(1.0 2.0)) AND x IS NOT NULL"
        );
        assert_eq!(parse("MyFunc(a)").unwrap().functions(), ["MyFunc"]);
    }

    #[test]
    fn a_keyword_without_parenthesis_is_a_property() {
        for name in ["date", "point", "casei", "s_within", "z"] {
            assert_eq!(parse(&format!("{name} = 1")).unwrap().properties(), [name]);
        }
        assert_eq!(err("in = 1").message, "expected a value, found IN");
    }

    #[test]
    fn tree_height_is_limited_even_without_recursion() {
        let sum = |n: usize| format!("x = 1{}", " + 1".repeat(n));
        // x = 1 + 1 … : the comparison, then one level per `+`, then the leaves.
        assert!(parse(&sum(MAX_DEPTH - 2)).is_ok());
        // The error points at the operator whose node goes too deep.
        let e = err(&sum(MAX_DEPTH - 1));
        assert!(e.message.contains("nests too deeply"));
        assert_eq!(&sum(MAX_DEPTH - 1)[e.offset..e.offset + 1], "=");
        let e = err(&sum(MAX_DEPTH));
        assert_eq!(&sum(MAX_DEPTH)[e.offset..e.offset + 1], "+");
    }

    #[test]
    fn interval_strings() {
        assert_eq!(interval_string(".."), Ok(IntervalBound::Unbounded));
        assert!(matches!(
            interval_string("2024-01-01"),
            Ok(IntervalBound::Date(_))
        ));
        assert!(matches!(
            interval_string("2024-01-01T00:00:00Z"),
            Ok(IntervalBound::Timestamp(_))
        ));
        assert!(
            interval_string("2024-01-01 00:00")
                .unwrap_err()
                .contains("INTERVAL bound")
        );
        assert!(
            interval_string("yesterday")
                .unwrap_err()
                .contains("found 'yesterday'")
        );
    }

    #[test]
    fn tokens_are_described_for_humans() {
        assert_eq!(
            err("a = 'x' 5").message,
            "expected AND, OR or the end after the string 'x', found the number 5"
        );
        assert_eq!(
            err("a = \"b\" c").message,
            "expected AND, OR or the end after \"b\", found 'c'"
        );
        assert_eq!(
            err("a = ,").message,
            "expected a value after '=', found ','"
        );
        let long = format!("a = 1 {}", "x".repeat(100));
        assert!(
            err(&long)
                .message
                .ends_with("found 'xxxxxxxxxxxxxxxxxxxxxxxxxxxxxx…'")
        );
    }

    #[test]
    fn wkt_details() {
        // Z on a collection needs 3D members; positions of one geometry share a dimension.
        assert!(
            err("S_WITHIN(a, GEOMETRYCOLLECTION Z(POINT(1 2)))")
                .message
                .contains("z coordinates")
        );
        assert!(
            err("S_WITHIN(a, LINESTRING(0 0, 1 1 1))")
                .message
                .contains("mixes")
        );
        assert!(
            err("S_WITHIN(a, GEOMETRYCOLLECTION(GEOMETRYCOLLECTION(POINT(1 2))))")
                .message
                .contains("nested")
        );
        assert!(
            err("S_WITHIN(a, POINT(1))")
                .message
                .starts_with("expected a number")
        );
        assert!(
            err("S_WITHIN(a, POINT(1 2 3 4))")
                .message
                .starts_with("expected ')'")
        );
        assert_eq!(
            parse("S_WITHIN(a, POINT(-1 +2))").unwrap(),
            parse("S_WITHIN(a, POINT(-1.0 2.0))").unwrap()
        );
    }
}

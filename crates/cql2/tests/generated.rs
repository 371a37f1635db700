//! Random well-formed trees (a fixed-seed generator, no dependency) must print as cql2-text
//! that parses back to the same tree: this covers the printer's parenthesisation and quoting
//! far beyond the hand-written cases.

mod common;

use cql2::{
    ArithmeticOp, BBox, CompareOp, Date, Expr, Geometry, Interval, IntervalBound, Number, Position,
    SpatialOp, TemporalOp, Timestamp,
};

/// xorshift64*: small, deterministic.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

const PROPERTIES: &[&str] = &[
    "a",
    "eo:cloud_cover",
    "x.y",
    "Straße",
    "a b",
    "q\"uote",
    "and",
    "date",
    "1st",
    "Z",
    "..",
];
const FUNCTIONS: &[&str] = &["f", "ns:avg", "isNull", "S_FOO", "now"];
const STRINGS: &[&str] = &[
    "",
    "x",
    "it's",
    "a\\b",
    "\\'",
    "''",
    "%_",
    "Οδος",
    "line\nbreak",
    "\\\\'x",
];

fn b(e: Expr) -> Box<Expr> {
    Box::new(e)
}

struct Gen {
    rng: Rng,
}

impl Gen {
    fn property(&mut self) -> Expr {
        Expr::Property((*self.rng.pick(PROPERTIES)).to_owned())
    }

    fn function(&mut self, depth: usize) -> Expr {
        let name = (*self.rng.pick(FUNCTIONS)).to_owned();
        let n = self.rng.below(3);
        let args = (0..n).map(|_| self.any(depth)).collect();
        Expr::Function { name, args }
    }

    fn leaf_or_call(&mut self, depth: usize) -> Option<Expr> {
        match self.rng.below(8) {
            0 => Some(self.property()),
            1 if depth > 0 => Some(self.function(depth - 1)),
            _ => None,
        }
    }

    fn any(&mut self, depth: usize) -> Expr {
        match self.rng.below(5) {
            0 => self.boolean(depth),
            1 => self.number(depth),
            2 => self.string(depth),
            3 => self.geometry(),
            _ => self.temporal(depth),
        }
    }

    fn number(&mut self, depth: usize) -> Expr {
        if let Some(e) = self.leaf_or_call(depth) {
            return e;
        }
        let literal = |rng: &mut Rng| {
            Expr::Number(match rng.below(6) {
                0 => Number::Int(rng.next() as i64),
                1 => Number::Int(rng.below(10) as i64 - 5),
                2 => Number::Float(
                    f64::from_bits(rng.next() >> 2) * if rng.below(2) == 0 { 1.0 } else { -1.0 },
                ),
                3 => Number::Float(-0.0),
                4 => Number::Float(rng.below(1000) as f64 / 8.0 - 60.0),
                _ => Number::Int(i64::MIN),
            })
        };
        if depth == 0 {
            return literal(&mut self.rng);
        }
        match self.rng.below(4) {
            0 => literal(&mut self.rng),
            1 => Expr::Negate(b(self.number(depth - 1))),
            _ => {
                use ArithmeticOp::*;
                let op = *self.rng.pick(&[Add, Sub, Mul, Div, Mod, IntDiv, Pow]);
                Expr::Arithmetic {
                    op,
                    left: b(self.number(depth - 1)),
                    right: b(self.number(depth - 1)),
                }
            }
        }
    }

    fn string(&mut self, depth: usize) -> Expr {
        if let Some(e) = self.leaf_or_call(depth) {
            return e;
        }
        match self.rng.below(4) {
            0 if depth > 0 => Expr::CaseI(b(self.string(depth - 1))),
            1 if depth > 0 => Expr::AccentI(b(self.string(depth - 1))),
            _ => Expr::String((*self.rng.pick(STRINGS)).to_owned()),
        }
    }

    fn position(&mut self, z: bool) -> Position {
        let c = |rng: &mut Rng| rng.below(3600) as f64 / 10.0 - 180.0;
        Position {
            x: c(&mut self.rng),
            y: c(&mut self.rng),
            z: z.then(|| c(&mut self.rng)),
        }
    }

    fn positions(&mut self, n: usize, z: bool) -> Vec<Position> {
        (0..n + self.rng.below(3))
            .map(|_| self.position(z))
            .collect()
    }

    fn simple_geometry(&mut self) -> Geometry {
        let z = self.rng.below(3) == 0;
        match self.rng.below(6) {
            0 => Geometry::Point(self.position(z)),
            1 => Geometry::LineString(self.positions(2, z)),
            2 => Geometry::Polygon(
                (0..1 + self.rng.below(2))
                    .map(|_| self.positions(4, z))
                    .collect(),
            ),
            3 => Geometry::MultiPoint(self.positions(1, z)),
            4 => Geometry::MultiLineString(
                (0..1 + self.rng.below(2))
                    .map(|_| self.positions(2, z))
                    .collect(),
            ),
            _ => Geometry::MultiPolygon(vec![vec![self.positions(4, z)]]),
        }
    }

    fn geometry(&mut self) -> Expr {
        match self.rng.below(6) {
            0 => self.property(),
            1 => Expr::BBox(BBox {
                west: -1.5,
                south: 2.0,
                east: 3.0,
                north: 4.25,
                z: None,
            }),
            2 => Expr::BBox(BBox {
                west: 0.0,
                south: 0.0,
                east: 1.0,
                north: 1.0,
                z: Some((-10.0, 10.0)),
            }),
            3 => Expr::Geometry(Geometry::GeometryCollection(vec![
                self.simple_geometry(),
                self.simple_geometry(),
            ])),
            _ => Expr::Geometry(self.simple_geometry()),
        }
    }

    fn instant(&mut self) -> Expr {
        let date = Date {
            year: 1900 + self.rng.below(200) as u16,
            month: 1 + self.rng.below(12) as u8,
            day: 1 + self.rng.below(28) as u8,
        };
        if self.rng.below(2) == 0 {
            Expr::Date(date)
        } else {
            let nanosecond = *self.rng.pick(&[0, 500_000_000, 393_216_000, 1]);
            Expr::Timestamp(Timestamp {
                date,
                hour: 23,
                minute: 5,
                second: 59,
                nanosecond,
            })
        }
    }

    fn bound(&mut self, depth: usize) -> IntervalBound {
        match (self.rng.below(4), self.instant()) {
            (0, _) => IntervalBound::Unbounded,
            (1, _) if depth > 0 => IntervalBound::Expr(b(self.function(depth - 1))),
            (1, _) => IntervalBound::Expr(b(self.property())),
            (_, Expr::Date(d)) => IntervalBound::Date(d),
            (_, Expr::Timestamp(t)) => IntervalBound::Timestamp(t),
            _ => IntervalBound::Unbounded,
        }
    }

    fn temporal(&mut self, depth: usize) -> Expr {
        match self.rng.below(3) {
            0 => self.property(),
            1 => self.instant(),
            _ => Expr::Interval(Interval {
                start: self.bound(depth),
                end: self.bound(depth),
            }),
        }
    }

    /// Two operands that a comparison accepts together.
    fn comparable(&mut self, depth: usize) -> (Expr, Expr) {
        match self.rng.below(4) {
            0 => (self.number(depth), self.number(depth)),
            1 => (self.string(depth), self.string(depth)),
            2 => (self.instant(), self.instant()),
            _ => (self.property(), Expr::Bool(self.rng.below(2) == 0)),
        }
    }

    fn boolean(&mut self, depth: usize) -> Expr {
        if depth == 0 {
            return match self.rng.below(3) {
                0 => Expr::Bool(true),
                1 => self.property(),
                _ => Expr::IsNull(b(self.property())),
            };
        }
        let d = depth - 1;
        match self.rng.below(12) {
            0 => Expr::And(
                (0..2 + self.rng.below(2))
                    .map(|_| self.boolean(d))
                    .collect(),
            ),
            1 => Expr::Or(
                (0..2 + self.rng.below(2))
                    .map(|_| self.boolean(d))
                    .collect(),
            ),
            2 => Expr::Not(b(self.boolean(d))),
            3 => {
                let op = *self.rng.pick(&[
                    CompareOp::Eq,
                    CompareOp::NotEq,
                    CompareOp::Lt,
                    CompareOp::LtEq,
                    CompareOp::Gt,
                    CompareOp::GtEq,
                ]);
                let (left, right) = self.comparable(d);
                Expr::Compare {
                    op,
                    left: b(left),
                    right: b(right),
                }
            }
            4 => Expr::Like {
                expr: b(self.string(d)),
                pattern: b(self.string(d)),
            },
            5 => Expr::Between {
                expr: b(self.number(d)),
                low: b(self.number(d)),
                high: b(self.number(d)),
            },
            6 => {
                let list = (0..1 + self.rng.below(3)).map(|_| self.number(d)).collect();
                Expr::In {
                    expr: b(self.number(d)),
                    list,
                }
            }
            7 => Expr::IsNull(b(self.any(d))),
            8 => Expr::Spatial {
                op: *self.rng.pick(SpatialOp::ALL),
                left: b(self.geometry()),
                right: b(self.geometry()),
            },
            9 => Expr::Temporal {
                op: *self.rng.pick(TemporalOp::ALL),
                left: b(self.temporal(d)),
                right: b(self.temporal(d)),
            },
            10 => self.function(d),
            _ => Expr::Bool(false),
        }
    }
}

#[test]
fn random_trees_round_trip_through_text() {
    let mut g = Gen {
        rng: Rng(0x9e37_79b9_7f4a_7c15),
    };
    for i in 0..20_000 {
        let depth = 1 + i % 7;
        let e = g.boolean(depth);
        common::round_trip(&e);
    }
}

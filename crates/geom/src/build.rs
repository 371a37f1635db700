//! A little-endian WKB builder for tests and benches (and the fuzz corpus).

pub struct W(pub Vec<u8>);

impl W {
    /// A geometry with ISO type `code` (1 point … 7 collection; + 1000 for Z).
    pub fn new(code: u32) -> Self {
        let mut v = vec![1u8];
        v.extend_from_slice(&code.to_le_bytes());
        W(v)
    }

    /// A count (of points, rings or members).
    pub fn n(mut self, n: u32) -> Self {
        self.0.extend_from_slice(&n.to_le_bytes());
        self
    }

    pub fn xy(mut self, pts: &[(f64, f64)]) -> Self {
        for (x, y) in pts {
            self.0.extend_from_slice(&x.to_le_bytes());
            self.0.extend_from_slice(&y.to_le_bytes());
        }
        self
    }

    pub fn z(mut self, z: f64) -> Self {
        self.0.extend_from_slice(&z.to_le_bytes());
        self
    }

    /// Appends a member geometry.
    pub fn raw(mut self, other: W) -> Self {
        self.0.extend_from_slice(&other.0);
        self
    }
}

/// The WKB of a 2D point.
pub fn point(x: f64, y: f64) -> Vec<u8> {
    W::new(1).xy(&[(x, y)]).0
}

//! Static kind checks shared by both parsers, so that `AND 5` or `S_WITHIN(geometry, 'x')` are
//! refused with the same message in either encoding. Properties and functions have no known
//! kind here and pass every check; the translation against a schema checks them later.

use crate::ast::Expr;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Kind {
    Boolean,
    Number,
    String,
    Instant,
    Interval,
    Geometry,
    /// A property or function: anything.
    Any,
}

impl Kind {
    fn describe(self) -> &'static str {
        match self {
            Kind::Boolean => "a boolean expression",
            Kind::Number => "a number",
            Kind::String => "a string",
            Kind::Instant => "a date or timestamp",
            Kind::Interval => "an interval",
            Kind::Geometry => "a geometry",
            Kind::Any => "a property or function",
        }
    }
}

pub(crate) fn kind(e: &Expr) -> Kind {
    match e {
        Expr::And(_)
        | Expr::Or(_)
        | Expr::Not(_)
        | Expr::Compare { .. }
        | Expr::Like { .. }
        | Expr::Between { .. }
        | Expr::In { .. }
        | Expr::IsNull(_)
        | Expr::Spatial { .. }
        | Expr::Temporal { .. }
        | Expr::Bool(_) => Kind::Boolean,
        Expr::Arithmetic { .. } | Expr::Negate(_) | Expr::Number(_) => Kind::Number,
        Expr::String(_) | Expr::CaseI(_) | Expr::AccentI(_) => Kind::String,
        Expr::Date(_) | Expr::Timestamp(_) => Kind::Instant,
        Expr::Interval(_) => Kind::Interval,
        Expr::Geometry(_) | Expr::BBox(_) => Kind::Geometry,
        Expr::Property(_) | Expr::Function { .. } => Kind::Any,
    }
}

fn expect(e: &Expr, allowed: &[Kind], wanted: &str, ctx: &str) -> Result<(), String> {
    let k = kind(e);
    if k == Kind::Any || allowed.contains(&k) {
        Ok(())
    } else {
        Err(format!("{ctx} needs {wanted}, found {}", k.describe()))
    }
}

/// Operands of `AND`, `OR`, `NOT` and the filter itself.
pub(crate) fn boolean(e: &Expr, ctx: &str) -> Result<(), String> {
    expect(e, &[Kind::Boolean], "a boolean expression", ctx)
}

/// Operands of comparisons, `BETWEEN` and `IN`.
pub(crate) fn scalar(e: &Expr, ctx: &str) -> Result<(), String> {
    let allowed = [Kind::Boolean, Kind::Number, Kind::String, Kind::Instant];
    expect(
        e,
        &allowed,
        "a number, string, boolean, date or timestamp",
        ctx,
    )
}

/// Arithmetic operands.
pub(crate) fn numeric(e: &Expr, ctx: &str) -> Result<(), String> {
    expect(e, &[Kind::Number], "a number", ctx)
}

/// `LIKE`, `CASEI` and `ACCENTI` operands.
pub(crate) fn character(e: &Expr, ctx: &str) -> Result<(), String> {
    expect(e, &[Kind::String], "a string", ctx)
}

/// Spatial predicate operands.
pub(crate) fn spatial(e: &Expr, ctx: &str) -> Result<(), String> {
    expect(e, &[Kind::Geometry], "a geometry", ctx)
}

/// Temporal predicate operands.
pub(crate) fn temporal(e: &Expr, ctx: &str) -> Result<(), String> {
    expect(
        e,
        &[Kind::Instant, Kind::Interval],
        "a date, timestamp or interval",
        ctx,
    )
}

/// Two scalars compared with each other must be of one kind (when both kinds are known).
pub(crate) fn comparable(a: &Expr, b: &Expr, ctx: &str) -> Result<(), String> {
    let (ka, kb) = (kind(a), kind(b));
    if ka == Kind::Any || kb == Kind::Any || ka == kb {
        Ok(())
    } else {
        Err(format!(
            "{ctx} cannot compare {} with {}",
            ka.describe(),
            kb.describe()
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ast::Number;

    #[test]
    fn properties_pass_every_check() {
        let p = Expr::Property("x".into());
        assert!(
            boolean(&p, "AND").is_ok()
                && spatial(&p, "S_WITHIN").is_ok()
                && numeric(&p, "+").is_ok()
        );
    }

    #[test]
    fn messages_name_the_context_and_the_kinds() {
        let n = Expr::Number(Number::Int(5));
        assert_eq!(
            boolean(&n, "AND").unwrap_err(),
            "AND needs a boolean expression, found a number"
        );
        let s = Expr::String("a".into());
        assert_eq!(
            comparable(&s, &n, "'='").unwrap_err(),
            "'=' cannot compare a string with a number"
        );
    }
}

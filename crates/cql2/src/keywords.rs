//! Identifier characters and reserved words of cql2-text, shared by the parsers and `Display`.

/// Words with a meaning in cql2-text. Unquoted, they are never read as a property name (the
/// operators) or never as a function name (all of them); `Display` quotes properties with these
/// names, and cql2-json refuses them as function names, so every AST prints as text.
const RESERVED: &[&str] = &[
    "AND",
    "OR",
    "NOT",
    "LIKE",
    "BETWEEN",
    "IN",
    "IS",
    "NULL",
    "TRUE",
    "FALSE",
    "DIV",
    "CASEI",
    "ACCENTI",
    "DATE",
    "TIMESTAMP",
    "INTERVAL",
    "BBOX",
    "POINT",
    "LINESTRING",
    "POLYGON",
    "MULTIPOINT",
    "MULTILINESTRING",
    "MULTIPOLYGON",
    "GEOMETRYCOLLECTION",
    "S_INTERSECTS",
    "S_EQUALS",
    "S_DISJOINT",
    "S_TOUCHES",
    "S_WITHIN",
    "S_OVERLAPS",
    "S_CROSSES",
    "S_CONTAINS",
    "T_AFTER",
    "T_BEFORE",
    "T_CONTAINS",
    "T_DISJOINT",
    "T_DURING",
    "T_EQUALS",
    "T_FINISHEDBY",
    "T_FINISHES",
    "T_INTERSECTS",
    "T_MEETS",
    "T_METBY",
    "T_OVERLAPPEDBY",
    "T_OVERLAPS",
    "T_STARTEDBY",
    "T_STARTS",
    "A_EQUALS",
    "A_CONTAINS",
    "A_CONTAINEDBY",
    "A_OVERLAPS",
];

/// Operator words: an unquoted identifier with one of these names is never a property.
pub(crate) const OPERATORS: &[&str] = &[
    "AND", "OR", "NOT", "LIKE", "BETWEEN", "IN", "IS", "NULL", "TRUE", "FALSE", "DIV",
];

/// The array operators of CQL2, which this crate does not support.
pub(crate) const ARRAY_OPERATORS: &[&str] =
    &["A_EQUALS", "A_CONTAINS", "A_CONTAINEDBY", "A_OVERLAPS"];

/// Whether `word` is a reserved word of cql2-text (ASCII case-insensitive).
pub(crate) fn is_reserved(word: &str) -> bool {
    RESERVED.iter().any(|r| r.eq_ignore_ascii_case(word))
}

/// `identifierStart` of the CQL2 BNF.
pub(crate) fn is_ident_start(c: char) -> bool {
    matches!(c,
        ':' | '_' | 'A'..='Z' | 'a'..='z'
        | '\u{C0}'..='\u{D6}' | '\u{D8}'..='\u{F6}' | '\u{F8}'..='\u{2FF}'
        | '\u{370}'..='\u{37D}' | '\u{37F}'..='\u{1FFE}' | '\u{200C}'..='\u{200D}'
        | '\u{2070}'..='\u{218F}' | '\u{2C00}'..='\u{2FEF}' | '\u{3001}'..='\u{D7FF}'
        | '\u{F900}'..='\u{FDCF}' | '\u{FDF0}'..='\u{FFFD}' | '\u{10000}'..='\u{EFFFF}')
}

/// `identifierPart` of the CQL2 BNF.
pub(crate) fn is_ident_part(c: char) -> bool {
    is_ident_start(c)
        || matches!(c, '.' | '0'..='9' | '\u{300}'..='\u{36F}' | '\u{203F}'..='\u{2040}')
}

/// Whether `s` is a plain (unquoted) identifier of cql2-text.
pub(crate) fn is_identifier(s: &str) -> bool {
    let mut chars = s.chars();
    chars.next().is_some_and(is_ident_start) && chars.all(is_ident_part)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identifiers_follow_the_bnf() {
        for ok in [
            "a",
            "eo:cloud_cover",
            "_x.1",
            ":a",
            "straße",
            "Οδος",
            "a\u{301}",
        ] {
            assert!(is_identifier(ok), "{ok}");
        }
        for bad in ["", "1a", ".a", "a-b", "a b", "\"a\"", "a'"] {
            assert!(!is_identifier(bad), "{bad}");
        }
    }

    #[test]
    fn reserved_words_ignore_case() {
        assert!(is_reserved("and") && is_reserved("S_Intersects") && is_reserved("point"));
        assert!(!is_reserved("Buffer") && !is_reserved("z"));
    }
}

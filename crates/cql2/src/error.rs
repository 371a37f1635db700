//! The one error type of the crate: where in the input a filter went wrong, and why.

use thiserror::Error;

/// A malformed filter: the byte offset of the problem (with its line and column, both counted
/// from 1, the column in characters) and a message meant for the person who wrote the filter.
///
/// Displays as `at 14 (line 1, column 15): expected a value after '=', found end of input`.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("at {offset} (line {line}, column {column}): {message}")]
pub struct ParseError {
    /// Byte offset into the input (0-based); the input's length for "end of input".
    pub offset: usize,
    /// Line of `offset`, counted from 1.
    pub line: usize,
    /// Column of `offset` in characters, counted from 1.
    pub column: usize,
    /// What is wrong, in words.
    pub message: String,
}

impl ParseError {
    /// An error at byte `offset` of `src`; the line and column are computed from `src`.
    pub(crate) fn new(src: &str, offset: usize, message: impl Into<String>) -> Self {
        let mut offset = offset.min(src.len());
        while !src.is_char_boundary(offset) {
            offset -= 1;
        }
        let before = &src[..offset];
        let line = before.matches('\n').count() + 1;
        let line_start = before.rfind('\n').map_or(0, |i| i + 1);
        let column = before[line_start..].chars().count() + 1;
        ParseError {
            offset,
            line,
            column,
            message: message.into(),
        }
    }
}

/// Shortens `s` to at most `max` characters for quoting in a message (an ellipsis marks a cut).
pub(crate) fn snippet(s: &str, max: usize) -> String {
    match s.char_indices().nth(max) {
        Some((i, _)) => format!("{}…", &s[..i]),
        None => s.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_and_column_count_characters() {
        let e = ParseError::new("a\nbé c", 6, "x");
        assert_eq!((e.offset, e.line, e.column), (6, 2, 4));
        assert_eq!(e.to_string(), "at 6 (line 2, column 4): x");
    }

    #[test]
    fn offsets_inside_a_character_move_back_to_its_start() {
        let e = ParseError::new("é", 1, "x");
        assert_eq!((e.offset, e.column), (0, 1));
        let e = ParseError::new("ab", 99, "x");
        assert_eq!((e.offset, e.column), (2, 3));
    }

    #[test]
    fn snippets_are_cut_on_characters() {
        assert_eq!(snippet("ééééé", 3), "ééé…");
        assert_eq!(snippet("abc", 3), "abc");
    }
}

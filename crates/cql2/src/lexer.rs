//! Tokens of cql2-text. Keywords are identifiers here; the parser recognises them (ignoring
//! ASCII case) by position. Signs are separate tokens: `balance-150` is three tokens.

use crate::error::{ParseError, snippet};
use crate::keywords::{is_ident_part, is_ident_start};

#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Tok {
    /// A plain identifier or keyword; the text is `src[start..end]`.
    Ident,
    /// A `"double-quoted"` identifier, unescaped.
    Quoted(String),
    /// An unsigned numeric literal; the text is `src[start..end]`.
    Number,
    /// A `'character literal'`, unescaped.
    Str(String),
    LParen,
    RParen,
    Comma,
    Eq,
    NotEq,
    Lt,
    LtEq,
    Gt,
    GtEq,
    Plus,
    Minus,
    Star,
    Slash,
    Percent,
    Caret,
    Eof,
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Token {
    pub tok: Tok,
    pub start: usize,
    pub end: usize,
}

pub(crate) fn tokenize(src: &str) -> Result<Vec<Token>, ParseError> {
    let mut lexer = Lexer { src, pos: 0 };
    let mut tokens = Vec::new();
    loop {
        let token = lexer.next()?;
        let eof = token.tok == Tok::Eof;
        tokens.push(token);
        if eof {
            return Ok(tokens);
        }
    }
}

struct Lexer<'a> {
    src: &'a str,
    pos: usize,
}

impl Lexer<'_> {
    fn peek(&self) -> Option<char> {
        self.src[self.pos..].chars().next()
    }

    fn peek2(&self) -> Option<char> {
        self.src[self.pos..].chars().nth(1)
    }

    fn bump(&mut self) -> Option<char> {
        let c = self.peek()?;
        self.pos += c.len_utf8();
        Some(c)
    }

    fn err(&self, at: usize, message: impl Into<String>) -> ParseError {
        ParseError::new(self.src, at, message)
    }

    fn next(&mut self) -> Result<Token, ParseError> {
        while self.peek().is_some_and(char::is_whitespace) {
            self.bump();
        }
        let start = self.pos;
        let Some(c) = self.bump() else {
            return Ok(Token {
                tok: Tok::Eof,
                start,
                end: start,
            });
        };
        let tok = match c {
            '(' => Tok::LParen,
            ')' => Tok::RParen,
            ',' => Tok::Comma,
            '=' => Tok::Eq,
            '+' => Tok::Plus,
            '-' => Tok::Minus,
            '*' => Tok::Star,
            '/' => Tok::Slash,
            '%' => Tok::Percent,
            '^' => Tok::Caret,
            '<' => match self.peek() {
                Some('>') => {
                    self.bump();
                    Tok::NotEq
                }
                Some('=') => {
                    self.bump();
                    Tok::LtEq
                }
                _ => Tok::Lt,
            },
            '>' => {
                if self.peek() == Some('=') {
                    self.bump();
                    Tok::GtEq
                } else {
                    Tok::Gt
                }
            }
            '\'' => Tok::Str(self.string(start)?),
            '"' => Tok::Quoted(self.quoted(start)?),
            '0'..='9' => self.number(start)?,
            '.' if self.peek().is_some_and(|c| c.is_ascii_digit()) => self.number(start)?,
            c if is_ident_start(c) => {
                while self.peek().is_some_and(is_ident_part) {
                    self.bump();
                }
                Tok::Ident
            }
            '!' if self.peek() == Some('=') => {
                return Err(self.err(start, "'!=' is not CQL2: write '<>' for 'not equal'"));
            }
            c => return Err(self.err(start, format!("unexpected character {c:?}"))),
        };
        Ok(Token {
            tok,
            start,
            end: self.pos,
        })
    }

    /// After the opening quote: `''` and `\'` stand for a quote (the BNF's `escapeQuote`).
    fn string(&mut self, start: usize) -> Result<String, ParseError> {
        let mut value = String::new();
        loop {
            match self.bump() {
                None => {
                    return Err(self.err(start, "unterminated string: a closing ' is missing"));
                }
                Some('\'') if self.peek() == Some('\'') => {
                    self.bump();
                    value.push('\'');
                }
                Some('\'') => return Ok(value),
                Some('\\') if self.peek() == Some('\'') => {
                    self.bump();
                    value.push('\'');
                }
                Some(c) => value.push(c),
            }
        }
    }

    /// After the opening double quote: an identifier of any characters but `"` (`""` stands
    /// for one, an extension so that every property name can be written).
    fn quoted(&mut self, start: usize) -> Result<String, ParseError> {
        let mut value = String::new();
        loop {
            match self.bump() {
                None => {
                    return Err(self.err(
                        start,
                        "unterminated quoted identifier: a closing \" is missing",
                    ));
                }
                Some('"') if self.peek() == Some('"') => {
                    self.bump();
                    value.push('"');
                }
                Some('"') if value.is_empty() => {
                    return Err(
                        self.err(start, "empty quoted identifier: a property name is missing")
                    );
                }
                Some('"') => return Ok(value),
                Some(c) => value.push(c),
            }
        }
    }

    /// After the first character (a digit or a `.` before a digit): `digits [. [digits]]`
    /// or `. digits`, then an optional exponent `E [sign] digits`.
    fn number(&mut self, start: usize) -> Result<Tok, ParseError> {
        let digits = |l: &mut Self| {
            while l.peek().is_some_and(|c| c.is_ascii_digit()) {
                l.bump();
            }
        };
        digits(self);
        if !self.src[start..self.pos].contains('.') && self.peek() == Some('.') {
            self.bump();
            digits(self);
        }
        if matches!(self.peek(), Some('e' | 'E')) {
            let exp = self.pos;
            self.bump();
            if matches!(self.peek(), Some('+' | '-'))
                && self.peek2().is_some_and(|c| c.is_ascii_digit())
            {
                self.bump();
            }
            if !self.peek().is_some_and(|c| c.is_ascii_digit()) {
                return Err(self.err(exp, "malformed number: the exponent needs digits"));
            }
            digits(self);
        }
        if self.peek().is_some_and(|c| is_ident_part(c) || c == '.') {
            while self.peek().is_some_and(|c| is_ident_part(c) || c == '.') {
                self.bump();
            }
            let text = snippet(&self.src[start..self.pos], 30);
            return Err(self.err(start, format!("malformed number '{text}'")));
        }
        Ok(Tok::Number)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(src: &str) -> Vec<Tok> {
        tokenize(src).unwrap().into_iter().map(|t| t.tok).collect()
    }

    #[test]
    fn signs_are_separate_tokens() {
        assert_eq!(
            kinds("balance-150.0"),
            [Tok::Ident, Tok::Minus, Tok::Number, Tok::Eof]
        );
        assert_eq!(
            kinds("a<>b<=c>=d"),
            [
                Tok::Ident,
                Tok::NotEq,
                Tok::Ident,
                Tok::LtEq,
                Tok::Ident,
                Tok::GtEq,
                Tok::Ident,
                Tok::Eof
            ]
        );
    }

    #[test]
    fn numbers() {
        for n in ["1", "1.", ".5", "1.5e3", "1E-3", "2e+10"] {
            let t = tokenize(n).unwrap();
            assert_eq!((t[0].tok.clone(), t[0].end), (Tok::Number, n.len()), "{n}");
        }
        assert!(tokenize("1e").unwrap_err().message.contains("exponent"));
        assert!(
            tokenize("5abc")
                .unwrap_err()
                .message
                .contains("malformed number '5abc'")
        );
        assert!(
            tokenize("1.2.3")
                .unwrap_err()
                .message
                .contains("malformed number")
        );
    }

    #[test]
    fn strings_unescape_both_quote_escapes() {
        assert_eq!(
            kinds("'it''s' 'it\\'s' 'C:\\x'"),
            [
                Tok::Str("it's".into()),
                Tok::Str("it's".into()),
                Tok::Str("C:\\x".into()),
                Tok::Eof
            ]
        );
        let e = tokenize("name = 'abc").unwrap_err();
        assert_eq!(
            (e.offset, e.message.as_str()),
            (7, "unterminated string: a closing ' is missing")
        );
    }

    #[test]
    fn quoted_identifiers() {
        assert_eq!(
            kinds("\"a b\" \"x\"\"y\""),
            [
                Tok::Quoted("a b".into()),
                Tok::Quoted("x\"y".into()),
                Tok::Eof
            ]
        );
        assert!(tokenize("\"\"").unwrap_err().message.contains("empty"));
        assert!(
            tokenize("\"abc")
                .unwrap_err()
                .message
                .contains("unterminated")
        );
    }

    #[test]
    fn unexpected_characters() {
        let e = tokenize("a # b").unwrap_err();
        assert_eq!(
            (e.offset, e.message.as_str()),
            (2, "unexpected character '#'")
        );
        assert!(tokenize("a != b").unwrap_err().message.contains("'<>'"));
    }
}

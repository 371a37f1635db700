//! `strip_accents(text)`: the text without its accents, for CQL2's `ACCENTI`. The text is
//! decomposed (Unicode NFD), every combining mark of a non-zero canonical combining class is
//! dropped (the diacritics that canonical decomposition splits off: acute, grave, cedilla,
//! diaeresis, ring, tilde, caron, Greek tonos, Hebrew and Arabic vowel points, the Japanese
//! voicing marks, …) and the rest is composed again (NFC). Letters that do not decompose keep
//! their form (`ø`, `ł`, `ß`), and spacing vowel signs (Indic scripts) are kept, since they are
//! letters rather than accents there. Utf8, LargeUtf8 and Utf8View in; the same type out.

use std::sync::Arc;

use arrow::array::{
    Array, ArrayRef, GenericStringArray, OffsetSizeTrait, StringViewArray, StringViewBuilder,
};
use arrow::datatypes::DataType;
use datafusion::common::{ScalarValue, exec_err};
use datafusion::error::Result;
use datafusion::logical_expr::{
    ColumnarValue, ScalarFunctionArgs, ScalarUDF, ScalarUDFImpl, Signature, Volatility,
};
use unicode_normalization::UnicodeNormalization;
use unicode_normalization::char::canonical_combining_class;

/// `text` without its accents (see the module documentation).
pub fn strip_accents(text: &str) -> String {
    // Plain ASCII has nothing to strip: the common case costs one scan and one copy.
    if text.is_ascii() {
        return text.to_owned();
    }
    text.nfd()
        .filter(|&c| canonical_combining_class(c) == 0)
        .nfc()
        .collect()
}

#[derive(Debug, PartialEq, Eq, Hash)]
pub struct StripAccents {
    signature: Signature,
}

impl StripAccents {
    pub const NAME: &'static str = "strip_accents";

    pub fn udf() -> ScalarUDF {
        ScalarUDF::new_from_impl(StripAccents {
            signature: Signature::uniform(
                1,
                vec![DataType::Utf8, DataType::LargeUtf8, DataType::Utf8View],
                Volatility::Immutable,
            ),
        })
    }
}

fn strip_array<O: OffsetSizeTrait>(a: &GenericStringArray<O>) -> ArrayRef {
    Arc::new(
        a.iter()
            .map(|v| v.map(strip_accents))
            .collect::<GenericStringArray<O>>(),
    )
}

fn strip_view(a: &StringViewArray) -> ArrayRef {
    let mut out = StringViewBuilder::with_capacity(a.len());
    for v in a.iter() {
        out.append_option(v.map(strip_accents));
    }
    Arc::new(out.finish())
}

impl ScalarUDFImpl for StripAccents {
    fn name(&self) -> &str {
        Self::NAME
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn return_type(&self, arg_types: &[DataType]) -> Result<DataType> {
        match arg_types {
            [t @ (DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View)] => Ok(t.clone()),
            _ => exec_err!("strip_accents takes one text argument, not {arg_types:?}"),
        }
    }

    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        let [value] = &args.args[..] else {
            return exec_err!("strip_accents takes 1 argument");
        };
        match value {
            ColumnarValue::Scalar(s) => {
                let stripped = match s {
                    ScalarValue::Utf8(v) => ScalarValue::Utf8(v.as_deref().map(strip_accents)),
                    ScalarValue::LargeUtf8(v) => {
                        ScalarValue::LargeUtf8(v.as_deref().map(strip_accents))
                    }
                    ScalarValue::Utf8View(v) => {
                        ScalarValue::Utf8View(v.as_deref().map(strip_accents))
                    }
                    other => {
                        return exec_err!(
                            "strip_accents: expected text, not {}",
                            other.data_type()
                        );
                    }
                };
                Ok(ColumnarValue::Scalar(stripped))
            }
            ColumnarValue::Array(a) => {
                use arrow::array::AsArray;
                let out = match a.data_type() {
                    DataType::Utf8 => strip_array(a.as_string::<i32>()),
                    DataType::LargeUtf8 => strip_array(a.as_string::<i64>()),
                    DataType::Utf8View => strip_view(a.as_string_view()),
                    other => return exec_err!("strip_accents: expected text, not {other}"),
                };
                Ok(ColumnarValue::Array(out))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use arrow::array::{LargeStringArray, StringArray};
    use arrow::datatypes::Field;
    use datafusion::config::ConfigOptions;

    #[test]
    fn strips_diacritics() {
        let cases = [
            ("Café", "Cafe"),
            ("CAFÉ", "CAFE"),
            ("naïve façade", "naive facade"),
            ("São Paulo", "Sao Paulo"),
            ("Ångström", "Angstrom"),
            ("Chișinău", "Chisinau"),
            ("Dvořák", "Dvorak"),
            ("Ελλάδα", "Ελλαδα"),
            // Decomposed input gives the same as precomposed.
            ("Cafe\u{301}", "Cafe"),
            // Japanese voicing marks: が → か.
            ("が", "か"),
            // Letters that do not decompose stay.
            ("Ærøskøbing", "Ærøskøbing"),
            ("Łódź", "Łodz"),
            ("straße", "straße"),
            // Devanagari vowel signs are letters, not accents.
            ("हिंदी", "हिंदी"),
            ("plain ascii 123 %_", "plain ascii 123 %_"),
            ("", ""),
        ];
        for (input, want) in cases {
            assert_eq!(strip_accents(input), want, "{input}");
        }
        // Hangul decomposes into jamo under NFD; recomposition gives the syllables back.
        assert_eq!(strip_accents("한국어"), "한국어");
    }

    fn invoke(value: ColumnarValue) -> ColumnarValue {
        let t = value.data_type();
        StripAccents::udf()
            .invoke_with_args(ScalarFunctionArgs {
                args: vec![value],
                arg_fields: vec![Arc::new(Field::new("s", t.clone(), true))],
                number_rows: 3,
                return_field: Arc::new(Field::new("r", t, true)),
                config_options: Arc::new(ConfigOptions::default()),
            })
            .unwrap()
    }

    #[test]
    fn keeps_the_string_layout_and_nulls() {
        let input = [Some("Zoë"), None, Some("été")];
        let want = [Some("Zoe"), None, Some("ete")];
        let arrays: [ArrayRef; 3] = [
            Arc::new(StringArray::from(input.to_vec())),
            Arc::new(LargeStringArray::from(input.to_vec())),
            Arc::new(StringViewArray::from(input.to_vec())),
        ];
        for a in arrays {
            let t = a.data_type().clone();
            let ColumnarValue::Array(out) = invoke(ColumnarValue::Array(a)) else {
                panic!("an array in, an array out")
            };
            assert_eq!(out.data_type(), &t);
            let out = arrow::compute::cast(&out, &DataType::Utf8).unwrap();
            let out = out.as_any().downcast_ref::<StringArray>().unwrap();
            let got: Vec<_> = out.iter().collect();
            assert_eq!(got, want, "{t}");
        }
        let ColumnarValue::Scalar(s) = invoke(ColumnarValue::Scalar(ScalarValue::Utf8View(Some(
            "Ré".into(),
        )))) else {
            panic!("a scalar in, a scalar out")
        };
        assert_eq!(s, ScalarValue::Utf8View(Some("Re".into())));
    }
}

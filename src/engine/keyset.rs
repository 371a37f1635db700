//! Keyset positions of sorted pages: a sorted page goes on after the sort key (and id) of the
//! last row before it, rather than counting rows from the first, so that a deep page costs what
//! the first one does. The order is the one [`super::Engine::planned_items`] sorts by: each key
//! ascending with nulls last or descending with nulls first, then the id ascending.

use arrow::array::{ArrayRef, RecordBatch};
use arrow::compute::{CastOptions, cast_with_options};
use arrow::datatypes::DataType;
use datafusion::common::ScalarValue;
use datafusion::logical_expr::{Expr, lit};

use super::column;
use crate::store::layout::ID_COLUMN;

/// The rows that come after `after` (the sort key values, then the id) in the order of `sort`:
/// `k1 after v1 OR (k1 = v1 AND (k2 after v2 OR (… id > v_id)))`. Its plain comparisons let
/// row groups be pruned by their statistics.
pub fn rows_after(sort: &[(String, bool)], after: &[ScalarValue]) -> Expr {
    debug_assert_eq!(after.len(), sort.len() + 1, "a value per key and the id");
    let id = column(ID_COLUMN).gt(lit(after[sort.len()].clone()));
    sort.iter()
        .zip(after)
        .rev()
        .fold(id, |rest, ((name, ascending), value)| {
            let (beyond, same) = key_after(column(name), *ascending, value);
            beyond.or(same.and(rest))
        })
}

/// (the key lies beyond `value` in the page order, the key equals `value`), with nulls last
/// when ascending and first when descending.
fn key_after(key: Expr, ascending: bool, value: &ScalarValue) -> (Expr, Expr) {
    match (value.is_null(), ascending) {
        // Only nulls follow a value in ascending order; nothing follows the nulls.
        (false, true) => (
            key.clone().gt(lit(value.clone())).or(key.clone().is_null()),
            key.eq(lit(value.clone())),
        ),
        (true, true) => (lit(false), key.is_null()),
        // Descending: the nulls come first, then the values from the largest down.
        (false, false) => (
            key.clone().lt(lit(value.clone())),
            key.eq(lit(value.clone())),
        ),
        (true, false) => (key.clone().is_not_null(), key.is_null()),
    }
}

/// The key of row `row` of `keys` (the columns [`keys_of`] chose) as text: JSON, a string or
/// `null` per value, for a cursor.
pub fn encode(keys: &RecordBatch, row: usize) -> Option<String> {
    let values: Option<Vec<serde_json::Value>> = keys
        .columns()
        .iter()
        .map(|c| {
            if c.is_null(row) {
                return Some(serde_json::Value::Null);
            }
            let text = cast_with_options(&c.slice(row, 1), &DataType::Utf8, &STRICT).ok()?;
            let text = text.as_any().downcast_ref::<arrow::array::StringArray>()?;
            Some(serde_json::Value::String(text.value(0).to_owned()))
        })
        .collect();
    serde_json::to_string(&values?).ok()
}

/// The values [`encode`] wrote, typed as the key columns `types` (the sort keys, then the id);
/// `None` for text it could not have written.
pub fn decode(text: &str, types: &[DataType]) -> Option<Vec<ScalarValue>> {
    let values: Vec<Option<String>> = serde_json::from_str(text).ok()?;
    if values.len() != types.len() {
        return None;
    }
    values
        .into_iter()
        .zip(types)
        .map(|(value, dt)| match value {
            None => ScalarValue::try_from(dt).ok(),
            Some(s) => {
                let text: ArrayRef = std::sync::Arc::new(arrow::array::StringArray::from(vec![s]));
                let typed = cast_with_options(&text, dt, &STRICT).ok()?;
                ScalarValue::try_from_array(&typed, 0)
                    .ok()
                    .filter(|v| !v.is_null())
            }
        })
        .collect()
}

/// Casts that fail rather than turn text into null.
const STRICT: CastOptions<'static> = CastOptions {
    safe: false,
    format_options: arrow::util::display::FormatOptions::new(),
};

/// The key columns of a sorted page: the sort columns, then the id.
pub fn keys_of(sort: &[(String, bool)]) -> Vec<&str> {
    sort.iter()
        .map(|(name, _)| name.as_str())
        .chain([ID_COLUMN])
        .collect()
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use arrow::array::{
        BooleanArray, Date32Array, Float64Array, Int64Array, StringArray, TimestampMillisecondArray,
    };
    use arrow::datatypes::{Field, Schema};

    use super::*;

    #[test]
    fn keys_round_trip_through_their_text() {
        let columns: Vec<ArrayRef> = vec![
            Arc::new(StringArray::from(vec![Some("Zeist, \"De Clomp\""), None])),
            Arc::new(Float64Array::from(vec![Some(0.1 + 0.2), Some(-1e-300)])),
            Arc::new(Int64Array::from(vec![Some(i64::MIN), Some(7)])),
            Arc::new(BooleanArray::from(vec![Some(true), None])),
            Arc::new(Date32Array::from(vec![Some(19_000), Some(-3)])),
            Arc::new(
                TimestampMillisecondArray::from(vec![Some(1_700_000_000_123), Some(0)])
                    .with_timezone("UTC"),
            ),
        ];
        let fields: Vec<Field> = columns
            .iter()
            .enumerate()
            .map(|(i, c)| Field::new(format!("c{i}"), c.data_type().clone(), true))
            .collect();
        let types: Vec<DataType> = fields.iter().map(|f| f.data_type().clone()).collect();
        let batch = RecordBatch::try_new(Arc::new(Schema::new(fields)), columns).unwrap();
        for row in 0..2 {
            let text = encode(&batch, row).unwrap();
            let values = decode(&text, &types).unwrap();
            for (c, value) in batch.columns().iter().zip(values) {
                assert_eq!(
                    value,
                    ScalarValue::try_from_array(c, row).unwrap(),
                    "{text}"
                );
            }
        }
    }

    #[test]
    fn text_it_did_not_write_is_refused() {
        let types = [DataType::Float64, DataType::Int64];
        for bad in [
            "",
            "[",
            "[\"1\"]",
            "[\"1\",\"2\",\"3\"]",
            "[\"x\",\"2\"]",
            "[1,2]",
        ] {
            assert!(decode(bad, &types).is_none(), "{bad}");
        }
        assert!(decode("[null,\"2\"]", &types).is_some());
    }
}

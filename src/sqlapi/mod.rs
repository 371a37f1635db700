//! The SQL API: `GET/POST /sql/v1` (a query) and `GET /sql/v1/tables` (what can be queried),
//! over the read-only SQL service ([`crate::sql`]), with the result formats of [`format`].

pub mod format;

use axum::Json;
use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::{Query, Request, State};
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use datafusion::common::ScalarValue;
use futures::StreamExt;

use crate::http::SharedState;
use crate::http::error::ApiError;
use crate::http::media::{self, Format};
use crate::sql::{SqlRequest, SqlResult};
use crate::store::layout::{BBOX_COLUMN, GEOMETRY_COLUMN};
use format::{RESULT_FORMATS, encoder};

/// Response header: `true` when rows beyond the row limit were cut off.
pub const TRUNCATED_HEADER: &str = "SQL-Truncated";
/// Response header: the row limit.
pub const ROW_LIMIT_HEADER: &str = "SQL-Row-Limit";

pub fn routes() -> Router<SharedState> {
    Router::new()
        .route("/sql/v1", get(get_query).post(post_query))
        .route("/sql/v1/tables", get(tables))
        .route("/sql/v1/status", get(status))
}

/// `f=` wins over `Accept`; neither means JSON.
fn negotiate(f: Option<&str>, headers: &HeaderMap) -> Result<Format, ApiError> {
    media::negotiate(f, headers, RESULT_FORMATS)
}

/// Positional parameters from JSON values: numbers, text, booleans, null.
fn params(values: &[serde_json::Value]) -> Result<Vec<ScalarValue>, ApiError> {
    values
        .iter()
        .enumerate()
        .map(|(i, v)| match v {
            serde_json::Value::Null => Ok(ScalarValue::Null),
            serde_json::Value::Bool(b) => Ok(ScalarValue::Boolean(Some(*b))),
            serde_json::Value::Number(n) => Ok(match n.as_i64() {
                Some(i) => ScalarValue::Int64(Some(i)),
                None => ScalarValue::Float64(n.as_f64()),
            }),
            serde_json::Value::String(s) => Ok(ScalarValue::Utf8(Some(s.clone()))),
            _ => Err(ApiError::InvalidParameter(format!(
                "params: parameter ${} must be a number, text, boolean or null",
                i + 1
            ))),
        })
        .collect()
}

/// Query parameters of `GET /sql/v1`; unknown ones are refused.
fn get_request(pairs: Vec<(String, String)>) -> Result<(SqlRequest, Option<String>), ApiError> {
    let (mut q, mut f, mut p) = (None, None, None);
    for (k, v) in pairs {
        let slot = match k.as_str() {
            "q" => &mut q,
            "f" => &mut f,
            "params" => &mut p,
            other => {
                return Err(ApiError::InvalidParameter(format!(
                    "`{other}` is not a parameter of /sql/v1 (q, params, f)"
                )));
            }
        };
        if slot.replace(v).is_some() {
            return Err(ApiError::InvalidParameter(format!("`{k}` is given twice")));
        }
    }
    let query = q.ok_or_else(|| {
        ApiError::InvalidParameter("q: the query is missing, e.g. ?q=SELECT 1".into())
    })?;
    let params = match p {
        None => Vec::new(),
        Some(text) => match serde_json::from_str::<Vec<serde_json::Value>>(&text) {
            Ok(values) => params(&values)?,
            Err(e) => {
                return Err(ApiError::InvalidParameter(format!(
                    "params: not a JSON array of values: {e}"
                )));
            }
        },
    };
    Ok((SqlRequest { query, params }, f))
}

async fn get_query(
    State(state): State<SharedState>,
    Query(pairs): Query<Vec<(String, String)>>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let (request, f) = get_request(pairs)?;
    let format = negotiate(f.as_deref(), &headers)?;
    respond(&state, request, format).await
}

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct JsonBody {
    query: String,
    #[serde(default)]
    params: Vec<serde_json::Value>,
}

/// Room for parameters beside the longest query a JSON body may hold.
const PARAMS_ROOM: usize = 64 * 1024;

async fn post_query(
    State(state): State<SharedState>,
    Query(pairs): Query<Vec<(String, String)>>,
    request: Request,
) -> Result<Response, ApiError> {
    let mut f = None;
    for (k, v) in pairs {
        if k != "f" || f.replace(v).is_some() {
            return Err(ApiError::InvalidParameter(format!(
                "`{k}`: POST /sql/v1 takes only `f` in the URL; the query is the body"
            )));
        }
    }
    let headers = request.headers().clone();
    let format = negotiate(f.as_deref(), &headers)?;
    let max = state.sql.limits.max_query_bytes;
    // The body is read with our own cap, so that an oversized query is a problem+json 413.
    let body: Bytes = axum::body::to_bytes(request.into_body(), max + PARAMS_ROOM)
        .await
        .map_err(|_| {
            ApiError::TooLarge(format!(
                "the request body is larger than the query limit of {max} bytes"
            ))
        })?;
    let json = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|ct| ct.starts_with("application/json"));
    let request = if json {
        let b: JsonBody = serde_json::from_slice(&body).map_err(|e| {
            ApiError::InvalidParameter(format!(
                "body: expected {{\"query\": \"…\", \"params\": […]}}: {e}"
            ))
        })?;
        SqlRequest {
            query: b.query,
            params: params(&b.params)?,
        }
    } else {
        let query = String::from_utf8(body.to_vec())
            .map_err(|_| ApiError::InvalidParameter("body: the query is not UTF-8".into()))?;
        SqlRequest {
            query,
            params: Vec::new(),
        }
    };
    respond(&state, request, format).await
}

async fn respond(
    state: &SharedState,
    request: SqlRequest,
    format: Format,
) -> Result<Response, ApiError> {
    let result = state.sql.run(&state.engine, request).await?;
    let SqlResult {
        schema,
        batches,
        rows,
        truncated,
        permit,
    } = result;
    let mut enc = encoder(format, schema).map_err(|e| ApiError::InvalidParameter(e.to_string()))?;
    let head = enc.begin().map_err(|e| ApiError::Internal(e.to_string()))?;
    // Encoded batch by batch as the body is sent; the query slot is freed when it is done.
    let chunks =
        futures::stream::iter(batches.into_iter().map(Some).chain([None])).map(move |batch| {
            let _slot = &permit;
            let chunk = match batch {
                Some(b) => enc.batch(&b),
                None => enc.end(rows, truncated),
            };
            chunk.map_err(|e| {
                tracing::error!(error = %e, "encoding an SQL result");
                std::io::Error::other(e.to_string())
            })
        });
    let body = futures::stream::once(async move { Ok(head) }).chain(chunks);
    let mut response = Body::from_stream(body).into_response();
    let h = response.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(format.content_type()),
    );
    h.insert(
        TRUNCATED_HEADER,
        HeaderValue::from_static(if truncated { "true" } else { "false" }),
    );
    h.insert(
        ROW_LIMIT_HEADER,
        HeaderValue::from(state.sql.limits.max_rows),
    );
    let file = match format {
        Format::Arrow => Some("attachment; filename=\"result.arrows\""),
        Format::Parquet => Some("attachment; filename=\"result.parquet\""),
        _ => None,
    };
    if let Some(f) = file {
        h.insert(header::CONTENT_DISPOSITION, HeaderValue::from_static(f));
    }
    Ok(response)
}

/// `GET /sql/v1/status`: queries running now and the memory they hold, against the limits (for
/// a client deciding when to retry after a 503, and for operators).
async fn status(State(state): State<SharedState>) -> Response {
    let now = state.sql.status();
    let limits = &state.sql.limits;
    let mut response = Json(serde_json::json!({
        "running": now.running,
        "maxConcurrent": limits.max_concurrent,
        "memoryReservedBytes": now.memory_reserved_bytes,
        "memoryLimitBytesPerQuery": limits.memory_bytes,
    }))
    .into_response();
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

/// `GET /sql/v1/tables`: every queryable table with its columns, types and row count.
async fn tables(State(state): State<SharedState>) -> Json<serde_json::Value> {
    let tables: Vec<serde_json::Value> = state
        .served_datasets()
        .filter_map(|ds| {
            let v = state.engine.current(&ds.id)?;
            let columns: Vec<serde_json::Value> = v
                .schema()
                .fields()
                .iter()
                .map(|f| {
                    let t = match f.name().as_str() {
                        GEOMETRY_COLUMN => "geometry".to_owned(),
                        BBOX_COLUMN => "bbox".to_owned(),
                        _ => f.data_type().to_string(),
                    };
                    serde_json::json!({ "name": f.name(), "type": t })
                })
                .collect();
            Some(serde_json::json!({
                "name": ds.id,
                "kind": if ds.view_sql.is_some() { "view" } else { "dataset" },
                "title": ds.title,
                "rows": v.manifest.row_count,
                "version": v.version(),
                "columns": columns,
            }))
        })
        .collect();
    Json(serde_json::json!({ "tables": tables }))
}

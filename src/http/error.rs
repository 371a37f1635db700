//! The one error type of the HTTP edge, rendered as RFC 9457 `application/problem+json` with an
//! OGC exception `code`. The mapping from engine, SQL and store errors to statuses is written down
//! here only.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

use crate::engine::EngineError;

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// A parameter is malformed, out of range or unknown (400, `InvalidParameterValue`).
    #[error("{0}")]
    InvalidParameter(String),
    /// No such collection, feature or page (404, `NotFound`).
    #[error("{0}")]
    NotFound(String),
    /// None of the representations the client accepts is available (406).
    #[error("{0}")]
    NotAcceptable(String),
    /// A `Range` header that is malformed or selects no byte of the file (416).
    #[error("{0}")]
    RangeNotSatisfiable(String),
    /// Something failed on our side; the cause is logged, never sent (500).
    #[error("internal error: {0}")]
    Internal(String),
    /// Overloaded or a resource limit was hit; try again later (503).
    #[error("{0}")]
    Unavailable(String),
    /// The request body or query text is larger than allowed (413).
    #[error("{0}")]
    TooLarge(String),
    /// A valid request needed more time or memory than it may use (422).
    #[error("{0}")]
    LimitExceeded(String),
}

impl ApiError {
    pub fn status(&self) -> StatusCode {
        match self {
            ApiError::InvalidParameter(_) => StatusCode::BAD_REQUEST,
            ApiError::NotFound(_) => StatusCode::NOT_FOUND,
            ApiError::NotAcceptable(_) => StatusCode::NOT_ACCEPTABLE,
            ApiError::RangeNotSatisfiable(_) => StatusCode::RANGE_NOT_SATISFIABLE,
            ApiError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
            ApiError::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            ApiError::TooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            ApiError::LimitExceeded(_) => StatusCode::UNPROCESSABLE_ENTITY,
        }
    }

    fn code(&self) -> &'static str {
        match self {
            ApiError::InvalidParameter(_) => "InvalidParameterValue",
            ApiError::NotFound(_) => "NotFound",
            ApiError::NotAcceptable(_) => "NotAcceptable",
            ApiError::RangeNotSatisfiable(_) => "RangeNotSatisfiable",
            ApiError::Internal(_) => "ServerError",
            ApiError::Unavailable(_) => "ServiceUnavailable",
            ApiError::TooLarge(_) => "PayloadTooLarge",
            ApiError::LimitExceeded(_) => "LimitExceeded",
        }
    }
}

impl From<EngineError> for ApiError {
    fn from(e: EngineError) -> Self {
        match e {
            EngineError::NotIngested(id) => {
                ApiError::NotFound(format!("collection `{id}` has no data yet"))
            }
            EngineError::NotServed(id) => {
                ApiError::NotFound(format!("there is no collection `{id}`"))
            }
            EngineError::VersionGone { .. } => {
                ApiError::NotFound(format!("{e}; start again from the first page"))
            }
            EngineError::DataFusion(datafusion::error::DataFusionError::ResourcesExhausted(
                msg,
            )) => ApiError::Unavailable(format!("resources exhausted: {msg}")),
            other => ApiError::Internal(other.to_string()),
        }
    }
}

/// The SQL service's errors: the query's fault 400, a limit 422, busy 503, too long 413.
impl From<crate::sql::SqlError> for ApiError {
    fn from(e: crate::sql::SqlError) -> Self {
        use crate::sql::SqlError;
        match e {
            SqlError::TooLarge { .. } => ApiError::TooLarge(e.to_string()),
            SqlError::Busy(_) => ApiError::Unavailable(e.to_string()),
            SqlError::Query(m) => ApiError::InvalidParameter(format!("SQL: {m}")),
            SqlError::Limit(m) => ApiError::LimitExceeded(m),
            SqlError::Internal(m) => ApiError::Internal(m),
        }
    }
}

/// The store fails only on our side (a file that cannot be read, a broken manifest): 500, logged.
impl From<crate::store::StoreError> for ApiError {
    fn from(e: crate::store::StoreError) -> Self {
        ApiError::Internal(e.to_string())
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status = self.status();
        let detail = match &self {
            ApiError::Internal(cause) => {
                tracing::error!(%cause, "request failed");
                "The server could not answer this request; the cause has been logged.".to_owned()
            }
            other => other.to_string(),
        };
        let body = serde_json::json!({
            "type": "about:blank",
            "title": status.canonical_reason().unwrap_or("Error"),
            "status": status.as_u16(),
            "detail": detail,
            "code": self.code(),
        });
        let mut response = (status, body.to_string()).into_response();
        response.headers_mut().insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/problem+json"),
        );
        if status == StatusCode::SERVICE_UNAVAILABLE {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from_static("5"));
        }
        response
    }
}

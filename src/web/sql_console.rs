//! `/sql`: the SQL console. A query box with the tables and their columns beside it, example
//! queries, the result as a table (and on a map when it has a geometry column), downloads of the
//! result, the limits, and errors shown at the query. A plain GET form: it needs no script.

use arrow::array::RecordBatch;
use arrow::datatypes::DataType;
use arrow::util::display::{ArrayFormatter, FormatOptions};
use askama::Template;
use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;

use crate::html::table::{FeatureTable, Header, Row};
use crate::html::{self, Chrome, MapView};
use crate::http::SharedState;
use crate::http::error::ApiError;
use crate::http::params::QueryParams;
use crate::sql::SqlRequest;
use crate::store::layout::{BBOX_COLUMN, GEOMETRY_COLUMN};

/// Rows shown on the page; the downloads have them all (up to the SQL row limit).
const SHOWN_ROWS: usize = 500;

/// A table in the list beside the query box.
struct TableInfo {
    name: String,
    title: String,
    rows: String,
    columns: Vec<(String, String)>,
}

/// An example query.
struct Example {
    title: &'static str,
    query: &'static str,
    href: String,
}

#[derive(Template)]
#[template(path = "web/sql.html")]
struct SqlPage {
    chrome: Chrome,
    query: String,
    tables: Vec<TableInfo>,
    examples: Vec<Example>,
    error: Option<String>,
    result: Option<FeatureTable>,
    result_caption: String,
    downloads: Vec<(&'static str, String)>,
    map: Option<MapView>,
    limits: Vec<(&'static str, String)>,
}

const EXAMPLES: &[(&str, &str, &str)] = &[
    (
        "Gemeenten met de meeste inwoners",
        "Municipalities with the most inhabitants",
        "SELECT statnaam, inwoners FROM kerncijfers_gemeenten_kaart ORDER BY inwoners DESC LIMIT 10",
    ),
    (
        "Laadlocaties per gemeente (ruimtelijke koppeling)",
        "Charging locations per municipality (spatial join)",
        "SELECT g.statnaam, count(l.id) AS laadlocaties, g.geometry\nFROM gemeenten g JOIN laadpunten l ON ST_Intersects(g.geometry, l.geometry)\nGROUP BY g.statnaam, g.geometry\nORDER BY laadlocaties DESC",
    ),
    (
        "Treinstations in de provincie",
        "Railway stations in the province",
        "SELECT name_long, type, geometry FROM treinstations\nWHERE ST_Intersects(geometry, ST_MakeEnvelope(4.79, 51.96, 5.63, 52.31))\nORDER BY name_long",
    ),
    (
        "Oppervlakte van de Natura 2000-gebieden (km²)",
        "Area of the Natura 2000 sites (km²)",
        "SELECT naam, round(ST_Area(ST_Transform(geometry, 28992)) / 1e6, 1) AS km2\nFROM natura2000 ORDER BY km2 DESC",
    ),
];

pub async fn console(
    State(state): State<SharedState>,
    headers: HeaderMap,
    RawQuery(raw): RawQuery,
) -> Result<Response, ApiError> {
    let params = QueryParams::parse(raw.as_deref(), &["q"])?;
    let lang = params.lang(&headers);
    let ui = html::ui::for_lang(lang);
    let chrome = Chrome::new(&state, lang, "/sql", raw.as_deref(), ui.sql_console)
        .crumb(ui.sql_console, None)
        .description(ui.sql_intro);
    let query = params.get("q").unwrap_or("").trim().to_owned();
    let tables = state
        .served_datasets()
        .filter_map(|ds| {
            let v = state.engine.current(&ds.id)?;
            Some(TableInfo {
                name: ds.id.to_string(),
                title: lang.pick(&ds.title).to_owned(),
                rows: html::thousands(v.manifest.row_count, lang),
                columns: v
                    .schema()
                    .fields()
                    .iter()
                    .filter(|f| f.name() != BBOX_COLUMN)
                    .map(|f| {
                        let t = if f.name() == GEOMETRY_COLUMN {
                            "geometry".to_owned()
                        } else {
                            f.data_type().to_string()
                        };
                        (f.name().clone(), t)
                    })
                    .collect(),
            })
        })
        .collect();
    let examples = EXAMPLES
        .iter()
        .map(|(nl, en, q)| Example {
            title: lang.text(nl, en),
            query: q,
            href: html::with_lang(&state.url("/sql"), Some(&encode_q(q)), lang),
        })
        .collect();
    let limits = &state.sql.limits;
    let limits = vec![
        (
            ui.sql_limit_rows,
            html::thousands(limits.max_rows as u64, lang),
        ),
        (ui.sql_limit_time, format!("{} s", limits.timeout.as_secs())),
        (
            ui.sql_limit_memory,
            format!("{} MiB", limits.memory_bytes / (1024 * 1024)),
        ),
        (ui.sql_limit_concurrent, limits.max_concurrent.to_string()),
    ];
    let mut page = SqlPage {
        chrome,
        query: query.clone(),
        tables,
        examples,
        error: None,
        result: None,
        result_caption: String::new(),
        downloads: Vec::new(),
        map: None,
        limits,
    };
    if query.is_empty() {
        return html::respond(lang, &page);
    }
    let run = state
        .sql
        .run(
            &state.engine,
            SqlRequest {
                query: query.clone(),
                params: Vec::new(),
            },
        )
        .await;
    let result = match run {
        Ok(r) => r,
        Err(e) => {
            let error = ApiError::from(e);
            let status = error.status();
            page.error = Some(error.to_string());
            // The page answers with the query's status, so that scripts and tests see it.
            return html::respond_with(status, lang, &page);
        }
    };
    let geometry = result.schema.fields().iter().any(|f| {
        matches!(
            f.data_type(),
            DataType::Binary | DataType::LargeBinary | DataType::BinaryView
        )
    });
    let table = result_table(&result.batches).map_err(|e| ApiError::Internal(e.to_string()))?;
    let shown = table.rows.len();
    page.result_caption = if result.rows > shown {
        format!(
            "{}: {} {} {} {}",
            ui.results,
            html::thousands(shown as u64, lang),
            ui.of,
            html::thousands(result.rows as u64, lang),
            ui.rows
        )
    } else {
        format!(
            "{}: {} {}",
            ui.results,
            html::thousands(result.rows as u64, lang),
            ui.rows
        )
    };
    if result.truncated {
        page.result_caption
            .push_str(&format!(" ({})", ui.sql_truncated));
    }
    let api = |f: &str| state.url(&format!("/sql/v1?{}&f={f}", encode_q(&query)));
    page.downloads = vec![("CSV", api("csv")), ("Parquet", api("parquet"))];
    if geometry {
        page.downloads.insert(1, ("GeoJSON", api("geojson")));
        page.map = Some(MapView::new(
            &state,
            &page.chrome,
            api("geojson"),
            format!("{}: {}", ui.map_of, ui.results.to_lowercase()),
        ));
    }
    page.result = Some(table);
    drop(result.permit);
    html::respond_with(StatusCode::OK, lang, &page)
}

/// `q=…`, form-encoded.
fn encode_q(query: &str) -> String {
    url::form_urlencoded::Serializer::new(String::new())
        .append_pair("q", query)
        .finish()
}

/// The first rows of a result as a table; binary (geometry) cells are named, not shown.
fn result_table(batches: &[RecordBatch]) -> Result<FeatureTable, arrow::error::ArrowError> {
    let Some(schema) = batches.first().map(|b| b.schema()) else {
        return Ok(FeatureTable {
            headers: Vec::new(),
            rows: Vec::new(),
        });
    };
    let headers = schema
        .fields()
        .iter()
        .map(|f| Header {
            name: f.name().clone(),
            label: f.name().clone(),
            unit: String::new(),
        })
        .collect();
    let options = FormatOptions::default().with_null("–");
    let mut rows = Vec::new();
    'batches: for b in batches {
        let formatters: Vec<Option<ArrayFormatter>> = b
            .columns()
            .iter()
            .map(|c| match c.data_type() {
                DataType::Binary | DataType::LargeBinary | DataType::BinaryView => Ok(None),
                _ => ArrayFormatter::try_new(c.as_ref(), &options).map(Some),
            })
            .collect::<Result<_, _>>()?;
        for i in 0..b.num_rows() {
            if rows.len() == SHOWN_ROWS {
                break 'batches;
            }
            let cells = formatters
                .iter()
                .map(|f| match f {
                    Some(f) => f.value(i).to_string(),
                    None => "(geometry)".to_owned(),
                })
                .collect();
            rows.push(Row { href: None, cells });
        }
    }
    Ok(FeatureTable { headers, rows })
}

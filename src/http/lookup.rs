//! Finding the dataset a path names, with one 404 for every route: an id that is not in the
//! catalog (or is not even a valid id) and a dataset without data answer the same way, in the
//! words of the API that was asked (a "collection" in the OGC API, a "dataset" elsewhere).

use std::sync::Arc;

use super::AppState;
use super::error::ApiError;
use crate::catalog::{Dataset, DatasetId};
use crate::engine::DatasetVersion;

/// What the API calls a dataset, for the message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Noun {
    /// The OGC API's word, pointing at `/ogc/v1/collections`.
    Collection,
    /// The catalog's word, pointing at `/catalog`.
    Dataset,
}

impl Noun {
    fn not_found(self, state: &AppState, id: &str) -> ApiError {
        ApiError::NotFound(match self {
            Noun::Collection => format!(
                "there is no collection `{id}`; see {} for the list",
                state.url("/ogc/v1/collections")
            ),
            Noun::Dataset => format!(
                "there is no dataset `{id}`; the catalog at {} lists them",
                state.url("/catalog")
            ),
        })
    }

    fn no_data(self, id: &DatasetId) -> ApiError {
        let noun = match self {
            Noun::Collection => "collection",
            Noun::Dataset => "dataset",
        };
        ApiError::NotFound(format!(
            "{noun} `{id}` has no data yet (it has not been ingested)"
        ))
    }
}

/// A dataset of the catalog, served or not (DCAT describes both).
pub fn described<'a>(state: &'a AppState, id: &str, noun: Noun) -> Result<&'a Dataset, ApiError> {
    DatasetId::parse(id)
        .and_then(|parsed| state.catalog.dataset(parsed.as_str()))
        .ok_or_else(|| noun.not_found(state, id))
}

/// A dataset whose data is open: its catalog entry, ingested or not. A dataset that is not public
/// answers like one that does not exist.
pub fn public<'a>(state: &'a AppState, id: &str, noun: Noun) -> Result<&'a Dataset, ApiError> {
    DatasetId::parse(id)
        .and_then(|parsed| state.served_dataset(parsed.as_str()))
        .ok_or_else(|| noun.not_found(state, id))
}

/// A served dataset: its catalog entry and the version being served now.
pub fn served<'a>(
    state: &'a AppState,
    id: &str,
    noun: Noun,
) -> Result<(&'a Dataset, Arc<DatasetVersion>), ApiError> {
    let dataset = public(state, id, noun)?;
    let version = state
        .engine
        .current(&dataset.id)
        .ok_or_else(|| noun.no_data(&dataset.id))?;
    Ok((dataset, version))
}

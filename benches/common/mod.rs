//! Set-up shared by the criterion benches.

use std::path::Path;

use ontsluit::catalog::Catalog;

/// The repo catalog with its sources read from the shared data, plus `extra` datasets (TOML
/// `[[dataset]]` entries), written into `dir` and loaded.
pub fn repo_catalog_with(dir: &Path, extra: &str) -> Catalog {
    let repo = Path::new(env!("CARGO_MANIFEST_DIR")).join("catalog.toml");
    let shared = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/data");
    let text = std::fs::read_to_string(&repo).unwrap().replace(
        "sources_dir = \"../shared/data\"",
        &format!("sources_dir = {:?}", shared.to_string_lossy()),
    );
    let path = dir.join("catalog.toml");
    std::fs::write(&path, format!("{text}{extra}")).unwrap();
    Catalog::load(&path).unwrap_or_else(|e| panic!("{e}"))
}

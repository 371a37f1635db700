//! Every interface text of the pages, in Dutch and English side by side, so that a text is never
//! added in one language only (the compiler refuses a field without both).

use crate::http::negotiate::Lang;

macro_rules! ui_texts {
    ($($field:ident: $nl:expr, $en:expr;)*) => {
        /// The interface texts of one language.
        pub struct Ui {
            $(pub $field: &'static str,)*
        }

        pub const NL: Ui = Ui { $($field: $nl,)* };
        pub const EN: Ui = Ui { $($field: $en,)* };
    };
}

ui_texts! {
    // The frame.
    skip_to_content: "Naar de inhoud", "Skip to content";
    main_navigation: "Hoofdmenu", "Main menu";
    breadcrumbs: "Kruimelpad", "Breadcrumbs";
    switch_language: "English", "Nederlands";
    switch_language_label: "Read this page in English", "Lees deze pagina in het Nederlands";
    home: "Home", "Home";
    catalog: "Datasets", "Datasets";
    locate: "Wat is hier?", "What is here?";
    sql_console: "SQL", "SQL";
    api: "API", "API";
    also_available_as: "Ook beschikbaar als", "Also available as";
    accessibility: "Toegankelijkheid", "Accessibility";
    privacy: "Privacy", "Privacy";
    colophon: "Colofon", "Colophon";
    footer_label: "Over deze website", "About this website";
    open_data_by: "Open data van", "Open data by";
    // Shared words.
    title: "Titel", "Title";
    description: "Omschrijving", "Description";
    name: "Naam", "Name";
    type_: "Type", "Type";
    unit: "Eenheid", "Unit";
    licence: "Licentie", "Licence";
    source: "Bron", "Source";
    keywords: "Trefwoorden", "Keywords";
    theme: "Thema", "Theme";
    format: "Formaat", "Format";
    size: "Grootte", "Size";
    version: "Versie", "Version";
    versions: "Versies", "Versions";
    modified: "Laatst bijgewerkt", "Last updated";
    update_frequency: "Actualisatie", "Update frequency";
    features: "Objecten", "Features";
    feature: "Object", "Feature";
    number_of_features: "Aantal objecten", "Number of features";
    spatial_extent: "Gebied", "Spatial extent";
    temporal_extent: "Periode", "Temporal coverage";
    columns: "Kolommen", "Columns";
    columns_caption: "Eigenschappen van elk object", "Properties of each feature";
    yes: "ja", "yes";
    no: "nee", "no";
    no_value: "geen waarde", "no value";
    details: "Details", "Details";
    close: "Sluiten", "Close";
    previous_page: "Vorige pagina", "Previous page";
    next_page: "Volgende pagina", "Next page";
    pages: "Pagina's", "Pages";
    with_geometry: "met geometrie", "with geometry";
    table_only: "tabel (zonder geometrie)", "table (no geometry)";
    scroll_table: "Tabel, horizontaal scrollbaar", "Table, scrolls horizontally";
    // The map.
    map_of: "Kaart van", "Map of";
    map_loading: "Kaart wordt geladen…", "Loading the map…";
    map_loaded: "{n} objecten op de kaart", "{n} features on the map";
    map_loaded_one: "{n} object op de kaart", "{n} feature on the map";
    map_truncated: "De eerste {n} objecten staan op de kaart.", "The first {n} features are on the map.";
    legend: "Legenda", "Legend";
    map: "Kaart", "Map";
    map_error: "De kaart kon niet worden geladen; de tabel bevat dezelfde gegevens.", "The map could not be loaded; the table holds the same data.";
    map_fallback: "De kaart heeft JavaScript nodig. De tabel op deze pagina bevat dezelfde gegevens.", "The map needs JavaScript. The table on this page holds the same data.";
    zoom_in: "Inzoomen", "Zoom in";
    zoom_out: "Uitzoomen", "Zoom out";
    // The home page.
    home_intro: "Zoek, bekijk en download open data van de provincie Utrecht, of gebruik ze in je eigen GIS-programma of toepassing.", "Find, view and download open data of the province of Utrecht, or use them in your own GIS tool or application.";
    home_start: "Waar wil je mee beginnen?", "Where would you like to start?";
    home_catalog: "Zoek in alle datasets", "Search all datasets";
    home_locate: "Wat geldt er op een plek? Klik op de kaart of zoek een plaats.", "What applies at a spot? Click the map or search a place.";
    home_sql: "Stel een vraag in SQL", "Ask a question in SQL";
    home_api: "OGC API Features voor GIS-programma's (QGIS, ArcGIS) en ontwikkelaars", "OGC API Features for GIS tools (QGIS, ArcGIS) and developers";
    home_datasets: "Alle datasets", "All datasets";
    // The catalog.
    search: "Zoeken", "Search";
    search_label: "Zoek op woord", "Search by word";
    search_hint: "Zoekt in titels, omschrijvingen en trefwoorden, in het Nederlands en Engels.", "Searches titles, descriptions and keywords, in Dutch and English.";
    filters: "Filters", "Filters";
    apply_filters: "Toon resultaten", "Show results";
    all_values: "Alle", "All";
    made_on_request: "gemaakt bij aanvraag", "made on request";
    chart_table_note: "de tabel ernaast bevat dezelfde cijfers", "the table beside it holds the same numbers";
    clear_filters: "Wis alle filters", "Clear all filters";
    kind: "Soort", "Kind";
    spatial: "Met kaart (geografisch)", "With a map (spatial)";
    non_spatial: "Tabel (niet geografisch)", "Table (non-spatial)";
    results_count: "datasets gevonden", "datasets found";
    no_results: "Geen datasets gevonden. Probeer een ander woord of minder filters.", "No datasets found. Try another word or fewer filters.";
    catalog_metadata: "De catalogus als DCAT-AP-NL", "The catalog as DCAT-AP-NL";
    not_public: "niet openbaar", "not public";
    // The dataset page.
    about: "Over deze dataset", "About this dataset";
    publisher: "Uitgever", "Publisher";
    contact: "Contact", "Contact";
    attribution: "Naamsvermelding", "Attribution";
    access_rights: "Toegang", "Access rights";
    not_public_text: "Deze dataset is niet openbaar: hij wordt hier beschreven, maar de gegevens zijn niet te downloaden of via de API's op te vragen. Neem contact op voor toegang.", "This dataset is not public: it is described here, but its data cannot be downloaded or queried through the APIs. Contact us for access.";
    downloads: "Downloads", "Downloads";
    downloads_caption: "De hele dataset als bestand", "The whole dataset as a file";
    checksum: "Controlegetal (SHA-256)", "Checksum (SHA-256)";
    versions_caption: "Eerdere versies blijven beschikbaar", "Earlier versions remain available";
    created: "Gemaakt", "Created";
    changes: "Wat veranderde", "What changed";
    current: "huidige", "current";
    use_it: "Gebruik deze data", "Use this data";
    use_it_intro: "Kopieer een voorbeeld en pas het aan.", "Copy an example and adapt it.";
    qgis_steps: "In QGIS: Kaartlagen → Laag toevoegen → WFS/OGC API Features-laag toevoegen → Nieuw, vul bij URL het adres hieronder in, kies Verbinden en voeg de collectie toe.", "In QGIS: Layer → Add Layer → Add WFS / OGC API Features Layer → New, enter the address below as URL, choose Connect and add the collection.";
    follow: "Volg wijzigingen", "Follow changes";
    follow_text: "Abonneer je met een feedlezer op deze Atom-feed om te horen wanneer de data verandert.", "Subscribe to this Atom feed with a feed reader to learn when the data changes.";
    follow_area: "Volg wijzigingen in dit gebied", "Follow changes in this area";
    indicators: "Indicatoren", "Indicators";
    indicator: "Indicator", "Indicator";
    pick_indicator: "Kies een indicator", "Pick an indicator";
    show: "Toon", "Show";
    chart_caption: "gesorteerd van hoog naar laag", "sorted from high to low";
    view_features: "Bekijk de objecten", "View the features";
    apis: "API's", "APIs";
    // OGC API pages.
    api_landing_intro: "Deze API volgt de OGC API Features-standaard (delen 1, 2, 3 en 5). GIS-programma's zoals QGIS, ArcGIS en GDAL kunnen haar direct gebruiken.", "This API follows the OGC API Features standard (parts 1, 2, 3 and 5). GIS tools such as QGIS, ArcGIS and GDAL can use it directly.";
    api_definition: "API-definitie (OpenAPI)", "API definition (OpenAPI)";
    api_reference: "API-referentie", "API reference";
    conformance: "Conformiteit", "Conformance";
    conformance_intro: "De conformiteitsklassen van de OGC-standaarden die deze API implementeert.", "The conformance classes of the OGC standards this API implements.";
    collections: "Collecties", "Collections";
    collection: "Collectie", "Collection";
    queryables: "Filterbare eigenschappen", "Queryables";
    schema: "Schema", "Schema";
    items_caption: "Objecten op deze pagina", "Features on this page";
    showing: "Getoond", "Showing";
    of: "van", "of";
    feature_caption: "Eigenschappen", "Properties";
    property: "Eigenschap", "Property";
    value: "Waarde", "Value";
    // Errors.
    error_title: "Er ging iets mis", "Something went wrong";
    error_not_found: "Pagina niet gevonden", "Page not found";
    error_bad_request: "Deze vraag kunnen we niet beantwoorden", "We cannot answer this request";
    error_help: "Controleer het adres, of begin opnieuw op de homepagina of in de lijst met datasets.", "Check the address, or start again from the home page or the list of datasets.";
    error_detail: "Technische melding", "Technical message";
    // What is here.
    locate_intro: "Klik op de kaart of zoek een plaats om te zien welke gegevens op die plek gelden: de gebieden waarin hij ligt en de dichtstbijzijnde voorzieningen.", "Click the map or search a place to see which data apply at that spot: the areas it lies in and the nearest facilities.";
    place: "Plaats", "Place";
    place_hint: "Bijvoorbeeld een gemeente, wijk of station.", "For example a municipality, district or station.";
    coordinates: "Coördinaten", "Coordinates";
    longitude: "Lengtegraad (lon)", "Longitude (lon)";
    latitude: "Breedtegraad (lat)", "Latitude (lat)";
    look_up: "Zoek op", "Look up";
    contains_spot: "Gebieden op deze plek", "Areas at this spot";
    nearest: "In de buurt", "Nearby";
    distance: "Afstand", "Distance";
    metres: "meter", "metres";
    nothing_here: "Geen gegevens op deze plek.", "No data at this spot.";
    nothing_near: "Niets binnen", "Nothing within";
    places_found: "Gevonden plaatsen", "Places found";
    no_places: "Geen plaats gevonden met deze naam.", "No place found by this name.";
    the_spot: "De gekozen plek", "The chosen spot";
    locate_map_label: "Kaart: klik op een plek om te zien wat daar is", "Map: click a spot to see what is there";
    spot_at: "Plek", "Spot";
    open_feature: "bekijk", "view";
    // The SQL console.
    sql_intro: "Stel een vraag aan alle tabellen met SQL (alleen lezen).", "Query every table with SQL (read-only).";
    query: "Vraag (SQL)", "Query (SQL)";
    run: "Uitvoeren", "Run";
    tables: "Tabellen", "Tables";
    examples: "Voorbeelden", "Examples";
    results: "Resultaat", "Result";
    rows: "rijen", "rows";
    download_result: "Download het resultaat", "Download the result";
    limits: "Grenzen", "Limits";
    sql_error: "De vraag gaf een fout", "The query failed";
    sql_limit_rows: "Rijen per resultaat (meer worden afgekapt)", "Rows per result (more are cut off)";
    sql_limit_time: "Tijd per vraag", "Time per query";
    sql_limit_memory: "Geheugen per vraag", "Memory per query";
    sql_limit_concurrent: "Vragen tegelijk", "Queries at once";
    sql_truncated: "afgekapt bij de rijengrens", "cut off at the row limit";
    sql_shown_note: "De pagina toont de eerste 500 rijen; de downloads bevatten alle rijen.", "The page shows the first 500 rows; the downloads hold all rows.";
    sql_api_note: "Dezelfde vragen kunnen via de API: GET of POST /sql/v1.", "The same queries work through the API: GET or POST /sql/v1.";
    // Static pages.
    accessibility_title: "Toegankelijkheidsverklaring", "Accessibility statement";
    privacy_title: "Privacyverklaring", "Privacy statement";
    colophon_title: "Colofon", "Colophon";
}

pub fn for_lang(lang: Lang) -> &'static Ui {
    match lang {
        Lang::Nl => &NL,
        Lang::En => &EN,
    }
}

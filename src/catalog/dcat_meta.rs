//! What a dataset needs beyond its data to be described in DCAT-AP-NL 3.0 (and the national
//! portal's DCAT-AP-DONL 1.1): access rights, a TaxonomieBeleidsagenda theme, place URIs, issue
//! date, creator, standards. Every field has a sensible default, so an entry without them stays valid;
//! `ontsluit check` warns where a default would weaken the published description.

use chrono::NaiveDate;
use toml::Spanned;

use super::raw::{RawAgent, RawDataset};
use super::validate::Collector;

/// DCAT fields of one dataset, validated.
#[derive(Debug, Clone, Default)]
pub struct DcatMeta {
    pub access_rights: AccessRights,
    /// Themes from the TaxonomieBeleidsagenda (data.overheid.nl), beside the EU data theme.
    pub policy_themes: Vec<PolicyTheme>,
    /// Place URIs the dataset covers (EU places/countries, Geonames, OWMS, CBS).
    pub spatial: Vec<String>,
    /// When the dataset was first published; absent: the oldest stored version's date.
    pub issued: Option<NaiveDate>,
    /// Who made the data; absent: the catalog's publisher.
    pub creator: Option<Agent>,
    /// Standards the data follows (URIs); spatial datasets always conform to CRS84.
    pub conforms_to: Vec<String>,
}

/// An organisation, by name and (preferably) an OWMS/TOOI URI.
#[derive(Debug, Clone, PartialEq)]
pub struct Agent {
    pub name: String,
    pub uri: Option<String>,
}

/// Access rights from the EU access-right authority list (the three values DCAT-AP-NL allows).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum AccessRights {
    #[default]
    Public,
    Restricted,
    NonPublic,
}

impl AccessRights {
    pub fn parse(s: &str) -> Option<AccessRights> {
        match s.to_ascii_lowercase().as_str() {
            "public" => Some(AccessRights::Public),
            "restricted" => Some(AccessRights::Restricted),
            "non-public" | "non_public" => Some(AccessRights::NonPublic),
            _ => None,
        }
    }

    pub fn code(&self) -> &'static str {
        match self {
            AccessRights::Public => "PUBLIC",
            AccessRights::Restricted => "RESTRICTED",
            AccessRights::NonPublic => "NON_PUBLIC",
        }
    }

    pub fn uri(&self) -> String {
        format!(
            "http://publications.europa.eu/resource/authority/access-right/{}",
            self.code()
        )
    }

    /// Labels (nl, en) as the EU list gives them.
    pub fn labels(&self) -> (&'static str, &'static str) {
        match self {
            AccessRights::Public => ("publiek", "public"),
            AccessRights::Restricted => ("beperkt", "restricted"),
            AccessRights::NonPublic => ("niet-publiek", "non-public"),
        }
    }
}

/// A concept of the TaxonomieBeleidsagenda (OWMS), e.g. `Verkeer_(thema)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PolicyTheme {
    /// The last segment of the OWMS URI.
    pub name: &'static str,
    /// Dutch label.
    pub label: &'static str,
}

/// Namespace of OWMS terms (TaxonomieBeleidsagenda concepts and organisations).
pub const OWMS_TERMS: &str = "http://standaarden.overheid.nl/owms/terms/";

impl PolicyTheme {
    /// Accepts the URI's last segment (`Verkeer_(thema)`) or the whole OWMS URI.
    pub fn parse(s: &str) -> Option<PolicyTheme> {
        let name = s.strip_prefix(OWMS_TERMS).unwrap_or(s);
        POLICY_THEMES
            .iter()
            .find(|(n, _)| *n == name)
            .map(|&(name, label)| PolicyTheme { name, label })
    }

    pub fn uri(&self) -> String {
        format!("{OWMS_TERMS}{}", self.name)
    }

    /// The scheme's URI, for `skos:inScheme`.
    pub fn scheme_uri() -> String {
        format!("{OWMS_TERMS}TaxonomieBeleidsagenda")
    }
}

/// The TaxonomieBeleidsagenda as data.overheid.nl's DCAT-AP-DONL 1.1 lists it: URI segment, label.
const POLICY_THEMES: &[(&str, &str)] = &[
    ("Afval_(thema)", "Afval"),
    ("Arbeidsomstandigheden_(thema)", "Arbeidsomstandigheden"),
    ("Arbeidsvoorwaarden", "Arbeidsvoorwaarden"),
    ("Basisonderwijs_(thema)", "Basisonderwijs"),
    ("Begroting", "Begroting"),
    ("Belasting", "Belasting"),
    ("Beroepsonderwijs_(thema)", "Beroepsonderwijs"),
    ("Bestuur", "Bestuur"),
    ("Bestuursrecht", "Bestuursrecht"),
    ("Bezwaar_en_klachten", "Bezwaar en klachten"),
    ("Bodem", "Bodem"),
    ("Bouwen_en_verbouwen", "Bouwen en verbouwen"),
    ("Bouwnijverheid", "Bouwnijverheid"),
    ("Burgerlijk_recht", "Burgerlijk recht"),
    ("Criminaliteit", "Criminaliteit"),
    ("Cultuur_(thema)", "Cultuur"),
    ("Cultuur_en_recreatie", "Cultuur en recreatie"),
    (
        "De_Nederlandse_Antillen_en_Aruba",
        "De Nederlandse Antillen en Aruba",
    ),
    ("Defensie_(thema)", "Defensie"),
    ("Dieren_(thema)", "Dieren"),
    ("Economie", "Economie"),
    ("Emigratie_(thema)", "Emigratie"),
    ("Energie", "Energie"),
    ("Ethiek", "Ethiek"),
    ("Europese_zaken", "Europese zaken"),
    ("Financieel_toezicht", "Financieel toezicht"),
    ("Financien", "Financiën"),
    ("Geluid_(thema)", "Geluid"),
    ("Gemeenten", "Gemeenten"),
    (
        "Geneesmiddelen_en_medische_hulpmiddelen",
        "Geneesmiddelen en medische hulpmiddelen",
    ),
    ("Gezin_en_kinderen", "Gezin en kinderen"),
    ("Gezondheidsrisico's", "Gezondheidsrisico's"),
    ("Handel", "Handel"),
    ("Hoger_onderwijs_(thema)", "Hoger onderwijs"),
    ("Huisvesting_(thema)", "Huisvesting"),
    ("Huren_en_verhuren", "Huren en verhuren"),
    ("ICT", "ICT"),
    ("Immigratie_(thema)", "Immigratie"),
    ("Industrie_(thema)", "Industrie"),
    ("Inkomensbeleid", "Inkomensbeleid"),
    ("Integratie_(thema)", "Integratie"),
    ("Internationaal", "Internationaal"),
    (
        "Internationale_samenwerking_(thema)",
        "Internationale samenwerking",
    ),
    ("Jongeren_(thema)", "Jongeren"),
    ("Jongeren_(gezondheid-thema)", "Jongeren (gezondheid)"),
    ("Koninklijk_Huis_(thema)", "Koninklijk Huis"),
    ("Kopen_en_verkopen", "Kopen en verkopen"),
    ("Kunst_(thema)", "Kunst"),
    ("Landbouw_(thema)", "Landbouw"),
    ("Levensloop", "Levensloop"),
    ("Lucht", "Lucht"),
    ("Luchtvaart", "Luchtvaart"),
    ("Markttoezicht", "Markttoezicht"),
    ("Media", "Media"),
    ("Migratie_en_integratie", "Migratie en integratie"),
    ("Militaire_missies", "Militaire missies"),
    ("Nabestaanden", "Nabestaanden"),
    ("Natuur_en_milieu", "Natuur en milieu"),
    ("Natuur-_en_landschapsbeheer", "Natuur- en landschapsbeheer"),
    ("Nederlanderschap_(thema)", "Nederlanderschap"),
    ("Netwerken", "Netwerken"),
    ("Ondernemen", "Ondernemen"),
    ("Onderwijs_en_wetenschap", "Onderwijs en wetenschap"),
    ("Onderzoek_en_wetenschap", "Onderzoek en wetenschap"),
    ("Ontslag_(thema)", "Ontslag"),
    ("Ontwikkelingssamenwerking", "Ontwikkelingssamenwerking"),
    ("Openbare_orde_en_veiligheid", "Openbare orde en veiligheid"),
    ("Organisatie_en_beleid", "Organisatie en beleid"),
    ("Ouderen", "Ouderen"),
    (
        "Overige_economische_sectoren",
        "Overige economische sectoren",
    ),
    (
        "Overige_vormen_van_onderwijs",
        "Overige vormen van onderwijs",
    ),
    ("Parlement", "Parlement"),
    ("Planten", "Planten"),
    (
        "Politie_brandweer_en_hulpdiensten",
        "Politie, brandweer en hulpdiensten",
    ),
    ("Provincies", "Provincies"),
    ("Rampen", "Rampen"),
    ("Recht_(thema)", "Recht"),
    ("Rechtspraak", "Rechtspraak"),
    ("Recreatie_(thema)", "Recreatie"),
    ("Reizen", "Reizen"),
    ("Religie", "Religie"),
    ("Rijksoverheid", "Rijksoverheid"),
    ("Ruimte_en_infrastructuur", "Ruimte en infrastructuur"),
    ("Ruimtelijke_ordening", "Ruimtelijke ordening"),
    ("Sociale_zekerheid", "Sociale zekerheid"),
    ("Spoor", "Spoor"),
    ("Sport_(thema)", "Sport"),
    ("Staatsrecht", "Staatsrecht"),
    ("Staatsveiligheid", "Staatsveiligheid"),
    ("Stoffen", "Stoffen"),
    ("Strafrecht", "Strafrecht"),
    ("Terrorisme_(thema)", "Terrorisme"),
    ("Tijdelijk_verblijf", "Tijdelijk verblijf"),
    ("Toerisme", "Toerisme"),
    ("Transport_(thema)", "Transport"),
    ("Verkeer_(thema)", "Verkeer"),
    ("Verzekeringen", "Verzekeringen"),
    ("Voeding", "Voeding"),
    ("Voedselkwaliteit", "Voedselkwaliteit"),
    ("Voortgezet_onderwijs_(thema)", "Voortgezet onderwijs"),
    ("Water_(verkeer-thema)", "Water"),
    (
        "Waterkeringen_en_waterbeheer",
        "Waterkeringen en waterbeheer",
    ),
    ("Waterschappen", "Waterschappen"),
    ("Weg_(thema)", "Weg"),
    ("Werk_(thema)", "Werk"),
    ("Werkgelegenheid", "Werkgelegenheid"),
    ("Werkloosheid", "Werkloosheid"),
    (
        "Ziekte_en_arbeidsongeschiktheid",
        "Ziekte en arbeidsongeschiktheid",
    ),
    ("Ziekten_en_behandelingen", "Ziekten en behandelingen"),
    ("Zorg_en_gezondheid", "Zorg en gezondheid"),
];

/// Validates a dataset's DCAT fields, reporting problems to `c`.
pub(super) fn validate(c: &mut Collector, raw: &RawDataset, ds: Option<&str>) -> DcatMeta {
    let mut meta = DcatMeta::default();
    if let Some(a) = &raw.access_rights {
        match AccessRights::parse(a.get_ref()) {
            Some(parsed) => meta.access_rights = parsed,
            None => {
                let msg = format!(
                    "`{}` is not an access right (`public`, `restricted` or `non-public`)",
                    a.get_ref()
                );
                c.push(a, ds, "access_rights", msg);
            }
        }
    }
    if let Some(themes) = &raw.policy_theme {
        for t in themes.get_ref() {
            match PolicyTheme::parse(t) {
                Some(parsed) => meta.policy_themes.push(parsed),
                None => {
                    let msg = format!(
                        "`{t}` is not a TaxonomieBeleidsagenda concept (the last part of its OWMS \
                         URI, e.g. `Verkeer_(thema)` or `Natuur_en_milieu`)"
                    );
                    c.push(themes, ds, "policy_theme", msg);
                }
            }
        }
    }
    if let Some(places) = &raw.spatial {
        for p in places.get_ref() {
            if is_http_url(p) {
                meta.spatial.push(p.clone());
            } else {
                c.push(
                    places,
                    ds,
                    "spatial",
                    format!("`{p}` is not an http(s) URI of a place"),
                );
            }
        }
    }
    if let Some(standards) = &raw.conforms_to {
        for s in standards.get_ref() {
            if is_http_url(s) {
                meta.conforms_to.push(s.clone());
            } else {
                c.push(
                    standards,
                    ds,
                    "conforms_to",
                    format!("`{s}` is not an http(s) URI of a standard"),
                );
            }
        }
    }
    if let Some(issued) = &raw.issued {
        match NaiveDate::parse_from_str(issued.get_ref(), "%Y-%m-%d") {
            Ok(d) => meta.issued = Some(d),
            Err(_) => c.push(
                issued,
                ds,
                "issued",
                format!("`{}` is not a date (YYYY-MM-DD)", issued.get_ref()),
            ),
        }
    }
    if let Some(creator) = &raw.creator {
        meta.creator = validate_agent(c, creator, ds, "creator");
    }
    meta
}

fn validate_agent(
    c: &mut Collector,
    raw: &Spanned<RawAgent>,
    ds: Option<&str>,
    field: &str,
) -> Option<Agent> {
    let agent = raw.get_ref();
    if agent.name.trim().is_empty() {
        c.push(
            raw,
            ds,
            &format!("{field}.name"),
            "must not be empty".into(),
        );
        return None;
    }
    if let Some(uri) = agent.uri.as_ref().filter(|u| !is_http_url(u)) {
        c.push(
            raw,
            ds,
            &format!("{field}.uri"),
            format!("`{uri}` is not an http(s) URI"),
        );
        return None;
    }
    Some(Agent {
        name: agent.name.clone(),
        uri: agent.uri.clone(),
    })
}

fn is_http_url(s: &str) -> bool {
    url::Url::parse(s).is_ok_and(|u| u.scheme() == "http" || u.scheme() == "https")
}

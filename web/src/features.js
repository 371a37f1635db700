// Fetching GeoJSON from the server: a FeatureCollection, paged through its `rel=next` links, or a
// single Feature. Only the network and the GeoJSON/OGC API link shapes live here; no map code.

const GEOJSON = 'application/geo+json';

/**
 * @typedef {object} Loaded
 * @property {object[]} features GeoJSON Feature objects, at most `max`.
 * @property {boolean} single True when the URL answered one Feature, not a collection.
 * @property {boolean} truncated True when more features were available than `max`.
 */

/**
 * Fetches all features behind `url`, following `rel=next` links until `max` features are held.
 * @param {URL} url
 * @param {number} max
 * @param {AbortSignal} [signal]
 * @returns {Promise<Loaded>}
 */
export async function loadFeatures(url, max, signal) {
  const features = [];
  const seen = new Set();
  let next = url;
  let truncated = false;
  while (next) {
    if (seen.has(next.href)) break; // a server whose next link loops must not hang the page
    seen.add(next.href);
    const {body, responseUrl} = await fetchJson(next, signal);
    if (body && body.type === 'Feature') {
      return {features: [body], single: true, truncated: false};
    }
    if (!body || body.type !== 'FeatureCollection' || !Array.isArray(body.features)) {
      throw new Error(`${next.href}: not a GeoJSON FeatureCollection or Feature`);
    }
    features.push(...body.features);
    next = nextLink(body.links, responseUrl);
    if (features.length >= max) {
      truncated = features.length > max || next !== null;
      features.length = Math.min(features.length, max);
      break;
    }
  }
  return {features, single: false, truncated};
}

async function fetchJson(url, signal) {
  const response = await fetch(url, {headers: {Accept: `${GEOJSON}, application/json;q=0.9`}, signal});
  if (!response.ok) throw new Error(`${url.href}: HTTP ${response.status}`);
  return {body: await response.json(), responseUrl: new URL(response.url || url.href)};
}

/**
 * The `rel=next` link of an OGC API response, preferring a GeoJSON one; null when there is none.
 * @param {unknown} links
 * @param {URL} base the URL the links are relative to
 * @returns {URL | null}
 */
export function nextLink(links, base) {
  if (!Array.isArray(links)) return null;
  const candidates = links.filter((l) => l && l.rel === 'next' && typeof l.href === 'string');
  const link =
    candidates.find((l) => l.type === GEOJSON) ??
    candidates.find((l) => !l.type || /json/.test(l.type));
  return link ? new URL(link.href, base) : null;
}

/**
 * The HTML page of a feature: its own `self`/`alternate` link of type text/html, or else
 * `{collection items URL}/{id}?f=html` (for a single Feature URL: that URL with `?f=html`).
 * @param {object} feature a GeoJSON Feature
 * @param {URL} sourceUrl the URL the feature was loaded from (the map's `data-features`)
 * @param {boolean} single whether `sourceUrl` is the feature's own URL
 * @returns {string | null}
 */
export function featurePageUrl(feature, sourceUrl, single) {
  const links = Array.isArray(feature.links) ? feature.links : [];
  const html = links.find(
    (l) =>
      l &&
      (l.rel === 'self' || l.rel === 'alternate') &&
      typeof l.href === 'string' &&
      typeof l.type === 'string' &&
      l.type.startsWith('text/html'),
  );
  if (html) return new URL(html.href, sourceUrl).href;
  const path = sourceUrl.origin + sourceUrl.pathname.replace(/\/+$/, '');
  if (single) return `${path}?f=html`;
  if (feature.id === undefined || feature.id === null || feature.id === '') return null;
  return `${path}/${encodeURIComponent(String(feature.id))}?f=html`;
}

// The URLs of the server's contract, as pure functions (unit-tested in node): OGC API `links`,
// a feature's HTML page and the click-to-locate URL.

export const GEOJSON = 'application/geo+json';

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

/**
 * `{prefix}&lon=…&lat=…` (`?lon=` when the prefix has no query), in WGS84 with 6 decimals.
 * @param {string} prefix the map's `data-locate`
 * @param {number[]} lonLat
 */
export function locateUrl(prefix, [lon, lat]) {
  const separator = prefix.includes('?') ? (/[?&]$/.test(prefix) ? '' : '&') : '?';
  return `${prefix}${separator}lon=${lon.toFixed(6)}&lat=${lat.toFixed(6)}`;
}

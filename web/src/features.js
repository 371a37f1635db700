// Fetching GeoJSON from the server: a FeatureCollection, paged through its `rel=next` links, or a
// single Feature. Only the network lives here; no map code.
import {GEOJSON, nextLink} from './links.js';

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
 * @param {{follow?: boolean}} [options] `follow: false` reads the first page only (a page's map)
 * @returns {Promise<Loaded>}
 */
export async function loadFeatures(url, max, signal, {follow = true} = {}) {
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
    next = follow ? nextLink(body.links, responseUrl) : null;
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

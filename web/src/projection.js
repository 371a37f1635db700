// Projections the maps may use as their view. RD New (EPSG:28992) is registered through proj4;
// EPSG:3857 and EPSG:4326 are built into OpenLayers.
import proj4 from 'proj4';
import {register} from 'ol/proj/proj4.js';
import {get as getProjection, transformExtent} from 'ol/proj.js';

export const RD_NEW = 'EPSG:28992';
export const WEB_MERCATOR = 'EPSG:3857';
/** GeoJSON from the server is CRS84: lon/lat, which OpenLayers calls EPSG:4326. */
export const LON_LAT = 'EPSG:4326';

const RD_NEW_DEF =
  '+proj=sterea +lat_0=52.15616055555555 +lon_0=5.38763888888889 +k=0.9999079 ' +
  '+x_0=155000 +y_0=463000 +ellps=bessel ' +
  '+towgs84=565.417,50.3319,465.552,-0.398957,0.343988,-1.8774,4.0725 +units=m +no_defs';

/** The extent of the Dutch tiling scheme (NL:RD), also the validity area used for the view. */
export const RD_NEW_EXTENT = [-285401.92, 22598.08, 595401.92, 903401.92];

/** The province of Utrecht in lon/lat: what a map shows when it has nothing else to fit. */
export const PROVINCE_EXTENT = [4.79, 51.96, 5.63, 52.31];

const KEEP_CODES = new Set([RD_NEW, WEB_MERCATOR, LON_LAT, 'WGS84']);
let registered = false;

function registerRdNew() {
  if (registered) return;
  proj4.defs(RD_NEW, RD_NEW_DEF);
  // proj4 predefines ~130 codes (UTM zones and more) and OpenLayers' register() builds a transform
  // for every pair of them; keep only the codes the maps use (the bundle has only their projections).
  for (const code of Object.keys(proj4.defs)) {
    if (!KEEP_CODES.has(code)) delete proj4.defs[code];
  }
  register(proj4);
  getProjection(RD_NEW).setExtent(RD_NEW_EXTENT);
  registered = true;
}

/**
 * The view projection named by a map's `data-projection`; unknown names fall back to RD New.
 * @param {string | undefined} name
 * @returns {import('ol/proj/Projection.js').default}
 */
export function viewProjection(name) {
  registerRdNew();
  const code = name === WEB_MERCATOR ? WEB_MERCATOR : RD_NEW;
  return getProjection(code);
}

/**
 * Parses `minlon,minlat,maxlon,maxlat`; null when absent or malformed.
 * @param {string | undefined} text
 * @returns {number[] | null}
 */
export function parseLonLatExtent(text) {
  if (!text) return null;
  const parts = text.split(',').map((p) => Number(p.trim()));
  if (parts.length !== 4 || parts.some((n) => !Number.isFinite(n))) return null;
  const [minLon, minLat, maxLon, maxLat] = parts;
  if (minLon > maxLon || minLat > maxLat) return null;
  return parts;
}

/**
 * @param {number[]} lonLatExtent
 * @param {import('ol/proj/Projection.js').default} projection
 */
export function toViewExtent(lonLatExtent, projection) {
  return transformExtent(lonLatExtent, LON_LAT, projection);
}

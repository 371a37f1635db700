// Replaces proj4's list of built-in projections (its `projs.js`, ~70 KiB minified) at build time,
// see build.mjs: the maps need only the oblique stereographic projection of RD New. Mercator and
// lon/lat are part of proj4's core.
import sterea from 'proj4/lib/projections/sterea.js';

export default function includedProjections(proj4) {
  proj4.Proj.projections.add(sterea);
}

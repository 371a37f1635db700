// Progressive enhancement of `<div class="ons-map">`: an OpenLayers map of the GeoJSON behind
// `data-features`. The data attributes are the contract with the server's templates (see
// web/README.md); the element's children are the no-script fallback and are hidden here.
//
// States, for the templates' CSS and the browser tests: `data-state` is `loading`, then `ready`
// (with `data-feature-count`) or `error` (with the message in the status element below the map).
import Map from 'ol/Map.js';
import View from 'ol/View.js';
import GeoJSON from 'ol/format/GeoJSON.js';
import VectorLayer from 'ol/layer/Vector.js';
import VectorSource from 'ol/source/Vector.js';
import TileLayer from 'ol/layer/Tile.js';
import XYZ from 'ol/source/XYZ.js';
import TileGrid from 'ol/tilegrid/TileGrid.js';
import Control from 'ol/control/Control.js';
import Zoom from 'ol/control/Zoom.js';
import {defaults as defaultInteractions} from 'ol/interaction/defaults.js';
import {Circle as CircleStyle, Fill, Stroke, Style} from 'ol/style.js';
import {createEmpty, extend, isEmpty} from 'ol/extent.js';
import {fromLonLat, toLonLat} from 'ol/proj.js';
import Feature from 'ol/Feature.js';
import OlPoint from 'ol/geom/Point.js';
import {fromExtent} from 'ol/geom/Polygon.js';

import {loadFeatures} from './features.js';
import {featurePageUrl, locateUrl} from './links.js';
import {texts as mapTexts, withCount} from './i18n.js';
import {
  LON_LAT,
  PROVINCE_EXTENT,
  RD_NEW,
  RD_NEW_EXTENT,
  parseLonLatExtent,
  toViewExtent,
  viewProjection,
} from './projection.js';
import {colourFor, legendElement, numericValue, quantileClasses} from './choropleth.js';
import {FeaturePopup} from './popup.js';

const DEFAULT_MAX_FEATURES = 2000;
/** Fitting never zooms in closer than this (metres per pixel), so one point shows its context. */
const MIN_FIT_RESOLUTION = 0.5;
const FIT_PADDING = [24, 24, 24, 24];

const ACCENT = '#a3001b';
const SELECTED = '#111111';

let mapCount = 0;

/** Builds a map in every `.ons-map` below `root` that has none yet. */
export function initMaps(root = document) {
  for (const element of root.querySelectorAll('.ons-map')) {
    if (element.dataset.state) continue;
    createMap(element);
  }
}

/**
 * Takes one `.ons-map` over; whatever fails (the data, a bad attribute) ends in the error state.
 * @param {HTMLElement} element
 */
async function createMap(element) {
  const t = mapTexts(element.dataset.i18n);
  const id = `ons-map-${++mapCount}`;
  const interactive = !element.classList.contains('ons-map--small');
  element.dataset.state = 'loading';
  for (const child of element.children) child.hidden = true;

  element.setAttribute('role', interactive ? 'region' : 'img');
  element.setAttribute('aria-label', element.dataset.label || t.map);

  const status = document.createElement('p');
  // A small map is a picture in a card: its status is for screen readers only, unless it fails.
  status.className = interactive ? 'ons-map__status' : 'ons-map__status ontsluit-visually-hidden';
  status.id = `${id}-status`;
  status.setAttribute('role', 'status');
  status.setAttribute('aria-live', 'polite');
  status.textContent = t.loading;
  element.after(status);

  try {
    await buildMap(element, {t, id, status, interactive});
  } catch (err) {
    element.dataset.state = 'error';
    status.textContent = t.error;
    status.classList.add('ons-map__status--error');
    status.classList.remove('ontsluit-visually-hidden');
    console.warn('ontsluit map:', element.dataset.features, err);
  }
}

async function buildMap(element, {t, id, status, interactive}) {
  const projection = viewProjection(element.dataset.projection);
  const source = new VectorSource();
  const geojson = new WeakMap(); // OpenLayers feature -> the GeoJSON object the server sent
  let selected = null;
  let styleFor = plainStyle;
  const vectorLayer = new VectorLayer({
    source,
    style: (feature) => (feature === selected ? selectedStyle(styleFor(feature)) : styleFor(feature)),
  });

  const layers = [];
  if (element.dataset.background) {
    layers.push(backgroundLayer(element.dataset.background, projection));
  }
  layers.push(vectorLayer);

  const controls = [];
  if (interactive) {
    const zoom = new Zoom({zoomInTipLabel: t.zoomIn, zoomOutTipLabel: t.zoomOut});
    zoom.element.querySelector('.ol-zoom-in').setAttribute('aria-label', t.zoomIn);
    zoom.element.querySelector('.ol-zoom-out').setAttribute('aria-label', t.zoomOut);
    controls.push(zoom);
  }
  if (element.dataset.attribution) controls.push(attributionControl(element.dataset.attribution));

  // With a background, zoom snaps to the tile levels so tiles stay sharp; without, fits are tight.
  const view = new View({projection, constrainResolution: Boolean(element.dataset.background)});
  const map = new Map({
    target: element,
    layers,
    controls,
    view,
    interactions: interactive
      ? defaultInteractions({altShiftDragRotate: false, pinchRotate: false})
      : [],
  });
  const viewport = map.getViewport();
  viewport.querySelector('.ol-layers')?.setAttribute('aria-hidden', 'true');
  if (interactive) {
    viewport.tabIndex = 0;
    viewport.setAttribute('aria-describedby', status.id);
  }

  // The view follows its fitted extent when the map is resized (a phone turned), until the user
  // moves it.
  const givenExtent = parseLonLatExtent(element.dataset.extent);
  let fitted = null;
  let fitting = false;
  const fit = (extent) => {
    fitting = true;
    view.fit(extent, {size: map.getSize() ?? [640, 384], padding: FIT_PADDING, minResolution: MIN_FIT_RESOLUTION});
    fitting = false;
    fitted = extent;
  };
  fit(toViewExtent(givenExtent ?? PROVINCE_EXTENT, projection));
  view.on(['change:center', 'change:resolution'], () => {
    if (!fitting) fitted = null;
  });
  map.on('change:size', () => {
    if (fitted) fit(fitted);
  });

  let popup = null;
  if (interactive) {
    popup = new FeaturePopup(
      t,
      () => {
        selected = null;
        vectorLayer.changed();
      },
      viewport,
    );
    map.addOverlay(popup.overlay);
    element.addEventListener('keydown', (event) => {
      if (event.key === 'Escape' && popup.isOpen) {
        popup.close();
        event.stopPropagation();
      }
    });
  }

  // Without `data-features` the map shows only its extent (a card's overview map) or a marked
  // spot (`data-marker`, e.g. the one "what is here" answers for).
  const sourceUrl = element.dataset.features
    ? new URL(element.dataset.features, document.baseURI)
    : null;
  const max = positiveInteger(element.dataset.maxFeatures) ?? DEFAULT_MAX_FEATURES;
  const loaded = sourceUrl
    ? await loadFeatures(sourceUrl, max, undefined, {follow: !('singlePage' in element.dataset)})
    : {features: [], truncated: false, single: false};
  const marker = parseLonLat(element.dataset.marker);
  if (!sourceUrl && element.dataset.context) {
    // Orientation under a map without features of its own: drawn faintly, never clickable.
    const context = await contextFeatures(new URL(element.dataset.context, document.baseURI));
    const contextFormat = new GeoJSON({dataProjection: LON_LAT, featureProjection: projection});
    const contextLayer = new VectorLayer({
      source: new VectorSource({features: context.map((f) => contextFormat.readFeature(f))}),
      style: contextStyle,
    });
    map.getLayers().insertAt(element.dataset.background ? 1 : 0, contextLayer);
    if (!interactive && givenExtent) {
      // An overview: the extent within the context, so that it is seen where it lies.
      const both = contextLayer.getSource().getExtent().slice();
      extend(both, toViewExtent(givenExtent, projection));
      if (!isEmpty(both)) fit(both);
    }
  }
  if (marker || (!sourceUrl && givenExtent)) {
    const overlayLayer = new VectorLayer({source: new VectorSource(), style: markerStyle});
    const overlaySource = overlayLayer.getSource();
    if (marker) {
      overlaySource.addFeature(new Feature(new OlPoint(fromLonLat(marker, projection))));
    } else {
      overlaySource.addFeature(
        new Feature(fromExtent(toViewExtent(givenExtent, projection))),
      );
    }
    map.addLayer(overlayLayer);
  }

  const format = new GeoJSON({dataProjection: LON_LAT, featureProjection: projection});
  const features = [];
  for (const object of loaded.features) {
    const feature = format.readFeature(object);
    geojson.set(feature, object);
    features.push(feature);
  }

  const property = element.dataset.choropleth;
  if (property) {
    const values = loaded.features.map((f) => numericValue(f.properties?.[property]));
    const classes = quantileClasses(values.filter((v) => v !== null));
    styleFor = choroplethStyle(classes, property);
    const legend = legendElement(classes, {
      property,
      label: element.dataset.choroplethLabel,
      hasNoValue: values.some((v) => v === null),
      texts: t,
      id: `${id}-legend`,
    });
    element.after(legend);
  }
  source.addFeatures(features);

  if (!givenExtent) {
    const extent = createEmpty();
    for (const feature of features) {
      const geometry = feature.getGeometry();
      if (geometry) extend(extent, geometry.getExtent());
    }
    if (!isEmpty(extent)) fit(extent);
  }

  if (interactive) {
    map.on('singleclick', (event) => {
      const hit = map.forEachFeatureAtPixel(event.pixel, (f) => f, {
        hitTolerance: 4,
        layerFilter: (layer) => layer === vectorLayer,
      });
      if (hit) {
        selected = hit;
        vectorLayer.changed();
        const object = geojson.get(hit);
        const here = element.dataset.locate
          ? locateUrl(element.dataset.locate, toLonLat(event.coordinate, projection))
          : null;
        popup.open(object, event.coordinate, featurePageUrl(object, sourceUrl, loaded.single), here);
      } else if (popup.isOpen) {
        popup.close();
      } else if (element.dataset.locate) {
        window.location.assign(locateUrl(element.dataset.locate, toLonLat(event.coordinate, projection)));
      }
    });
    map.on('pointermove', (event) => {
      if (event.dragging) return;
      const over = map.hasFeatureAtPixel(event.pixel, {hitTolerance: 4, layerFilter: (l) => l === vectorLayer});
      viewport.style.cursor = over || element.dataset.locate ? 'pointer' : '';
    });
  }

  // A small API for the browser tests and for debugging in the console.
  element.ontsluitMap = {
    pixelOf: (featureId) => pixelOf(map, source.getFeatureById(featureId)),
    lonLatAt: (pixel) => toLonLat(map.getCoordinateFromPixel(pixel), projection),
    zoom: () => view.getZoom(),
  };

  const done = () => {
    element.dataset.featureCount = String(features.length);
    element.dataset.state = 'ready';
    status.textContent = !sourceUrl
      ? ''
      : loaded.truncated
      ? withCount(t.truncated, features.length)
      : withCount(features.length === 1 ? t.loadedOne : t.loaded, features.length);
  };
  const size = map.getSize();
  if (!size || size[0] === 0 || size[1] === 0) {
    done(); // nothing is drawn in a hidden map; it renders when it gets a size
  } else {
    map.once('rendercomplete', done);
    map.render();
  }
}

const contextCache = new globalThis.Map();

/** The context's features, fetched once per page however many maps draw them. */
function contextFeatures(url) {
  const key = url.href;
  if (!contextCache.has(key)) {
    contextCache.set(
      key,
      loadFeatures(url, DEFAULT_MAX_FEATURES).then((loaded) => loaded.features),
    );
  }
  return contextCache.get(key);
}

const CONTEXT_STYLE = new Style({
  fill: new Fill({color: 'rgba(255,255,255,0.7)'}),
  stroke: new Stroke({color: '#8a8f98', width: 1}),
});

function contextStyle() {
  return CONTEXT_STYLE;
}

/** `lon,lat` as numbers, or null. */
function parseLonLat(text) {
  if (!text) return null;
  const parts = text.split(',').map(Number);
  return parts.length === 2 && parts.every(Number.isFinite) ? parts : null;
}

/** The marked spot (a ring with a dot) or the outline of an extent. */
function markerStyle(feature) {
  if (feature.getGeometry().getType() === 'Point') {
    return new Style({
      image: new CircleStyle({
        radius: 9,
        fill: new Fill({color: 'rgba(255,255,255,0.6)'}),
        stroke: new Stroke({color: SELECTED, width: 3}),
      }),
    });
  }
  return new Style({
    fill: new Fill({color: 'rgba(163,0,27,0.15)'}),
    stroke: new Stroke({color: ACCENT, width: 2}),
  });
}

function positiveInteger(text) {
  const n = Number(text);
  return Number.isInteger(n) && n > 0 ? n : null;
}

function pixelOf(map, feature) {
  const geometry = feature?.getGeometry();
  if (!geometry) return null;
  let coordinate;
  switch (geometry.getType()) {
    case 'Polygon':
      coordinate = geometry.getInteriorPoint().getCoordinates();
      break;
    case 'MultiPolygon':
      coordinate = geometry.getInteriorPoints().getPoint(0).getCoordinates();
      break;
    case 'Point':
      coordinate = geometry.getCoordinates();
      break;
    default:
      coordinate = geometry.getClosestPoint(geometry.getExtent().slice(0, 2));
  }
  return map.getPixelFromCoordinate(coordinate.slice(0, 2));
}

const plainStyles = {
  fill: new Style({
    fill: new Fill({color: 'rgba(163, 0, 27, 0.18)'}),
    stroke: new Stroke({color: ACCENT, width: 2}),
    image: new CircleStyle({radius: 6, fill: new Fill({color: ACCENT}), stroke: new Stroke({color: '#ffffff', width: 2})}),
  }),
};

function plainStyle() {
  return plainStyles.fill;
}

function choroplethStyle(classes, property) {
  const cache = new globalThis.Map();
  return (feature) => {
    const colour = colourFor(classes, numericValue(feature.get(property)));
    let style = cache.get(colour);
    if (!style) {
      style = new Style({
        fill: new Fill({color: colour}),
        stroke: new Stroke({color: '#4d4d4d', width: 1}),
        image: new CircleStyle({radius: 6, fill: new Fill({color: colour}), stroke: new Stroke({color: '#4d4d4d', width: 1})}),
      });
      cache.set(colour, style);
    }
    return style;
  };
}

function selectedStyle(base) {
  return [
    base,
    new Style({
      stroke: new Stroke({color: SELECTED, width: 4}),
      image: new CircleStyle({radius: 9, stroke: new Stroke({color: SELECTED, width: 3})}),
    }),
  ];
}

/** An attribution as plain text (OpenLayers' own control would insert it as HTML). */
function attributionControl(text) {
  const element = document.createElement('div');
  element.className = 'ons-map__attribution ol-unselectable ol-control';
  element.textContent = text;
  return new Control({element});
}

/**
 * A background layer from an XYZ template (`{z}/{x}/{y}`; WMTS REST `{TileMatrix}/{TileCol}/
 * {TileRow}` is accepted too). In RD New the Dutch tiling scheme (NL:RD, as PDOK serves) is used.
 */
function backgroundLayer(template, projection) {
  const url = template
    .replaceAll('{TileMatrix}', '{z}')
    .replaceAll('{TileCol}', '{x}')
    .replaceAll('{TileRow}', '{y}');
  let tileGrid;
  if (projection.getCode() === RD_NEW) {
    tileGrid = new TileGrid({
      extent: RD_NEW_EXTENT,
      origin: [RD_NEW_EXTENT[0], RD_NEW_EXTENT[3]],
      resolutions: Array.from({length: 17}, (_, z) => 3440.64 / 2 ** z),
      tileSize: 256,
    });
  }
  return new TileLayer({source: new XYZ({url, projection, tileGrid, crossOrigin: 'anonymous'})});
}

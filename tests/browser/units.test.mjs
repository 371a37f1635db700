// The pure parts of web/src, in node without a browser: link following, feature page and locate
// URLs, choropleth classes, interface texts, the extent attribute.
import {test} from 'node:test';
import assert from 'node:assert/strict';
import {featurePageUrl, locateUrl, nextLink} from '../../web/src/links.js';
import {NO_VALUE_COLOUR, PALETTE, colourFor, numericValue, quantileClasses} from '../../web/src/choropleth.js';
import {DEFAULT_TEXTS, texts} from '../../web/src/i18n.js';

const base = new URL('https://example.org/ogc/v1/collections/gemeenten/items?f=json&limit=10');

test('nextLink prefers GeoJSON, resolves relative links, ignores other rels', () => {
  const links = [
    {rel: 'self', href: '?f=json'},
    {rel: 'next', type: 'text/html', href: 'items?f=html&offset=10'},
    {rel: 'next', type: 'application/geo+json', href: 'items?f=json&offset=10'},
  ];
  assert.equal(nextLink(links, base).href, 'https://example.org/ogc/v1/collections/gemeenten/items?f=json&offset=10');
  assert.equal(nextLink([{rel: 'next', href: '/x'}], base).href, 'https://example.org/x');
  assert.equal(nextLink([{rel: 'next', type: 'text/html', href: '/x'}], base), null);
  assert.equal(nextLink(undefined, base), null);
});

test('featurePageUrl: own text/html link, else items URL + id, else the single feature URL', () => {
  const own = {id: 1, links: [{rel: 'alternate', type: 'text/html; charset=utf-8', href: '/gemeenten/1'}]};
  assert.equal(featurePageUrl(own, base, false), 'https://example.org/gemeenten/1');
  assert.equal(featurePageUrl({id: 'GM 03'}, base, false), 'https://example.org/ogc/v1/collections/gemeenten/items/GM%2003?f=html');
  assert.equal(featurePageUrl({}, base, false), null);
  const single = new URL('https://example.org/ogc/v1/collections/gemeenten/items/7?f=json');
  assert.equal(featurePageUrl({id: 7}, single, true), 'https://example.org/ogc/v1/collections/gemeenten/items/7?f=html');
});

test('locateUrl appends lon/lat with six decimals', () => {
  assert.equal(locateUrl('/locate?lang=nl', [5.12345678, 52.1]), '/locate?lang=nl&lon=5.123457&lat=52.100000');
  assert.equal(locateUrl('/locate', [5, 52]), '/locate?lon=5.000000&lat=52.000000');
  assert.equal(locateUrl('/locate?', [5, 52]), '/locate?lon=5.000000&lat=52.000000');
});

test('quantileClasses: five classes over the palette, merged when values repeat', () => {
  const classes = quantileClasses([10, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  assert.deepEqual(classes.map((c) => [c.min, c.max]), [[1, 2], [3, 4], [5, 6], [7, 8], [9, 10]]);
  assert.deepEqual(classes.map((c) => c.colour), PALETTE);
  const two = quantileClasses([1, 1, 1, 5, 5]);
  assert.deepEqual(two.map((c) => [c.min, c.max, c.colour]), [[1, 1, PALETTE[0]], [5, 5, PALETTE[4]]]);
  assert.deepEqual(quantileClasses([]), []);
  assert.equal(colourFor(classes, 4), PALETTE[1]);
  assert.equal(colourFor(classes, 99), PALETTE[4]);
  assert.equal(colourFor(classes, null), NO_VALUE_COLOUR);
});

test('numericValue accepts numbers and numeric strings only', () => {
  assert.equal(numericValue(3), 3);
  assert.equal(numericValue('4.5'), 4.5);
  for (const v of [null, undefined, '', 'abc', true, NaN, Infinity]) assert.equal(numericValue(v), null);
});

test('texts: data-i18n strings over the English defaults; bad JSON and non-strings ignored', () => {
  assert.equal(texts('{"close": "Sluiten", "zoomIn": 3}').close, 'Sluiten');
  assert.equal(texts('{"zoomIn": 3}').zoomIn, DEFAULT_TEXTS.zoomIn);
  assert.deepEqual(texts('{not json'), {...DEFAULT_TEXTS});
  assert.deepEqual(texts(undefined), {...DEFAULT_TEXTS});
});

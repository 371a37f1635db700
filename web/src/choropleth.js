// Colouring polygons by a numeric property: quantile classes, a colour-blind-safe palette and the
// HTML legend that says which colour means which range.
import {formatNumber} from './i18n.js';

/** ColorBrewer YlGnBu, 5 classes: sequential and safe for the common colour-vision deficiencies. */
export const PALETTE = ['#ffffcc', '#a1dab4', '#41b6c4', '#2c7fb8', '#253494'];
export const NO_VALUE_COLOUR = '#d9d9d9';

/** A property value as a number, or null when it is absent or not numeric. */
export function numericValue(value) {
  if (value === null || value === undefined || value === '' || typeof value === 'boolean') return null;
  const n = typeof value === 'number' ? value : Number(value);
  return Number.isFinite(n) ? n : null;
}

/**
 * Quantile classes over the values: up to `PALETTE.length` classes `{min, max, colour}`, in
 * ascending order; equal break values are merged so no class is empty.
 * @param {number[]} values
 * @returns {{min: number, max: number, colour: string}[]}
 */
export function quantileClasses(values) {
  const sorted = values.filter(Number.isFinite).sort((a, b) => a - b);
  if (sorted.length === 0) return [];
  const k = PALETTE.length;
  const bounds = [];
  for (let i = 1; i <= k; i++) {
    const upper = sorted[Math.min(sorted.length - 1, Math.ceil((i * sorted.length) / k) - 1)];
    if (bounds.length === 0 || upper > bounds[bounds.length - 1]) bounds.push(upper);
  }
  // Spread the palette over however many classes remain, keeping both ends.
  const colourAt = (i) =>
    bounds.length === 1 ? PALETTE[k - 1] : PALETTE[Math.round((i * (k - 1)) / (bounds.length - 1))];
  return bounds.map((max, i) => ({
    min: i === 0 ? sorted[0] : sorted.find((v) => v > bounds[i - 1]),
    max,
    colour: colourAt(i),
  }));
}

/** The colour for a value (null for no value). */
export function colourFor(classes, value) {
  if (value === null) return NO_VALUE_COLOUR;
  const found = classes.find((c) => value <= c.max);
  return (found ?? classes[classes.length - 1]).colour;
}

/**
 * The legend below a choropleth map: the property name and one row per class, as text.
 * @param {{min: number, max: number, colour: string}[]} classes
 * @param {{property: string, label?: string, hasNoValue: boolean, texts: Record<string, string>, id: string}} options
 */
export function legendElement(classes, {property, label, hasNoValue, texts, id}) {
  const legend = document.createElement('div');
  legend.className = 'ontsluit-legend';
  legend.id = id;
  const title = document.createElement('p');
  title.className = 'ontsluit-legend__title';
  title.textContent = `${texts.legend}: ${label || property}`;
  legend.append(title);
  const list = document.createElement('ul');
  list.className = 'ontsluit-legend__list';
  const row = (colour, label) => {
    const item = document.createElement('li');
    item.className = 'ontsluit-legend__item';
    const swatch = document.createElement('span');
    swatch.className = 'ontsluit-legend__swatch';
    swatch.style.backgroundColor = colour;
    const text = document.createElement('span');
    text.textContent = label;
    item.append(swatch, text);
    list.append(item);
  };
  for (const c of classes) {
    row(c.colour, c.min === c.max ? formatNumber(c.min) : `${formatNumber(c.min)} – ${formatNumber(c.max)}`);
  }
  if (hasNoValue) row(NO_VALUE_COLOUR, texts.noValue);
  legend.append(list);
  return legend;
}

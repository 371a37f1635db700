// Interface texts of the maps: English defaults, overridden per map by its `data-i18n` JSON.

/**
 * The keys a template may set in `data-i18n`. `{n}` is a number of features: `loaded` for any
 * count but one, `loadedOne` for one, `truncated` when `data-max-features` cut the data short.
 */
export const DEFAULT_TEXTS = Object.freeze({
  map: 'Map',
  loading: 'Loading map data…',
  loaded: '{n} features shown',
  loadedOne: '{n} feature shown',
  error: 'The map data could not be loaded.',
  close: 'Close',
  zoomIn: 'Zoom in',
  zoomOut: 'Zoom out',
  noValue: 'No value',
  details: 'View details',
  locate: 'What is here?',
  legend: 'Legend',
  truncated: 'The first {n} features are shown.',
});

/**
 * The texts for one map: its `data-i18n` object over the English defaults. Malformed JSON and
 * non-string values are ignored, so a template mistake never breaks the map.
 * @param {string | undefined} json
 * @returns {Record<keyof typeof DEFAULT_TEXTS, string>}
 */
export function texts(json) {
  const result = {...DEFAULT_TEXTS};
  if (!json) return result;
  let given;
  try {
    given = JSON.parse(json);
  } catch {
    return result;
  }
  if (given && typeof given === 'object') {
    for (const [key, value] of Object.entries(given)) {
      if (typeof value === 'string' && value !== '') result[key] = value;
    }
  }
  return result;
}

/** Formats a number for the page's language (`<html lang>`). */
export function formatNumber(value, options) {
  const lang = document.documentElement.lang || undefined;
  try {
    return new Intl.NumberFormat(lang, options).format(value);
  } catch {
    return String(value);
  }
}

/** Replaces `{n}` in a text by a number formatted for the page's language. */
export function withCount(text, n) {
  return text.replaceAll('{n}', formatNumber(n));
}

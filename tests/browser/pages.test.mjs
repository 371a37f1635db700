// ontsluit's HTML pages on a running server, in Dutch and English, through the same checks as the
// sample page (checkPage: no errors, axe WCAG 2.1 AA, <html lang>, 320px reflow, screenshots).
// Skipped unless ONTSLUIT_URL names the server, e.g.
//   ONTSLUIT_URL=http://127.0.0.1:8080 node --test tests/browser/
import {after, before, describe, test} from 'node:test';
import {checkPage, launch} from './harness.mjs';

const BASE = process.env.ONTSLUIT_URL?.replace(/\/+$/, '');

/** The pages to check; each is visited with `lang=nl` and `lang=en` added to its query. */
export const PATHS = [
  '/',
  '/ogc/v1?f=html',
  '/ogc/v1/conformance?f=html',
  '/ogc/v1/collections?f=html',
  '/ogc/v1/collections/gemeenten?f=html',
  '/ogc/v1/collections/gemeenten/items?f=html&limit=10',
  '/catalog',
  '/datasets/gemeenten',
  '/locate?lon=5.1214&lat=52.0907',
  '/sql',
];
export const LANGS = ['nl', 'en'];

export function withLang(path, lang) {
  return `${path}${path.includes('?') ? '&' : '?'}lang=${lang}`;
}

if (!BASE) {
  test('pages of a running server', {skip: 'ONTSLUIT_URL is not set'}, () => {});
} else describe('pages of a running server', () => {
  let browser;
  before(async () => {
    browser = await launch();
  });
  after(async () => {
    await browser?.close();
  });

  for (const path of PATHS) {
    for (const lang of LANGS) {
      test(`${path} (${lang})`, async (t) => {
        const context = await browser.newContext();
        t.after(() => context.close());
        await checkPage(await context.newPage(), `${BASE}${withLang(path, lang)}`, {lang});
      });
    }
  }
});

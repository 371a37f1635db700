// ontsluit's HTML pages on a real server (see server.mjs), in Dutch and English: every page type
// through checkPage (no console errors or failed requests, axe WCAG 2.1 A/AA, <html lang>, 320px
// reflow, screenshots), and what people do on them: the maps draw, a click on a map asks "what
// is here", the language switch, catalog search, the SQL console, keyboard only, no JavaScript.
// Skipped when there is no server (neither ONTSLUIT_URL nor ONTSLUIT_BIN).
import assert from 'node:assert/strict';
import {after, before, describe, test} from 'node:test';
import {checkPage, launch, mapHasPixels, screenshot, tabThrough, waitForMap} from './harness.mjs';
import {startServer} from './server.mjs';

/** One page of every type; each is visited with `lang=nl` and `lang=en` added to its query. */
export const PATHS = [
  '/',
  '/catalog',
  '/catalog?q=gemeente&kind=spatial',
  '/datasets/gemeenten',
  '/datasets/kerncijfers_gemeenten',
  '/datasets/kerncijfers_gemeenten/versions',
  '/ogc/v1?f=html',
  '/ogc/v1/conformance?f=html',
  '/ogc/v1/collections?f=html',
  '/ogc/v1/collections/gemeenten?f=html',
  '/ogc/v1/collections/gemeenten/items?f=html&limit=10',
  '/ogc/v1/collections/treinstations/items/467?f=html',
  '/ogc/v1/api?f=html',
  '/locate',
  '/locate?lon=5.1105&lat=52.0894',
  '/locate?q=amersfoort',
  '/sql',
  '/sql?q=SELECT+statnaam%2C+geometry+FROM+gemeenten+LIMIT+5',
  '/toegankelijkheid',
  '/privacy',
  '/colofon',
];
export const LANGS = ['nl', 'en'];

export function withLang(path, lang) {
  return `${path}${path.includes('?') ? '&' : '?'}lang=${lang}`;
}

const server = await startServer();

if (!server) {
  test('pages of a running server', {skip: 'neither ONTSLUIT_URL nor ONTSLUIT_BIN is set'}, () => {});
} else describe('pages of a running server', () => {
  const BASE = server.url;
  let browser;
  before(async () => {
    browser = await launch();
  });
  after(async () => {
    await browser?.close();
    server.stop();
  });

  async function newPage(t, options = {}) {
    const context = await browser.newContext(options);
    t.after(() => context.close());
    return context.newPage();
  }

  for (const path of PATHS) {
    for (const lang of LANGS) {
      test(`${path} (${lang})`, async (t) => {
        const page = await newPage(t);
        await checkPage(page, `${BASE}${withLang(path, lang)}`, {lang});
      });
    }
  }

  test('a 404 to a browser is a page in its language', async (t) => {
    const page = await newPage(t, {locale: 'en-GB'});
    const response = await page.goto(`${BASE}/ogc/v1/collections/nope`);
    assert.equal(response.status(), 404);
    assert.equal(await page.getAttribute('html', 'lang'), 'en');
    assert.match(await page.textContent('h1'), /Page not found/);
  });

  test('the maps draw the features', async (t) => {
    const page = await newPage(t);
    await page.goto(`${BASE}/ogc/v1/collections/gemeenten/items?f=html&limit=26`);
    assert.equal(await waitForMap(page), 26);
    await mapHasPixels(page, '.ons-map', 5000);
    await page.goto(`${BASE}/datasets/laadpunten`);
    assert.ok((await waitForMap(page)) >= 1000);
    await mapHasPixels(page);
    // The choropleth: the municipalities coloured by the chosen indicator, with its legend.
    await page.goto(`${BASE}/datasets/kerncijfers_gemeenten?indicator=inwoners`);
    assert.equal(await waitForMap(page, '.ons-map[data-choropleth]'), 26);
    await mapHasPixels(page, '.ons-map[data-choropleth]', 5000);
    assert.ok(await page.locator('.ontsluit-legend').isVisible());
  });

  test('a click on a feature shows its attributes as text, a click beside it asks what is here', async (t) => {
    const page = await newPage(t);
    await page.goto(`${BASE}/ogc/v1/collections/gemeenten/items?f=html&limit=26&lang=en`);
    await waitForMap(page);
    const map = page.locator('.ons-map');
    const pixel = await map.evaluate((el) => el.ontsluitMap.pixelOf('GM0344'));
    const box = await map.boundingBox();
    await page.mouse.click(box.x + pixel[0], box.y + pixel[1]);
    const popup = page.locator('.ons-popup');
    await popup.waitFor({state: 'visible'});
    assert.match(await popup.textContent(), /Utrecht/);
    await page.keyboard.press('Escape');
    await popup.waitFor({state: 'hidden'});
    // On the "what is here" map, a click goes to that spot.
    await page.goto(`${BASE}/locate?lang=en`);
    await waitForMap(page);
    const locate = await page.locator('.ons-map').boundingBox();
    await Promise.all([
      page.waitForURL(/\/locate\?.*lon=/),
      page.mouse.click(locate.x + locate.width / 2, locate.y + locate.height / 2),
    ]);
    assert.match(await page.textContent('main'), /Areas at this spot/);
    await screenshot(page, 'locate-after-click-en');
  });

  test('the language switch leads to the same page in the other language', async (t) => {
    const page = await newPage(t);
    await page.goto(`${BASE}/datasets/gemeenten?lang=nl`);
    assert.match(await page.textContent('h1'), /Gemeentegrenzen/);
    await Promise.all([page.waitForURL(/lang=en/), page.click('.ontsluit-lang-switch')]);
    assert.equal(await page.getAttribute('html', 'lang'), 'en');
    assert.match(await page.textContent('h1'), /Municipal boundaries/);
  });

  test('catalog search narrows the results', async (t) => {
    const page = await newPage(t);
    await page.goto(`${BASE}/catalog?lang=en`);
    const all = await page.locator('.ontsluit-results .ontsluit-card').count();
    await page.fill('#q', 'charging');
    await Promise.all([page.waitForURL(/q=charging/), page.click('.ontsluit-search button[type=submit]')]);
    const found = await page.locator('.ontsluit-results .ontsluit-card').count();
    assert.ok(found > 0 && found < all, `${found} of ${all}`);
    assert.match(await page.textContent('.ontsluit-results'), /charging/i);
  });

  test('the SQL console runs a query and shows its rows', async (t) => {
    const page = await newPage(t);
    await page.goto(`${BASE}/sql?lang=en`);
    await page.fill('#sql-query', 'SELECT statnaam, geometry FROM gemeenten ORDER BY statnaam');
    await Promise.all([page.waitForURL(/q=SELECT/), page.click('.ontsluit-sql button[type=submit]')]);
    assert.equal(await page.locator('#result-heading ~ .ontsluit-table-scroll tbody tr').count(), 26);
    assert.equal(await waitForMap(page), 26);
    await page.fill('#sql-query', 'SELEC 1');
    await Promise.all([page.waitForURL(/SELEC/), page.click('.ontsluit-sql button[type=submit]')]);
    assert.ok(await page.locator('#sql-error').isVisible());
  });

  test('the keyboard reaches every control, and the map does not keep the focus', async (t) => {
    const page = await newPage(t);
    await page.goto(`${BASE}/datasets/kerncijfers_gemeenten?lang=en`);
    await waitForMap(page, '.ons-map[data-choropleth]');
    const stops = await tabThrough(page, 80);
    assert.equal(stops[0].classes, 'ontsluit-skip-link');
    const reached = (pred) => stops.some(pred);
    assert.ok(reached((s) => s.classes.includes('ontsluit-lang-switch')), 'language switch');
    assert.ok(reached((s) => s.classes.includes('ol-viewport')), 'the map');
    assert.ok(reached((s) => s.tag === 'select' && s.id === 'indicator'), 'the indicator');
    assert.ok(reached((s) => s.tag === 'button'), 'a button');
    // Every stop shows where the focus is, and after the map the focus moves on.
    for (const s of stops.filter((s) => s.tag !== 'body')) assert.ok(s.outline, JSON.stringify(s));
    const mapAt = stops.findIndex((s) => s.classes.includes('ol-viewport'));
    assert.ok(stops.slice(mapAt + 1).some((s) => !s.classes.includes('ol-')), 'focus leaves the map');
  });

  test('without JavaScript the pages show their content and the forms work', async (t) => {
    const page = await newPage(t, {javaScriptEnabled: false});
    for (const path of ['/datasets/kerncijfers_gemeenten', '/ogc/v1/collections/gemeenten/items?f=html', '/locate']) {
      await page.goto(`${BASE}${withLang(path, 'en')}`);
      assert.ok(await page.locator('.ons-map__fallback').first().isVisible(), path);
    }
    await page.goto(`${BASE}/datasets/kerncijfers_gemeenten?lang=en`);
    assert.ok(await page.locator('.ontsluit-barchart svg').isVisible());
    await page.selectOption('#indicator', 'werkloosheid_pct');
    await Promise.all([page.waitForURL(/indicator=werkloosheid_pct/), page.click('.ontsluit-indicator-form button')]);
    assert.match(await page.textContent('#indicators-heading ~ h3'), /Unemployment/);
    await page.goto(`${BASE}/locate?lang=en`);
    await page.fill('#place', 'Amersfoort');
    await Promise.all([page.waitForURL(/q=Amersfoort/), page.click('form[role=search] button')]);
    assert.match(await page.textContent('main'), /Areas at this spot/);
    await page.goto(`${BASE}/sql?lang=en`);
    await page.fill('#sql-query', 'SELECT 41 + 1 AS answer');
    await Promise.all([page.waitForURL(/q=SELECT/), page.click('.ontsluit-sql button[type=submit]')]);
    assert.match(await page.textContent('#result-heading ~ .ontsluit-table-scroll'), /42/);
    await screenshot(page, 'no-javascript-sql-en');
  });
});

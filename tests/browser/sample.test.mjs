// The front-end on the sample page (web/sample/page.html), without the Rust server: the map
// contract (paging, popup, choropleth, locate, states), the theme's accessibility (axe, 320px,
// keyboard) and the page without JavaScript. Needs `make assets` (web/dist) first.
import {after, before, describe, test} from 'node:test';
import assert from 'node:assert/strict';
import {existsSync} from 'node:fs';
import {fileURLToPath} from 'node:url';
import {checkPage, launch, mapHasPixels, screenshot, tabThrough, waitForMap, DESKTOP, NARROW} from './harness.mjs';
import {startServer} from './static-server.mjs';
import {ALL_FEATURES, FIRST_PAGE, HOSTILE_TEXT} from './sample-data.mjs';

const bundle = fileURLToPath(new URL('../../web/dist/ontsluit.js', import.meta.url));
if (!existsSync(bundle)) throw new Error('web/dist is missing: run `make assets` first');

let server;
let browser;

before(async () => {
  server = await startServer();
  browser = await launch();
});

after(async () => {
  await browser?.close();
  await server?.close();
});

/** A fresh page at desktop size with the sample page loaded and its main map ready. */
async function samplePage(t, viewport = DESKTOP) {
  const context = await browser.newContext({viewport});
  t.after(() => context.close());
  const page = await context.newPage();
  const alerts = [];
  page.on('dialog', (d) => {
    alerts.push(d.message());
    d.dismiss();
  });
  await page.goto(`${server.url}/`);
  const count = await waitForMap(page, '#map');
  return {page, count, alerts};
}

/** Clicks the main map at the viewport pixel of a feature (through the map's test API). */
async function clickFeature(page, id) {
  const pixel = await page.locator('#map').evaluate((el, id) => el.ontsluitMap.pixelOf(id), id);
  assert.ok(pixel, `feature ${id} has no pixel`);
  await page.locator('#map').scrollIntoViewIfNeeded();
  const box = await page.locator('#map .ol-viewport').boundingBox();
  await page.mouse.click(box.x + pixel[0], box.y + pixel[1]);
}

describe('sample page', () => {
  test('passes checkPage: no errors, zero axe violations, lang, no horizontal scroll at 320px', async (t) => {
    const context = await browser.newContext();
    t.after(() => context.close());
    await checkPage(await context.newPage(), `${server.url}/`, {lang: 'en', name: 'sample'});
  });

  test('the main map follows rel=next and draws every feature', async (t) => {
    const {page, count} = await samplePage(t);
    assert.equal(count, ALL_FEATURES.length);
    assert.ok(count > FIRST_PAGE.length, 'the second page was loaded');
    assert.ok((await mapHasPixels(page, '#map')) > 1000);
    assert.equal(await page.locator('#map + .ontsluit-legend + .ons-map__status').textContent(), `${count} features shown`);
    assert.equal(await page.locator('#map').getAttribute('role'), 'region');
    assert.equal(await page.locator('#map').getAttribute('aria-label'), 'Map of the municipalities, coloured by population');
    assert.equal(await page.locator('#map .ol-layers').getAttribute('aria-hidden'), 'true');
    assert.equal(await page.locator('#map > p').isVisible(), false, 'the no-script fallback is hidden');
  });

  test('the attribution is text, never HTML', async (t) => {
    const {page} = await samplePage(t);
    const attribution = page.locator('#map .ons-map__attribution');
    assert.equal(await attribution.textContent(), 'Sample data <b>not</b> real boundaries');
    assert.equal(await attribution.locator('b').count(), 0);
  });

  test('the small maps: a page limited by data-max-features, a single Feature, a given extent', async () => {
    const context = await browser.newContext({viewport: DESKTOP});
    try {
      const page = await context.newPage();
      await page.goto(`${server.url}/`);
      const cards = page.locator('.ontsluit-card .ons-map');
      assert.equal(await waitForMap(page, '.ontsluit-card:nth-child(1) .ons-map'), 4);
      assert.equal(await page.locator('.ontsluit-card:nth-child(1) .ons-map__status').textContent(), 'The first 4 features are shown.');
      assert.equal(await waitForMap(page, '.ontsluit-card:nth-child(2) .ons-map'), 1);
      assert.equal(await page.locator('.ontsluit-card:nth-child(2) .ons-map__status').textContent(), '1 feature shown');
      assert.equal(await waitForMap(page, '.ontsluit-card:nth-child(3) .ons-map'), 1);
      for (let i = 0; i < 3; i++) {
        const card = cards.nth(i);
        assert.equal(await card.getAttribute('role'), 'img');
        assert.equal(await card.locator('.ol-viewport').getAttribute('tabindex'), null, 'small maps are no tab stop');
        await mapHasPixels(page, `.ontsluit-card:nth-child(${i + 1}) .ons-map`, 20);
      }
    } finally {
      await context.close();
    }
  });

  test('a click on a feature opens a popup with its properties as text', async (t) => {
    const {page, alerts} = await samplePage(t);
    await clickFeature(page, 'GM0344');
    const popup = page.locator('#map .ons-popup');
    await popup.waitFor({state: 'visible'});
    assert.equal(await popup.locator('caption').textContent(), 'Utrecht');
    const rows = Object.fromEntries(
      await popup.locator('tbody tr').evaluateAll((trs) => trs.map((tr) => [tr.cells[0].textContent, tr.cells[1].textContent])),
    );
    assert.equal(rows.statcode, 'GM0344');
    assert.equal(rows.inwoners, '374238');
    assert.equal(rows.opmerking, HOSTILE_TEXT, 'the hostile value is shown as text');
    assert.equal(await page.locator('#map img').count(), 0, 'no element was made from the value');
    assert.deepEqual(alerts, []);
    const link = popup.locator('a').first();
    assert.equal(await link.textContent(), 'Open the feature page');
    assert.equal(await link.getAttribute('href'), `${server.url}/gemeenten/GM0344`, 'the feature\'s own text/html link');
    // The map has data-locate: the popup also asks "what is here" at the clicked spot.
    const here = popup.locator('a').nth(1);
    assert.match(await here.getAttribute('href'), /\/locate\?lang=en&lon=5\.\d{6}&lat=52\.\d{6}$/);
    await screenshot(page, 'sample-popup-en');

    // Escape closes it; focus was not inside, so it stays where it was.
    await page.locator('#map .ol-viewport').focus();
    await page.keyboard.press('Escape');
    await popup.waitFor({state: 'hidden'});
  });

  test('a feature without links gets {items URL}/{id}?f=html; the close button closes', async (t) => {
    const {page} = await samplePage(t);
    await clickFeature(page, 'GM0307');
    const popup = page.locator('#map .ons-popup');
    await popup.waitFor({state: 'visible'});
    assert.equal(await popup.locator('a').first().getAttribute('href'), `${server.url}/sample/items.json/GM0307?f=html`);
    const close = popup.getByRole('button', {name: 'Close'});
    await close.focus();
    await page.keyboard.press('Enter');
    await popup.waitFor({state: 'hidden'});
    assert.equal(
      await page.evaluate(() => document.activeElement?.classList.contains('ol-viewport')),
      true,
      'focus returns to the map',
    );
  });

  test('the popup of a point shows "No value" for a null property', async (t) => {
    const {page} = await samplePage(t);
    await clickFeature(page, 'provinciehuis');
    const popup = page.locator('#map .ons-popup');
    await popup.waitFor({state: 'visible'});
    assert.equal(await popup.locator('caption').textContent(), 'Provinciehuis');
    assert.equal(await popup.locator('tr', {hasText: 'inwoners'}).locator('td').textContent(), 'No value');
  });

  test('the popup fits a 320px screen', async (t) => {
    const {page} = await samplePage(t, NARROW);
    await clickFeature(page, 'GM0344');
    const popup = page.locator('#map .ons-popup');
    await popup.waitFor({state: 'visible'});
    await page.waitForTimeout(400); // autoPan
    const box = await popup.boundingBox();
    assert.ok(box.x >= 0 && box.x + box.width <= NARROW.width, `popup at ${box.x}..${box.x + box.width}`);
    assert.ok(await page.evaluate(() => document.documentElement.scrollWidth <= 320));
    await screenshot(page, 'sample-popup-en-320');
  });

  test('the choropleth legend lists five quantile classes and "No value"', async (t) => {
    const {page} = await samplePage(t);
    const legend = page.locator('#map + .ontsluit-legend');
    assert.equal(await legend.locator('.ontsluit-legend__title').textContent(), 'Legend: inwoners');
    const items = await legend.locator('li').allTextContents();
    assert.equal(items.length, 6);
    assert.equal(items[0], '43,993 – 51,133');
    assert.equal(items[2], '65,812', 'a class of one value shows it once');
    assert.equal(items[3], '68,103 – 161,248');
    assert.equal(items[4], '374,238');
    assert.equal(items[5], 'No value');
  });

  test('a click beside the features goes to data-locate with lon/lat', async (t) => {
    const {page} = await samplePage(t);
    await page.locator('#map').scrollIntoViewIfNeeded();
    const box = await page.locator('#map .ol-viewport').boundingBox();
    const pixel = [box.width - 20, 60];
    const [lon, lat] = await page.locator('#map').evaluate((el, p) => el.ontsluitMap.lonLatAt(p), pixel);
    await Promise.all([page.waitForURL(/\/locate\?/), page.mouse.click(box.x + pixel[0], box.y + pixel[1])]);
    const url = new URL(page.url());
    assert.equal(url.searchParams.get('lang'), 'en');
    assert.match(url.searchParams.get('lon'), /^\d+\.\d{6}$/);
    assert.match(url.searchParams.get('lat'), /^\d+\.\d{6}$/);
    assert.ok(Math.abs(Number(url.searchParams.get('lon')) - lon) < 1e-5);
    assert.ok(Math.abs(Number(url.searchParams.get('lat')) - lat) < 1e-5);
    assert.ok(lon > 4 && lon < 7 && lat > 51.5 && lat < 53, `${lon},${lat} is around Utrecht`);
  });

  test('keyboard: skip link first, the map is a tab stop with a focus ring, no trap', async (t) => {
    const {page} = await samplePage(t);
    const stops = await tabThrough(page, 40);
    assert.equal(stops[0].classes, 'ontsluit-skip-link');
    const mapIndex = stops.findIndex((s) => s.classes.includes('ol-viewport'));
    assert.ok(mapIndex > 0, 'the map viewport is reachable with Tab');
    assert.ok(stops[mapIndex].outline, 'the map viewport shows a focus outline');
    const zoomIn = stops[mapIndex + 1];
    assert.equal(zoomIn.tag, 'button');
    assert.equal(zoomIn.name, 'Zoom in');
    assert.equal(stops[mapIndex + 2].name, 'Zoom out');
    assert.ok(stops.slice(mapIndex + 3).some((s) => s.id === 'map' || !s.classes.includes('ol-')), 'focus leaves the map');
    for (const stop of stops.filter((s) => s.tag !== 'body')) {
      assert.ok(stop.outline, `${stop.tag}.${stop.classes} "${stop.name}" shows a focus outline`);
    }
    // Keys on the focused map zoom it.
    await page.locator('#map .ol-viewport').focus();
    const before = await page.locator('#map').evaluate((el) => el.ontsluitMap.zoom());
    await page.keyboard.press('+');
    await page.waitForTimeout(400);
    const zoomed = await page.locator('#map').evaluate((el) => el.ontsluitMap.zoom());
    assert.ok(zoomed > before, `zoom ${before} -> ${zoomed}`);
  });

  test('without JavaScript the fallback text and the table show', async () => {
    const context = await browser.newContext({javaScriptEnabled: false, viewport: DESKTOP});
    try {
      const page = await context.newPage();
      await page.goto(`${server.url}/`);
      assert.equal(await page.locator('#map').getAttribute('data-state'), null);
      assert.ok(await page.getByText('This map needs JavaScript.').isVisible());
      assert.ok(await page.locator('.ontsluit-table-scroll table').isVisible());
      assert.equal(await page.locator('button[data-copy-target]').isVisible(), false, 'the copy button needs the script');
      await screenshot(page, 'sample-nojs-en');
    } finally {
      await context.close();
    }
  });

  test('a map whose data fails shows its error state and message', async () => {
    const context = await browser.newContext({viewport: DESKTOP});
    try {
      const page = await context.newPage();
      await page.goto(`${server.url}/broken-map.html`);
      const map = page.locator('.ons-map');
      await page.waitForFunction(() => document.querySelector('.ons-map').dataset.state === 'error');
      const status = page.locator('.ons-map + .ons-map__status');
      assert.equal(await status.textContent(), 'The map data could not be loaded.');
      assert.equal(await status.getAttribute('aria-live'), 'polite');
      assert.ok(await status.isVisible());
      assert.equal(await map.getAttribute('data-feature-count'), null);
    } finally {
      await context.close();
    }
  });
});

// Headless-Chromium checks for ontsluit's HTML pages, shared by the sample tests (no Rust server)
// and the page tests against a running server (ONTSLUIT_URL). Uses the system Chromium through
// playwright-core and axe-core, both installed in web/node_modules by `make assets`.
import {createRequire} from 'node:module';
import {mkdir} from 'node:fs/promises';
import path from 'node:path';
import {fileURLToPath} from 'node:url';

// The dependencies live in web/ (one package.json for the front-end and its tests).
const require = createRequire(new URL('../../web/package.json', import.meta.url));
const {chromium} = require('playwright-core');
const AXE_PATH = require.resolve('axe-core/axe.min.js');

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
/** Screenshots land here (git-ignored through /target). */
export const ARTIFACTS = path.join(ROOT, 'target', 'browser-artifacts');

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const DESKTOP = {width: 1280, height: 900};
export const NARROW = {width: 320, height: 640};
const AXE_TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'];
const MAP_TIMEOUT = 15_000;

/** Launches headless Chromium (software GL, so canvas and WebGL work without a GPU). */
export function launch() {
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--use-angle=swiftshader', '--enable-unsafe-swiftshader', '--no-sandbox'],
  });
}

/**
 * Collects what goes wrong on a page: console errors, uncaught exceptions, HTTP 4xx/5xx responses
 * and failed requests. `stop()` detaches and returns the messages.
 */
export function watchErrors(page) {
  const problems = [];
  const onConsole = (msg) => {
    if (msg.type() === 'error') problems.push(`console error: ${msg.text()} (${msg.location().url ?? ''})`);
  };
  const onPageError = (err) => problems.push(`page error: ${err.message}`);
  const onResponse = (res) => {
    if (res.status() >= 400) problems.push(`HTTP ${res.status()} for ${res.request().method()} ${res.url()}`);
  };
  const onFailed = (req) => {
    const failure = req.failure()?.errorText ?? 'failed';
    // An aborted request (a navigation away, a cancelled tile) is not an error of the page.
    if (!failure.includes('ERR_ABORTED')) problems.push(`request failed: ${req.url()} (${failure})`);
  };
  page.on('console', onConsole);
  page.on('pageerror', onPageError);
  page.on('response', onResponse);
  page.on('requestfailed', onFailed);
  return {
    problems,
    stop() {
      page.off('console', onConsole);
      page.off('pageerror', onPageError);
      page.off('response', onResponse);
      page.off('requestfailed', onFailed);
      return problems;
    },
  };
}

/**
 * Runs axe-core (WCAG 2.0/2.1 A and AA rules) on the page.
 * @returns {Promise<{id: string, impact: string, help: string, targets: string[]}[]>}
 */
export async function axeViolations(page, {exclude = []} = {}) {
  if (!(await page.evaluate(() => typeof window.axe === 'object'))) {
    await page.addScriptTag({path: AXE_PATH});
  }
  return page.evaluate(
    async ({tags, exclude}) => {
      const context = exclude.length ? {exclude: exclude.map((s) => [s])} : document;
      const result = await window.axe.run(context, {runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']});
      return result.violations.map((v) => ({
        id: v.id,
        impact: v.impact,
        help: v.help,
        targets: v.nodes.map((n) => `${n.target.join(' ')}${n.failureSummary ? ` — ${n.failureSummary.replace(/\s+/g, ' ')}` : ''}`),
      }));
    },
    {tags: AXE_TAGS, exclude},
  );
}

export function formatViolations(violations) {
  return violations
    .map((v) => `axe ${v.id} (${v.impact}): ${v.help}\n${v.targets.map((t) => `    at ${t}`).join('\n')}`)
    .join('\n');
}

/** A file name for a URL: its path and query, made safe. */
export function artifactName(url) {
  const u = new URL(url);
  const name = `${u.pathname}${u.search}`.replace(/^\/+/, '').replace(/[^A-Za-z0-9._-]+/g, '_').replace(/_+$/, '');
  return (name || 'index').slice(0, 100);
}

/** Saves a full-page screenshot as target/browser-artifacts/<name>.png and returns its path. */
export async function screenshot(page, name) {
  await mkdir(ARTIFACTS, {recursive: true});
  const file = path.join(ARTIFACTS, `${name}.png`);
  await page.screenshot({path: file, fullPage: true});
  return file;
}

/**
 * Loads `url` and checks it as every ontsluit page must be: no console or page errors and no failed
 * requests while loading (maps included), zero axe violations (WCAG 2.1 A/AA), `<html lang>` equal
 * to `lang`, and no horizontal scrolling at 320 CSS pixels. Saves `<name>-<lang>.png` (desktop) and
 * `<name>-<lang>-320.png`. Throws one error listing every problem found.
 * @param {import('playwright-core').Page} page
 * @param {string} url
 * @param {{lang: string, name?: string}} options
 */
export async function checkPage(page, url, {lang, name} = {}) {
  if (!lang) throw new Error('checkPage: the expected language (lang) is required');
  const shot = `${name ?? artifactName(url)}-${lang}`;
  const watch = watchErrors(page);
  const problems = [];
  await page.setViewportSize(DESKTOP);
  const response = await page.goto(url, {waitUntil: 'load'});
  if (!response || !response.ok()) problems.push(`GET ${url} answered ${response?.status() ?? 'nothing'}`);
  problems.push(...(await waitForAllMaps(page)));
  await page.evaluate(() => document.fonts.ready);

  const actualLang = await page.evaluate(() => document.documentElement.getAttribute('lang'));
  if (actualLang !== lang) problems.push(`<html lang="${actualLang}">, expected "${lang}"`);

  const violations = await axeViolations(page);
  if (violations.length) problems.push(formatViolations(violations));
  await screenshot(page, shot);

  await page.setViewportSize(NARROW);
  await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
  const widths = await page.evaluate(pageWidths);
  if (widths.scroll > NARROW.width) {
    problems.push(`horizontal scroll at ${NARROW.width}px: scrollWidth is ${widths.scroll}; widest: ${widths.widest}`);
  }
  await screenshot(page, `${shot}-320`);
  await page.setViewportSize(DESKTOP);

  problems.push(...watch.stop());
  if (problems.length) {
    throw new Error(`${url}:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  }
}

/** The page's scroll width and the element sticking out furthest (for the reflow message). */
function pageWidths() {
  const limit = document.documentElement.clientWidth;
  let widest = '';
  let max = limit;
  for (const el of document.body.querySelectorAll('*')) {
    const right = el.getBoundingClientRect().right;
    if (right > max) {
      max = right;
      widest = `${el.tagName.toLowerCase()}${el.id ? `#${el.id}` : ''}${el.className && typeof el.className === 'string' ? `.${el.className.trim().split(/\s+/).join('.')}` : ''} (right edge ${Math.round(right)}px)`;
    }
  }
  return {scroll: document.documentElement.scrollWidth, widest};
}

/** Waits until every `.ons-map` on the page is ready or failed; returns the failures. */
async function waitForAllMaps(page) {
  const count = await page.locator('.ons-map').count();
  if (count === 0) return [];
  try {
    await page.waitForFunction(
      () => [...document.querySelectorAll('.ons-map')].every((m) => m.dataset.state === 'ready' || m.dataset.state === 'error'),
      undefined,
      {timeout: MAP_TIMEOUT},
    );
  } catch {
    return [`maps not ready after ${MAP_TIMEOUT} ms`];
  }
  return page.evaluate(() =>
    [...document.querySelectorAll('.ons-map[data-state="error"]')].map(
      (m) => `map ${m.dataset.features} failed: ${m.nextElementSibling?.textContent ?? ''}`,
    ),
  );
}

/**
 * Waits for a map (`selector`, default the first `.ons-map`) to be ready and returns its feature
 * count; throws when the map reports an error.
 */
export async function waitForMap(page, selector = '.ons-map') {
  const map = page.locator(selector).first();
  await page.waitForFunction(
    (el) => el.dataset.state === 'ready' || el.dataset.state === 'error',
    await map.elementHandle(),
    {timeout: MAP_TIMEOUT},
  );
  const state = await map.getAttribute('data-state');
  if (state !== 'ready') throw new Error(`map ${selector} is in state ${state}`);
  return Number(await map.getAttribute('data-feature-count'));
}

/**
 * Counts the map's drawn pixels: those of its layer canvases that are not transparent (the map has
 * no background layer unless `data-background`). Throws when fewer than `min` were drawn.
 */
export async function mapHasPixels(page, selector = '.ons-map', min = 50) {
  const drawn = await page.locator(selector).first().evaluate((el) => {
    let count = 0;
    for (const canvas of el.querySelectorAll('.ol-layers canvas')) {
      if (!canvas.width || !canvas.height) continue;
      const data = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
      for (let i = 3; i < data.length; i += 4) if (data[i] !== 0) count++;
    }
    return count;
  });
  if (drawn < min) throw new Error(`map ${selector}: only ${drawn} pixels drawn (expected at least ${min})`);
  return drawn;
}

/**
 * Presses Tab `n` times from where the focus is and describes each focused element:
 * `{tag, id, classes, role, name, outline}` (name: aria-label or text, shortened; outline: whether
 * a focus outline of at least 2px is drawn).
 */
export async function tabThrough(page, n) {
  const seen = [];
  for (let i = 0; i < n; i++) {
    await page.keyboard.press('Tab');
    seen.push(
      await page.evaluate(() => {
        const el = document.activeElement;
        if (!el || el === document.body) return {tag: 'body', id: '', classes: '', role: '', name: '', outline: false};
        const style = getComputedStyle(el);
        const label = el.getAttribute('aria-label') ?? el.textContent ?? '';
        return {
          tag: el.tagName.toLowerCase(),
          id: el.id,
          classes: typeof el.className === 'string' ? el.className : '',
          role: el.getAttribute('role') ?? '',
          name: label.trim().replace(/\s+/g, ' ').slice(0, 60),
          outline: style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) >= 2,
        };
      }),
    );
  }
  return seen;
}

// A tiny static server for the browser tests, so they run without the Rust server:
//   /assets/*                 web/dist (as ontsluit serves it)
//   / and /*.html             web/sample (the sample pages)
//   /sample/items.json        sample GeoJSON, page 1 (rel=next -> ?page=2)
//   /sample/items/{id}.json   one sample Feature
//   /locate?…                 a stub page for the map's click-to-locate navigation
// Run it by hand to look at the sample page: `node tests/browser/static-server.mjs 8081`.
import http from 'node:http';
import {readFile} from 'node:fs/promises';
import path from 'node:path';
import {fileURLToPath} from 'node:url';
import {ALL_FEATURES, itemsPage} from './sample-data.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const DIST = path.join(root, 'web', 'dist');
const SAMPLE = path.join(root, 'web', 'sample');

const TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.map': 'application/json',
  '.json': 'application/json',
  '.txt': 'text/plain; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.woff2': 'font/woff2',
};

/** A file below `dir`, or null when the path would leave it. */
function within(dir, relative) {
  const file = path.resolve(dir, `.${path.posix.normalize(`/${relative}`)}`);
  return file.startsWith(dir + path.sep) ? file : null;
}

async function sendFile(res, file) {
  try {
    const body = await readFile(file);
    res.writeHead(200, {'Content-Type': TYPES[path.extname(file)] ?? 'application/octet-stream'});
    res.end(body);
  } catch {
    notFound(res);
  }
}

function sendJson(res, status, value, type = 'application/geo+json') {
  res.writeHead(status, {'Content-Type': type});
  res.end(JSON.stringify(value));
}

function notFound(res) {
  res.writeHead(404, {'Content-Type': 'text/plain; charset=utf-8'});
  res.end('not found\n');
}

const escapeHtml = (s) =>
  s.replace(/[&<>"']/g, (c) => ({'&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;'})[c]);

async function handle(req, res) {
  const url = new URL(req.url, 'http://localhost');
  const p = url.pathname;
  if (p.startsWith('/assets/')) {
    const file = within(DIST, decodeURIComponent(p.slice('/assets/'.length)));
    return file ? sendFile(res, file) : notFound(res);
  }
  if (p === '/' || p === '/index.html') return sendFile(res, path.join(SAMPLE, 'page.html'));
  if (p === '/sample/items.json') return sendJson(res, 200, itemsPage(url.searchParams.get('page') === '2' ? 2 : 1));
  const one = /^\/sample\/items\/([^/]+)\.json$/.exec(p);
  if (one) {
    const feature = ALL_FEATURES.find((f) => f.id === decodeURIComponent(one[1]));
    return feature ? sendJson(res, 200, feature) : sendJson(res, 404, {title: 'not found'}, 'application/problem+json');
  }
  if (p === '/locate') {
    const query = escapeHtml(url.search);
    res.writeHead(200, {'Content-Type': 'text/html; charset=utf-8'});
    return res.end(`<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Locate</title>` +
      `<link rel="icon" href="data:,"></head><body><main><h1>Locate</h1><p id="query">${query}</p></main></body></html>`);
  }
  if (p.endsWith('.html')) {
    const file = within(SAMPLE, decodeURIComponent(p.slice(1)));
    return file ? sendFile(res, file) : notFound(res);
  }
  return notFound(res);
}

/**
 * Starts the server on 127.0.0.1 (`port` 0: any free port).
 * @returns {Promise<{url: string, close: () => Promise<void>}>}
 */
export function startServer(port = 0) {
  const server = http.createServer((req, res) => {
    handle(req, res).catch((err) => {
      res.writeHead(500, {'Content-Type': 'text/plain'});
      res.end(String(err));
    });
  });
  return new Promise((resolve) => {
    server.listen(port, '127.0.0.1', () => {
      const {port: actual} = server.address();
      resolve({
        url: `http://127.0.0.1:${actual}`,
        close: () => new Promise((done) => server.close(() => done())),
      });
    });
  });
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const {url} = await startServer(Number(process.argv[2] ?? 8081));
  console.log(`serving the sample page at ${url}/`);
}

// A real ontsluit server for the page tests: `ONTSLUIT_URL` if it names a running one, else the
// binary `ONTSLUIT_BIN` ingests the repo's catalog into a fresh directory and serves it, with
// the built assets, on a free port. Without either, there is no server and the tests skip.
import {spawn, spawnSync} from 'node:child_process';
import {mkdtempSync, rmSync} from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import {fileURLToPath} from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const {port} = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

/** `{url, stop()}`, or null when there is no server to test. */
export async function startServer() {
  if (process.env.ONTSLUIT_URL) {
    return {url: process.env.ONTSLUIT_URL.replace(/\/+$/, ''), stop() {}};
  }
  const bin = process.env.ONTSLUIT_BIN;
  if (!bin) return null;
  const data = mkdtempSync(path.join(os.tmpdir(), 'ontsluit-pages-'));
  const catalog = path.join(ROOT, 'catalog.toml');
  const ingest = spawnSync(bin, ['ingest', '--catalog', catalog, '--data-dir', data], {encoding: 'utf8'});
  if (ingest.status !== 0) throw new Error(`ingest failed:\n${ingest.stderr}`);
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const child = spawn(
    bin,
    ['serve', '--catalog', catalog, '--data-dir', data, '--bind', `127.0.0.1:${port}`,
      '--assets-dir', path.join(ROOT, 'web', 'dist')],
    {stdio: ['ignore', 'ignore', 'pipe']},
  );
  let log = '';
  child.stderr.on('data', (d) => (log += d));
  const stop = () => {
    child.kill();
    rmSync(data, {recursive: true, force: true});
  };
  for (let i = 0; i < 200; i++) {
    try {
      const r = await fetch(`${url}/`);
      if (r.ok) return {url, stop};
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  stop();
  throw new Error(`the server did not start:\n${log}`);
}

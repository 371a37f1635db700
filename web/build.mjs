// Builds web/dist/ (served by ontsluit at /assets/): ontsluit.js (one minified bundle with its
// source map) and ontsluit.css (our theme, the Utrecht component CSS it imports, and ol/ol.css).
// Run with `node build.mjs` from web/ (the Makefile's `assets` target does, after `npm ci`).
import {build} from 'esbuild';
import {mkdir, rm, readdir, stat} from 'node:fs/promises';
import {fileURLToPath} from 'node:url';
import path from 'node:path';

const here = path.dirname(fileURLToPath(import.meta.url));
const dist = path.join(here, 'dist');

await rm(dist, {recursive: true, force: true});
await mkdir(dist, {recursive: true});

const common = {
  absWorkingDir: here,
  bundle: true,
  minify: true,
  sourcemap: true,
  legalComments: 'linked',
  logLevel: 'warning',
  metafile: true,
};

// proj4 registers all of its 30-odd projections from `proj4/projs.js`; we need one (see
// src/proj4-projections.js).
const onlyNeededProjections = {
  name: 'proj4-projections',
  setup(b) {
    b.onResolve({filter: /^\.\.\/projs(\.js)?$/}, (args) =>
      args.importer.includes(`${path.sep}proj4${path.sep}lib${path.sep}`)
        ? {path: path.join(here, 'src', 'proj4-projections.js')}
        : undefined,
    );
  },
};

await Promise.all([
  build({
    ...common,
    entryPoints: {ontsluit: 'src/main.js'},
    outdir: dist,
    format: 'iife',
    plugins: [onlyNeededProjections],
    target: ['es2020'],
  }),
  build({
    ...common,
    entryPoints: {ontsluit: 'src/ontsluit.css'},
    outdir: dist,
    // Fonts or images a stylesheet refers to are copied beside it, referred to relatively.
    loader: {'.woff2': 'file', '.woff': 'file', '.svg': 'file', '.png': 'file'},
    assetNames: '[name]-[hash]',
    target: ['chrome100', 'firefox100', 'safari15'],
  }),
]);

for (const name of (await readdir(dist)).sort()) {
  const {size} = await stat(path.join(dist, name));
  console.log(`web/dist/${name}  ${(size / 1024).toFixed(1)} KiB`);
}

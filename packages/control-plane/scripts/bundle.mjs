#!/usr/bin/env node
/**
 * Bundle the two long-running processes (`multyagents api`, `multyagents runner`) from the compiled
 * dist/ (run `tsc -b` first) into one CommonJS file each under dist/bundle/. Loading one file, compiled
 * from a V8 code cache (src/bin/bundle.ts), instead of resolving, reading and compiling ~500 ES modules
 * roughly halves the time from spawn to serving — what a supervisor restarting a killed API waits for.
 * A plain esbuild bundle: no package's text is changed beyond the module locations below, and only
 * undici's entry module is replaced (bundle-undici.mjs, while it matches the installed undici).
 *
 * The bundle behaves like dist/: every module sees the `import.meta.url`, `__dirname` and
 * `__filename` of its own file, so paths computed from them (the mock agent script, package.json,
 * the CLI binary) are the same. Stack traces name the TypeScript sources (bundle-lines.mjs).
 * dist/bundle/manifest.json records size and mtime of the inputs; the launcher uses the bundle only
 * while all of them are unchanged, else it imports dist/ as before.
 *
 * Usage: node packages/control-plane/scripts/bundle.mjs [--quiet]
 */
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { lineTable } from './bundle-lines.mjs';

const PKG = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const DIST = path.join(PKG, 'dist');
const OUT = path.join(DIST, 'bundle');
/** Same depth as OUT, so relative paths in the output (source map, module locations) stay valid after the move. */
const STAGE = path.join(DIST, `.bundle-${process.pid}`);
/** better-sqlite3 is a native addon. Fastify's schema compilers stay out where the server passes lib/fastifyCompilers. */
const SCHEMA_COMPILERS = ['@fastify/ajv-compiler', '@fastify/fast-json-stringify-compiler'];
const ENTRIES = {
  api: { file: 'bin/api.js', external: ['better-sqlite3', ...SCHEMA_COMPILERS] },
  runner: { file: 'bin/runner.js', external: ['better-sqlite3', ...SCHEMA_COMPILERS] },
};

const quiet = process.argv.includes('--quiet');

/**
 * undici's `Agent` and `request` without the rest of undici (scripts/bundle-undici.mjs), while the
 * installed undici is the version that file was checked against.
 */
const UNDICI = path.join(PKG, 'scripts/bundle-undici.mjs');
const undiciChecked = /UNDICI_CHECKED = '([^']+)'/.exec(fs.readFileSync(UNDICI, 'utf8'))?.[1];
const undiciInstalled = createRequire(import.meta.url)('undici/package.json').version;
if (undiciInstalled !== undiciChecked && !quiet) {
  process.stderr.write(
    `[bundle] undici ${undiciInstalled}, scripts/bundle-undici.mjs checked against ${undiciChecked}: bundling all of undici\n`,
  );
}
const slimUndici = {
  name: 'slim-undici',
  setup(b) {
    if (undiciInstalled !== undiciChecked) return;
    b.onResolve({ filter: /^undici$/ }, (args) => (args.importer === UNDICI ? undefined : { path: UNDICI }));
  },
};

/** `import.meta.url` / `__dirname` / `__filename` of an input file, computed from the bundle's location at run time. */
function ownLocation(file) {
  const abs = `require("node:path").join(__dirname, ${JSON.stringify(path.relative(OUT, file))})`;
  return {
    url: `require("node:url").pathToFileURL(${abs}).href`,
    filename: abs,
    dirname: `require("node:path").dirname(${abs})`,
  };
}

const keepModuleLocations = {
  name: 'keep-module-locations',
  setup(b) {
    b.onLoad({ filter: /\.[cm]?js$/ }, async (args) => {
      let text = await fs.promises.readFile(args.path, 'utf8');
      const own = ownLocation(args.path);
      text = text.replace(/\bimport\.meta\.url\b/g, own.url);
      // In the output these would be the bundle's own (its CommonJS wrapper); give each file its own,
      // unless the file declares them itself (ES modules often do, from import.meta.url).
      if (!/\b(?:const|let|var)\s+__(?:dirname|filename)\b/.test(text)) {
        text = text
          .replace(/(?<![.\w$])__dirname\b/g, own.dirname)
          .replace(/(?<![.\w$])__filename\b/g, own.filename);
      }
      return { contents: text, loader: 'js', resolveDir: path.dirname(args.path) };
    });
  },
};

async function bundle(name, { file, external }) {
  const result = await build({
    absWorkingDir: PKG,
    entryPoints: { [name]: path.join(DIST, file) },
    entryNames: '[name]-[hash]',
    outdir: STAGE,
    outExtension: { '.js': '.cjs' },
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    // Compiled with vm.Script (src/bin/bundle.ts), which has no loader for import(): every import()
    // of ours becomes a require() inside the bundle, loaded when it runs.
    supported: { 'dynamic-import': false },
    external,
    sourcemap: 'linked',
    sourcesContent: false,
    legalComments: 'none',
    minifyWhitespace: true,
    minifySyntax: true,
    metafile: true,
    logLevel: 'warning',
    plugins: [slimUndici, keepModuleLocations],
  });
  const out = Object.keys(result.metafile.outputs).find((f) => f.endsWith('.cjs'));
  const base = path.basename(out);
  const map = JSON.parse(fs.readFileSync(path.join(STAGE, `${base}.map`), 'utf8'));
  const table = lineTable(map, (s) => path.relative(OUT, path.resolve(STAGE, s)));
  fs.writeFileSync(path.join(STAGE, `${base}.stack.json`), JSON.stringify(table));
  return { name, base, inputs: Object.keys(result.metafile.inputs) };
}

/**
 * What the launcher checks before using the bundle: our compiled files one by one, and for the
 * ~300 package files node_modules/.package-lock.json, which npm rewrites whenever it changes
 * node_modules (one stat instead of ~300 at every start).
 */
function watchedInputs(inputs) {
  const npmStamp = path.resolve(PKG, '../../node_modules/.package-lock.json');
  const files = [...new Set(inputs.map((rel) => path.resolve(PKG, rel)))];
  const watched = fs.existsSync(npmStamp)
    ? [...files.filter((f) => !f.split(path.sep).includes('node_modules')), npmStamp]
    : files;
  return watched.sort().map((abs) => {
    const st = fs.statSync(abs);
    return [path.relative(OUT, abs), st.size, st.mtimeMs];
  });
}

fs.rmSync(STAGE, { recursive: true, force: true });
let built;
try {
  built = await Promise.all(Object.entries(ENTRIES).map(([name, spec]) => bundle(name, spec)));
  // Move the new files in, switch the manifest atomically, then drop what no manifest names any more
  // (a process that read the old manifest and then misses its file starts from dist/ instead).
  fs.mkdirSync(OUT, { recursive: true });
  for (const f of fs.readdirSync(STAGE)) fs.renameSync(path.join(STAGE, f), path.join(OUT, f));
} finally {
  fs.rmSync(STAGE, { recursive: true, force: true });
}
const entries = Object.fromEntries(built.map((b) => [b.name, b.base]));
const inputs = watchedInputs(built.flatMap((b) => b.inputs));
const tmp = path.join(OUT, `manifest.json.${process.pid}`);
fs.writeFileSync(tmp, JSON.stringify({ version: 1, entries, inputs }));
fs.renameSync(tmp, path.join(OUT, 'manifest.json'));
const current = Object.values(entries);
for (const f of fs.readdirSync(OUT)) {
  if (f.startsWith('manifest.json') || current.some((c) => f === c || f.startsWith(`${c}.`))) continue;
  fs.rmSync(path.join(OUT, f), { force: true });
}
if (!quiet) {
  for (const { name, base } of built) {
    const kb = Math.round(fs.statSync(path.join(OUT, base)).size / 1024);
    process.stderr.write(`[bundle] ${name}: dist/bundle/${base} (${kb} KiB)\n`);
  }
  process.stderr.write(`[bundle] ${inputs.length} files watched for changes (dist/bundle/manifest.json)\n`);
}

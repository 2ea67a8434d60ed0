#!/usr/bin/env node
/**
 * Bundle the two long-running processes (`multyagents api`, `multyagents runner`) from the compiled
 * dist/ (run `tsc -b` first) into one CommonJS file each under dist/bundle/. Starting one file
 * instead of ~500 ES modules, compiled from a V8 code cache (src/bin/bundle.ts), roughly halves the
 * time from spawn to serving — what a supervisor restarting a killed API waits for.
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
const UNDICI = path.join(PKG, 'scripts/bundle-undici.mjs');
const UNDICI_H2 = path.join(PKG, 'scripts/bundle-undici-h2.cjs');
/** better-sqlite3 is a native addon. Fastify's schema compilers stay out where the server passes lib/fastifyCompilers. */
const SCHEMA_COMPILERS = ['@fastify/ajv-compiler', '@fastify/fast-json-stringify-compiler'];
const ENTRIES = {
  api: { file: 'bin/api.js', external: ['better-sqlite3', ...SCHEMA_COMPILERS] },
  runner: { file: 'bin/runner.js', external: ['better-sqlite3', ...SCHEMA_COMPILERS] },
};

const quiet = process.argv.includes('--quiet');

const undiciMajor = createRequire(import.meta.url)('undici/package.json').version.split('.')[0];
if (undiciMajor !== '7') {
  throw new Error(`undici ${undiciMajor}.x: check scripts/bundle-undici.mjs against its index.js first`);
}

/** `import.meta.url` / `__dirname` / `__filename` of an input file, computed from the bundle's location at run time. */
function ownLocation(file) {
  const abs = `require("node:path").join(__dirname, ${JSON.stringify(path.relative(OUT, file))})`;
  return {
    url: `require("node:url").pathToFileURL(${abs}).href`,
    filename: abs,
    dirname: `require("node:path").dirname(${abs})`,
  };
}

/**
 * Modules (built-ins, or packages still bundled) a package loads at its top level but uses only
 * for options or features we never use. Fastify's
 * server.js loads `https` and `http2` (and with them tls and crypto's TLS parts) for the `https` and
 * `http2` server options: ~10 ms of every start of the API and the runner, measured. Here they load
 * on first use instead. A package whose text no longer matches stops the build: look again.
 */
const LAZY_REQUIRES = [
  {
    file: path.join('node_modules', 'fastify', 'lib', 'server.js'),
    modules: { https: 'node:https', http2: 'node:http2' },
  },
  // Commander spawns a process only for executable subcommands, which multyagents does not have:
  // child_process (with dgram and net's socket list) was ~4.5 ms of every start.
  {
    file: path.join('node_modules', 'commander', 'lib', 'command.js'),
    modules: { childProcess: 'node:child_process' },
  },
  // For plugins that name the Fastify versions they support; ours name none. Building semver's
  // regular expressions was ~2.5 ms of every start.
  {
    file: path.join('node_modules', 'fastify', 'lib', 'plugin-utils.js'),
    modules: { semver: 'semver' },
  },
];

function lazyRequires(file, text) {
  const spec = LAZY_REQUIRES.find((l) => file.endsWith(l.file));
  if (!spec) return text;
  for (const [name, id] of Object.entries(spec.modules)) {
    // With or without the semicolon, as the package writes it.
    const line = [`const ${name} = require('${id}')\n`, `const ${name} = require('${id}');\n`].find((l) =>
      text.includes(l),
    );
    if (!line) throw new Error(`${spec.file}: no line "const ${name} = require('${id}')" any more`);
    text = text.replace(
      line,
      `let ${name}$loaded; const ${name} = new Proxy({}, { get: (_, k) => (${name}$loaded ??= require('${id}'))[k] })\n`,
    );
  }
  return text;
}

const keepModuleLocations = {
  name: 'keep-module-locations',
  setup(b) {
    b.onLoad({ filter: /\.[cm]?js$/ }, async (args) => {
      let text = lazyRequires(args.path, await fs.promises.readFile(args.path, 'utf8'));
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

/**
 * undici's index.js builds every export at load time (fetch, WebSocket, mocks, caches) and touches
 * `globalThis.Headers`, which loads Node's own copy of undici too; we use only `Agent` and `request`.
 */
const slimUndici = {
  name: 'slim-undici',
  setup(b) {
    b.onResolve({ filter: /^undici$/ }, (args) => (args.importer === UNDICI ? undefined : { path: UNDICI }));
    // HTTP/2 (and with it Node's http2, tls and crypto) stays out: see bundle-undici-h2.cjs.
    b.onResolve({ filter: /^\.\/client-h2\.js$/ }, (args) =>
      args.importer.endsWith(path.join('undici', 'lib', 'dispatcher', 'client.js'))
        ? { path: UNDICI_H2 }
        : undefined,
    );
  },
};

/**
 * esbuild writes ASCII-only code (its default charset escapes every other character in strings,
 * templates, regular expressions and names) but copies comments as they are. One non-ASCII byte
 * makes V8 hold the whole 2.5 MB source as a two-byte string: decoding it and checking it against
 * the code cache then cost ~15 ms more at every start (measured). So each non-ASCII UTF-16 unit left,
 * which can only be inside a comment, becomes '?': columns, and so the source map, stay the same.
 * A line where it is not plainly in a comment stops the build instead.
 */
function asciiOnly(file) {
  const text = fs.readFileSync(file, 'utf8');
  if (!/[^\x00-\x7f]/.test(text)) return;
  const lines = text.split('\n');
  for (const [i, line] of lines.entries()) {
    const bad = line.search(/[^\x00-\x7f]/);
    if (bad < 0) continue;
    const before = line.slice(0, bad);
    if (!/^\s*(\/\/|\/\*|\*)/.test(line) && !before.includes('//') && !before.includes('/*')) {
      throw new Error(`${path.basename(file)}:${i + 1}: a non-ASCII character outside a comment`);
    }
    lines[i] = line.replace(/[^\x00-\x7f]/g, '?');
  }
  fs.writeFileSync(file, lines.join('\n'));
}

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
    // Compiled with vm.Script, which has no loader for import(): every import() becomes a require().
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
  asciiOnly(path.join(STAGE, base));
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

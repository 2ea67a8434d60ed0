import fs from 'node:fs';
import path from 'node:path';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { ERROR_CODES } from '@multyagents/contracts';
import { AppError } from '../lib/errors.js';

/**
 * The web panel (packages/ui, built by Vite) served by the API itself: `/` redirects to `/ui/`, and
 * `/ui/<file>` answers files of the built dist. The panel routes inside the app with the URL hash, so
 * no panel route can shadow an API path. The files are public like /health: they hold no data, and
 * every API call the panel makes carries the operator token.
 */

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.map': 'application/json; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
};

/**
 * The file a request path under /ui/ names, or null when it names none we serve: the path is decoded
 * once, and any `..`, `.`-file, backslash, NUL or empty segment is refused before it meets the disk.
 * Pure (no I/O); `servePanelFile` also checks the real path after symlinks.
 */
export function panelFilePath(root: string, rest: string): string | null {
  let decoded: string;
  try {
    decoded = decodeURIComponent(rest);
  } catch {
    return null;
  }
  if (decoded === '') decoded = 'index.html';
  if (/[\\\0]/.test(decoded)) return null;
  const segments = decoded.split('/');
  if (segments.some((s) => s === '' || s.startsWith('.'))) return null;
  const file = path.resolve(root, ...segments);
  return file.startsWith(root + path.sep) ? file : null;
}

function notBuiltPage(uiDir: string): string {
  const esc = (s: string) => s.replace(/[&<>"]/g, (c) => `&#${c.charCodeAt(0)};`);
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Panel not built</title></head>
<body style="font-family: system-ui, sans-serif; max-width: 40rem; margin: 3rem auto">
<h1>The web panel is not built</h1>
<p><code>UI_NOT_BUILT</code>: no <code>index.html</code> in <code>${esc(uiDir)}</code>.</p>
<p>Build it from the checkout with <code>./scripts/multyagents</code> (any command: it builds what changed)
or <code>npm run build -w @multyagents/ui</code>, then reload this page. The API itself is running.</p>
</body></html>`;
}

async function servePanelFile(uiDir: string, req: FastifyRequest, reply: FastifyReply): Promise<unknown> {
  const root = path.resolve(uiDir);
  if (!fs.existsSync(path.join(root, 'index.html'))) {
    // A browser gets a page that says what to run; a program gets the usual error body.
    if ((req.headers.accept ?? '').includes('text/html'))
      return reply.code(503).type('text/html; charset=utf-8').send(notBuiltPage(root));
    throw new AppError('UI_NOT_BUILT', `${ERROR_CODES.UI_NOT_BUILT.message}: no index.html in ${root}`);
  }
  const rawPath = req.url.split('?')[0]!;
  const file = panelFilePath(root, rawPath.slice('/ui/'.length));
  const notFound = () =>
    reply.code(404).send({ detail: `no panel file ${rawPath}`, code: 'ROUTE_NOT_FOUND' });
  if (!file) return notFound();
  let real: string;
  let stat: fs.Stats;
  try {
    real = await fs.promises.realpath(file);
    stat = await fs.promises.stat(real);
  } catch {
    return notFound();
  }
  // A symlink inside the dist must not lead out of it.
  const realRoot = await fs.promises.realpath(root);
  if (!real.startsWith(realRoot + path.sep) || !stat.isFile()) return notFound();
  const immutable = rawPath.startsWith('/ui/assets/');
  return reply
    .code(200)
    .type(TYPES[path.extname(real).toLowerCase()] ?? 'application/octet-stream')
    .header('cache-control', immutable ? 'public, max-age=31536000, immutable' : 'no-cache')
    .header('x-content-type-options', 'nosniff')
    .header('content-length', stat.size)
    .send(fs.createReadStream(real));
}

export function panelRoutes(app: FastifyInstance, uiDir: string): void {
  app.get('/', async (_req, reply) => reply.redirect('/ui/', 302));
  app.get('/ui', async (_req, reply) => reply.redirect('/ui/', 301));
  app.get('/ui/*', async (req, reply) => servePanelFile(uiDir, req, reply));
}

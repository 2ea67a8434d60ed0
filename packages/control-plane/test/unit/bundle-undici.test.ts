import fs from 'node:fs';
import http from 'node:http';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

/**
 * scripts/bundle-undici.mjs rebuilds undici's `Agent` and `request` the way undici's index.js does.
 * These checks fail when undici changes: compare the file with the new index.js, then bump
 * UNDICI_CHECKED (until then the bundles take all of undici, scripts/bundle.mjs).
 */
const SHIM = fileURLToPath(new URL('../../scripts/bundle-undici.mjs', import.meta.url));
const require = createRequire(import.meta.url);
const undiciDir = path.dirname(require.resolve('undici/package.json'));
const indexJs = fs.readFileSync(path.join(undiciDir, 'index.js'), 'utf8');
const shimText = fs.readFileSync(SHIM, 'utf8');

/** The text of `function makeDispatcher` up to its closing brace at column 0, without formatting. */
function makeDispatcherText(source: string): string {
  const start = source.indexOf('function makeDispatcher');
  expect(start, 'function makeDispatcher').toBeGreaterThanOrEqual(0);
  const end = source.indexOf('\n}\n', start);
  return source
    .slice(start, end + 2)
    .replace(/\s+/g, '')
    .replace(/;/g, '')
    .replace(/,([})\]])/g, '$1');
}

describe('scripts/bundle-undici.mjs matches the installed undici', () => {
  it('was checked against the installed version', () => {
    const installed = (require('undici/package.json') as { version: string }).version;
    expect(/UNDICI_CHECKED = '([^']+)'/.exec(shimText)?.[1]).toBe(installed);
  });

  it("builds Agent and request from the same files as undici's index.js", () => {
    for (const line of [
      "const Agent = require('./lib/dispatcher/agent')",
      "const Dispatcher = require('./lib/dispatcher/dispatcher')",
      "const api = require('./lib/api')",
      "const errors = require('./lib/core/errors')",
      "const util = require('./lib/core/util')",
      "const { getGlobalDispatcher, setGlobalDispatcher } = require('./lib/global')",
      'Object.assign(Dispatcher.prototype, api)',
      'module.exports.Agent = Agent',
      'module.exports.request = makeDispatcher(api.request)',
    ]) {
      expect(indexJs.split('\n'), line).toContain(line);
    }
    const upstream = makeDispatcherText(indexJs);
    expect(upstream.length).toBeGreaterThan(500);
    expect(makeDispatcherText(shimText)).toBe(upstream);
  });

  describe('behaves as undici', () => {
    const server = http.createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => res.end(JSON.stringify({ method: req.method, url: req.url, body })));
    });
    afterAll(() => new Promise<void>((r) => server.close(() => r())));

    it('request() over an Agent: method, path with query, body, answer', async () => {
      const shim = (await import(SHIM)) as typeof import('undici');
      await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
      const { port } = server.address() as { port: number };
      const agent = new shim.Agent({ connections: 1 });
      try {
        const res = await shim.request(`http://127.0.0.1:${port}/tasks/submit?x=1`, {
          dispatcher: agent,
          method: 'POST',
          body: 'hello',
        });
        expect(res.statusCode).toBe(200);
        expect(await res.body.json()).toEqual({ method: 'POST', url: '/tasks/submit?x=1', body: 'hello' });
        await expect(async () => shim.request('not a url', { dispatcher: agent })).rejects.toThrow(
          /Invalid URL/,
        );
      } finally {
        await agent.close();
      }
    });
  });
});

/**
 * The one piece of another package's code the bundles change (scripts/bundle.mjs): inside the api and
 * runner bundles, `import { Agent, request } from 'undici'` resolves to this module instead of
 * undici's index.js. index.js builds every export at load time — fetch, WebSocket, EventSource,
 * mocks, caches — and touches `globalThis.Headers`, which makes Node load its own copy of undici too.
 * The API and the runner use only `Agent` and `request`, so this module builds only those, from the
 * same undici files and exactly as index.js builds them. Measured: 29 ms less CPU from spawn to the
 * API's first healthy answer (203 → 174 ms, medians of 11; docs/benchmarks.md).
 *
 * UNDICI_CHECKED is the undici version this file was compared with. scripts/bundle.mjs uses it only
 * while the installed undici is that version (else it bundles undici's own index.js: a slower start,
 * nothing broken), and test/unit/bundle-undici.test.ts fails until the copy below is checked against
 * a new undici's index.js and the version is bumped.
 */
import Agent from 'undici/lib/dispatcher/agent.js';
import Dispatcher from 'undici/lib/dispatcher/dispatcher.js';
import api from 'undici/lib/api/index.js';
import errors from 'undici/lib/core/errors.js';
import util from 'undici/lib/core/util.js';
import { getGlobalDispatcher } from 'undici/lib/global.js';

export const UNDICI_CHECKED = '7.30.2';

Object.assign(Dispatcher.prototype, api);

const { InvalidArgumentError } = errors;

/** undici 7 index.js `makeDispatcher` (MIT, Copyright (c) Matteo Collina and Undici contributors). */
function makeDispatcher(fn) {
  return (url, opts, handler) => {
    if (typeof opts === 'function') {
      handler = opts;
      opts = null;
    }
    if (!url || (typeof url !== 'string' && typeof url !== 'object' && !(url instanceof URL))) {
      throw new InvalidArgumentError('invalid url');
    }
    if (opts != null && typeof opts !== 'object') {
      throw new InvalidArgumentError('invalid opts');
    }
    if (opts && opts.path != null) {
      if (typeof opts.path !== 'string') {
        throw new InvalidArgumentError('invalid opts.path');
      }
      let path = opts.path;
      if (!opts.path.startsWith('/')) {
        path = `/${path}`;
      }
      url = new URL(util.parseOrigin(url).origin + path);
    } else {
      if (!opts) {
        opts = typeof url === 'object' ? url : {};
      }
      url = util.parseURL(url);
    }
    const { agent, dispatcher = getGlobalDispatcher() } = opts;
    if (agent) {
      throw new InvalidArgumentError('unsupported opts.agent. Did you mean opts.client?');
    }
    return fn.call(
      dispatcher,
      {
        ...opts,
        origin: url.origin,
        path: url.search ? `${url.pathname}${url.search}` : url.pathname,
        method: opts.method || (opts.body ? 'PUT' : 'GET'),
      },
      handler,
    );
  };
}

export { Agent };
export const request = makeDispatcher(api.request);

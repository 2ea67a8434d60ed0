/**
 * What undici's dispatcher/client.js gets for `require('./client-h2.js')` inside the bundle
 * (scripts/bundle.mjs). The real module loads Node's `http2` (and with it tls) when the bundle loads,
 * about 12 ms measured here; with Fastify's `https` / `http2` made lazy too (LAZY_BUILTINS in
 * bundle.mjs), nothing loads them at start any more. undici calls it only when TLS negotiated
 * HTTP/2 through ALPN, which needs `allowH2: true`; the API and the runner never set it, so an
 * HTTP/2 connection cannot happen and this stub only makes that explicit if it ever did.
 */
'use strict';

module.exports = function connectH2() {
  throw new Error('HTTP/2 is not part of the multyagents bundle (undici allowH2 must stay off)');
};

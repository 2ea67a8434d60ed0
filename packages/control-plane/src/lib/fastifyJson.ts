import type { FastifyInstance } from 'fastify';
import { AppError } from './errors.js';
import { jsonDepthExceeds, MAX_JSON_DEPTH } from './jsonDepth.js';

/**
 * The JSON body parser of our servers (API and runner): an empty body with `content-type:
 * application/json` is "no body" — clients of the first version send it on action endpoints such as
 * dispatch and cancel — and malformed JSON is `INVALID_JSON`. A body nested deeper than
 * MAX_JSON_DEPTH is `JSON_TOO_DEEP`, refused before it is parsed.
 */
export function emptyJsonIsNoBody(app: FastifyInstance): void {
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (_req, body, done) => {
    const text = typeof body === 'string' ? body : body.toString('utf8');
    if (text.trim() === '') return done(null, undefined);
    if (jsonDepthExceeds(text))
      return done(
        new AppError('JSON_TOO_DEEP', `the body nests deeper than ${MAX_JSON_DEPTH} levels`, {
          max_depth: MAX_JSON_DEPTH,
        }),
        undefined,
      );
    try {
      done(null, JSON.parse(text));
    } catch (err) {
      done(new AppError('INVALID_JSON', (err as Error).message), undefined);
    }
  });
}

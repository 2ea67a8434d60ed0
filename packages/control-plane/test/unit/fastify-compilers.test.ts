import Fastify from 'fastify';
import { describe, expect, it } from 'vitest';
import { lazySchemaCompilers } from '../../src/lib/fastifyCompilers.js';

describe('lazySchemaCompilers', () => {
  it('still validates and serializes a route that declares a Fastify schema', async () => {
    const app = Fastify({ logger: false, schemaController: lazySchemaCompilers() });
    app.post(
      '/x',
      {
        schema: {
          body: { type: 'object', required: ['a'], properties: { a: { type: 'integer' } } },
          response: { 200: { type: 'object', properties: { a: { type: 'integer' } } } },
        },
      },
      async (req) => ({ a: (req.body as { a: number }).a, secret: 'dropped by the serializer' }),
    );
    const ok = await app.inject({ method: 'POST', url: '/x', payload: { a: 1 } });
    expect(ok.statusCode).toBe(200);
    expect(ok.json()).toEqual({ a: 1 });
    const bad = await app.inject({ method: 'POST', url: '/x', payload: { b: 1 } });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().code).toBe('FST_ERR_VALIDATION');
    await app.close();
  });
});

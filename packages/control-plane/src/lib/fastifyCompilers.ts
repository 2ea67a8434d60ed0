import { createRequire } from 'node:module';
import type { FastifyServerOptions } from 'fastify';

type Compilers = Required<
  NonNullable<NonNullable<FastifyServerOptions['schemaController']>['compilersFactory']>
>;

/**
 * Fastify's `schemaController` option for our servers. Requests are validated with the contracts' zod
 * schemas, not with Fastify route schemas, so Fastify's ajv and fast-json-stringify compilers (about
 * 0.1 s of every start when loaded eagerly) are loaded, from Fastify's own dependencies, only if a
 * route ever declares a `schema`. The api/runner bundles leave them out (scripts/bundle.mjs).
 */
export function lazySchemaCompilers(): { compilersFactory: Compilers } {
  const load = <T>(pkg: string): T =>
    (createRequire(createRequire(import.meta.url).resolve('fastify'))(pkg) as () => T)();
  let validator: Compilers['buildValidator'] | undefined;
  let serializer: Compilers['buildSerializer'] | undefined;
  return {
    compilersFactory: {
      buildValidator: (...args) =>
        (validator ??= load<Compilers['buildValidator']>('@fastify/ajv-compiler'))(...args),
      buildSerializer: (...args) =>
        (serializer ??= load<Compilers['buildSerializer']>('@fastify/fast-json-stringify-compiler'))(...args),
    },
  };
}

import { z } from 'zod';
import { CONTRACT_VERSION } from '@multyagents/contracts';

/** Routes register their schemas here; `/openapi.json` is generated from them, never hand-written. */
export interface RouteDoc {
  method: string;
  path: string;
  summary: string;
  body?: z.ZodType;
  query?: z.ZodType;
  tag: string;
}

export class OpenApiRegistry {
  private readonly routes: RouteDoc[] = [];
  add(doc: RouteDoc): void {
    this.routes.push(doc);
  }
  document(): Record<string, unknown> {
    const paths: Record<string, Record<string, unknown>> = {};
    for (const r of this.routes) {
      const p = r.path.replace(/:([A-Za-z_]+)/g, '{$1}');
      const params = [...r.path.matchAll(/:([A-Za-z_]+)/g)].map((m) => ({
        name: m[1],
        in: 'path',
        required: true,
        // `:id` is an integer id; other path params (a drill's evidence folder name) are strings.
        schema: { type: m[1] === 'id' ? 'integer' : 'string' },
      }));
      const op: Record<string, unknown> = {
        summary: r.summary,
        tags: [r.tag],
        responses: { '200': { description: 'OK' } },
      };
      if (r.query) {
        const js = z.toJSONSchema(r.query, { io: 'input', unrepresentable: 'any' }) as {
          properties?: Record<string, unknown>;
        };
        for (const [name, schema] of Object.entries(js.properties ?? {}))
          params.push({ name, in: 'query', required: false, schema: schema as never });
      }
      if (params.length) op.parameters = params;
      if (r.body) {
        op.requestBody = {
          required: true,
          content: {
            'application/json': { schema: z.toJSONSchema(r.body, { io: 'input', unrepresentable: 'any' }) },
          },
        };
      }
      paths[p] = { ...(paths[p] ?? {}), [r.method.toLowerCase()]: op };
    }
    return {
      openapi: '3.1.0',
      info: { title: 'multyagents control plane', version: CONTRACT_VERSION },
      paths,
    };
  }
}

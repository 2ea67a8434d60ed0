import type { z } from 'zod';
import { AppError } from '../lib/errors.js';

/**
 * Parse input with a contract schema. A failure is a 422 VALIDATION_FAILED whose `detail` keeps the
 * first version's shape (`[{loc, msg, type}]`) and whose `field` names the first bad field.
 */
export function parse<S extends z.ZodType>(
  schema: S,
  input: unknown,
  where: 'body' | 'query' | 'path' = 'body',
): z.output<S> {
  const r = schema.safeParse(input ?? (where === 'body' ? undefined : {}));
  if (r.success) return r.data;
  const issues = r.error.issues.map((i) => ({
    loc: [where, ...i.path.map((p) => (typeof p === 'symbol' ? String(p) : p))],
    msg: i.message,
    type: i.code,
  }));
  const first = issues[0];
  const field = first ? first.loc.slice(1).join('.') || where : where;
  throw new AppError('VALIDATION_FAILED', issues, {
    field,
    message: first ? `${field}: ${first.msg}` : 'invalid input',
  });
}

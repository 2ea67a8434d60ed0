import type { z } from 'zod';
import { AppError } from '../lib/errors.js';
import { firstUnknownField } from './unknownFields.js';

/**
 * Parse input with a contract schema. A failure is a 422 VALIDATION_FAILED whose `detail` keeps the
 * first version's shape (`[{loc, msg, type}]`) and whose `field` names the first bad field.
 */
export function parse<S extends z.ZodType>(
  schema: S,
  input: unknown,
  where: 'body' | 'query' | 'path' = 'body',
  strict = true,
): z.output<S> {
  if (where === 'body' && strict) refuseUnknownFields(schema, input);
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

/** 422 UNKNOWN_FIELD naming the first field the body's schema does not have (v1's pydantic shape). */
function refuseUnknownFields(schema: z.ZodType, input: unknown): void {
  const field = firstUnknownField(schema, input);
  if (field === null) return;
  throw new AppError(
    'UNKNOWN_FIELD',
    [{ loc: ['body', ...field.split('.')], msg: 'Extra inputs are not permitted', type: 'extra_forbidden' }],
    { field, message: `${field}: unknown field (not taken by this route, or read-only)` },
  );
}

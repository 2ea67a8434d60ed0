import { z } from 'zod';

export const Id = z.number().int().positive();
/** A path id in its one canonical spelling: `/projects/1`, never `/projects/+1` or `/projects/01`. */
export const IdParam = z.object({
  id: z
    .string()
    .regex(/^[1-9][0-9]{0,14}$/, 'an id is a positive integer without sign or leading zeros')
    .transform(Number),
});
export const Timestamp = z.string(); // ISO-8601 UTC
export const JsonObject = z.record(z.string(), z.unknown());
/** Names, titles and actors are one line of text: no NUL, newline or other control character. */
export const noControlChars = (s: string): boolean => !/[\u0000-\u001f\u007f]/.test(s);
export const CONTROL_CHARS_MESSAGE = 'may not contain control characters (NUL, newline, …)';
export const NonEmptyName = z
  .string()
  .trim()
  .min(1)
  .max(200)
  .refine(noControlChars, `a name ${CONTROL_CHARS_MESSAGE}`);
/** A stored single-line label (title, actor, initiated_by, …) of at most `max` characters. */
export const lineText = (max: number) => z.string().max(max).refine(noControlChars, CONTROL_CHARS_MESSAGE);
export const Title = z
  .string()
  .trim()
  .min(1)
  .max(500)
  .refine(noControlChars, `a title ${CONTROL_CHARS_MESSAGE}`);
export const AbsolutePath = z.string().min(1).max(4096);

/**
 * Request objects whose unknown keys are accepted and dropped (the first version's behaviour, kept
 * where its clients relied on it; listed in docs/compatibility.md). Every other request object refuses
 * an unknown key with 422 UNKNOWN_FIELD (control-plane api/unknownFields.ts).
 */
export const DROPS_UNKNOWN_KEYS = new WeakSet<object>();
export function dropsUnknownKeys<T extends object>(schema: T): T {
  DROPS_UNKNOWN_KEYS.add(schema);
  return schema;
}

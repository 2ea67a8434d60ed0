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
export const NonEmptyName = z
  .string()
  .trim()
  .min(1)
  .max(200)
  .refine(
    (s) => !/[\u0000-\u001f\u007f]/.test(s),
    'a name may not contain control characters (NUL, newline, …)',
  );
export const AbsolutePath = z.string().min(1).max(4096);

import { z } from 'zod';

export const Id = z.number().int().positive();
export const IdParam = z.object({ id: z.coerce.number().int().positive() });
export const Timestamp = z.string(); // ISO-8601 UTC
export const JsonObject = z.record(z.string(), z.unknown());
export const NonEmptyName = z.string().trim().min(1).max(200);
export const AbsolutePath = z.string().min(1).max(4096);

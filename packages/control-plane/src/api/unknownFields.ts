import type { z } from 'zod';
import { DROPS_UNKNOWN_KEYS } from '@multyagents/contracts';

/**
 * The first unknown field of `value` against a contract schema, as a path (`steps.0.extra`), or null.
 * Zod objects strip unknown keys silently; a client's typo (or a read-only `id`) must be refused
 * instead. Objects with a catch-all (free-form maps, `looseObject`) and records accept any key.
 * Bounded by the value's own depth (bodies are depth-checked before they are parsed, lib/jsonDepth.ts).
 */
export function firstUnknownField(schema: z.ZodType, value: unknown): string | null {
  return walk(schema, value, []);
}

interface Def {
  type: string;
  innerType?: z.ZodType;
  in?: z.ZodType;
  out?: z.ZodType;
  getter?: () => z.ZodType;
  shape?: Record<string, z.ZodType>;
  catchall?: z.ZodType;
  element?: z.ZodType;
  options?: z.ZodType[];
  valueType?: z.ZodType;
}

const defOf = (s: z.ZodType): Def => (s as unknown as { _zod: { def: Def } })._zod.def;

const WRAPPERS = new Set(['optional', 'nullable', 'default', 'prefault', 'catch', 'readonly', 'nonoptional']);

function walk(schema: z.ZodType, value: unknown, at: Array<string | number>): string | null {
  let node = schema;
  let drops = DROPS_UNKNOWN_KEYS.has(node);
  // Unwrap; bounded because a schema is a finite tree (lazy getters return a node of that tree).
  for (let i = 0; i < 64; i++) {
    const d = defOf(node);
    let next: z.ZodType | undefined;
    if (WRAPPERS.has(d.type)) next = d.innerType;
    else if (d.type === 'lazy') next = d.getter?.();
    // `preprocess` is a pipe from a transform: the shape that counts is its output's.
    else if (d.type === 'pipe' && d.in && d.out) next = defOf(d.in).type === 'transform' ? d.out : d.in;
    if (!next) break;
    node = next;
    drops ||= DROPS_UNKNOWN_KEYS.has(node);
  }
  const def = defOf(node);
  if (value === null || typeof value !== 'object') return null;
  if (def.type === 'object' && def.shape && !Array.isArray(value)) {
    const open = drops || (def.catchall !== undefined && defOf(def.catchall).type !== 'never');
    for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
      const field = def.shape[k];
      if (!field) {
        if (open) continue;
        return [...at, k].join('.');
      }
      const found = walk(field, v, [...at, k]);
      if (found) return found;
    }
    return null;
  }
  if (def.type === 'array' && def.element && Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const found = walk(def.element, value[i], [...at, i]);
      if (found) return found;
    }
    return null;
  }
  if (def.type === 'record' && def.valueType && !Array.isArray(value)) {
    for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
      const found = walk(def.valueType, v, [...at, k]);
      if (found) return found;
    }
    return null;
  }
  if (def.type === 'union' && def.options) {
    // Accepted if one alternative knows every field; otherwise the first alternative's complaint.
    let first: string | null = null;
    for (const o of def.options) {
      const found = walk(o, value, at);
      if (found === null) return null;
      first ??= found;
    }
    return first;
  }
  return null;
}

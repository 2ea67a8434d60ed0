import type { FastifyReply, FastifyRequest } from 'fastify';
import { parseIfMatch, type IfMatch } from '../domain/etag.js';
import type { Versioned } from '../services/editGuard.js';

/** The `If-Match` condition of a PUT or DELETE (null when absent: v1's last writer wins). */
export function ifMatchOf(req: FastifyRequest): IfMatch | null {
  return parseIfMatch(req.headers['if-match']);
}

/** The item's body, its version as the answer's `ETag` header (the body stays the first version's). */
export function sendVersioned<T>(reply: FastifyReply, v: Versioned<T>): T {
  reply.header('etag', v.etag);
  return v.value;
}

import type { FastifyReply } from 'fastify';
import type { Page } from '../services/page.js';

/** A page on the wire: the body stays the v1 array; the count and the cursor travel as headers. */
export function sendPage<T>(reply: FastifyReply, page: Page<T>): T[] {
  reply.header('x-total-count', String(page.total));
  if (page.nextBeforeId !== null) reply.header('x-next-before-id', String(page.nextBeforeId));
  return page.items;
}

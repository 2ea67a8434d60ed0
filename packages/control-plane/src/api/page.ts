import type { FastifyReply } from 'fastify';
import type { Page } from '../services/page.js';

/**
 * A page on the wire: the body stays the v1 array; the count, the cursors and the page's offset travel
 * as headers (exposed to panels on other origins in api/cors.ts).
 */
export function sendPage<T>(reply: FastifyReply, page: Page<T>): T[] {
  reply.header('x-total-count', String(page.total));
  if (page.nextBeforeId !== null) reply.header('x-next-before-id', String(page.nextBeforeId));
  if (page.position) {
    reply.header('x-page-offset', String(page.position.offset));
    if (page.position.prevBeforeId !== null)
      reply.header('x-prev-before-id', String(page.position.prevBeforeId));
  }
  return page.items;
}

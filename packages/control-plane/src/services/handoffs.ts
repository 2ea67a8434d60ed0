import type { Handoff } from '@multyagents/contracts';
import { listHandoffs as listHandoffRows, type HandoffFilter } from '../store/ops/handoffs.js';
import type { ServiceContext } from './context.js';

export function listHandoffs(ctx: ServiceContext, filter: HandoffFilter): Promise<Handoff[]> {
  return ctx.store.read((sql) => listHandoffRows(sql, filter));
}

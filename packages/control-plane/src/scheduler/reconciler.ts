import type { ServiceContext } from '../services/context.js';

export async function reconcileAtStart(_ctx: ServiceContext): Promise<void> {}

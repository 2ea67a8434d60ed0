export * from './errors.js';
export * from './statuses.js';
export * from './events.js';
export * from './common.js';
export * from './projects.js';
export * from './roles.js';
export * from './templates.js';
export * from './tasks.js';
export * from './runs.js';
export * from './runner.js';
export * from './agent.js';
export * from './worktree.js';
export * from './misc.js';
export * from './skills.js';
export * from './qualityGates.js';
export * from './assistant.js';
export * from './drills.js';

export const CONTRACT_VERSION = 'v1';

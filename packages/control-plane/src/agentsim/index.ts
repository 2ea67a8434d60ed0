/** The scripted model server and the pinned real agent CLIs, for offline runs and tests. */
export { startAgentSim, type AgentSim, type AgentSimOptions, type AgentSimRecord } from './server.js';
export { nextReply, pickSession, type SimReply, type SimScripts } from './engine.js';
export { scriptProblems, type SimScript, type SimTurn } from './script.js';
export { AGENT_CLI_PINS, agentCliBins, agentCliDir, ensureAgentClis, type AgentClis } from './clis.js';
export * from './recipes.js';
export { parseJsonLines, runAgentCli, type CliRun } from './runCli.js';

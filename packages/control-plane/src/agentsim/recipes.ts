import fs from 'node:fs/promises';
import path from 'node:path';
import type { Env } from '../config/env.js';

/**
 * How to point the real agent CLIs at the scripted model server and keep them off the network
 * (measured on the pinned versions; see docs/agents-offline.md).
 * These return environment overrides and argv; spawning stays with the caller.
 */

/** The codex model slug we pass: in codex 0.171.0's bundled catalogue, with the freeform apply_patch tool. */
export const CODEX_SIM_MODEL = 'gpt-5.5';

/**
 * Any connection that is not to loopback goes to a proxy: by default a dead port, so a vendor host fails
 * at once instead of being reached by luck; in tests the scripted server itself, which records and
 * refuses each attempt. Both CLIs honour the proxy variables and NO_PROXY (real-agent-clis.test.ts).
 */
export function offlineGuardEnv(proxy = 'http://127.0.0.1:1'): Record<string, string> {
  const direct = '127.0.0.1,localhost,::1';
  return {
    HTTPS_PROXY: proxy,
    HTTP_PROXY: proxy,
    https_proxy: proxy,
    http_proxy: proxy,
    NO_PROXY: direct,
    no_proxy: direct,
  };
}

/** Only what a process needs from the parent; credentials and vendor settings stay behind. */
export function isolatedBaseEnv(parent: Env): Record<string, string> {
  const keep = ['PATH', 'LANG', 'LC_ALL', 'LC_CTYPE', 'TZ', 'TERM', 'SHELL', 'USER', 'LOGNAME'];
  const out: Record<string, string> = {};
  for (const k of keep) if (parent[k]) out[k] = parent[k]!;
  return out;
}

export interface SimRunDirs {
  /** Per-run HOME (claude keeps sessions in $HOME/.claude, codex some state in $HOME too). */
  home: string;
  tmpdir: string;
  /** Where non-loopback traffic goes (offlineGuardEnv); default a dead port. */
  proxy?: string;
}

export function claudeSimEnv(o: SimRunDirs & { baseUrl: string; apiKey?: string }): Record<string, string> {
  return {
    ...offlineGuardEnv(o.proxy),
    HOME: o.home,
    TMPDIR: o.tmpdir,
    ANTHROPIC_BASE_URL: o.baseUrl,
    ANTHROPIC_API_KEY: o.apiKey ?? 'sk-agentsim-not-a-real-key',
    // Without it: bootstrap, MCP registry and telemetry calls to the vendor.
    CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: '1',
    // Without it a dead server means > 90 s of silent retries.
    CLAUDE_CODE_MAX_RETRIES: '0',
  };
}

export function codexSimEnv(o: SimRunDirs & { codexHome: string }): Record<string, string> {
  return { ...offlineGuardEnv(o.proxy), HOME: o.home, TMPDIR: o.tmpdir, CODEX_HOME: o.codexHome };
}

const tomlString = (s: string) => JSON.stringify(s);

/** `$CODEX_HOME/config.toml` for the scripted server at `baseUrl` (ending in `/v1`). */
export function codexSimConfigToml(baseUrl: string, provider = 'agentsim'): string {
  return [
    `model_provider = ${tomlString(provider)}`,
    '',
    `[model_providers.${provider}]`,
    `name = ${tomlString(provider)}`,
    `base_url = ${tomlString(baseUrl)}`,
    'wire_api = "responses"',
    'request_max_retries = 0',
    'stream_max_retries = 0',
    '',
    '# Without these codex contacts git hosting, plugin sync and metrics hosts.',
    '[features]',
    'plugins = false',
    '',
    '[analytics]',
    'enabled = false',
    '',
  ].join('\n');
}

export async function writeCodexSimHome(codexHome: string, baseUrl: string): Promise<string> {
  await fs.mkdir(codexHome, { recursive: true });
  const file = path.join(codexHome, 'config.toml');
  await fs.writeFile(file, codexSimConfigToml(baseUrl));
  return file;
}

/** claude, one non-interactive turn with JSON lines out; `resume` continues a session. Stdin closed. */
export function claudeArgs(
  prompt: string,
  o: { permissionMode?: 'acceptEdits' | null; resume?: string } = {},
): string[] {
  const mode = o.permissionMode === undefined ? 'acceptEdits' : o.permissionMode;
  return [
    '-p',
    prompt,
    '--output-format',
    'stream-json',
    '--verbose',
    ...(mode ? ['--permission-mode', mode] : []),
    ...(o.resume ? ['--resume', o.resume] : []),
  ];
}

/**
 * codex exec with JSON lines out, inside a git repo; `resume` continues a thread (the options go before
 * the `resume` subcommand). Run it with stdin closed.
 */
export function codexArgs(
  prompt: string,
  o: { sandbox?: 'read-only' | 'workspace-write' | null; model?: string; resume?: string } = {},
): string[] {
  const sandbox = o.sandbox === undefined ? 'workspace-write' : o.sandbox;
  return [
    'exec',
    '--json',
    ...(sandbox ? ['-s', sandbox] : []),
    '-m',
    o.model ?? CODEX_SIM_MODEL,
    // Without it a dead server means "Reconnecting…" forever.
    '--disable',
    'unbounded_connection_retries',
    ...(o.resume ? ['resume', o.resume] : []),
    prompt,
  ];
}

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CODEX_SIM_MODEL,
  claudeArgs,
  claudeSimEnv,
  codexArgs,
  codexSimEnv,
  isolatedBaseEnv,
  runAgentCli,
  startAgentSim,
  writeCodexSimHome,
  type AgentClis,
  type AgentSim,
  type CliRun,
} from '../../src/agentsim/index.js';
import {
  AGENT_CLI_INSTALL_BOUND_MS,
  agentClisForTests,
  codexDaemonDirCleanup,
  simWorkspace,
  type SimWorkspace,
} from '../helpers/agentsim.js';

/**
 * The real, pinned claude and codex binaries against our scripted model server on 127.0.0.1: each is
 * told by the script to write a file, and we check the file, the CLI's own final event and what the
 * server saw come back. The first run installs the CLIs into the cache (≈ 800 MB; see
 * docs/agents-offline.md), which is why beforeAll has a long bound.
 */
const RUN_BOUND_MS = 60_000;

let clis: AgentClis;
let sim: AgentSim;
let root: string;
const cleanCodexDaemonDir = codexDaemonDirCleanup();

beforeAll(async () => {
  clis = await agentClisForTests('real-agent-clis');
  sim = await startAgentSim();
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'ma-real-clis-'));
}, AGENT_CLI_INSTALL_BOUND_MS);

afterAll(async () => {
  await sim?.close();
  if (root) fs.rmSync(root, { recursive: true, force: true });
  cleanCodexDaemonDir();
});

/** A fresh git repo and per-run HOME, TMPDIR and CODEX_HOME; non-loopback traffic goes to `sim`. */
const workspace = (name: string) => simWorkspace(root, name, sim.url);

function runClaude(ws: SimWorkspace, prompt: string, permissionMode?: null) {
  const env = { ...isolatedBaseEnv(process.env), ...claudeSimEnv({ ...ws, baseUrl: sim.url }) };
  return runAgentCli(clis.claude, claudeArgs(prompt, { permissionMode }), {
    cwd: ws.repo,
    env,
    timeoutMs: RUN_BOUND_MS,
  });
}

async function runCodex(ws: SimWorkspace, prompt: string, sandbox?: null) {
  await writeCodexSimHome(ws.codexHome, sim.openaiBaseUrl);
  const env = { ...isolatedBaseEnv(process.env), ...codexSimEnv(ws) };
  return runAgentCli(clis.codex, codexArgs(prompt, { sandbox }), {
    cwd: ws.repo,
    env,
    timeoutMs: RUN_BOUND_MS,
  });
}

const ofType = (run: CliRun, type: string) => run.events.filter((e) => e.type === type);
const claudeResult = (run: CliRun) => ofType(run, 'result').at(-1) as Record<string, any> | undefined;
const codexItems = (run: CliRun, type: string) =>
  ofType(run, 'item.completed')
    .map((e) => e.item as Record<string, any>)
    .filter((i) => i.type === type);
const explain = (run: CliRun) =>
  `exit ${run.code}${run.timedOut ? ' (timed out)' : ''}\n${run.stdout}\n${run.stderr}`;

describe('real agent CLIs against the scripted model server', () => {
  it('installs the pinned versions', () => {
    expect(clis.versions.claude).toContain('2.1.332');
    expect(clis.versions.codex).toContain('0.171.0');
  });

  it(`codex's bundled catalogue has ${CODEX_SIM_MODEL} with the freeform apply_patch tool`, async () => {
    const ws = workspace('catalogue');
    await writeCodexSimHome(ws.codexHome, sim.openaiBaseUrl);
    const env = { ...isolatedBaseEnv(process.env), ...codexSimEnv(ws) };
    const run = await runAgentCli(clis.codex, ['debug', 'models'], {
      cwd: ws.repo,
      env,
      timeoutMs: RUN_BOUND_MS,
    });
    const models = (
      JSON.parse(run.stdout) as { models: Array<{ slug: string; apply_patch_tool_type?: string }> }
    ).models;
    expect(models.find((m) => m.slug === CODEX_SIM_MODEL)?.apply_patch_tool_type).toBe('freeform');
  });

  it('claude and codex, sharing one server by marker, each write the scripted file', async () => {
    const content = (who: string) => `written by ${who} through agentsim\nsecond line\n`;
    for (const who of ['claude', 'codex']) {
      sim.script(`MARK-${who}-write`, {
        turns: [{ write: { path: 'notes/hello.txt', content: content(who) } }, { say: `${who} wrote it` }],
      });
    }
    const [cw, xw] = [workspace('claude-write'), workspace('codex-write')];
    fs.mkdirSync(path.join(cw.repo, 'notes'));
    const [claude, codex] = await Promise.all([
      runClaude(cw, 'Write notes/hello.txt. MARK-claude-write'),
      runCodex(xw, 'Write notes/hello.txt. MARK-codex-write'),
    ]);

    expect(fs.readFileSync(path.join(cw.repo, 'notes/hello.txt'), 'utf8'), explain(claude)).toBe(
      content('claude'),
    );
    const result = claudeResult(claude);
    expect(result, explain(claude)).toMatchObject({
      subtype: 'success',
      is_error: false,
      result: 'claude wrote it',
    });
    expect(result!.permission_denials).toEqual([]);
    const claudeSeen = sim.requests('MARK-claude-write');
    expect(claudeSeen.map((r) => [r.turn, r.call])).toEqual([
      [0, 'Write'],
      [1, null],
    ]);
    expect(claudeSeen[0]!.tools).toContain('Write');
    expect(claudeSeen[0]!.cwd).toBe(fs.realpathSync(cw.repo));
    expect(claudeSeen[1]!.toolResults).toMatchObject([{ isError: false }]);
    expect(claudeSeen[1]!.toolResults[0]!.output).toContain('notes/hello.txt');

    expect(fs.readFileSync(path.join(xw.repo, 'notes/hello.txt'), 'utf8'), explain(codex)).toBe(
      content('codex'),
    );
    expect(ofType(codex, 'turn.completed'), explain(codex)).toHaveLength(1);
    expect(codexItems(codex, 'file_change')[0]).toMatchObject({ status: 'completed' });
    expect(codexItems(codex, 'agent_message').at(-1)?.text).toBe('codex wrote it');
    const codexSeen = sim.requests('MARK-codex-write');
    expect(codexSeen.map((r) => [r.turn, r.call])).toEqual([
      [0, 'apply_patch'],
      [1, null],
    ]);
    expect(codexSeen[1]!.toolResults).toHaveLength(1);
    expect(codexSeen[1]!.toolResults[0]!.output).toMatch(/Success. Updated the following files/);
  });

  it('a resumed session goes on with the script where the first run stopped (claude --resume, codex exec resume)', async () => {
    const script = (who: string) => ({
      turns: [
        { say: 'writing a', write: { path: 'a.txt', content: `${who} a\n` } },
        { say: 'first run done' },
        { say: 'writing b', write: { path: 'b.txt', content: `${who} b\n` } },
        { say: 'second run done' },
      ],
    });
    sim.script('MARK-claude-resume', script('claude'));
    sim.script('MARK-codex-resume', script('codex'));
    const [cw, xw] = [workspace('claude-resume'), workspace('codex-resume')];
    const claudeEnv = { ...isolatedBaseEnv(process.env), ...claudeSimEnv({ ...cw, baseUrl: sim.url }) };
    await writeCodexSimHome(xw.codexHome, sim.openaiBaseUrl);
    const codexEnv = { ...isolatedBaseEnv(process.env), ...codexSimEnv(xw) };
    const claudeRuns = async () => {
      const first = await runClaude(cw, 'Write a.txt. MARK-claude-resume');
      const session = claudeResult(first)?.session_id as string;
      const second = await runAgentCli(clis.claude, claudeArgs('Now b.txt.', { resume: session }), {
        cwd: cw.repo,
        env: claudeEnv,
        timeoutMs: RUN_BOUND_MS,
      });
      return [first, second, session] as const;
    };
    const codexRuns = async () => {
      const first = await runCodex(xw, 'Write a.txt. MARK-codex-resume');
      const thread = ofType(first, 'thread.started')[0]?.thread_id as string;
      const second = await runAgentCli(clis.codex, codexArgs('Now b.txt.', { resume: thread }), {
        cwd: xw.repo,
        env: codexEnv,
        timeoutMs: RUN_BOUND_MS,
      });
      return [first, second, thread] as const;
    };
    const [[c1, c2, session], [x1, x2, thread]] = await Promise.all([claudeRuns(), codexRuns()]);

    expect(claudeResult(c1)?.result, explain(c1)).toBe('first run done');
    expect(claudeResult(c2), explain(c2)).toMatchObject({ result: 'second run done', session_id: session });
    expect(codexItems(x1, 'agent_message').at(-1)?.text, explain(x1)).toBe('first run done');
    expect(ofType(x2, 'thread.started')[0]?.thread_id, explain(x2)).toBe(thread);
    expect(codexItems(x2, 'agent_message').at(-1)?.text).toBe('second run done');
    for (const [ws, who] of [
      [cw, 'claude'],
      [xw, 'codex'],
    ] as const) {
      expect(fs.readFileSync(path.join(ws.repo, 'a.txt'), 'utf8')).toBe(`${who} a\n`);
      expect(fs.readFileSync(path.join(ws.repo, 'b.txt'), 'utf8')).toBe(`${who} b\n`);
      // The second run's requests carry the first run's history: its prompt and its tool result.
      const seen = sim.requests(`MARK-${who}-resume`);
      expect(seen.map((r) => r.turn)).toEqual([0, 1, 2, 3]);
      expect(seen[2]!.prompt).toBe(`Write a.txt. MARK-${who}-resume\nNow b.txt.`);
    }
  });

  it('claude without --permission-mode is denied the write and still exits 0', async () => {
    const marker = 'MARK-claude-denied';
    sim.script(marker, { turns: [{ write: { path: 'denied.txt', content: 'nope\n' } }, { say: 'tried' }] });
    const ws = workspace('claude-denied');
    const run = await runClaude(ws, `Write denied.txt. ${marker}`, null);

    expect(fs.existsSync(path.join(ws.repo, 'denied.txt'))).toBe(false);
    expect(run.code, explain(run)).toBe(0);
    const result = claudeResult(run)!;
    expect(result.subtype).toBe('success');
    expect(result.permission_denials).toMatchObject([{ tool_name: 'Write' }]);
    const seen = sim.requests(marker);
    expect(seen.at(-1)!.toolResults).toMatchObject([{ isError: true }]);
  });

  it('codex in its default read-only sandbox fails the write and still exits 0', async () => {
    const marker = 'MARK-codex-readonly';
    sim.script(marker, { turns: [{ write: { path: 'denied.txt', content: 'nope\n' } }, { say: 'tried' }] });
    const ws = workspace('codex-readonly');
    const run = await runCodex(ws, `Write denied.txt. ${marker}`, null);

    expect(fs.existsSync(path.join(ws.repo, 'denied.txt'))).toBe(false);
    expect(run.code, explain(run)).toBe(0);
    expect(codexItems(run, 'file_change').filter((i) => i.status === 'completed')).toEqual([]);
    const seen = sim.requests(marker);
    expect(seen.at(-1)!.toolResults).toHaveLength(1);
    expect(seen.at(-1)!.toolResults[0]!.output).toMatch(/read-only sandbox/);
  });

  it('with the model server down both fail fast and say so (no retries, no reconnect loop)', async () => {
    const dead = await startAgentSim();
    await dead.close();
    const [cw, xw] = [workspace('claude-down'), workspace('codex-down')];
    await writeCodexSimHome(xw.codexHome, dead.openaiBaseUrl);
    const [claude, codex] = await Promise.all([
      runAgentCli(clis.claude, claudeArgs('hello'), {
        cwd: cw.repo,
        env: { ...isolatedBaseEnv(process.env), ...claudeSimEnv({ ...cw, baseUrl: dead.url }) },
        timeoutMs: RUN_BOUND_MS,
      }),
      runAgentCli(clis.codex, codexArgs('hello'), {
        cwd: xw.repo,
        env: { ...isolatedBaseEnv(process.env), ...codexSimEnv(xw) },
        timeoutMs: RUN_BOUND_MS,
      }),
    ]);
    expect(claude.timedOut).toBe(false);
    expect(claudeResult(claude), explain(claude)).toMatchObject({
      is_error: true,
      terminal_reason: 'api_error',
    });
    expect(claude.code).toBe(1);
    expect(codex.timedOut).toBe(false);
    expect(ofType(codex, 'turn.completed')).toEqual([]);
    expect(ofType(codex, 'turn.failed'), explain(codex)).toHaveLength(1);
  });

  it('the offline guard catches a CLI sent to a vendor host: it goes to the proxy and is refused', async () => {
    const guard = await startAgentSim();
    try {
      const [cw, xw] = [workspace('claude-vendor'), workspace('codex-vendor')];
      await writeCodexSimHome(xw.codexHome, 'https://api.openai.com/v1');
      const [claude, codex] = await Promise.all([
        runAgentCli(clis.claude, claudeArgs('hello'), {
          cwd: cw.repo,
          env: {
            ...isolatedBaseEnv(process.env),
            // Not api.anthropic.com: as its own base URL claude adds ~14 more calls there on exit (19 s here).
            ...claudeSimEnv({ ...cw, proxy: guard.url, baseUrl: 'https://model-vendor.example' }),
          },
          timeoutMs: RUN_BOUND_MS,
        }),
        runAgentCli(clis.codex, codexArgs('hello'), {
          cwd: xw.repo,
          env: { ...isolatedBaseEnv(process.env), ...codexSimEnv({ ...xw, proxy: guard.url }) },
          timeoutMs: RUN_BOUND_MS,
        }),
      ]);
      expect(claudeResult(claude), explain(claude)).toMatchObject({ is_error: true });
      expect(ofType(codex, 'turn.failed'), explain(codex)).toHaveLength(1);
      const tunnels = new Set(guard.requests().map((r) => `${r.method} ${r.url} ${r.status}`));
      expect([...tunnels].sort()).toEqual([
        'CONNECT api.openai.com:443 403',
        'CONNECT model-vendor.example:443 403',
      ]);
    } finally {
      await guard.close();
    }
  });

  it('no request left loopback or asked for anything but the model', () => {
    // Runs last: covers every CLI run above, whose proxy was this server.
    const all = sim.requests();
    expect(all.length).toBeGreaterThan(0);
    for (const r of all) {
      expect([r.method, r.host, r.api, r.status]).toEqual([
        'POST',
        `127.0.0.1:${sim.port}`,
        expect.any(String),
        200,
      ]);
    }
  });
});

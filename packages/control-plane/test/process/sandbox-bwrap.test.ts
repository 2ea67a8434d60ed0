import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { agentExecutor } from '../../src/executors/agentExecutor.js';
import { argvExecutor } from '../../src/executors/command.js';
import { probeBwrap, sandboxFor, type SandboxRequest } from '../../src/executors/sandbox.js';
import { spawnInGroup } from '../../src/executors/spawn.js';
import type { ExecRequest } from '../../src/executors/types.js';
import { FIXTURES_BIN } from '../fixtures/runner/fakeApi.js';

/**
 * Real bubblewrap around real processes: what the agent can see, write and reach. Skipped only when
 * bwrap cannot make a sandbox on this host (the describe title carries the probe's reason).
 */
const probe = await probeBwrap();
const GIT_ENV = {
  GIT_AUTHOR_NAME: 'Agent',
  GIT_AUTHOR_EMAIL: 'agent@example.invalid',
  GIT_COMMITTER_NAME: 'Agent',
  GIT_COMMITTER_EMAIL: 'agent@example.invalid',
};

describe.skipIf(!probe.ok)(`bubblewrap sandbox (probe: ${probe.message})`, () => {
  let root: string;
  let repo: string;
  let wt: string;
  let attemptDir: string;
  let server: http.Server;
  let port: number;

  const git = (cwd: string, ...args: string[]) =>
    execFileSync('git', args, { cwd, encoding: 'utf8', env: { ...process.env, ...GIT_ENV } }).trim();

  beforeAll(async () => {
    root = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'sbx-run-')));
    repo = path.join(root, 'repo');
    wt = path.join(root, 'wt');
    attemptDir = path.join(root, 'attempt');
    fs.mkdirSync(repo);
    fs.mkdirSync(attemptDir);
    fs.mkdirSync(path.join(root, 'outside'));
    fs.writeFileSync(path.join(root, 'outside', 'secret.txt'), 'secret\n');
    git(repo, 'init', '-q', '-b', 'main');
    fs.writeFileSync(path.join(repo, 'README.md'), 'hello\n');
    git(repo, 'add', '.');
    git(repo, 'commit', '-qm', 'init');
    git(repo, 'worktree', 'add', '-q', '-b', 'step', wt);
    server = http.createServer((_req, res) => res.end('pong'));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(async () => {
    await new Promise((r) => server.close(r));
    fs.rmSync(root, { recursive: true, force: true });
  });

  const spec = (network = false): SandboxRequest => ({
    bin: 'bwrap',
    ...sandboxFor({
      cwd: wt,
      attemptDir,
      agentHome: null,
      gitCommonDir: git(wt, 'rev-parse', '--path-format=absolute', '--git-common-dir'),
      readonlyPaths: [],
      network,
      executorBinPaths: [],
    }),
  });

  async function inSandbox(script: string, sandbox = spec()): Promise<{ code: number | null; out: string }> {
    let out = '';
    const env = { ...process.env, ...GIT_ENV, HOME: attemptDir };
    const p = spawnInGroup(
      ['sh', '-c', script],
      { cwd: wt, env, stdin: null, killGraceMs: 2000, sandbox },
      (_s, d) => (out += d),
    );
    const exit = await p.exited;
    return { code: exit.code, out };
  }

  it('cannot see files outside its paths: a dir next to the worktree, /root, the main checkout', async () => {
    const r = await inSandbox(
      `cat ${root}/outside/secret.txt; echo rc=$?; ls /root; echo rc=$?; ls ${repo}/README.md; echo rc=$?`,
    );
    expect(r.out).not.toContain('secret\n');
    expect(r.out.match(/rc=(\d+)/g)).toEqual(['rc=1', 'rc=2', 'rc=2']);
    expect(r.out).toContain('No such file or directory');
  });

  it('writes the worktree and commits in it (the git common dir is writable), hooks stay read-only', async () => {
    const r = await inSandbox(
      'echo change > work.txt && git add work.txt && git commit -qm "from the sandbox" && echo committed; ' +
        `touch ${repo}/.git/hooks/post-commit; echo hooks=$?`,
    );
    expect(r.out).toContain('committed');
    expect(r.out).toContain('hooks=1');
    expect(r.code).toBe(0);
    expect(git(repo, 'log', '-1', '--format=%s', 'step')).toBe('from the sandbox');
    expect(fs.readFileSync(path.join(wt, 'work.txt'), 'utf8')).toBe('change\n');
    expect(fs.existsSync(path.join(repo, '.git/hooks/post-commit'))).toBe(false);
  });

  it('network off: a loopback server of the host is unreachable; network on: reachable', async () => {
    const fetchIt =
      `node -e "fetch('http://127.0.0.1:${port}/').then(r => r.text())` +
      `.then(t => console.log('got ' + t), e => console.log('failed ' + (e.cause?.code ?? e.message)))"`;
    const off = await inSandbox(fetchIt, spec(false));
    expect(off.out).toMatch(/^failed /m);
    const on = await inSandbox(fetchIt, spec(true));
    expect(on.out).toContain('got pong');
  });

  it('kill gives the agent its SIGTERM grace inside the sandbox, then nothing of it is left', async () => {
    let out = '';
    const p = spawnInGroup(
      ['sh', '-c', 'trap "echo graceful > term.txt; exit 3" TERM; echo up; sleep 600 & wait'],
      { cwd: wt, env: process.env, stdin: null, killGraceMs: 10_000, sandbox: spec() },
      (_s, d) => (out += d),
    );
    while (!out.includes('up')) await new Promise((r) => setTimeout(r, 20));
    await p.kill();
    expect(await p.exited).toMatchObject({ code: 3, signal: null });
    expect(fs.readFileSync(path.join(wt, 'term.txt'), 'utf8')).toBe('graceful\n');
    const left = execFileSync('ps', ['-eo', 'args'], { encoding: 'utf8' });
    expect(left).not.toContain('sleep 600');
  });

  /** argv[0] of a process (the leader an executor spawned), read while it runs. */
  const leaderArgv = (pid: number | null) =>
    path.basename(fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0')[0]);

  const request = (over: Partial<ExecRequest>): ExecRequest => ({
    taskId: 1,
    attempt: 1,
    runId: null,
    prompt: 'hello',
    cwd: wt,
    env: { ...process.env, ...GIT_ENV },
    params: {},
    resultFile: path.join(attemptDir, 'result.json'),
    ledgerFile: path.join(attemptDir, 'ledger.jsonl'),
    killGraceMs: 1000,
    sandbox: spec(),
    ...over,
  });

  it('the command executor runs its binary inside (bound read-only from its install dir)', async () => {
    const exec = argvExecutor(
      {
        what: 'command',
        argv: (prompt) => [process.execPath, '-e', 'console.log(process.argv[1], process.cwd())', prompt],
        promptVia: 'arg',
        hint: '',
      },
      process.env,
    );
    let out = '';
    const proc = exec.start(request({}), (_s, d) => (out += d));
    expect(leaderArgv(proc.pid)).toBe('bwrap');
    const exit = await proc.exited;
    expect(exit.code).toBe(0);
    expect(out.trim()).toBe(`hello ${wt}`);
  });

  it('codex (the fake CLI) runs inside with its home and TMPDIR writable and its install dir bound', async () => {
    const exec = agentExecutor(
      { kind: 'codex', bin: path.join(FIXTURES_BIN, 'codex'), extra: [], hint: '' },
      process.env,
    );
    const codexHome = path.join(root, 'operator-codex');
    fs.mkdirSync(codexHome, { recursive: true });
    fs.writeFileSync(path.join(codexHome, 'config.toml'), 'model = "x"\n');
    const record = path.join(attemptDir, 'calls.jsonl');
    const env = { ...process.env, CODEX_HOME: codexHome, FAKE_AGENT_RECORD: record };
    let out = '';
    const proc = exec.start(request({ attempt: 2, env }), (_s, d) => (out += d));
    expect(leaderArgv(proc.pid)).toBe('bwrap');
    const exit = await proc.exited;
    expect(exit.code).toBe(0);
    expect(out).toContain('thread.started');
    expect(exit.agent?.session_id).toBeTruthy();
    // The seeded config was readable inside, in the attempt's own home.
    const call = JSON.parse(fs.readFileSync(record, 'utf8').trim().split('\n')[0]) as Record<string, unknown>;
    expect(call).toMatchObject({ env: { HOME: path.join(attemptDir, 'home') } });
    expect(JSON.stringify(call)).toContain('config.toml');
  });
});

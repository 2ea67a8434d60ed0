import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  bwrapArgv,
  installRootOf,
  mountPlan,
  resolverFiles,
  sandboxFor,
  widenSandbox,
  type SandboxSpec,
} from '../../src/executors/sandbox.js';

const SYSTEM = [{ path: '/usr' }, { path: '/bin', symlink: 'usr/bin' }, { path: '/etc' }];

/** The mount flags of an argv as [flag, src] pairs (dest is always src). */
function mounts(argv: string[]): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--bind' || argv[i] === '--ro-bind') {
      expect(argv[i + 2]).toBe(argv[i + 1]);
      out.push([argv[i], argv[i + 1]]);
    }
  }
  return out;
}

describe('bwrapArgv', () => {
  const spec: SandboxSpec = { writable: ['/w/tree'], readonly: ['/opt/clis'], network: false };

  it('isolates namespaces, mounts the system read-only and ends with chdir and the argv', () => {
    const argv = bwrapArgv(spec, ['codex', '--flag', '-x'], {
      cwd: '/w/tree/sub',
      nodeDir: '/opt/node/bin',
      system: SYSTEM,
      bin: '/usr/bin/bwrap',
    });
    expect(argv.slice(0, 3)).toEqual(['/usr/bin/bwrap', '--die-with-parent', '--new-session']);
    for (const f of ['--unshare-pid', '--unshare-ipc', '--unshare-uts', '--unshare-net'])
      expect(argv).toContain(f);
    const joined = argv.join(' ');
    expect(joined).toContain('--proc /proc --dev /dev --tmpfs /tmp');
    expect(joined).toContain('--ro-bind-try /usr /usr');
    expect(joined).toContain('--symlink usr/bin /bin');
    expect(joined).toContain('--ro-bind-try /etc /etc');
    expect(mounts(argv)).toEqual([
      ['--ro-bind', '/opt/clis'],
      ['--bind', '/w/tree'],
      ['--ro-bind', '/opt/node/bin'],
    ]);
    expect(argv.slice(-6)).toEqual(['--chdir', '/w/tree/sub', '--', 'codex', '--flag', '-x']);
  });

  it('keeps the network when asked and defaults the system dirs to --ro-bind-try', () => {
    const argv = bwrapArgv({ ...spec, network: true }, ['x'], { cwd: '/w/tree' });
    expect(argv).not.toContain('--unshare-net');
    expect(argv[0]).toBe('bwrap');
    for (const d of ['/usr', '/bin', '/sbin', '/lib', '/lib32', '/lib64', '/etc'])
      expect(argv.join(' ')).toContain(`--ro-bind-try ${d} ${d}`);
  });

  it('binds parents before children: a read-only dir inside a writable one stays read-only', () => {
    const plan = mountPlan(
      {
        writable: ['/r/.git', '/a/b/c', '/r/wt'],
        readonly: ['/r/.git/hooks', '/a', '/a/b/c/d'],
        network: false,
      },
      null,
    );
    expect(plan).toEqual([
      { path: '/a', mode: 'ro' },
      { path: '/r/.git', mode: 'rw' },
      { path: '/r/wt', mode: 'rw' },
      { path: '/a/b/c', mode: 'rw' },
      { path: '/r/.git/hooks', mode: 'ro' },
      { path: '/a/b/c/d', mode: 'ro' },
    ]);
  });

  it('merges duplicates (writable wins), drops paths their ancestor already covers, normalizes', () => {
    const plan = mountPlan(
      {
        writable: ['/x/y/', '/x/y/z', '/p'],
        readonly: ['/p', '/x/y/../y', '/ro', '/ro/sub'],
        network: false,
      },
      '/ro/bin',
    );
    expect(plan).toEqual([
      { path: '/p', mode: 'rw' },
      { path: '/ro', mode: 'ro' },
      { path: '/x/y', mode: 'rw' },
    ]);
  });

  it('refuses relative paths, an empty argv and a cwd outside the sandbox', () => {
    expect(() => bwrapArgv({ ...spec, writable: ['rel/dir'] }, ['x'], { cwd: '/w/tree' })).toThrow(
      /must be absolute/,
    );
    expect(() => bwrapArgv(spec, [], { cwd: '/w/tree' })).toThrow(/empty argv/);
    expect(() => bwrapArgv(spec, ['x'], { cwd: '/w/other' })).toThrow(/not among the sandbox's paths/);
    expect(() => bwrapArgv(spec, ['x'], { cwd: '/w/treehouse' })).toThrow(/not among/);
  });
});

describe('sandboxFor', () => {
  const dirs: string[] = [];
  afterEach(() => {
    for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
  });
  const tmp = () => {
    const d = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'sbx-for-')));
    dirs.push(d);
    return d;
  };

  it('makes the agent dirs and the git common dir writable, its hooks and config read-only', () => {
    const root = tmp();
    for (const d of [
      'wt',
      'attempt',
      'home',
      'repo/.git/hooks',
      'cache/h/node_modules/.bin',
      'cache/h/node_modules/pkg/bin',
    ])
      fs.mkdirSync(path.join(root, d), { recursive: true });
    fs.writeFileSync(path.join(root, 'repo/.git/config'), '');
    fs.writeFileSync(path.join(root, 'cache/h/node_modules/pkg/bin/cli.js'), '');
    fs.symlinkSync('../pkg/bin/cli.js', path.join(root, 'cache/h/node_modules/.bin/cli'));
    fs.symlinkSync(path.join(root, 'wt'), path.join(root, 'wt-link'));
    const spec = sandboxFor({
      cwd: path.join(root, 'wt-link'),
      attemptDir: path.join(root, 'attempt'),
      agentHome: path.join(root, 'home'),
      gitCommonDir: path.join(root, 'repo/.git'),
      readonlyPaths: [path.join(root, 'missing'), path.join(root, 'cache')],
      network: true,
      executorBinPaths: [path.join(root, 'cache/h/node_modules/.bin/cli'), path.join(root, 'nope')],
    });
    expect(spec).toEqual({
      writable: [
        path.join(root, 'wt'),
        path.join(root, 'attempt'),
        path.join(root, 'home'),
        path.join(root, 'repo/.git'),
      ],
      readonly: [
        path.join(root, 'repo/.git/hooks'),
        path.join(root, 'repo/.git/config'),
        path.join(root, 'cache'),
        path.join(root, 'cache/h'),
      ],
      network: true,
    });
  });

  it('refuses a writable dir that does not exist; widenSandbox realpaths and skips missing read-only', () => {
    const root = tmp();
    const base = { cwd: root, attemptDir: path.join(root, 'gone'), agentHome: null, gitCommonDir: null };
    expect(() => sandboxFor({ ...base, readonlyPaths: [], network: false, executorBinPaths: [] })).toThrow(
      /attempt dir .*gone does not exist/,
    );
    const wide = widenSandbox(
      { bin: 'bwrap', writable: [root], readonly: [], network: false },
      { writable: [path.join(root, '.')], readonly: [path.join(root, 'missing'), '/usr/bin'] },
    );
    expect(wide).toEqual({ bin: 'bwrap', writable: [root, root], readonly: ['/usr/bin'], network: false });
  });

  it('binds the resolver files /etc links out of (systemd-resolved), nothing for plain files', () => {
    const links: Record<string, string | null> = {
      '/etc/resolv.conf': '/run/systemd/resolve/stub-resolv.conf',
      '/etc/hosts': '/etc/hosts',
      '/etc/nsswitch.conf': null,
    };
    expect(resolverFiles((p) => links[p] ?? null)).toEqual(['/run/systemd/resolve/stub-resolv.conf']);
    expect(resolverFiles((p) => p)).toEqual([]);
  });

  it('finds the install root of npm binaries, else the binary dir', () => {
    expect(installRootOf('/c/h/node_modules/@openai/codex/bin/codex.js')).toBe('/c/h');
    expect(installRootOf('/usr/local/bin/claude')).toBe('/usr/local/bin');
  });
});

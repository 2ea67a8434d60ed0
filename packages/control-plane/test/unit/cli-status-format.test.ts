import { describe, expect, it } from 'vitest';
import { formatStatus, type ComponentStatus, type StackStatus } from '../../src/cli/commands/status.js';

const component = (over: Partial<ComponentStatus>): ComponentStatus => ({
  name: 'api',
  kind: 'api',
  index: 0,
  process: 'running',
  pid: 100,
  port: 48000,
  url: 'http://127.0.0.1:48000',
  healthy: true,
  health: { status: 'ok' },
  log: '/tmp/api.log',
  ...over,
});

function stack(runner: ComponentStatus['registration']): StackStatus {
  return {
    data_dir: '/tmp/d',
    stack_file: '/tmp/d/run/stack.json',
    state: 'running',
    settings: {
      version: 1,
      data_dir: '/tmp/d',
      host: '127.0.0.1',
      api_port: 48000,
      runner_port: 48070,
      runners: 1,
      dispatch: 'auto',
      runner_auth: 'on',
      executor: 'mock',
      updated_at: '2026-12-06T00:00:00.000Z',
    },
    api: component({}),
    runners: [
      component({
        name: 'runner-1',
        kind: 'runner',
        index: 1,
        port: 48070,
        url: 'http://127.0.0.1:48070',
        health: { running: 2, capacity: 4, executor: 'mock' },
        registration: runner,
      }),
    ],
    registered_runners: runner ? [runner] : [],
    telegram: null,
    runs: null,
    errors: [],
  };
}

describe('status: what an operator reads about a runner', () => {
  it('says when a runner drains, and its liveness (online, offline after a graceful stop)', () => {
    const base = { id: 1, name: 'runner-1', url: 'http://127.0.0.1:48070', last_seen_at: null };
    expect(formatStatus(stack({ ...base, liveness: 'online', draining: true }))).toContain(
      'liveness online (draining)',
    );
    // a runner that stopped gracefully is offline; its drain is over
    const offline = formatStatus(stack({ ...base, liveness: 'offline', draining: true }));
    expect(offline).toContain('liveness offline');
    expect(offline).not.toContain('draining');
    expect(formatStatus(stack({ ...base, liveness: 'online', draining: false }))).not.toContain('draining');
  });

  it('shows the Telegram bridge when `up` started one', () => {
    const st = stack(null);
    expect(formatStatus(st)).not.toContain('telegram');
    st.telegram = { process: 'running', pid: 4321, log: '/tmp/d/logs/telegram.log' };
    expect(formatStatus(st)).toMatch(/^  telegram\s+pid 4321 running$/m);
    st.telegram = { process: 'stale', pid: 4321, log: '', stale_reason: 'pid 4321 is not running' };
    expect(formatStatus(st)).toContain('stale pid file (pid 4321 is not running)');
  });
});

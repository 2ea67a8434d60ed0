import { describe, expect, it } from 'vitest';
import { formatLogLine } from '../../src/cli/logFormat.js';

/** `multyagents logs` (without --raw): pino JSON lines → `time LEVEL component: msg  key=value …`. */
describe('log pretty-printer', () => {
  const time = Date.parse('2026-12-06T07:54:54.948Z');

  it('puts time, level, component and message first, then the other fields', () => {
    const line = JSON.stringify({
      level: 30,
      time,
      pid: 1,
      hostname: 'vm',
      name: 'api',
      url: 'http://127.0.0.1:48000',
      dispatch: 'auto',
      msg: 'api listening',
    });
    expect(formatLogLine(line)).toBe(
      '2026-12-06T07:54:54.948Z INFO  api: api listening  url=http://127.0.0.1:48000 dispatch=auto',
    );
  });

  it('names every pino level and quotes values with spaces; objects as JSON', () => {
    const at = (level: number, extra: Record<string, unknown> = {}) =>
      formatLogLine(JSON.stringify({ level, time, name: 'runner', msg: 'm', ...extra }));
    expect(at(10)).toContain(' TRACE runner: m');
    expect(at(20)).toContain(' DEBUG runner: m');
    expect(at(40)).toContain(' WARN  runner: m');
    expect(at(50)).toContain(' ERROR runner: m');
    expect(at(60)).toContain(' FATAL runner: m');
    expect(at(30, { reason: 'two words', taskId: 7, ok: true, n: null, finished: { success: 1 } })).toBe(
      '2026-12-06T07:54:54.948Z INFO  runner: m  reason="two words" taskId=7 ok=true n=null finished={"success":1}',
    );
  });

  it('shows an error with its type, message and code, and its stack indented below', () => {
    const out = formatLogLine(
      JSON.stringify({
        level: 50,
        time,
        name: 'api',
        err: {
          type: 'Error',
          message: 'disk full',
          code: 'ENOSPC',
          stack: 'Error: disk full\n    at write (a.js:1:1)',
        },
        msg: 'write failed',
      }),
    );
    expect(out).toBe(
      '2026-12-06T07:54:54.948Z ERROR api: write failed  err="Error: disk full" err.code=ENOSPC\n    at write (a.js:1:1)',
    );
  });

  it('passes through lines that are not pino JSON unchanged', () => {
    for (const line of [
      '[api] listening on http://127.0.0.1:48000',
      '[launcher] starting api',
      '{not json',
      '{"a":1}',
      '[1,2]',
      '',
    ])
      expect(formatLogLine(line)).toBe(line);
  });
});

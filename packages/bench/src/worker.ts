/**
 * The benchmark's helper process (forked with an IPC channel): the load generator, the probe
 * runner, the floor's trivial server and the peer run here, never in the process that starts and
 * watches the stack. Protocol: the parent sends one `{mode, params}`; the worker answers
 * `{ok: true, result}` or `{ok: false, error}` and exits — except `trivial-server`, which answers
 * `{ok: true, result: {port}}` and serves until the parent disconnects.
 */
import { closedLoop, openLoop, throughput } from './load.js';
import { probeDispatch } from './dispatchProbe.js';
import { httpRtt, trivialServer } from './floors.js';
import { graphilePeer } from './peer/graphile.js';

type Modes = Record<string, (params: any) => Promise<unknown>>;

const modes: Modes = {
  'open-loop': openLoop,
  'closed-loop': closedLoop,
  throughput,
  probe: probeDispatch,
  rtt: (p: { url: string; samples: number }) => httpRtt(p.url, p.samples),
  'peer-graphile': graphilePeer,
  'trivial-server': async () => {
    const s = await trivialServer();
    process.once('disconnect', () => void s.close().then(() => process.exit(0)));
    return { port: s.port };
  },
};

process.once('message', (msg: { mode: string; params: unknown }) => {
  const fn = modes[msg.mode];
  if (!fn) {
    process.send?.({ ok: false, error: `unknown worker mode ${msg.mode}` });
    process.exit(2);
  }
  fn(msg.params).then(
    (result) => {
      process.send?.({ ok: true, result }, () => {
        if (msg.mode !== 'trivial-server') process.exit(0);
      });
    },
    (err: Error) => {
      process.send?.({ ok: false, error: err.stack ?? err.message }, () => process.exit(1));
    },
  );
});
process.once('disconnect', () => process.exit(0));

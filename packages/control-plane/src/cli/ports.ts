import net from 'node:net';
import { CliError, EXIT } from './errors.js';
import { portHolder } from './procs.js';

/** Can we bind host:port right now? (Bind and release: the honest test, unlike a connect probe.) */
export function isPortFree(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const srv = net.createServer();
    srv.once('error', () => resolve(false));
    srv.listen({ host, port, exclusive: true }, () => srv.close(() => resolve(true)));
  });
}

/** A port the kernel just handed out on host; free unless someone grabs it in between. */
export function freePort(host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen({ host, port: 0, exclusive: true }, () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

/** Throw PORT_IN_USE naming the port, its purpose and (if we can tell) the process holding it. */
export async function assertPortFree(
  host: string,
  port: number,
  purpose: string,
  flag: string,
): Promise<void> {
  if (await isPortFree(host, port)) return;
  const holder = portHolder(port);
  throw new CliError(
    'PORT_IN_USE',
    `port ${port} on ${host} (${purpose}) is already taken${holder ? ` by ${holder}` : ''}`,
    { hint: `stop that process or choose another port with ${flag}`, exitCode: EXIT.conflict },
  );
}

/** After stopping a process, its port can take a moment to be released; wait up to `ms` for it. */
export async function waitPortFree(host: string, port: number, ms: number): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await isPortFree(host, port)) && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 100));
  }
}

/**
 * The run options sandboxes typically refuse (the document's Unsupported table): --privileged,
 * --cap-add=ALL, --network host, bind mounts of a host path. Each is proven by its effect inside the
 * container — a full capability set, a port on the host's own network, a host file read back — so an
 * engine that accepts the flag but quietly ignores it is not reported as supporting it.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { fetchToken, runToCompletion, serveTokenCommand, startContainer } from '../src/containers.js';
import { defineProbe, unknown, UnexpectedResult } from '../src/define-probe.js';

/** Prints the effective capability mask and the kernel's highest capability number. */
const CAPS_COMMAND = ['/bin/sh', '-c', 'grep CapEff /proc/self/status; cat /proc/sys/kernel/cap_last_cap'];

/** Parses CAPS_COMMAND's output: is every capability the kernel knows in the effective set? */
export function hasFullCapabilities(output: string): { full: boolean; capEff: string; lastCap: number } {
  const capEff = /CapEff:\s*([0-9a-f]+)/i.exec(output)?.[1] ?? '';
  const lastCap = Number(/^\s*(\d+)\s*$/m.exec(output.replace(/CapEff:.*$/m, ''))?.[1] ?? NaN);
  if (!capEff || Number.isNaN(lastCap)) return { full: false, capEff, lastCap };
  const want = (1n << BigInt(lastCap + 1)) - 1n;
  return { full: (BigInt(`0x${capEff}`) & want) === want, capEff, lastCap };
}

async function freeLocalPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

export default defineProbe({
  id: 'container-restricted',
  title: 'docker run --privileged, --cap-add=ALL, --network host, -v /host/path',
  decides: ['container.run.privileged', 'container.run.cap-add-all', 'container.run.host-network', 'container.run.bind-mount'],
  needs: ['engine', 'image'],
  async run(ctx) {
    const docker = ctx.docker!;
    const image = ctx.image!.ref;

    const capabilityCheck = async (name: string, hostConfig: { Privileged?: boolean; CapAdd?: string[] }, flag: string) => {
      const result = await runToCompletion(docker, ctx.resources, { name, image, cmd: CAPS_COMMAND, hostConfig }, ctx.signal);
      const caps = hasFullCapabilities(result.output);
      if (result.exitCode !== 0) throw new UnexpectedResult(`the container started with ${flag} but exited ${result.exitCode}: ${result.output}`);
      if (!caps.full) throw new UnexpectedResult(`the engine accepted ${flag} but the container's effective capabilities are ${caps.capEff || 'unreadable'}, not all up to ${caps.lastCap}`);
      return caps;
    };
    await ctx.check('container.run.privileged', `docker run --privileged ${image} grep CapEff /proc/self/status`, () => capabilityCheck('privileged', { Privileged: true }, '--privileged'), (c) => ({ detail: `runs with every capability (CapEff ${c.capEff})`, facts: c }));
    await ctx.check('container.run.cap-add-all', `docker run --cap-add=ALL ${image} grep CapEff /proc/self/status`, () => capabilityCheck('cap-add-all', { CapAdd: ['ALL'] }, '--cap-add=ALL'), (c) => ({ detail: `runs with every capability (CapEff ${c.capEff})`, facts: c }));

    const host = ctx.options.publishedPortHost;
    const port = await freeLocalPort();
    await ctx.check('container.run.host-network', `docker run -d --network host ${image} httpd -p ${port}; connect to ${host}:${port}`, async () => {
      const container = await startContainer(docker, ctx.resources, { name: 'host-net', image, cmd: serveTokenCommand(port), hostConfig: { NetworkMode: 'host' } });
      try {
        await fetchToken(host, port, ctx.signal);
      } catch (error) {
        throw new UnexpectedResult(`the container started on the host network but ${host}:${port} did not answer: ${(error as Error).message}`, 'not-reachable');
      } finally {
        await container.remove({ force: true }).catch(() => undefined);
      }
    }, () => ({ detail: `a server in the container answered on the host's own ${host}:${port}`, facts: { port } }));

    const local = ctx.engine!.endpoint.url.startsWith('unix://');
    if (!local) {
      return [unknown('container.run.bind-mount', 'not-applicable', 'the engine is remote: a host path of this machine is not on the engine\'s host, so a bind mount cannot be verified from here', { tried: [] })];
    }
    const dir = mkdtempSync(join(tmpdir(), 'cap-probe-bind-'));
    const token = randomBytes(6).toString('hex');
    writeFileSync(join(dir, 'token'), token);
    try {
      await ctx.check('container.run.bind-mount', `docker run --rm -v ${dir}:/cap-probe-bind:ro ${image} cat /cap-probe-bind/token`, async () => {
        const result = await runToCompletion(docker, ctx.resources, { name: 'bind', image, cmd: ['/bin/sh', '-c', 'cat /cap-probe-bind/token'], hostConfig: { Binds: [`${dir}:/cap-probe-bind:ro`] } }, ctx.signal);
        if (!result.output.includes(token)) throw new UnexpectedResult(`the mount was accepted but the container did not see the host file (exit ${result.exitCode}: ${result.output.slice(0, 120)})`, 'not-reachable');
      }, () => ({ detail: 'a file written on the host was read inside the container' }));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  },
});

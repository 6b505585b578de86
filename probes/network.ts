/**
 * Network operations: create, ls, inspect, connect, rm. Connect is proven by traffic: a client on the
 * network reaches a server, attached with `network connect`, by its name.
 */
import { fetchCommand, PROBE_TOKEN, runToCompletion, serveTokenCommand, startContainer } from '../src/containers.js';
import { defineProbe, fromError, supported, UnexpectedResult, unknown, unsupported } from '../src/define-probe.js';

export default defineProbe({
  id: 'network',
  title: 'Network create, list, inspect, connect by name, remove',
  decides: ['network.create', 'network.ls', 'network.inspect', 'network.connect', 'network.rm'],
  needs: ['engine', 'image'],
  async run(ctx) {
    const docker = ctx.docker!;
    const image = ctx.image!.ref;
    const name = ctx.resources.name('net');

    const network = await ctx.check('network.create', `docker network create ${name}`, async () => {
      const created = await docker.createNetwork({ Name: name, Labels: { ...ctx.resources.labels }, CheckDuplicate: true });
      ctx.resources.track('network', created.id);
      return created;
    }, () => ({ detail: `created ${name}` }));
    if (!network) {
      const why = { tried: [`docker network create ${name}`] };
      return (['network.ls', 'network.inspect', 'network.connect', 'network.rm'] as const).map((id) => unknown(id, 'dependency-failed', 'network create failed, so there is no network to work on', why));
    }

    await ctx.check('network.ls', 'docker network ls', async () => {
      const listed = await docker.listNetworks({ filters: JSON.stringify({ name: [name] }) });
      if (!listed.some((n) => n.Name === name)) throw new UnexpectedResult(`created network ${name} is not listed`);
    }, () => ({ detail: 'the created network is listed' }));

    await ctx.check('network.inspect', `docker network inspect ${name}`, () => network.inspect(), (info: { Driver?: string; IPAM?: { Config?: Array<{ Subnet?: string }> } }) => ({
      detail: `driver ${info.Driver ?? '?'}, subnet ${info.IPAM?.Config?.[0]?.Subnet ?? '?'}`,
      facts: { driver: info.Driver, subnet: info.IPAM?.Config?.[0]?.Subnet },
    }));

    // Connect: the server starts on the default network and is then connected; the client, on our network, reaches it by name.
    const tried = [`docker run -d --name ${ctx.resources.name('net-server')} ${image} httpd`, `docker network connect --alias cap-probe-server ${name} <server>`, `docker run --network ${name} ${image} nc cap-probe-server 8080`];
    const server = await startContainer(docker, ctx.resources, { name: 'net-server', image, cmd: serveTokenCommand(8080) }).catch((error: unknown) => {
      ctx.record(unknown('network.connect', 'dependency-failed', `could not start the server container: ${(error as Error).message}`, { tried }));
      return undefined;
    });
    if (server) {
      const connected = await network.connect({ Container: server.id, EndpointConfig: { Aliases: ['cap-probe-server'] } }).then(
        () => true,
        (error: unknown) => (ctx.record(fromError('network.connect', error, tried)), false),
      );
      if (connected) {
        const client = await runToCompletion(docker, ctx.resources, { name: 'net-client', image, cmd: fetchCommand('cap-probe-server', 8080), hostConfig: { NetworkMode: name } }, ctx.signal);
        if (client.exitCode === 0 && client.output.includes(PROBE_TOKEN)) {
          ctx.record(supported('network.connect', 'a container on the network reached the connected container by name', { tried, facts: { answer: client.output } }));
        } else {
          ctx.record(unsupported('network.connect', 'not-reachable', `connected, but the client could not reach the server by name (exit ${client.exitCode})`, { tried, error: client.output }));
        }
      }
      // The network cannot be removed while the server is attached.
      await server.remove({ force: true }).catch(() => undefined);
    }

    await ctx.check('network.rm', `docker network rm ${name}`, async () => {
      await network.remove();
      const listed = await docker.listNetworks({ filters: JSON.stringify({ name: [name] }) });
      if (listed.some((n) => n.Name === name)) throw new UnexpectedResult('rm returned but the network is still listed');
    }, () => ({ detail: 'the network is gone' }));
  },
});

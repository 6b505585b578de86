/**
 * The document's chaos pattern (redis.stop(); ...; redis.start()): a container of cap-probe's own serves a
 * token on a published port, is stopped (and is confirmed down), is started again and serves again.
 * The evidence has the recovery time: from the start call to the first good answer.
 */
import { fetchToken, publishedPort, serveTokenCommand, startContainer } from '../src/containers.js';
import { defineProbe, fromError, supported, unknown, unsupported, type Outcome, type ProbeContext } from '../src/define-probe.js';
import { errorText } from '../src/errors.js';

const SERVER_PORT = 8080;
const PORT_KEY = `${SERVER_PORT}/tcp`;

export default defineProbe({
  id: 'chaos',
  title: 'Chaos pattern: stop a serving container, start it again, it serves again',
  decides: ['testcontainers.chaos'],
  needs: ['engine', 'image'],
  async run(ctx) {
    // Recorded rather than returned, so each row carries the time the probe took.
    for (const outcome of await stopStartServe(ctx)) ctx.record(outcome);
  },
});

async function stopStartServe(ctx: ProbeContext<'testcontainers.chaos'>): Promise<Array<Outcome<'testcontainers.chaos'>>> {
  const id = 'testcontainers.chaos';
  const docker = ctx.docker!;
  const host = ctx.options.publishedPortHost;
  const image = ctx.image!.ref;
  const tried = [`docker run -d -p ${SERVER_PORT} ${image} <serve a token>`];

  const container = await startContainer(docker, ctx.resources, {
    name: 'chaos',
    image,
    cmd: serveTokenCommand(SERVER_PORT),
    exposedPorts: { [PORT_KEY]: {} },
    hostConfig: { PortBindings: { [PORT_KEY]: [{ HostPort: '' }] } },
  }).catch((error: unknown) => error as Error);
  if (container instanceof Error) return [unknown(id, 'dependency-failed', `could not start the serving container: ${errorText(container)}`, { tried, error: errorText(container) })];

  const portBefore = await publishedPort(container, PORT_KEY);
  if (portBefore === undefined) return [unknown(id, 'dependency-failed', 'the engine published no port for the serving container', { tried })];
  tried.push(`GET http://${host}:${portBefore}/`);
  try {
    await fetchToken(host, portBefore, ctx.signal);
  } catch (error) {
    return [unknown(id, 'dependency-failed', `the container never served before the stop: ${errorText(error)}`, { tried, error: errorText(error) })];
  }

  // A short grace: the busybox server is PID 1 and ignores SIGTERM, so the engine kills it after 1 s.
  tried.push('docker stop -t 1 <container>');
  const stopStarted = performance.now();
  try {
    await container.stop({ t: 1 });
  } catch (error) {
    return [fromError(id, error, tried)];
  }
  const stopMs = Math.round(performance.now() - stopStarted);
  const stopped = (await container.inspect()).State;
  const downConfirmed = !stopped.Running && !(await answers(host, portBefore));

  tried.push('docker start <container>');
  const startedAt = performance.now();
  try {
    await container.start();
  } catch (error) {
    return [fromError(id, error, tried)];
  }
  // The engine may bind a different random host port after a restart: Testcontainers re-reads it too.
  const portAfter = await publishedPort(container, PORT_KEY);
  if (portAfter === undefined) return [unsupported(id, 'not-reachable', 'the container started again but the engine published no port for it', { tried })];
  tried.push(`GET http://${host}:${portAfter}/`);
  try {
    await fetchToken(host, portAfter, ctx.signal, 40);
  } catch (error) {
    return [unsupported(id, 'not-reachable', `the container started again but did not serve on ${host}:${portAfter}: ${errorText(error)}`, { tried, error: errorText(error), facts: { portBefore, portAfter, downConfirmed } })];
  }
  const recoveryMs = Math.round(performance.now() - startedAt);
  const facts = { recoveryMs, stopMs, portBefore, portAfter, portChanged: portBefore !== portAfter, downConfirmed, exitCodeAfterStop: stopped.ExitCode };
  if (!downConfirmed) {
    return [unknown(id, 'unexpected-result', `the container served again after the restart, but it still answered while stopped, so the outage was not real`, { tried, facts })];
  }
  return [supported(id, `stopped (confirmed down), started again and served again after ${recoveryMs} ms${portBefore !== portAfter ? ` on a new host port ${portAfter} (was ${portBefore})` : ` on the same host port ${portAfter}`}`, { tried, facts })];
}

/** One quick try: does anything answer the token while the container is stopped? */
async function answers(host: string, port: number): Promise<boolean> {
  try {
    await fetchToken(host, port, undefined, 1);
    return true;
  } catch {
    return false;
  }
}

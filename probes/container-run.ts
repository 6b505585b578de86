/**
 * The run variants the document lists: --rm (the container is gone after it exits), -it (a real TTY:
 * the shell inside sees terminals), -p (the published port answers from where cap-probe runs).
 */
import { collect, createContainer, fetchToken, PROBE_TOKEN, publishedPort, serveTokenCommand, startContainer, TTY_CHECK_LINE, TTY_NO, TTY_YES } from '../src/containers.js';
import { defineProbe, UnexpectedResult } from '../src/define-probe.js';

export default defineProbe({
  id: 'container-run',
  title: 'docker run --rm, -it and -p',
  decides: ['container.run.rm', 'container.run.tty', 'container.run.publish'],
  needs: ['engine', 'image'],
  async run(ctx) {
    const docker = ctx.docker!;
    const image = ctx.image!.ref;

    await ctx.check('container.run.rm', `docker run --rm ${image} echo ${PROBE_TOKEN}`, async () => {
      const container = await createContainer(docker, ctx.resources, { name: 'rm', image, cmd: ['/bin/sh', '-c', `echo ${PROBE_TOKEN}`], hostConfig: { AutoRemove: true } });
      const stream = await container.attach({ stream: true, stdout: true, stderr: true });
      const output = collect(stream, { timeoutMs: 15_000, tty: false, until: (t) => t.includes(PROBE_TOKEN) });
      await container.start();
      const printed = await output;
      await container.wait({ condition: 'removed' }).catch(() => undefined);
      const gone = await container.inspect().then(() => false, (e: { statusCode?: number }) => e.statusCode === 404);
      if (!printed.includes(PROBE_TOKEN)) throw new UnexpectedResult(`the container did not print what it was told to (got ${JSON.stringify(printed.slice(0, 80))})`);
      if (!gone) throw new UnexpectedResult('the container still exists after it exited');
    }, () => ({ detail: 'ran, printed its output, and was removed on exit' }));

    await ctx.check('container.run.tty', `docker run -it --rm ${image} /bin/sh`, async () => {
      const container = await createContainer(docker, ctx.resources, { name: 'tty', image, cmd: ['/bin/sh'], tty: true, openStdin: true });
      const stream = await container.attach({ stream: true, stdin: true, stdout: true, stderr: true, hijack: true });
      const output = collect(stream, { timeoutMs: 15_000, tty: true, until: (t) => t.includes(TTY_YES) || t.includes(TTY_NO) });
      await container.start();
      stream.write(TTY_CHECK_LINE);
      const seen = await output;
      await container.remove({ force: true }).catch(() => undefined);
      if (seen.includes(TTY_NO)) throw new UnexpectedResult('the shell ran but its stdin/stdout are not terminals');
      if (!seen.includes(TTY_YES)) throw new UnexpectedResult(`no answer from the interactive shell (got ${JSON.stringify(seen.slice(0, 80))})`);
    }, () => ({ detail: 'an interactive shell saw a terminal on stdin and stdout' }));

    const host = ctx.options.publishedPortHost;
    await ctx.check('container.run.publish', `docker run -d -p 8080 ${image} httpd; connect to ${host}:<published port>`, async () => {
      const container = await startContainer(docker, ctx.resources, {
        name: 'publish',
        image,
        cmd: serveTokenCommand(8080),
        exposedPorts: { '8080/tcp': {} },
        hostConfig: { PortBindings: { '8080/tcp': [{ HostIp: '', HostPort: '' }] } },
      });
      const port = await publishedPort(container, '8080/tcp');
      if (!port) throw new UnexpectedResult('the engine reported no host port for the published container port');
      try {
        await fetchToken(host, port, ctx.signal);
      } catch (error) {
        // Published but not answering from here: a firewall, a remote engine's network, a rootless port driver.
        throw new UnexpectedResult(`port ${port} was published but ${host}:${port} did not answer: ${(error as Error).message}`, 'not-reachable');
      } finally {
        await container.remove({ force: true }).catch(() => undefined);
      }
      return port;
    }, (port) => ({ detail: `served from the container and read at ${host}:${port}`, facts: { host, port } }));
  },
});

/** docker exec, plain and with a TTY, in a running container of cap-probe's own. */
import { collect, PROBE_TOKEN, startContainer, TTY_CHECK_LINE, TTY_NO, TTY_YES } from '../src/containers.js';
import { defineProbe, unknown, UnexpectedResult } from '../src/define-probe.js';

export default defineProbe({
  id: 'container-exec',
  title: 'docker exec and docker exec -it',
  decides: ['container.exec', 'container.exec.tty'],
  needs: ['engine', 'image'],
  async run(ctx) {
    const docker = ctx.docker!;
    const name = ctx.resources.name('exec');
    let container;
    try {
      container = await startContainer(docker, ctx.resources, { name: 'exec', image: ctx.image!.ref, cmd: ['/bin/sh', '-c', 'while :; do sleep 1; done'] });
    } catch (error) {
      const tried = [`docker run -d --name ${name} ${ctx.image!.ref}`];
      return [
        unknown('container.exec', 'dependency-failed', `no container to exec into: ${(error as Error).message}`, { tried }),
        unknown('container.exec.tty', 'dependency-failed', `no container to exec into: ${(error as Error).message}`, { tried }),
      ];
    }
    const target = container;

    await ctx.check('container.exec', `docker exec ${name} sh -c 'echo ${PROBE_TOKEN}'`, async () => {
      const exec = await target.exec({ Cmd: ['/bin/sh', '-c', `echo ${PROBE_TOKEN}`], AttachStdout: true, AttachStderr: true });
      const stream = await exec.start({ hijack: true, stdin: false });
      const output = await collect(stream, { timeoutMs: 15_000, tty: false });
      const { ExitCode } = await exec.inspect();
      if (ExitCode !== 0 || !output.includes(PROBE_TOKEN)) throw new UnexpectedResult(`exec exited ${ExitCode} with ${JSON.stringify(output.slice(0, 80))}`);
    }, () => ({ detail: 'the command ran inside the container and its output came back' }));

    await ctx.check('container.exec.tty', `docker exec -it ${name} /bin/sh`, async () => {
      const exec = await target.exec({ Cmd: ['/bin/sh'], AttachStdin: true, AttachStdout: true, AttachStderr: true, Tty: true });
      const stream = await exec.start({ hijack: true, stdin: true, Tty: true });
      const output = collect(stream, { timeoutMs: 15_000, tty: true, until: (t) => t.includes(TTY_YES) || t.includes(TTY_NO) });
      stream.write(TTY_CHECK_LINE);
      const seen = await output;
      stream.end();
      if (seen.includes(TTY_NO)) throw new UnexpectedResult('the exec shell ran but its stdin/stdout are not terminals');
      if (!seen.includes(TTY_YES)) throw new UnexpectedResult(`no answer from the interactive exec (got ${JSON.stringify(seen.slice(0, 80))})`);
    }, () => ({ detail: 'an interactive exec saw a terminal on stdin and stdout' }));
  },
});

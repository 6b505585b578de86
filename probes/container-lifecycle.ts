/**
 * The lifecycle of one detached container: run -d, ps, inspect, logs, stats, stop, ps -a, start, restart,
 * kill, rm. Each step is checked by its effect (state, listing, output), not only by the call returning.
 */
import type Dockerode from 'dockerode';
import { containerOutput, PROBE_TOKEN, startContainer } from '../src/containers.js';
import { defineProbe, unknown, UnexpectedResult, type Outcome } from '../src/define-probe.js';
import type { CapabilityId } from '../src/catalogue.js';

type State = { Running: boolean; StartedAt: string; ExitCode: number; Status: string };

const LATER = ['container.ps', 'container.ps.all', 'container.inspect', 'container.logs', 'container.stats', 'container.stop', 'container.start', 'container.restart', 'container.kill', 'container.rm'] as const;

export default defineProbe({
  id: 'container-lifecycle',
  title: 'Detached container: run -d, ps, inspect, logs, stats, stop, start, restart, kill, rm',
  decides: ['container.run.detached', ...LATER],
  needs: ['engine', 'image'],
  async run(ctx) {
    const docker = ctx.docker!;
    const name = ctx.resources.name('lifecycle');
    const state = async (c: Dockerode.Container): Promise<State> => ((await c.inspect()).State as unknown as State);
    const listed = async (all: boolean) => (await docker.listContainers({ all, filters: JSON.stringify({ label: [`io.cap-probe.run=${ctx.runId}`], name: [name] }) })).map((c) => c.Id);

    const container = await ctx.check('container.run.detached', `docker run -d --name ${name} ${ctx.image!.ref} sh -c 'echo ${PROBE_TOKEN}; while :; do sleep 1; done'`, async () => {
      const c = await startContainer(docker, ctx.resources, { name: 'lifecycle', image: ctx.image!.ref, cmd: ['/bin/sh', '-c', `echo ${PROBE_TOKEN}; while :; do sleep 1; done`] });
      const s = await state(c);
      if (!s.Running) throw new UnexpectedResult(`started, but the container is ${s.Status} (exit code ${s.ExitCode})`);
      return c;
    }, (c) => ({ detail: 'the container runs in the background', facts: { id: c.id.slice(0, 12) } }));
    if (!container) {
      const outcomes: Outcome<CapabilityId>[] = LATER.map((id) => unknown(id, 'dependency-failed', 'docker run -d failed, so there is no container to work on', { tried: [] }));
      return outcomes as Outcome<(typeof LATER)[number]>[];
    }

    await ctx.check('container.ps', 'docker ps', async () => {
      if (!(await listed(false)).includes(container.id)) throw new UnexpectedResult('the running container is not listed by docker ps');
    }, () => ({ detail: 'the running container is listed' }));

    await ctx.check('container.inspect', `docker inspect ${name}`, () => container.inspect(), (info) => ({ detail: `state ${info.State.Status}, image ${info.Config.Image}`, facts: { status: info.State.Status, pid: info.State.Pid } }));

    await ctx.check('container.logs', `docker logs ${name}`, async () => {
      // The first line may land a moment after start.
      for (let i = 0; i < 20; i++) {
        const output = await containerOutput(container);
        if (output.includes(PROBE_TOKEN)) return output;
        await new Promise((r) => setTimeout(r, 100));
      }
      throw new UnexpectedResult('the logs do not contain what the container printed');
    }, () => ({ detail: 'the logs contain what the container printed' }));

    await ctx.check('container.stats', `docker stats --no-stream ${name}`, async () => {
      const stats = (await container.stats({ stream: false })) as { memory_stats?: { usage?: number }; cpu_stats?: { cpu_usage?: { total_usage?: number } }; pids_stats?: { current?: number } };
      if (!stats.cpu_stats?.cpu_usage) throw new UnexpectedResult('stats came back without CPU usage');
      return stats;
    }, (s) => ({ detail: `memory ${s.memory_stats?.usage ?? '?'} B, pids ${s.pids_stats?.current ?? '?'}`, facts: { memoryBytes: s.memory_stats?.usage, pids: s.pids_stats?.current } }));

    const stopped = await ctx.check('container.stop', `docker stop -t 1 ${name}`, async () => {
      await container.stop({ t: 1 });
      const s = await state(container);
      if (s.Running) throw new UnexpectedResult('stop returned but the container still runs');
      return s;
    }, (s) => ({ detail: `stopped (exit code ${s.ExitCode})` }));

    if (stopped) {
      await ctx.check('container.ps.all', 'docker ps -a', async () => {
        const [running, all] = await Promise.all([listed(false), listed(true)]);
        if (!all.includes(container.id)) throw new UnexpectedResult('the stopped container is not listed by docker ps -a');
        if (running.includes(container.id)) throw new UnexpectedResult('the stopped container is still listed as running');
      }, () => ({ detail: 'the stopped container is listed by ps -a and not by ps' }));
      await ctx.check('container.start', `docker start ${name}`, async () => {
        await container.start();
        if (!(await state(container)).Running) throw new UnexpectedResult('start returned but the container is not running');
      }, () => ({ detail: 'the stopped container runs again' }));
    } else {
      ctx.record(unknown('container.ps.all', 'dependency-failed', 'no stopped container to list: stop failed', { tried: [] }));
      ctx.record(unknown('container.start', 'dependency-failed', 'no stopped container to start: stop failed', { tried: [] }));
    }

    const before = (await state(container)).StartedAt;
    await ctx.check('container.restart', `docker restart -t 1 ${name}`, async () => {
      await container.restart({ t: 1 });
      const s = await state(container);
      if (!s.Running || s.StartedAt === before) throw new UnexpectedResult('restart returned but the container was not started anew');
    }, () => ({ detail: 'the container was started anew' }));

    await ctx.check('container.kill', `docker kill ${name}`, async () => {
      if (!(await state(container)).Running) await container.start();
      await container.kill();
      const s = await state(container);
      if (s.Running) throw new UnexpectedResult('kill returned but the container still runs');
      return s;
    }, (s) => ({ detail: `killed (exit code ${s.ExitCode})` }));

    await ctx.check('container.rm', `docker rm -f ${name}`, async () => {
      await container.remove({ force: true });
      const gone = await container.inspect().then(() => false, (e: { statusCode?: number }) => e.statusCode === 404);
      if (!gone) throw new UnexpectedResult('rm returned but the container still exists');
    }, () => ({ detail: 'the container is gone' }));
  },
});

/** docker container prune, filtered to one stopped container of this run: never a user's container. */
import { randomBytes } from 'node:crypto';
import { runToCompletion } from '../src/containers.js';
import { defineProbe, UnexpectedResult } from '../src/define-probe.js';

export default defineProbe({
  id: 'container-prune',
  title: 'docker container prune (cap-probe label only)',
  decides: ['container.prune'],
  needs: ['engine', 'image'],
  async run(ctx) {
    const docker = ctx.docker!;
    // A label unique to this check: other probes of the same run may have stopped containers they still use.
    const nonce = randomBytes(4).toString('hex');
    const filters = { label: [`io.cap-probe.run=${ctx.runId}`, `io.cap-probe.prune=${nonce}`] };
    await ctx.check('container.prune', `docker container prune --filter label=io.cap-probe.run=${ctx.runId} --filter label=io.cap-probe.prune=${nonce}`, async () => {
      await runToCompletion(docker, ctx.resources, { name: 'prune', image: ctx.image!.ref, cmd: ['/bin/sh', '-c', 'true'], labels: { 'io.cap-probe.prune': nonce } }, ctx.signal);
      const [before] = await docker.listContainers({ all: true, filters: JSON.stringify(filters) });
      if (!before) throw new UnexpectedResult('the stopped container to prune is not listed');
      const result = (await docker.pruneContainers({ filters: JSON.stringify(filters) })) as { ContainersDeleted?: string[] | null };
      const deleted = result.ContainersDeleted ?? [];
      if (!deleted.includes(before.Id)) throw new UnexpectedResult(`prune returned without removing the stopped container (deleted: ${deleted.length})`);
      return deleted;
    }, (deleted) => ({ detail: `pruned ${deleted.length} stopped container(s), all of this check`, facts: { deleted: deleted.map((id) => id.slice(0, 12)) } }));
  },
});

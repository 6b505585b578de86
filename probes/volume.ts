/**
 * Volume operations: create, ls, inspect, data shared between containers, rm, and prune — filtered to a
 * volume of this run alone, so a user's unused volumes are never candidates.
 */
import { randomBytes } from 'node:crypto';
import { runToCompletion } from '../src/containers.js';
import { defineProbe, unknown, UnexpectedResult } from '../src/define-probe.js';

export default defineProbe({
  id: 'volume',
  title: 'Volume create, ls, inspect, share data, rm, prune',
  decides: ['volume.create', 'volume.ls', 'volume.inspect', 'volume.share', 'volume.rm', 'volume.prune'],
  needs: ['engine', 'image'],
  async run(ctx) {
    const docker = ctx.docker!;
    const image = ctx.image!.ref;
    const name = ctx.resources.name('vol');

    const volume = await ctx.check('volume.create', `docker volume create ${name}`, async () => {
      await docker.createVolume({ Name: name, Labels: { ...ctx.resources.labels } });
      ctx.resources.track('volume', name);
      return docker.getVolume(name);
    });
    if (!volume) {
      const tried = [`docker volume create ${name}`];
      const rest = ['volume.ls', 'volume.inspect', 'volume.share', 'volume.rm', 'volume.prune'] as const;
      return rest.map((id) => unknown<(typeof rest)[number]>(id, 'dependency-failed', 'volume create failed, so there is no volume to work on', { tried }));
    }

    await ctx.check('volume.ls', 'docker volume ls', async () => {
      const { Volumes } = await docker.listVolumes({ filters: JSON.stringify({ name: [name] }) });
      if (!(Volumes ?? []).some((v) => v.Name === name)) throw new UnexpectedResult(`created volume ${name} is not listed`);
    }, () => ({ detail: 'the created volume is listed' }));

    await ctx.check('volume.inspect', `docker volume inspect ${name}`, () => volume.inspect(), (info) => ({ detail: `driver ${info.Driver}`, facts: { driver: info.Driver, mountpoint: info.Mountpoint } }));

    const token = randomBytes(6).toString('hex');
    await ctx.check('volume.share', [`docker run --rm -v ${name}:/data ${image} sh -c 'echo ${token} > /data/t'`, `docker run --rm -v ${name}:/data ${image} cat /data/t`], async () => {
      const writer = await runToCompletion(docker, ctx.resources, { name: 'vol-writer', image, cmd: ['/bin/sh', '-c', `echo ${token} > /data/t`], hostConfig: { Binds: [`${name}:/data`] } }, ctx.signal);
      if (writer.exitCode !== 0) throw new UnexpectedResult(`the writer container exited ${writer.exitCode}: ${writer.output}`);
      const reader = await runToCompletion(docker, ctx.resources, { name: 'vol-reader', image, cmd: ['/bin/sh', '-c', 'cat /data/t'], hostConfig: { Binds: [`${name}:/data:ro`] } }, ctx.signal);
      if (!reader.output.includes(token)) throw new UnexpectedResult(`the reader did not see what the writer wrote (exit ${reader.exitCode}: ${reader.output})`);
      // Containers hold the volume: remove them so rm can work.
      await Promise.all(
        (await docker.listContainers({ all: true, filters: JSON.stringify({ volume: [name] }) })).map((c) => docker.getContainer(c.Id).remove({ force: true })),
      );
    }, () => ({ detail: 'data written through one container was read back through another' }));

    await ctx.check('volume.rm', `docker volume rm ${name}`, async () => {
      await volume.remove();
      const { Volumes } = await docker.listVolumes({ filters: JSON.stringify({ name: [name] }) });
      if ((Volumes ?? []).some((v) => v.Name === name)) throw new UnexpectedResult('rm returned but the volume is still listed');
    }, () => ({ detail: 'the volume is gone' }));

    // Prune: a fresh unused volume carrying a label unique to this check; the prune filter names it alone.
    const nonce = randomBytes(4).toString('hex');
    const pruneName = ctx.resources.name('vol-prune');
    const pruneLabel = `io.cap-probe.prune=${nonce}`;
    await ctx.check('volume.prune', `docker volume prune --filter label=io.cap-probe.run=${ctx.runId} --filter label=${pruneLabel}`, async () => {
      await docker.createVolume({ Name: pruneName, Labels: { ...ctx.resources.labels, 'io.cap-probe.prune': nonce } });
      ctx.resources.track('volume', pruneName);
      const filters: Record<string, string[]> = { label: [`io.cap-probe.run=${ctx.runId}`, pruneLabel] };
      // From API 1.42 prune spares named volumes unless asked for all.
      if (Number(ctx.engine!.facts.negotiatedApiVersion.split('.')[1]) >= 42) filters.all = ['true'];
      const result = (await docker.pruneVolumes({ filters: JSON.stringify(filters) })) as { VolumesDeleted?: string[] | null; SpaceReclaimed?: number };
      const deleted = result.VolumesDeleted ?? [];
      if (!deleted.includes(pruneName)) throw new UnexpectedResult(`prune returned without removing the unused volume (deleted: ${deleted.join(', ') || 'none'})`);
      return deleted;
    }, (deleted) => ({ detail: `pruned ${deleted.length} volume(s), all of this run`, facts: { deleted } }));
  },
});

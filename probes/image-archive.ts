/**
 * Images and containers as archives, through the Engine API, on images this probe imports for itself:
 *   import  a filesystem tar built in memory becomes an image (`docker import`)
 *   export  a container created from it is exported; the archive must hold the image's marker file
 *   save    an image is saved; the archive's manifest.json must name it
 *   load    the image is removed, the saved archive loaded: the image is back under its name, same id
 * Every image imported or loaded is labelled and tracked in the ledger.
 */
import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { createContainer } from '../src/containers.js';
import { defineProbe, fromError, unknown } from '../src/define-probe.js';
import { decide, imageGone, importSubject, MARKER_PATH, readProgress, readTar, SUBJECT_LABEL, type ImportedImage } from '../src/image-subjects.js';
import { readAll } from '../src/images.js';
import { RUN_LABEL } from '../src/ledger.js';

interface SavedManifestEntry {
  Config?: string;
  RepoTags?: string[] | null;
  Layers?: string[];
}

export default defineProbe({
  id: 'image-archive',
  title: 'Image save and load, container export, image import (Engine API)',
  decides: ['image.import', 'container.export', 'image.save', 'image.load'],
  needs: ['engine'],
  async run(ctx) {
    const docker = ctx.docker!;
    const repo = ctx.resources.name('image-archive');
    const labels = { ...ctx.resources.labels, [SUBJECT_LABEL]: randomBytes(4).toString('hex') };
    const importTried = `docker import --change 'LABEL ${RUN_LABEL}=${ctx.runId}' - ${repo}:imported (a tar built in memory)`;

    // ── import ──
    const imported = await decide(
      ctx,
      'image.import',
      [importTried],
      () => importSubject(docker, ctx.resources, { repo, tag: 'imported', labels }),
      async (image) => {
        const info = await docker.getImage(image.ref).inspect();
        return info.Id === image.id && info.Config?.Labels?.[RUN_LABEL] === ctx.runId
          ? { ok: true, detail: `imported as ${image.ref} (${info.Size} bytes), labels applied`, facts: { id: image.id, ref: image.ref, size: info.Size } }
          : { ok: false, detail: `the import answered ${image.id}, but ${image.ref} inspects as ${info.Id} without the run label` };
      },
    );

    // ── export ──
    if (!imported) {
      ctx.record(unknown('container.export', 'dependency-failed', 'image import failed, so there is no image of cap-probe\'s own to create a container from', { tried: [importTried] }));
    } else {
      const containerName = ctx.resources.name('export');
      const tried = [`docker create --name ${containerName} ${imported.ref}`, `docker export ${containerName}`];
      try {
        // Created, never started: its command does not exist, and export needs no running process.
        const container = await createContainer(docker, ctx.resources, { name: 'export', image: imported.ref, cmd: ['/cap-probe-never-run'] });
        await decide(ctx, 'container.export', tried, async () => readAll(await container.export()), async (archive) => {
          const entries = await readTar(archive);
          const marker = entries.get(MARKER_PATH)?.toString('utf8').trim();
          return marker === imported.marker
            ? { ok: true, detail: `exported ${archive.length} bytes; the archive holds the image's marker file`, facts: { bytes: archive.length, entries: entries.size } }
            : { ok: false, detail: `exported ${archive.length} bytes, but ${MARKER_PATH} is ${marker === undefined ? 'missing' : 'different'}`, facts: { bytes: archive.length, entries: [...entries.keys()].slice(0, 20) } };
        });
        await container.remove({ force: true }).catch(() => undefined);
      } catch (error) {
        const failed = fromError('container.export', error, tried);
        ctx.record(unknown('container.export', 'dependency-failed', `could not create a container to export: ${failed.detail}`, failed.evidence));
      }
    }

    // ── save, then load after removing the image ──
    const saveTried = `docker import - ${repo}:saved (a tar built in memory)`;
    let subject: ImportedImage;
    try {
      subject = await importSubject(docker, ctx.resources, { repo, tag: 'saved', labels });
    } catch (error) {
      const failed = fromError('image.save', error, [saveTried]);
      return (['image.save', 'image.load'] as const).map((id) => unknown(id, 'dependency-failed', `could not create an image of cap-probe's own to save: ${failed.detail}`, failed.evidence));
    }
    const archive = await decide(ctx, 'image.save', [saveTried, `docker save ${subject.ref}`], async () => readAll(await docker.getImage(subject.ref).get()), async (data) => {
      const manifest = (await readTar(data)).get('manifest.json');
      const entries = manifest ? (JSON.parse(manifest.toString('utf8')) as SavedManifestEntry[]) : [];
      const named = entries.find((e) => e.RepoTags?.includes(subject.ref));
      return named
        ? { ok: true, detail: `saved ${data.length} bytes; manifest.json names ${subject.ref}`, facts: { bytes: data.length, config: named.Config, layers: named.Layers?.length ?? 0 } }
        : { ok: false, detail: `saved ${data.length} bytes, but the archive's manifest.json does not name ${subject.ref}`, facts: { bytes: data.length, manifest: entries } };
    });
    if (!archive) {
      return [unknown('image.load', 'dependency-failed', 'image save failed, so there is no archive to load', { tried: [`docker save ${subject.ref}`] })];
    }

    const loadTried = [`docker rmi ${subject.ref}`, `docker load < (the ${archive.length}-byte archive saved above)`, `docker image inspect ${subject.ref}`];
    try {
      await docker.getImage(subject.ref).remove();
      if (!(await imageGone(docker, subject.id))) throw new Error(`${subject.ref} was removed but image ${subject.id} is still there`);
    } catch (error) {
      const failed = fromError('image.load', error, loadTried);
      return [unknown('image.load', 'dependency-failed', `could not remove the saved image before loading it back: ${failed.detail}`, failed.evidence)];
    }
    await decide(
      ctx,
      'image.load',
      loadTried,
      async () => {
        const events = await readProgress(await docker.loadImage(Readable.from([archive])));
        // Tracked again: the loaded image is a new resource, whatever the ledger already holds.
        ctx.resources.track('image', subject.ref);
        return events;
      },
      async (events) => {
        const said = events.map((e) => (e.stream ?? e.status ?? '').trim()).filter(Boolean);
        const info = await docker.getImage(subject.ref).inspect().catch(() => undefined);
        return info?.Id === subject.id
          ? { ok: true, detail: `${subject.ref} is back after load, same id`, facts: { id: info.Id, engineSaid: said } }
          : { ok: false, detail: `load answered (${said.join('; ') || 'nothing'}), but ${subject.ref} is ${info ? `image ${info.Id}, not ${subject.id}` : 'not there'}`, facts: { engineSaid: said } };
      },
    );
  },
});

/**
 * Local image operations, on images this probe imports for itself (tiny roots built in memory, carrying the
 * run's labels): ls, inspect, history, tag, rm, and both prunes. The prunes are filtered by the run's label
 * AND this probe's own subject label, so they can only ever match this probe's images (not even other
 * probes' images of the same run); two control images, each lacking one of the two labels, must survive.
 * An engine whose filters would match more (Podman 4 ORs label filters) is found out by listing with the
 * same filters first, and then nothing is pruned.
 */
import { randomBytes } from 'node:crypto';
import type Dockerode from 'dockerode';
import { defineProbe, fromError, unknown, type Outcome, type ProbeContext } from '../src/define-probe.js';
import { cliFilters, decide, imageGone, importSubject, SUBJECT_LABEL, type ImportedImage } from '../src/image-subjects.js';
import { RUN_LABEL } from '../src/ledger.js';

const DECIDES = ['image.ls', 'image.inspect', 'image.history', 'image.tag', 'image.rm', 'image.prune', 'image.prune.all'] as const;
type Decided = (typeof DECIDES)[number];

interface HistoryEntry {
  Id?: string;
  Comment?: string;
  CreatedBy?: string;
  Size?: number;
}

export default defineProbe({
  id: 'image-local',
  title: 'Image ls, inspect, history, tag, rm, prune and prune -a on images cap-probe imports itself',
  decides: DECIDES,
  needs: ['engine'],
  async run(ctx) {
    const docker = ctx.docker!;
    const repo = ctx.resources.name('image-local');
    // The subject label's value names the run too: it is unique to this probe in this run.
    const subjectValue = `${ctx.runId}-${randomBytes(4).toString('hex')}`;
    const labels = { ...ctx.resources.labels, [SUBJECT_LABEL]: subjectValue };
    const runLabel = `${RUN_LABEL}=${ctx.runId}`;
    const importTried = `docker import --change 'LABEL ${runLabel}' --change 'LABEL ${SUBJECT_LABEL}=${subjectValue}' - ${repo}:v1`;

    let subject: ImportedImage;
    try {
      subject = await importSubject(docker, ctx.resources, { repo, tag: 'v1', labels });
    } catch (error) {
      const failed = fromError('image.ls', error, [importTried]);
      return DECIDES.map((id) => unknown(id, 'dependency-failed', `could not create an image of cap-probe's own to work on: ${failed.detail}`, failed.evidence));
    }

    const engineRepo = subject.repo ?? repo;
    await decide(ctx, 'image.ls', [importTried, `docker image ls ${engineRepo}`], () => docker.listImages({ filters: cliFilters({ reference: [engineRepo] }) }), (listed) => {
      const found = listed.find((i) => i.Id === subject.id);
      return found
        ? { ok: true, detail: `the image cap-probe imported is listed (${listed.length} under ${engineRepo})`, facts: { id: subject.id, repoTags: found.RepoTags, size: found.Size } }
        : { ok: false, detail: `the image ${subject.id} just imported is not listed under ${engineRepo}`, facts: { listed: listed.map((i) => i.Id) } };
    });

    await decide(ctx, 'image.inspect', [`docker image inspect ${subject.ref}`], () => docker.getImage(subject.ref).inspect(), (info) => {
      const runValue = info.Config?.Labels?.[RUN_LABEL];
      return info.Id === subject.id && runValue === ctx.runId
        ? { ok: true, detail: `id, size and labels read back (${info.Os}/${info.Architecture}, ${info.Size} bytes)`, facts: { id: info.Id, size: info.Size, created: info.Created, os: info.Os, architecture: info.Architecture } }
        : { ok: false, detail: `inspect answered, but with id ${info.Id} and run label ${String(runValue)} (expected ${subject.id}, ${ctx.runId})` };
    });

    await decide(ctx, 'image.history', [`docker history ${subject.ref}`], async () => (await docker.getImage(subject.ref).history()) as HistoryEntry[], (history) =>
      Array.isArray(history) && history.length > 0
        ? { ok: true, detail: `${history.length} history entr${history.length === 1 ? 'y' : 'ies'}; top: ${history[0]?.CreatedBy || history[0]?.Comment || '?'}`, facts: { entries: history.length, top: history[0] } }
        : { ok: false, detail: 'history answered with no entries for an imported image (it has one layer)', facts: { history } },
    );

    const tagged = `${engineRepo}:v2`;
    const tagOk = await decide(
      ctx,
      'image.tag',
      [`docker tag ${subject.ref} ${tagged}`],
      async () => {
        const answer: unknown = await docker.getImage(subject.ref).tag({ repo: engineRepo, tag: 'v2' });
        ctx.resources.track('image', tagged);
        return answer ?? true;
      },
      async () => {
        const info = await docker.getImage(tagged).inspect();
        return info.Id === subject.id
          ? { ok: true, detail: `${tagged} names the same image`, facts: { tag: tagged, id: info.Id } }
          : { ok: false, detail: `${tagged} exists but names ${info.Id}, not ${subject.id}` };
      },
    );

    // rm: untag the second name (if there is one), then remove the image by its last name: it must be gone.
    const rmTried = [...(tagOk !== undefined ? [`docker rmi ${tagged}`] : []), `docker rmi ${subject.ref}`];
    await decide(
      ctx,
      'image.rm',
      rmTried,
      async () => {
        const answers: Dockerode.ImageRemoveInfo[] = [];
        if (tagOk !== undefined) answers.push(...((await docker.getImage(tagged).remove()) as Dockerode.ImageRemoveInfo[]));
        answers.push(...((await docker.getImage(subject.ref).remove()) as Dockerode.ImageRemoveInfo[]));
        return answers;
      },
      async (answers) =>
        (await imageGone(docker, subject.id))
          ? { ok: true, detail: `removed: ${answers.filter((a) => a.Deleted).length} deleted, ${answers.filter((a) => a.Untagged).length} untagged`, facts: { answers } }
          : { ok: false, detail: `rmi answered, but image ${subject.id} still exists`, facts: { answers } },
    );

    for (const outcome of await prunes(ctx, docker, { repo, labels, subjectValue, runLabel })) ctx.record(outcome);
  },
});

interface PruneSetup {
  readonly repo: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly subjectValue: string;
  readonly runLabel: string;
}

/**
 * Both prunes, on four images of this probe: a dangling subject (prune must take it), a tagged unused
 * subject (prune must leave it, prune -a must take it), and two dangling controls neither may take — a
 * sibling with the run label but another subject label, and one with the subject label but not the run's.
 * Before each prune, a list with the same filters must match only the subjects: an engine that ORs label
 * filters (Podman 4) would otherwise prune beyond them, so on such an engine the prune is not run.
 */
async function prunes(ctx: ProbeContext<Decided>, docker: Dockerode, setup: PruneSetup): Promise<Outcome<Decided>[]> {
  const { repo, labels, subjectValue, runLabel } = setup;
  const filterLabels = [runLabel, `${SUBJECT_LABEL}=${subjectValue}`];
  const filterText = filterLabels.map((l) => `--filter label=${l}`).join(' ');
  const siblingLabels = { ...labels, [SUBJECT_LABEL]: `${subjectValue}-sibling` };
  const noRunLabels = { ...labels, [RUN_LABEL]: `${ctx.runId}-control` };
  const setupTried = [
    `docker import (dangling, labelled ${filterLabels.join(', ')})`,
    `docker import ${repo}:unused (tagged, labelled ${filterLabels.join(', ')})`,
    `docker import (dangling control: ${RUN_LABEL}=${ctx.runId}, ${SUBJECT_LABEL}=${subjectValue}-sibling)`,
    `docker import (dangling control: ${RUN_LABEL}=${ctx.runId}-control, ${SUBJECT_LABEL}=${subjectValue})`,
  ];
  let dangling: ImportedImage, unused: ImportedImage, sibling: ImportedImage, noRun: ImportedImage;
  try {
    dangling = await importSubject(docker, ctx.resources, { labels });
    unused = await importSubject(docker, ctx.resources, { repo, tag: 'unused', labels });
    sibling = await importSubject(docker, ctx.resources, { labels: siblingLabels });
    noRun = await importSubject(docker, ctx.resources, { labels: noRunLabels });
  } catch (error) {
    const failed = fromError('image.prune', error, setupTried);
    return (['image.prune', 'image.prune.all'] as const).map((id) => unknown(id, 'dependency-failed', `could not create the images to prune: ${failed.detail}`, failed.evidence));
  }
  const ids = { dangling: dangling.id, unused: unused.id, controls: [sibling.id, noRun.id] };
  const controlsKept = async () => !(await imageGone(docker, sibling.id)) && !(await imageGone(docker, noRun.id));

  /** Lists with the prune's filters; undefined when they match only `expected`, else why pruning is unsafe. */
  const unsafe = async (id: Decided, dangling: boolean, expected: string): Promise<Outcome<Decided> | undefined> => {
    const tried = `docker image ls -a --filter dangling=${dangling} ${filterText}`;
    const listed = await docker.listImages({ all: true, filters: cliFilters({ dangling: [String(dangling)], label: filterLabels }) }).catch((error: unknown) => error as Error);
    if (listed instanceof Error) return unknown(id, 'unexpected-result', `could not list with the prune's filters first, so the prune was not run: ${listed.message}`, { tried: [...setupTried, tried], error: listed.message });
    const matched = listed.map((i) => i.Id);
    const beyond = matched.filter((i) => i !== expected);
    if (beyond.length === 0 && matched.includes(expected)) return undefined;
    const why = beyond.length > 0 ? `match ${beyond.length} image(s) beyond this probe's (the engine does not AND label filters)` : `do not match the image they should`;
    return unknown(id, 'unexpected-result', `listed with the prune's filters first: they ${why}, so a filtered prune could remove other images; not run`, { tried: [...setupTried, tried], facts: { images: ids, matched } });
  };

  const danglingUnsafe = await unsafe('image.prune', true, dangling.id);
  if (danglingUnsafe) ctx.record(danglingUnsafe);
  else {
    await decide(
      ctx,
      'image.prune',
      [...setupTried, `docker image prune -f ${filterText}`],
      () => docker.pruneImages({ filters: cliFilters({ dangling: ['true'], label: filterLabels }) }),
      async (answer) => {
        const deleted = (answer.ImagesDeleted ?? []).map((d) => d.Deleted ?? d.Untagged ?? '');
        const facts = { images: ids, deleted, spaceReclaimed: answer.SpaceReclaimed };
        if (!(await imageGone(docker, dangling.id))) return { ok: false, detail: 'prune answered, but the dangling labelled image is still there', facts };
        if (!(await controlsKept())) return { ok: false, detail: 'prune removed a control image the filters do not match: the label filters were not honoured', facts };
        if (await imageGone(docker, unused.id)) return { ok: false, detail: 'prune (dangling only) removed a tagged image', facts };
        return { ok: true, detail: `removed this probe's dangling image; kept its tagged one and both controls (${answer.SpaceReclaimed ?? 0} bytes reclaimed)`, facts };
      },
    );
  }

  const unusedUnsafe = await unsafe('image.prune.all', false, unused.id);
  if (unusedUnsafe) ctx.record(unusedUnsafe);
  else {
    await decide(
      ctx,
      'image.prune.all',
      [`docker image prune -a -f ${filterText}`],
      () => docker.pruneImages({ filters: cliFilters({ dangling: ['false'], label: filterLabels }) }),
      async (answer) => {
        const deleted = (answer.ImagesDeleted ?? []).map((d) => d.Deleted ?? d.Untagged ?? '');
        const facts = { images: ids, deleted, spaceReclaimed: answer.SpaceReclaimed };
        if (!(await imageGone(docker, unused.id))) return { ok: false, detail: 'prune -a answered, but the unused labelled image is still there', facts };
        if (!(await controlsKept())) return { ok: false, detail: 'prune -a removed a control image the filters do not match: the label filters were not honoured', facts };
        return { ok: true, detail: `removed this probe's unused tagged image; kept both controls (${answer.SpaceReclaimed ?? 0} bytes reclaimed)`, facts };
      },
    );
  }

  // The controls are ours too: removed now, and by the ledger should this fail.
  for (const control of [sibling, noRun]) await docker.getImage(control.id).remove({ force: true }).catch(() => undefined);
  return [];
}

/**
 * The classic builder through the Engine API (POST /build), with a context made in memory: a multi-stage
 * Dockerfile with a build argument, RUN and COPY. The result is proven by running the built image and reading
 * back what RUN, COPY and the argument produced.
 *
 * Every image the build makes carries the run's label: the `labels` option labels the final image, and a LABEL
 * as the first step of each stage labels the intermediate images too (the first stage's dangling result has no
 * other way to be found), and every image id the build prints is tracked the moment it appears. Intermediate
 * containers are removed by the engine itself (forcerm), also when the build fails or is cut short.
 */
import { randomBytes } from 'node:crypto';
import type { Readable } from 'node:stream';
import type Dockerode from 'dockerode';
import { runToCompletion } from '../src/containers.js';
import { defineProbe, fromError, supported, unknown, unsupported, type Outcome } from '../src/define-probe.js';
import type { Evidence } from '../src/model.js';
import { classifyError, errorText } from '../src/errors.js';
import { tarStream } from '../src/images.js';
import { RUN_LABEL, type ResourceScope } from '../src/ledger.js';

/** The build argument the Dockerfile reads; its value is random so a cached or stale image cannot pass. */
export const BUILD_ARG_NAME = 'CAP_PROBE_ARG';

/** The Dockerfile cap-probe builds: stage one RUNs with the argument and a COPYed file, stage two COPYs from it. */
export function classicDockerfile(baseImage: string, labels: Readonly<Record<string, string>>): string {
  const label = `LABEL ${Object.entries(labels).map(([k, v]) => `${k}="${v}"`).join(' ')}`;
  return [
    `FROM ${baseImage} AS first`,
    label,
    `ARG ${BUILD_ARG_NAME}=unset`,
    'COPY input.txt /stage/input.txt',
    `RUN echo "arg=$${BUILD_ARG_NAME}" > /stage/arg.txt && cat /stage/input.txt > /stage/copied.txt`,
    `FROM ${baseImage}`,
    label,
    'COPY --from=first /stage/ /result/',
    'CMD ["/bin/sh", "-c", "cat /result/arg.txt /result/copied.txt"]',
    '',
  ].join('\n');
}

/** The lines the built image prints when RUN, COPY and the argument all did their work. */
export function expectedOutput(argValue: string, inputText: string): string {
  return `arg=${argValue}\n${inputText}`;
}

interface BuildEvent {
  stream?: string;
  error?: string;
  errorDetail?: { message?: string; code?: number };
  aux?: { ID?: string };
}

export interface BuildResult {
  readonly log: string[];
  readonly error?: string;
  readonly imageIds: string[];
  readonly containerIds: string[];
}

/**
 * Follows the build's JSON stream line by line, tracking every image it names the moment it appears, so an
 * interrupted build still leaves nothing behind; intermediate containers are only noted (the engine removes them).
 */
async function followBuild(stream: Readable, resources: ResourceScope, baseImageId: string, signal: AbortSignal, containerIds: string[]): Promise<BuildResult> {
  const log: string[] = [];
  const imageIds: string[] = [];
  let error: string | undefined;
  const onEvent = (event: BuildEvent) => {
    if (event.error || event.errorDetail) error = event.errorDetail?.message ?? event.error ?? 'build failed';
    const text = event.stream ?? '';
    for (const line of text.split('\n')) {
      if (!line.trim()) continue;
      log.push(line);
      const running = /^ ---> Running in ([0-9a-f]{12,64})$/.exec(line);
      // Not tracked: the engine removes them itself (forcerm), also when the build fails or is cancelled, and a
      // second removal racing the engine's fails with "removal already in progress". The test checks they are gone.
      if (running?.[1]) containerIds.push(running[1]);
      const image = /^ ---> ([0-9a-f]{12,64})$/.exec(line);
      // FROM prints the base image's id: that one is the user's, never ours to remove.
      if (image?.[1] && !baseImageId.startsWith(image[1]) && !imageIds.includes(image[1])) imageIds.push(resources.track('image', image[1]));
    }
  };
  let buffered = '';
  const onAbort = () => stream.destroy(Object.assign(new Error('build aborted'), { name: 'AbortError' }));
  signal.addEventListener('abort', onAbort, { once: true });
  try {
    for await (const chunk of stream as AsyncIterable<Buffer | string>) {
      buffered += chunk.toString();
      const lines = buffered.split('\n');
      buffered = lines.pop() ?? '';
      for (const line of lines) if (line.trim()) onEvent(parseEvent(line));
    }
    if (buffered.trim()) onEvent(parseEvent(buffered));
  } finally {
    signal.removeEventListener('abort', onAbort);
  }
  return { log, imageIds, containerIds, ...(error === undefined ? {} : { error }) };
}

function parseEvent(line: string): BuildEvent {
  try {
    return JSON.parse(line) as BuildEvent;
  } catch {
    return { stream: line };
  }
}

export interface ClassicBuildInput {
  readonly dockerfile: string;
  readonly files: Readonly<Record<string, string>>;
  readonly tag: string;
  readonly buildargs: Readonly<Record<string, string>>;
  readonly signal: AbortSignal;
}

/**
 * docker build through the Engine API: labelled, no cache (a stale image cannot pass for a build), intermediate
 * containers removed even on failure. Resolves with the build's log and what it made, also when a step failed;
 * rejects only when the engine refused the request itself.
 */
export async function classicBuild(docker: Dockerode, resources: ResourceScope, baseImage: string, input: ClassicBuildInput): Promise<BuildResult> {
  const baseImageId = (await docker.getImage(baseImage).inspect()).Id.replace(/^sha256:/, '');
  // Tracked before it exists: an interrupted build must not leave the tag behind.
  resources.track('image', input.tag);
  const context = tarStream([{ name: 'Dockerfile', content: input.dockerfile }, ...Object.entries(input.files).map(([name, content]) => ({ name, content }))]);
  const stream = (await docker.buildImage(context, {
    t: input.tag,
    buildargs: { ...input.buildargs },
    labels: { ...resources.labels },
    rm: true,
    forcerm: true,
    nocache: true,
    abortSignal: input.signal,
  } as Dockerode.ImageBuildOptions)) as unknown as Readable;
  const containerIds: string[] = [];
  try {
    return await followBuild(stream, resources, baseImageId, input.signal, containerIds);
  } catch (error) {
    if (input.signal.aborted) await settleAfterCancel(docker, resources, containerIds[containerIds.length - 1]);
    throw error;
  }
}

/**
 * After a cancelled build: the engine goes on for a moment (it may commit a step or two after the client left),
 * so wait until no new image with the run's label appears for half a second (at most ~2.5 s), then track every
 * one, parents first, so the ledger removes children before their parents. The run's cleanup follows at once.
 */
async function settleAfterCancel(docker: Dockerode, resources: ResourceScope, lastContainer: string | undefined): Promise<void> {
  const runLabel = resources.labels[RUN_LABEL];
  if (!runLabel) return;
  const filters = JSON.stringify({ label: [`${RUN_LABEL}=${runLabel}`] });
  let images: Dockerode.ImageInfo[] = [];
  let stable = 0;
  for (let i = 0; i < 25 && stable < 5; i++) {
    await new Promise((r) => setTimeout(r, 100));
    const now = await docker.listImages({ all: true, filters }).catch(() => images);
    const containerGone = !lastContainer || (await docker.getContainer(lastContainer).inspect().then(() => false, () => true));
    stable = now.length === images.length && containerGone ? stable + 1 : 0;
    images = now;
  }
  // Parents first: the ledger removes in reverse order, so children go before the images they build on.
  let remaining = images;
  while (remaining.length > 0) {
    const ids = new Set(remaining.map((image) => image.Id));
    const roots = remaining.filter((image) => !ids.has(image.ParentId));
    for (const image of roots.length ? roots : remaining) resources.track('image', image.Id);
    remaining = roots.length ? remaining.filter((image) => !roots.includes(image)) : [];
  }
}

/** A build the engine ran and a step of which failed (a RUN exiting non-zero, a COPY it refused): its own words. */
export function failedBuildOutcome(message: string, evidence: Evidence, durationMs?: number): Outcome<'build.classic'> {
  const c = classifyError(message);
  const detail = `the build failed: ${message.split('\n')[0] ?? message}`;
  // An error with no finer name is the engine's refusal; only a timeout or an abort leaves the question open.
  if (c.status === 'unknown' && c.reason !== 'probe-error') return unknown('build.classic', c.reason, detail, { ...evidence, error: message }, durationMs);
  return unsupported('build.classic', c.status === 'unknown' ? 'refused-by-engine' : c.reason, detail, { ...evidence, error: message }, durationMs);
}

export default defineProbe({
  id: 'build-classic',
  title: 'Classic builder: multi-stage build with a build argument, RUN and COPY',
  decides: ['build.classic'],
  needs: ['engine', 'image'],
  timeoutMs: 120_000,
  async run(ctx) {
    const docker = ctx.docker!;
    const base = ctx.image!.ref;
    const tag = `${ctx.resources.name('build')}:latest`;
    const argValue = randomBytes(6).toString('hex');
    const inputText = `copied-${randomBytes(6).toString('hex')}`;
    const dockerfile = classicDockerfile(base, ctx.resources.labels);
    const tried = [
      `docker build --build-arg ${BUILD_ARG_NAME}=${argValue} --label io.cap-probe.run=${ctx.runId} --force-rm --no-cache -t ${tag} <in-memory context: Dockerfile (2 stages), input.txt>`,
      `docker run ${tag}`,
    ];

    const t0 = performance.now();
    let result: BuildResult;
    try {
      result = await classicBuild(docker, ctx.resources, base, { dockerfile, files: { 'input.txt': `${inputText}\n` }, tag, buildargs: { [BUILD_ARG_NAME]: argValue }, signal: ctx.signal });
    } catch (error) {
      if (ctx.signal.aborted) throw error;
      return [fromError('build.classic', error, tried.slice(0, 1), Math.round(performance.now() - t0))];
    }
    const facts = { dockerfile, intermediateImages: result.imageIds, intermediateContainers: result.containerIds, buildLog: result.log.slice(-40) };

    if (result.error !== undefined) return [failedBuildOutcome(result.error, { tried: tried.slice(0, 1), facts }, Math.round(performance.now() - t0))];

    // Proof: the built image prints what the RUN wrote from the argument and what COPY carried across stages.
    let run;
    try {
      run = await runToCompletion(docker, ctx.resources, { name: 'build-run', image: tag, cmd: ['/bin/sh', '-c', 'cat /result/arg.txt /result/copied.txt'] }, ctx.signal);
    } catch (error) {
      if (ctx.signal.aborted) throw error;
      return [unknown('build.classic', 'unexpected-result', `the build reported success but its image could not be run: ${errorText(error)}`, { tried, error: errorText(error), facts })];
    }
    const want = expectedOutput(argValue, inputText);
    const elapsed = Math.round(performance.now() - t0);
    if (run.exitCode === 0 && run.output === want) {
      return [supported('build.classic', 'a two-stage build ran RUN with the build argument and COPY (also across stages); the image printed the expected lines', { tried, facts: { ...facts, output: run.output } }, elapsed)];
    }
    return [unsupported('build.classic', 'unexpected-result', `the build reported success but its image printed something else (exit ${run.exitCode})`, { tried, error: run.output, facts: { ...facts, expected: want } }, elapsed)];
  },
});

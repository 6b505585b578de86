/**
 * Images the image-operation probes create for themselves, so that tag, rm, prune, save and load only ever
 * touch cap-probe's own images: tiny roots built in memory, imported with the run's labels.
 */
import { randomBytes } from 'node:crypto';
import type Dockerode from 'dockerode';
import { extract } from 'tar-stream';
import { Readable } from 'node:stream';
import type { CapabilityId } from './catalogue.js';
import { fromError, supported, unsupported, type ProbeContext } from './define-probe.js';
import { errorText } from './errors.js';
import { tarStream, type TarEntry } from './images.js';
import type { ResourceScope } from './ledger.js';

/** Marks the images of one probe run, so its prunes match them and nothing else, even within the run. */
export const SUBJECT_LABEL = 'io.cap-probe.subject';

/** The file every subject image carries: its content tells the image apart in exports and saves. */
export const MARKER_PATH = 'cap-probe/marker.txt';

export interface ProgressEvent {
  status?: string;
  stream?: string;
  error?: string;
  errorDetail?: { message?: string };
}

/** Reads the engine's JSON-lines progress stream to its end; rejects with the engine's error if one is reported. */
export async function readProgress(stream: NodeJS.ReadableStream): Promise<ProgressEvent[]> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream as AsyncIterable<Buffer | string>) chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk));
  const events: ProgressEvent[] = [];
  for (const line of Buffer.concat(chunks).toString('utf8').split(/\r?\n/)) {
    if (!line.trim()) continue;
    try {
      events.push(JSON.parse(line) as ProgressEvent);
    } catch {
      // The engine sometimes sends plain text (older engines on load); keep it as a status line.
      events.push({ status: line });
    }
  }
  const failed = events.find((e) => e.error || e.errorDetail);
  if (failed) throw new Error(failed.errorDetail?.message ?? failed.error ?? 'the engine reported an error');
  return events;
}

export interface ImportedImage {
  readonly id: string;
  /** repo:tag as the engine names it when the image was tagged, else the id (a dangling image). */
  readonly ref: string;
  /** The repository part of `ref`, as the engine names it; undefined for a dangling image. */
  readonly repo: string | undefined;
  readonly marker: string;
}

export interface SubjectSpec {
  /** Omit both for a dangling (untagged) image. */
  readonly repo?: string;
  readonly tag?: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly extraFiles?: readonly TarEntry[];
}

/** `docker import` of a tiny root built in memory, with LABEL changes; tracked in the ledger at once. */
export async function importSubject(docker: Dockerode, resources: ResourceScope, spec: SubjectSpec): Promise<ImportedImage> {
  const marker = `cap-probe-${randomBytes(6).toString('hex')}`;
  const archive = tarStream([{ name: MARKER_PATH, content: `${marker}\n` }, ...(spec.extraFiles ?? [])]);
  const changes = ['CMD ["/cap-probe-never-run"]', ...Object.entries(spec.labels).map(([k, v]) => `LABEL ${k}=${v}`)];
  // The tag rides in `repo` (the API allows it there): Podman ignores a separate `tag` on import.
  const options = { ...(spec.repo ? { repo: `${spec.repo}:${spec.tag ?? 'latest'}` } : {}), changes };
  const events = await readProgress(await docker.importImage(archive, options as object));
  // The engine's last status line of an import is the new image's id.
  const id = [...events].reverse().find((e) => e.status?.startsWith('sha256:'))?.status?.trim();
  if (!id) throw new Error(`the engine did not report an image id for the import (${JSON.stringify(events).slice(0, 200)})`);
  resources.track('image', id);
  if (!spec.repo) return { id, ref: id, repo: undefined, marker };
  // The engine's own name for it: Podman, for one, qualifies an imported name as localhost/<repo>.
  const asked = `${spec.repo}:${spec.tag ?? 'latest'}`;
  const tags = (await docker.getImage(id).inspect()).RepoTags ?? [];
  const ref = tags.find((t) => t === asked) ?? tags.find((t) => t.endsWith(`/${asked}`)) ?? asked;
  resources.track('image', ref);
  return { id, ref, repo: ref.slice(0, ref.lastIndexOf(':')), marker };
}

/** The names of the entries of a tar archive, and the contents of the small ones (for markers, manifests). */
export async function readTar(data: Buffer, keepContentUpTo = 64 * 1024): Promise<Map<string, Buffer | null>> {
  const entries = new Map<string, Buffer | null>();
  const parser = extract();
  const done = new Promise<void>((resolve, reject) => {
    parser.on('entry', (header, body, next) => {
      const chunks: Buffer[] = [];
      body.on('data', (chunk: unknown) => chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk))));
      body.on('end', () => {
        const content = Buffer.concat(chunks);
        entries.set(header.name.replace(/^\.\//, ''), content.length <= keepContentUpTo ? content : null);
        next();
      });
      body.on('error', reject);
    });
    parser.on('finish', resolve);
    parser.on('error', reject);
  });
  Readable.from([data]).pipe(parser);
  await done;
  return entries;
}

/** The engine's 404: the image is gone. */
export async function imageGone(docker: Dockerode, ref: string): Promise<boolean> {
  try {
    await docker.getImage(ref).inspect();
    return false;
  } catch (error) {
    if ((error as { statusCode?: number }).statusCode === 404) return true;
    throw error;
  }
}

/** A verdict a probe reaches after the operation returned: did it have the effect it should? */
export type Judgement = { readonly ok: boolean; readonly detail: string; readonly facts?: Record<string, unknown> };

/**
 * Runs one operation that decides a capability and judges its effect: `supported` only when the operation
 * returned AND the judge saw its effect; `unexpected-result` when it returned without the effect; the
 * error's classified verdict when it failed. Returns the value, or undefined when it failed.
 */
export async function decide<Id extends CapabilityId, T>(
  ctx: ProbeContext<Id>,
  id: Id,
  tried: string[],
  operation: () => Promise<T>,
  judge: (value: T) => Promise<Judgement> | Judgement,
): Promise<T | undefined> {
  const t0 = performance.now();
  let value: T;
  try {
    value = await operation();
  } catch (error) {
    if (ctx.signal.aborted) throw error;
    ctx.record(fromError(id, error, tried, Math.round(performance.now() - t0)));
    return undefined;
  }
  let verdict: Judgement;
  try {
    verdict = await judge(value);
  } catch (error) {
    if (ctx.signal.aborted) throw error;
    verdict = { ok: false, detail: `the operation returned, but checking its effect failed: ${errorText(error)}` };
  }
  const evidence = { tried, ...(verdict.facts ? { facts: verdict.facts } : {}) };
  const ms = Math.round(performance.now() - t0);
  ctx.record(verdict.ok ? supported(id, verdict.detail, evidence, ms) : unsupported(id, 'unexpected-result', verdict.detail, evidence, ms));
  return verdict.ok ? value : undefined;
}

/**
 * Engine API filters in the map form the docker CLI sends ({"label":{"k=v":true}}), so a filtered call
 * behaves as the CLI's would. Podman 4 reads the array form differently: its list matches nothing and
 * its prune ignores the filters' conjunction.
 */
export function cliFilters(filters: Readonly<Record<string, readonly string[]>>): string {
  return JSON.stringify(Object.fromEntries(Object.entries(filters).map(([key, values]) => [key, Object.fromEntries(values.map((v) => [v, true]))])));
}

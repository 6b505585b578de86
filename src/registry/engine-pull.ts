/**
 * Real pulls through the engine for the registry probes. Pulls go by digest where one is known, so no tag
 * the user has is moved; an image that was already present is never removed, one this run brought in is
 * removed at once (and tracked in the ledger in case the run is cut short).
 */
import type Dockerode from 'dockerode';
import { classifyError, errorText } from '../errors.js';
import { imageExists, normaliseArch, pullImage } from '../images.js';
import type { ResourceScope } from '../ledger.js';
import type { Reason, Status } from '../model.js';
import type { Credential } from './options.js';

export interface PullResult {
  readonly ok: boolean;
  readonly ref: string;
  readonly command: string;
  readonly status?: Status;
  readonly reason?: Reason;
  readonly detail: string;
  readonly facts: Record<string, unknown>;
  readonly ms: number;
}

export interface PullRequest {
  readonly ref: string;
  readonly platform?: string;
  readonly credential?: Credential;
  readonly serverAddress?: string;
  readonly signal?: AbortSignal;
}

/** `host/repo:tag` or `host/repo@sha256:…` → `host/repo`. */
function repositoryOf(ref: string): string {
  const at = ref.indexOf('@');
  if (at >= 0) return ref.slice(0, at);
  const colon = ref.lastIndexOf(':');
  return colon > ref.lastIndexOf('/') ? ref.slice(0, colon) : ref;
}

/** Every tag and digest reference the engine holds: what was there before a pull is never removed. */
async function allReferences(docker: Dockerode): Promise<Set<string>> {
  const images = await docker.listImages({ all: false }).catch(() => []);
  return new Set(images.flatMap((i) => [...(i.RepoTags ?? []), ...(i.RepoDigests ?? [])]));
}

/** The engine's words for a platform the image does not have. */
const NO_PLATFORM = /no matching manifest|does not match the specified platform|image with reference .* was found but does not match/i;

export async function pullAndRelease(docker: Dockerode, resources: ResourceScope, request: PullRequest): Promise<PullResult> {
  const t0 = performance.now();
  const command = `docker pull${request.platform ? ` --platform ${request.platform}` : ''} ${request.ref}`;
  const ms = () => Math.round(performance.now() - t0);
  const present = await imageExists(docker, request.ref);
  const before = await allReferences(docker);
  try {
    await pullImage(docker, request.ref, {
      ...(request.platform ? { platform: request.platform } : {}),
      ...(request.credential ? { authconfig: { username: request.credential.username, password: request.credential.password, serveraddress: request.serverAddress ?? '' } } : {}),
      ...(request.signal ? { signal: request.signal } : {}),
    });
  } catch (error) {
    const message = errorText(error);
    if (NO_PLATFORM.test(message)) return { ok: false, ref: request.ref, command, status: 'unsupported', reason: 'not-found', detail: `the image has no ${request.platform ?? 'matching'} variant: ${message}`, facts: { error: message }, ms: ms() };
    const c = classifyError(error);
    return { ok: false, ref: request.ref, command, status: c.status, reason: c.reason, detail: c.message.split('\n')[0] ?? c.message, facts: { error: message }, ms: ms() };
  }
  if (!present) resources.track('image', request.ref);
  const facts: Record<string, unknown> = { ref: request.ref, alreadyPresent: present };
  let added: string[] = [];
  try {
    const info = (await docker.getImage(request.ref).inspect()) as { Id?: string; Architecture?: string; Os?: string; Size?: number; RepoTags?: string[]; RepoDigests?: string[] };
    Object.assign(facts, { imageId: info.Id, platform: `${info.Os ?? '?'}/${info.Architecture ?? '?'}`, size: info.Size });
    // The pull records a tag and a digest reference; only those this pull added are ours to remove.
    const repository = repositoryOf(request.ref);
    added = [...(info.RepoTags ?? []), ...(info.RepoDigests ?? [])].filter((r) => repositoryOf(r) === repository && !before.has(r));
    for (const ref of added) resources.track('image', ref);
  } catch {
    // The pull succeeded; inspect is only for evidence.
  }
  for (const ref of new Set([...(present ? [] : [request.ref]), ...added])) await docker.getImage(ref).remove({ noprune: false }).catch(() => undefined);
  if (request.platform) {
    const wanted = normaliseArch(request.platform.split('/')[1] ?? '');
    const got = String(facts.platform ?? '').split('/')[1];
    if (got && got !== wanted) {
      return { ok: false, ref: request.ref, command, status: 'unsupported', reason: 'unexpected-result', detail: `asked for ${request.platform}, the engine pulled ${String(facts.platform)}`, facts, ms: ms() };
    }
  }
  return { ok: true, ref: request.ref, command, detail: `pulled ${request.ref}${facts.platform ? ` (${String(facts.platform)})` : ''}`, facts, ms: ms() };
}

interface PushEvent {
  error?: string;
  errorDetail?: { message?: string };
  aux?: { Digest?: string; Tag?: string; Size?: number };
}

/** Pushes `name:tag` through the engine; resolves with the digest the registry reported. */
export async function pushImage(docker: Dockerode, name: string, tag: string, options: { credential?: Credential; serverAddress?: string; signal?: AbortSignal } = {}): Promise<{ digest?: string }> {
  // The engine wants an X-Registry-Auth header on every push: an empty one means anonymous.
  const authconfig = options.credential ? { username: options.credential.username, password: options.credential.password, serveraddress: options.serverAddress ?? '' } : {};
  const stream = (await docker.getImage(name).push({ tag, authconfig, ...(options.signal ? { abortSignal: options.signal } : {}) })) as NodeJS.ReadableStream;
  return new Promise((resolve, reject) => {
    docker.modem.followProgress(stream, (error: Error | null, events: PushEvent[]) => {
      if (error) return reject(error);
      const failed = events.find((e) => e.error || e.errorDetail);
      if (failed) return reject(new Error(failed.errorDetail?.message ?? failed.error ?? 'push failed'));
      const digest = events.map((e) => e.aux?.Digest).find(Boolean);
      resolve(digest ? { digest } : {});
    });
  });
}

/** Image helpers shared by the probe-image resolution and the image/registry probes. */
import type Dockerode from 'dockerode';
import { Readable } from 'node:stream';
import { pack } from 'tar-stream';

interface PullEvent {
  error?: string;
  errorDetail?: { message?: string };
  status?: string;
}

/** Pulls through the engine and waits for the end of the progress stream; rejects with the engine's error. */
export async function pullImage(docker: Dockerode, ref: string, options: { signal?: AbortSignal; platform?: string; authconfig?: Dockerode.AuthConfig } = {}): Promise<void> {
  const stream = (await docker.pull(ref, {
    ...(options.platform ? { platform: options.platform } : {}),
    ...(options.authconfig ? { authconfig: options.authconfig } : {}),
    ...(options.signal ? { abortSignal: options.signal } : {}),
  })) as NodeJS.ReadableStream;
  await new Promise<void>((resolve, reject) => {
    const onAbort = () => {
      (stream as Readable).destroy?.();
      reject(Object.assign(new Error(`pull of ${ref} aborted`), { name: 'AbortError' }));
    };
    options.signal?.addEventListener('abort', onAbort, { once: true });
    docker.modem.followProgress(stream, (error: Error | null, events: PullEvent[]) => {
      options.signal?.removeEventListener('abort', onAbort);
      if (error) return reject(error);
      const failed = events.find((e) => e.error || e.errorDetail);
      if (failed) return reject(new Error(failed.errorDetail?.message ?? failed.error ?? 'pull failed'));
      resolve();
    });
  });
}

export async function imageExists(docker: Dockerode, ref: string): Promise<boolean> {
  try {
    await docker.getImage(ref).inspect();
    return true;
  } catch {
    return false;
  }
}

/** The engine reports x86_64 / aarch64; images say amd64 / arm64. */
export function normaliseArch(arch: string): string {
  const map: Record<string, string> = { x86_64: 'amd64', aarch64: 'arm64', armv7l: 'arm' };
  return map[arch] ?? arch;
}

export interface TarEntry {
  readonly name: string;
  readonly content?: Buffer | string;
  readonly mode?: number;
  /** A symbolic link to this target instead of a file. */
  readonly linkname?: string;
}

/** A tar archive built in memory: build contexts and import roots without touching the disk. */
export function tarStream(entries: readonly TarEntry[]): Readable {
  const archive = pack();
  for (const entry of entries) {
    if (entry.linkname !== undefined) {
      archive.entry({ name: entry.name, type: 'symlink', linkname: entry.linkname });
    } else {
      archive.entry({ name: entry.name, mode: entry.mode ?? 0o644 }, entry.content ?? '');
    }
  }
  archive.finalize();
  return archive as unknown as Readable;
}

/** Reads a whole stream, for small archives and logs. */
export async function readAll(stream: NodeJS.ReadableStream): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream as AsyncIterable<Buffer | string>) chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk));
  return Buffer.concat(chunks);
}

/** The registry host of an image reference (`docker.io` when the reference names none), without the port. */
export function registryHostOf(ref: string): string {
  const first = ref.split('/')[0] ?? '';
  const named = ref.includes('/') && (first.includes('.') || first.includes(':') || first === 'localhost');
  if (!named) return 'docker.io';
  if (first.startsWith('[')) return first.slice(1, first.indexOf(']'));
  return first.replace(/:\d+$/, '');
}

/**
 * True for registries on loopback. The engine treats them as insecure (plain HTTP allowed), so the CLI's
 * own registry client is told the same with --insecure: otherwise it reports "no such manifest" for a
 * manifest that is there.
 */
export function isLoopbackRegistry(ref: string): boolean {
  const host = registryHostOf(ref);
  return host === 'localhost' || host === '::1' || /^127\.\d+\.\d+\.\d+$/.test(host);
}

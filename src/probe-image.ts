/**
 * The image run-type probes use. Resolved without surprising the user, strategies in order, each with evidence:
 *   1. --image   2. a small local image with /bin/sh   3. pull a tiny one from the first registry that answers
 *   4. import one built from a static busybox found on the host
 * Whatever cap-probe pulls or imports here it removes at the end of the run.
 */
import { closeSync, existsSync, openSync, readSync, readFileSync } from 'node:fs';
import type Dockerode from 'dockerode';
import { errorText } from './errors.js';
import { imageExists, normaliseArch, pullImage, tarStream } from './images.js';
import type { CleanupLedger } from './ledger.js';

export type ImageSource = 'flag' | 'local' | 'pulled' | 'imported';

export interface ProbeImage {
  readonly ref: string;
  readonly source: ImageSource;
  readonly why: string;
}

export interface ImageAttempt {
  readonly strategy: ImageSource;
  readonly candidate: string;
  readonly ok: boolean;
  readonly detail: string;
}

export interface ImageResolution {
  readonly image: ProbeImage | null;
  readonly attempts: ImageAttempt[];
  /** How to provide an image, when none was found. */
  readonly hint?: string;
}

export const PULL_CANDIDATES = ['busybox:latest', 'public.ecr.aws/docker/library/busybox:latest', 'mirror.gcr.io/library/busybox:latest'];
export const HOST_BUSYBOX_PATHS = ['/bin/busybox', '/usr/bin/busybox', '/usr/lib/initramfs-tools/bin/busybox'];
const BUSYBOX_APPLETS = ['sh', 'sleep', 'nc', 'wget', 'cat', 'echo', 'ls', 'httpd', 'true', 'false', 'env', 'id', 'mkdir', 'rm', 'test', 'tty', 'printf', 'uname', 'hostname', 'ps', 'kill', 'grep'];
const NO_IMAGE_HINT = 'pass --image <ref> naming a local image with /bin/sh, or install a static busybox on the host (Debian: apt-get install busybox-static)';

export interface ResolveImageInput {
  readonly docker: Dockerode;
  readonly ledger: CleanupLedger;
  readonly engineArch: string;
  readonly requested?: string;
  readonly signal?: AbortSignal;
  readonly pullTimeoutMs?: number;
  readonly hostBusyboxPaths?: readonly string[];
  readonly pullCandidates?: readonly string[];
  /** The strategies to try after --image, in order; all by default (tests pick one at a time). */
  readonly strategies?: ReadonlyArray<Exclude<ImageSource, 'flag'>>;
}

/** True when the ELF file has no PT_INTERP program header: it runs without a dynamic loader, in any root. */
export function isStaticElf(path: string): boolean {
  let fd: number | undefined;
  try {
    fd = openSync(path, 'r');
    const header = Buffer.alloc(64);
    readSync(fd, header, 0, 64, 0);
    if (header.readUInt32BE(0) !== 0x7f454c46) return false;
    const is64 = header[4] === 2;
    const little = header[5] === 1;
    const u16 = (b: Buffer, o: number) => (little ? b.readUInt16LE(o) : b.readUInt16BE(o));
    const u32 = (b: Buffer, o: number) => (little ? b.readUInt32LE(o) : b.readUInt32BE(o));
    const phoff = is64 ? Number(little ? header.readBigUInt64LE(32) : header.readBigUInt64BE(32)) : u32(header, 28);
    const phentsize = u16(header, is64 ? 54 : 42);
    const phnum = u16(header, is64 ? 56 : 44);
    const table = Buffer.alloc(phentsize * phnum);
    readSync(fd, table, 0, table.length, phoff);
    for (let i = 0; i < phnum; i++) if (u32(table, i * phentsize) === 3 /* PT_INTERP */) return false;
    return true;
  } catch {
    return false;
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/** Creates (never starts) a container to ask whether /bin/sh exists in the image. */
async function hasShell(docker: Dockerode, ledger: CleanupLedger, ref: string): Promise<boolean> {
  const container = await docker.createContainer({ Image: ref, Cmd: ['/bin/sh'], Labels: { ...ledger.labels }, name: ledger.name(`shell-check-${Math.random().toString(16).slice(2, 8)}`) });
  ledger.track('container', container.id);
  try {
    const stat = (await container.infoArchive({ path: '/bin/sh' })) as unknown;
    // dockerode hands back the HEAD response as an open stream: close it, or its socket keeps the process alive for minutes.
    (stat as { destroy?: () => void } | null)?.destroy?.();
    return Boolean(stat);
  } catch {
    return false;
  } finally {
    await container.remove({ force: true }).catch(() => undefined);
  }
}

async function matchesEngine(docker: Dockerode, ref: string, engineArch: string): Promise<string | undefined> {
  const inspect = await docker.getImage(ref).inspect();
  const arch = normaliseArch(inspect.Architecture ?? '');
  const want = normaliseArch(engineArch);
  return arch && want && arch !== want ? `image is ${inspect.Os}/${arch}, engine is ${want}` : undefined;
}

export async function resolveProbeImage(input: ResolveImageInput): Promise<ImageResolution> {
  const { docker, ledger, engineArch, requested, signal } = input;
  const attempts: ImageAttempt[] = [];

  if (requested) {
    // The user named it: use that one or none, and say why.
    try {
      if (!(await imageExists(docker, requested))) {
        await pullImage(docker, requested, signal ? { signal } : {});
        ledger.track('image', requested);
      }
      if (!(await hasShell(docker, ledger, requested))) throw new Error('it has no /bin/sh');
      attempts.push({ strategy: 'flag', candidate: requested, ok: true, detail: 'named by --image' });
      return { image: { ref: requested, source: 'flag', why: '--image was given' }, attempts };
    } catch (error) {
      attempts.push({ strategy: 'flag', candidate: requested, ok: false, detail: errorText(error) });
      return { image: null, attempts, hint: `--image ${requested} cannot be used: ${errorText(error)}` };
    }
  }

  const strategies = input.strategies ?? ['local', 'pulled', 'imported'];

  // 2. Local images, smallest first, well-known shells-with-tools first.
  const local = strategies.includes('local') ? await docker.listImages().catch(() => []) : [];
  const tagged = local
    .flatMap((image) => (image.RepoTags ?? []).filter((t) => t !== '<none>:<none>').map((tag) => ({ tag, size: image.Size })))
    .sort((a, b) => rank(a.tag) - rank(b.tag) || a.size - b.size)
    .slice(0, 5);
  for (const { tag } of tagged) {
    try {
      const mismatch = await matchesEngine(docker, tag, engineArch);
      if (mismatch) {
        attempts.push({ strategy: 'local', candidate: tag, ok: false, detail: mismatch });
        continue;
      }
      if (await hasShell(docker, ledger, tag)) {
        attempts.push({ strategy: 'local', candidate: tag, ok: true, detail: 'local image with /bin/sh' });
        return { image: { ref: tag, source: 'local', why: `the local image ${tag} has /bin/sh` }, attempts };
      }
      attempts.push({ strategy: 'local', candidate: tag, ok: false, detail: 'no /bin/sh' });
    } catch (error) {
      attempts.push({ strategy: 'local', candidate: tag, ok: false, detail: errorText(error) });
    }
  }
  if (tagged.length === 0 && strategies.includes('local')) attempts.push({ strategy: 'local', candidate: '(none)', ok: false, detail: 'no tagged local images' });

  // 3. A tiny public image, from the first registry that answers.
  for (const ref of strategies.includes('pulled') ? (input.pullCandidates ?? PULL_CANDIDATES) : []) {
    const timeout = AbortSignal.timeout(input.pullTimeoutMs ?? 20_000);
    try {
      const existed = await imageExists(docker, ref);
      await pullImage(docker, ref, { signal: signal ? AbortSignal.any([signal, timeout]) : timeout });
      // Remove at the end only what this run brought: a user's own copy stays.
      if (!existed) ledger.track('image', ref);
      attempts.push({ strategy: 'pulled', candidate: ref, ok: true, detail: 'pulled' });
      return { image: { ref, source: 'pulled', why: `pulled ${ref}; removed at the end of the run` }, attempts };
    } catch (error) {
      attempts.push({ strategy: 'pulled', candidate: ref, ok: false, detail: errorText(error).split('\n')[0] ?? '' });
    }
  }

  // 4. Import a root made of the host's static busybox.
  for (const path of strategies.includes('imported') ? (input.hostBusyboxPaths ?? HOST_BUSYBOX_PATHS) : []) {
    if (!existsSync(path)) continue;
    if (!isStaticElf(path)) {
      attempts.push({ strategy: 'imported', candidate: path, ok: false, detail: 'not a static binary' });
      continue;
    }
    const ref = `${ledger.name('busybox')}:latest`;
    try {
      await importBusybox(docker, ledger, path, ref);
      attempts.push({ strategy: 'imported', candidate: path, ok: true, detail: `imported as ${ref}` });
      return { image: { ref, source: 'imported', why: `imported from the host's static busybox ${path}; removed at the end of the run` }, attempts };
    } catch (error) {
      attempts.push({ strategy: 'imported', candidate: path, ok: false, detail: errorText(error) });
    }
  }
  return { image: null, attempts, hint: NO_IMAGE_HINT };
}

function rank(tag: string): number {
  if (/(^|\/)busybox:/.test(tag)) return 0;
  if (/(^|\/)alpine:/.test(tag)) return 1;
  return 2;
}

export async function importBusybox(docker: Dockerode, ledger: CleanupLedger, busyboxPath: string, ref: string): Promise<void> {
  const archive = tarStream([
    { name: 'bin/busybox', content: readFileSync(busyboxPath), mode: 0o755 },
    ...BUSYBOX_APPLETS.map((applet) => ({ name: `bin/${applet}`, linkname: 'busybox' })),
    { name: 'tmp/.keep', content: '' },
  ]);
  const labels = Object.entries(ledger.labels).map(([k, v]) => `LABEL ${k}=${v}`);
  // repo carries the tag: Podman ignores a separate tag parameter on import.
  const stream = await docker.importImage(archive, { repo: ref, changes: ['CMD ["/bin/sh"]', ...labels] } as object);
  ledger.track('image', ref);
  await new Promise<void>((resolve, reject) => docker.modem.followProgress(stream, (error: Error | null, events: Array<{ error?: string }>) => {
    const failed = events?.find((e) => e.error);
    if (error || failed) reject(error ?? new Error(failed?.error));
    else resolve();
  }));
}

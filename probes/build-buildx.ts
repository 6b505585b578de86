/**
 * BuildKit through the buildx plugin: the plugin and its version, a build with the current builder, a
 * multi-platform build whose RUN step executes for the other architecture, and `buildx build --push` — the
 * last only to the registry the user named with --push-target.
 *
 * Builds export to a local folder (`--output type=local`), so they leave no image in the engine. The build
 * that proves the builder runs is FROM scratch: it needs neither a registry nor a runnable image.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { z } from 'zod';
import { cliFailure } from '../src/cli-outcome.js';
import { defineProbe, supported, unknown, unsupported, type Outcome } from '../src/define-probe.js';
import type { CliResult, DockerCli } from '../src/docker-cli.js';
import { classifyError } from '../src/errors.js';
import { normaliseArch } from '../src/images.js';
import { registryOptions } from '../src/registry/options.js';
import type { Reason } from '../src/model.js';

type BuildxId = 'build.buildx' | 'build.buildx.multi-platform' | 'build.buildx.push';
const ALL: readonly BuildxId[] = ['build.buildx', 'build.buildx.multi-platform', 'build.buildx.push'];

/** The multi-arch base the other-architecture RUN runs in; a registry must serve it for both platforms. */
export const MULTI_PLATFORM_BASE = 'busybox:latest';
const BINFMT_DIR = '/proc/sys/fs/binfmt_misc';

/** Options of this probe's own, checked: they come through an untyped bag. */
const BuildxOptionsSchema = z.object({
  /** Where binfmt_misc is read from (tests point it elsewhere). */
  binfmtDir: z.string().min(1).optional(),
});

export interface BuilderInfo {
  readonly name?: string;
  readonly driver?: string;
  readonly status?: string;
  readonly platforms: string[];
}

/** Reads `docker buildx inspect`: the current builder's name, driver, status and platforms (first node). */
export function parseBuilderInspect(output: string): BuilderInfo {
  const field = (key: string) => new RegExp(`^${key}:\\s*(.+)$`, 'mi').exec(output)?.[1]?.trim();
  const platforms = (field('Platforms') ?? '').split(',').map((p) => p.trim().replace(/\*$/, '')).filter(Boolean);
  const name = field('Name');
  const driver = field('Driver');
  const status = field('Status');
  return { ...(name ? { name } : {}), ...(driver ? { driver } : {}), ...(status ? { status } : {}), platforms };
}

/** `v0.12.1` from "github.com/docker/buildx v0.12.1 30feaa1". */
export function buildxVersion(output: string): string | undefined {
  return /\bv?(\d+\.\d+\.\d+[^\s]*)/.exec(output)?.[1];
}

/** The other architecture a multi-platform build targets: amd64 hosts try arm64, everything else amd64. */
export function otherPlatform(nativeArch: string): string {
  return normaliseArch(nativeArch) === 'amd64' ? 'linux/arm64' : 'linux/amd64';
}

/** What `uname -m` says inside a container of that platform. */
export function unameFor(platform: string): string {
  const arch = platform.split('/')[1] ?? '';
  return ({ amd64: 'x86_64', arm64: 'aarch64', arm: 'armv7l' } as Record<string, string>)[arch] ?? arch;
}

/** Registered binfmt_misc handlers (qemu-aarch64, ...) and whether each is enabled; empty when not mounted. */
export function binfmtHandlers(dir: string = BINFMT_DIR): Record<string, boolean> {
  const handlers: Record<string, boolean> = {};
  try {
    for (const entry of readdirSync(dir)) {
      if (entry === 'register' || entry === 'status') continue;
      handlers[entry] = readFileSync(join(dir, entry), 'utf8').startsWith('enabled');
    }
  } catch {
    // Not mounted, or not readable from here: no handlers known.
  }
  return handlers;
}

/** The push reference: the user's repository, with a tag of this run's own so nothing of theirs is overwritten. */
export function pushRef(target: string, runId: string): string {
  const slash = target.lastIndexOf('/');
  const colon = target.lastIndexOf(':');
  const repository = colon > slash ? target.slice(0, colon) : target;
  return `${repository}:cap-probe-${runId}-buildx`;
}

/** Failures fetching the base image say nothing about the builder: they leave the question open. */
const FETCH_REASONS: ReadonlySet<Reason> = new Set<Reason>(['dns', 'connection-refused', 'blocked-by-proxy', 'tls', 'timeout', 'auth-required', 'auth-failed', 'rate-limited', 'not-found']);

function isPluginMissing(result: CliResult): boolean {
  return result.missing || /unknown command|is not a docker command/i.test(result.stderr);
}

export default defineProbe({
  id: 'build-buildx',
  title: 'BuildKit (buildx): plugin, build, multi-platform, push',
  decides: [...ALL],
  needs: ['docker-cli'],
  timeoutMs: 240_000,
  async run(ctx) {
    // Every answer is read only if the run was not cut short: a cancelled command is no answer (never "plugin missing").
    const cli: DockerCli = {
      ...ctx.cli,
      run: async (args, options) => {
        const result = await ctx.cli.run(args, options);
        if (ctx.signal.aborted) throw ctx.signal.reason;
        return result;
      },
    };
    // --push-target, as the registry probes read it: the only place cap-probe pushes.
    const pushTarget = registryOptions(ctx.options).pushTarget;
    const opts = (timeoutMs: number) => ({ timeoutMs, signal: ctx.signal });

    const version = await cli.run(['buildx', 'version'], opts(20_000));
    if (version.exitCode !== 0) {
      if (isPluginMissing(version)) {
        const why = { tried: ['docker buildx version'], error: version.stderr };
        for (const id of ALL) ctx.record(unsupported(id, 'plugin-missing', 'the buildx plugin is not installed (docker buildx: unknown command)', why));
      } else {
        for (const id of ALL) ctx.record(cliFailure(id, version, { tried: ['docker buildx version'] }, 'docker buildx version'));
      }
      return undefined;
    }
    const pluginVersion = buildxVersion(version.stdout) ?? version.stdout.trim();

    const inspect = await cli.run(['buildx', 'inspect'], opts(30_000));
    const builder = parseBuilderInspect(inspect.stdout);
    const facts = { buildx: pluginVersion, builder: builder.name ?? null, driver: builder.driver ?? null, status: builder.status ?? null, platforms: builder.platforms };
    if (inspect.exitCode !== 0) {
      const why = { tried: ['docker buildx version', 'docker buildx inspect'], error: inspect.stderr, facts };
      for (const id of ALL) ctx.record(unsupported(id, 'builder-unavailable', `buildx ${pluginVersion} is installed but has no usable current builder`, why));
      return undefined;
    }

    const work = mkdtempSync(join(tmpdir(), 'cap-probe-buildx-'));
    try {
      // 1. A build with the current builder: FROM scratch + COPY, exported to a folder and read back.
      const token = `buildx-${randomBytes(6).toString('hex')}`;
      const context = join(work, 'context');
      const out = join(work, 'out');
      writeContext(context, 'FROM scratch\nCOPY token.txt /token.txt\n', token);
      const buildArgs = ['buildx', 'build', '--output', `type=local,dest=${out}`, context];
      const tried = ['docker buildx version', 'docker buildx inspect', `docker buildx build --output type=local,dest=<tmp> <context: FROM scratch, COPY token.txt>`];
      const build = await cli.run(buildArgs, opts(120_000));
      const builtToken = readIfExists(join(out, 'token.txt'))?.trim();
      let buildOk = false;
      if (build.exitCode !== 0) {
        // The builder is listed but cannot build: a stopped or broken builder is not the same as "no BuildKit".
        const outcome = builder.status && builder.status !== 'running' ? unsupported('build.buildx', 'builder-unavailable', `the current builder ${builder.name ?? ''} (${builder.driver ?? '?'}, ${builder.status}) could not run a build`, { tried, error: build.stderr, facts }) : cliFailure('build.buildx', build, { tried, facts }, 'docker buildx build');
        ctx.record(outcome);
      } else if (builtToken === token) {
        buildOk = true;
        ctx.record(supported('build.buildx', `buildx ${pluginVersion} built with the ${builder.driver ?? '?'} builder ${builder.name ?? ''}`.trim(), { tried, facts }));
      } else {
        ctx.record(unsupported('build.buildx', 'unexpected-result', 'buildx build succeeded but its output did not hold the COPYed file', { tried, error: build.stderr.slice(-500), facts }));
      }

      // 2. Multi-platform: a RUN for the other architecture, in a base image served for both.
      ctx.record(await multiPlatform(ctx.options, cli, work, builder, facts, buildOk, tried.slice(0, 2), opts(180_000)));

      // 3. Push: only to the registry the user named.
      if (!pushTarget) {
        ctx.record(unknown('build.buildx.push', 'no-target', 'not tried: buildx build --push goes only to a registry named with --push-target', { tried: [], facts }));
      } else if (!buildOk) {
        ctx.record(unknown('build.buildx.push', 'dependency-failed', 'buildx build failed, so a push was not tried', { tried: tried.slice(), facts }));
      } else {
        const ref = pushRef(pushTarget, ctx.runId);
        const pushTried = [`docker buildx build --push -t ${ref} <context: FROM scratch, COPY token.txt>`, `docker buildx imagetools inspect ${ref}`];
        const push = await cli.run(['buildx', 'build', '--push', '-t', ref, context], opts(120_000));
        if (push.exitCode !== 0) ctx.record(cliFailure('build.buildx.push', push, { tried: pushTried.slice(0, 1), facts: { ...facts, ref } }, 'docker buildx build --push'));
        else {
          const check = await cli.run(['buildx', 'imagetools', 'inspect', ref], opts(30_000));
          ctx.record(check.exitCode === 0
            ? supported('build.buildx.push', `pushed ${ref} and read its manifest back (cap-probe cannot delete it from the registry)`, { tried: pushTried, facts: { ...facts, ref } })
            : unsupported('build.buildx.push', 'unexpected-result', `the push reported success but ${ref} could not be read back`, { tried: pushTried, error: check.stderr, facts: { ...facts, ref } }));
        }
      }
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
    return undefined;
  },
});

async function multiPlatform(
  rawOptions: Record<string, unknown>,
  cli: DockerCli,
  work: string,
  builder: BuilderInfo,
  facts: Record<string, unknown>,
  buildOk: boolean,
  triedBefore: string[],
  runOptions: { timeoutMs: number; signal: AbortSignal },
): Promise<Outcome<'build.buildx.multi-platform'>> {
  const id = 'build.buildx.multi-platform' as const;
  const options = BuildxOptionsSchema.safeParse(rawOptions);
  const handlers = binfmtHandlers(options.success ? options.data.binfmtDir : undefined);
  const native = builder.platforms[0] ?? `linux/${normaliseArch(process.arch === 'x64' ? 'amd64' : process.arch)}`;
  const other = otherPlatform(native.split('/')[1] ?? '');
  const mpFacts = { ...facts, native, other, binfmt: handlers };
  if (!buildOk) return unknown(id, 'dependency-failed', 'a single-platform buildx build failed, so a multi-platform one was not tried', { tried: triedBefore, facts: mpFacts });
  if (!builder.platforms.includes(other)) {
    // The builder lists the platforms it can run (emulated ones included): without the other one, a RUN for it cannot execute.
    return unsupported(id, 'platform-mismatch', `the builder can run ${builder.platforms.join(', ') || 'no listed platform'}, not ${other} (no binfmt/QEMU emulation for it)`, { tried: triedBefore, facts: mpFacts });
  }
  const context = join(work, 'multi');
  const out = join(work, 'multi-out');
  writeContext(context, `FROM --platform=$TARGETPLATFORM ${MULTI_PLATFORM_BASE} AS run\nRUN uname -m > /arch.txt\nFROM scratch\nCOPY --from=run /arch.txt /arch.txt\n`, '');
  const platforms = `${native},${other}`;
  const tried = [...triedBefore, `docker buildx build --platform ${platforms} --output type=local,dest=<tmp> <context: FROM ${MULTI_PLATFORM_BASE}, RUN uname -m>`];
  const result = await cli.run(['buildx', 'build', '--platform', platforms, '--output', `type=local,dest=${out}`, context], runOptions);
  if (result.exitCode !== 0) {
    const c = classifyError(result.stderr);
    if (FETCH_REASONS.has(c.reason)) {
      return unknown(id, c.reason, `the base image ${MULTI_PLATFORM_BASE} could not be fetched for both platforms, so no RUN for ${other} was tried`, { tried, error: result.stderr, facts: mpFacts });
    }
    return cliFailure(id, result, { tried, facts: mpFacts }, `a build for ${platforms}`);
  }
  // With several platforms the local exporter writes one folder per platform: linux_arm64/arch.txt.
  const ran = readIfExists(join(out, other.replace('/', '_'), 'arch.txt'))?.trim();
  if (ran === unameFor(other)) return supported(id, `a RUN step executed for ${other} (uname -m: ${ran})`, { tried, facts: { ...mpFacts, uname: ran } });
  return unsupported(id, 'unexpected-result', `the build for ${platforms} succeeded but the ${other} RUN reported ${ran ?? 'nothing'}`, { tried, error: result.stderr.slice(-500), facts: mpFacts });
}

function writeContext(dir: string, dockerfile: string, token: string): void {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'Dockerfile'), dockerfile);
  writeFileSync(join(dir, 'token.txt'), `${token}\n`);
}

function readIfExists(path: string): string | undefined {
  return existsSync(path) ? readFileSync(path, 'utf8') : undefined;
}

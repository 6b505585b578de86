/**
 * Remote manifests through the docker CLI, as the document runs them: `docker manifest inspect` and
 * `docker buildx imagetools inspect`. Neither pulls anything. A missing command or plugin is `unsupported`
 * with reason `plugin-missing`; a registry out of reach is classified (dns, connection-refused, tls, ...).
 * The target is the document's `nginx:latest` unless the `remoteImage` option names another reference.
 */
import { classifyCliFailure, firstLine } from '../src/cli-outcome.js';
import { isLoopbackRegistry } from '../src/images.js';
import { defineProbe, stringOption, supported, unknown, unsupported, type Outcome } from '../src/define-probe.js';
import type { CliResult } from '../src/docker-cli.js';

export const DEFAULT_REMOTE_IMAGE = 'nginx:latest';

type Decided = 'image.manifest-inspect' | 'image.imagetools-inspect';

interface ManifestDocument {
  schemaVersion?: number;
  mediaType?: string;
  manifests?: Array<{ digest?: string; platform?: { os?: string; architecture?: string; variant?: string } }>;
  config?: { digest?: string };
  layers?: unknown[];
}

/** What a manifest or index tells without pulling: its media type, and for an index its platforms. */
export function describeManifest(text: string): { detail: string; facts: Record<string, unknown> } | undefined {
  let doc: ManifestDocument;
  try {
    doc = JSON.parse(text) as ManifestDocument;
  } catch {
    return undefined;
  }
  if (typeof doc !== 'object' || doc === null || (doc.schemaVersion === undefined && doc.mediaType === undefined)) return undefined;
  const platforms = (doc.manifests ?? []).map((m) => [m.platform?.os, m.platform?.architecture, m.platform?.variant].filter(Boolean).join('/'));
  const facts = { mediaType: doc.mediaType, schemaVersion: doc.schemaVersion, ...(doc.manifests ? { platforms } : { layers: doc.layers?.length ?? 0, config: doc.config?.digest }) };
  const detail = doc.manifests ? `an index of ${platforms.length} platform(s): ${platforms.join(', ')}` : `a single manifest (${doc.layers?.length ?? 0} layer(s))`;
  return { detail, facts };
}

function fromCli(id: Decided, result: CliResult, tried: string[], what: string): Outcome<Decided> {
  if (result.exitCode === 0) {
    const described = describeManifest(result.stdout);
    return described
      ? supported(id, `${what}: ${described.detail}`, { tried, facts: described.facts })
      : unsupported(id, 'unexpected-result', `${tried[tried.length - 1]} exited 0 but printed no manifest`, { tried, error: result.stdout.slice(0, 500) });
  }
  const c = classifyCliFailure(result);
  const evidence = { tried, error: c.message, facts: { exitCode: result.exitCode } };
  return c.status === 'unknown' ? unknown(id, c.reason, firstLine(c.message), evidence) : unsupported(id, c.reason, firstLine(c.message), evidence);
}

export default defineProbe({
  id: 'image-remote-inspect',
  title: 'docker manifest inspect and docker buildx imagetools inspect of a remote image (CLI)',
  decides: ['image.manifest-inspect', 'image.imagetools-inspect'],
  needs: ['docker-cli'],
  async run(ctx) {
    const ref = stringOption(ctx.options, 'remoteImage') ?? DEFAULT_REMOTE_IMAGE;
    const run = (args: string[]) => ctx.cli.run(args, { signal: ctx.signal, timeoutMs: 30_000, env: { DOCKER_CLI_EXPERIMENTAL: 'enabled' } });

    // Loopback registries are plain HTTP to the engine; the CLI's own client must be told so.
    const manifestArgs = ['manifest', 'inspect', ...(isLoopbackRegistry(ref) ? ['--insecure'] : []), ref];
    const manifestTried = [`docker ${manifestArgs.join(' ')}`];
    ctx.record(fromCli('image.manifest-inspect', await run(manifestArgs), manifestTried, ref));

    // buildx is a plugin: ask it for its version first, so a missing plugin is said as such.
    const version = await run(['buildx', 'version']);
    if (version.exitCode !== 0) {
      const c = classifyCliFailure(version);
      const evidence = { tried: ['docker buildx version'], error: c.message, facts: { exitCode: version.exitCode } };
      ctx.record(c.reason === 'plugin-missing' ? unsupported('image.imagetools-inspect', 'plugin-missing', `the buildx plugin is not installed: ${firstLine(c.message)}`, evidence) : unknown('image.imagetools-inspect', c.reason, `docker buildx version failed: ${firstLine(c.message)}`, evidence));
      return;
    }
    const imagetoolsArgs = ['buildx', 'imagetools', 'inspect', '--raw', ref];
    const outcome = fromCli('image.imagetools-inspect', await run(imagetoolsArgs), ['docker buildx version', `docker ${imagetoolsArgs.join(' ')}`], ref);
    ctx.record({ ...outcome, evidence: { ...outcome.evidence, facts: { ...outcome.evidence.facts, buildx: firstLine(version.stdout) } } });
  },
});

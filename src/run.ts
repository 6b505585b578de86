/**
 * One whole run of `cap-probe all`: find the engine, resolve the probe image, run the probes, clean up,
 * and assemble the report for every selected row of the catalogue. Pure of output: returns data.
 */
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { toCapabilityResult } from './capability-result.js';
import { CATALOGUE, type CapabilityId } from './catalogue.js';
import type { AnyProbe, ProbeOptions } from './define-probe.js';
import { createDockerCli } from './docker-cli.js';
import { discoverEngine } from './engine.js';
import { CleanupLedger } from './ledger.js';
import { resolveProbeImage, type ImageResolution } from './probe-image.js';
import { ReportSchema, SCHEMA_VERSION, summarise, type CapabilityResult, type Report } from './report.js';
import { probesFor, runProbes, type Decided, type RunEvent } from './runner.js';
import { TOOL_VERSION } from './version.js';

export interface RunOptions {
  readonly probes: readonly AnyProbe[];
  readonly selected: ReadonlySet<CapabilityId>;
  readonly host?: string;
  readonly image?: string;
  readonly concurrency?: number;
  readonly probeTimeoutMs?: number;
  /** Aborted on Ctrl-C or the global deadline (with a RunStop reason). */
  readonly signal?: AbortSignal;
  readonly env?: NodeJS.ProcessEnv;
  readonly extraOptions?: Record<string, unknown>;
  readonly onEvent?: (event: RunEvent) => void;
  /** Reports the run's phases (engine, image, cleanup) for progress display. */
  readonly onPhase?: (phase: string) => void;
}

export function newRunId(): string {
  return randomBytes(4).toString('hex');
}

export async function runAll(options: RunOptions): Promise<Report> {
  const startedAt = new Date();
  const t0 = performance.now();
  const runId = newRunId();
  const ledger = new CleanupLedger(runId);
  const signal = options.signal ?? new AbortController().signal;
  const env = options.env ?? process.env;

  options.onPhase?.('finding the engine');
  const discovery = await discoverEngine({ ...(options.host ? { host: options.host } : {}), env });
  const engine = discovery.connection;
  const cli = createDockerCli(engine?.endpoint.url ?? options.host ?? env.DOCKER_HOST, env);
  const scheduled = probesFor(options.probes, options.selected);
  let imageResolution: ImageResolution = { image: null, attempts: [] };
  let cleanup: Report['cleanup'] = { removed: 0, failures: [] };
  let decided = new Map<CapabilityId, Decided>();
  let dockerCliVersion: string | null = null;

  try {
    const cliVersion = cli.run(['version', '--format', '{{.Client.Version}}'], { timeoutMs: 10_000 });
    if (engine && scheduled.some((p) => p.needs.includes('image'))) {
      options.onPhase?.('resolving the probe image');
      imageResolution = await resolveProbeImage({ docker: engine.docker, ledger, engineArch: engine.facts.arch, ...(options.image ? { requested: options.image } : {}), signal });
    }
    const version = await cliVersion;
    dockerCliVersion = version.missing ? null : version.stdout.trim() || null;

    const tried = discovery.attempts.map((a) => `${a.url} (${a.why}): ${a.ok ? 'answered' : a.error ?? 'no answer'}`);
    const imageTried = imageResolution.attempts.map((a) => `${a.strategy} ${a.candidate}: ${a.detail}`);
    const probeOptions: ProbeOptions = { publishedPortHost: engine?.publishedPortHost ?? '127.0.0.1', ...options.extraOptions };

    decided = await runProbes({
      probes: options.probes,
      selected: options.selected,
      engine,
      engineUnreachable: { detail: `no engine answered; tried ${discovery.attempts.map((a) => a.url).join(', ') || 'nothing'}`, tried },
      image: imageResolution.image,
      imageUnavailable: { detail: `no runnable image: ${imageResolution.hint ?? 'none found'}`, tried: imageTried },
      cliAvailable: dockerCliVersion !== null,
      cli,
      resources: ledger,
      runId,
      options: probeOptions,
      concurrency: options.concurrency ?? 4,
      probeTimeoutMs: options.probeTimeoutMs ?? 90_000,
      signal,
      ...(options.onEvent ? { onEvent: options.onEvent } : {}),
    });
  } finally {
    options.onPhase?.('cleaning up');
    cleanup = await ledger.cleanup(engine?.docker ?? null);
    cli.dispose();
  }

  const capabilities: CapabilityResult[] = CATALOGUE.filter((c) => options.selected.has(c.id)).map((c) => {
    const hit = decided.get(c.id);
    return toCapabilityResult(c, hit?.outcome, hit?.probe ?? null);
  });

  const report: Report = {
    schemaVersion: SCHEMA_VERSION,
    tool: { name: 'cap-probe', version: TOOL_VERSION },
    runId,
    startedAt: startedAt.toISOString(),
    durationMs: Math.round(performance.now() - t0),
    interrupted: signal.aborted,
    environment: {
      host: { platform: process.platform, arch: process.arch, node: process.version, hostname: hostname() },
      engine: {
        endpoint: engine?.endpoint.url ?? null,
        source: engine?.endpoint.source ?? null,
        why: engine ? engine.endpoint.why : `no engine answered on ${discovery.attempts.length} endpoint(s)`,
        attempts: discovery.attempts,
        facts: engine?.facts ?? null,
      },
      probeImage: {
        ref: imageResolution.image?.ref ?? null,
        source: imageResolution.image?.source ?? null,
        why: imageResolution.image?.why ?? imageResolution.hint ?? (engine ? 'not needed by the selected probes' : 'no engine'),
        attempts: imageResolution.attempts,
      },
      dockerCli: { version: dockerCliVersion },
    },
    summary: summarise(capabilities),
    capabilities,
    cleanup,
  };
  // The schema is the contract: a report that breaks it is a bug caught here, not in a user's CI.
  return ReportSchema.parse(report);
}

/**
 * Test support for probes against the real engine: run one probe (or a few) through the real runner,
 * and take ground truth independently with the docker CLI.
 */
import { execa } from 'execa';
import type { CapabilityId } from '../../src/catalogue.js';
import type { AnyProbe } from '../../src/define-probe.js';
import type { CapabilityResult, Report } from '../../src/report.js';
import { runAll, type RunOptions } from '../../src/run.js';

/** The image the test environment builds from busybox-static (scripts/test-env.sh). */
export const TEST_IMAGE = process.env.CAP_PROBE_TEST_IMAGE ?? 'cap-probe-test/busybox:latest';

export interface GroundTruth {
  readonly ok: boolean;
  readonly exitCode: number | undefined;
  readonly stdout: string;
  readonly stderr: string;
}

/** The docker CLI doing the same operation, independently of cap-probe. */
export async function docker(args: readonly string[], options: { input?: string; timeoutMs?: number; env?: Record<string, string> } = {}): Promise<GroundTruth> {
  const result = await execa('docker', args, { reject: false, input: options.input ?? '', timeout: options.timeoutMs ?? 60_000, ...(options.env ? { env: options.env } : {}) });
  return { ok: result.exitCode === 0, exitCode: result.exitCode, stdout: String(result.stdout), stderr: String(result.stderr) };
}

/** Runs the given probes through the real runner, selecting exactly the capabilities they decide. */
export async function runProbes(probes: readonly AnyProbe[], options: Partial<RunOptions> = {}): Promise<Report> {
  const selected = new Set<CapabilityId>(probes.flatMap((p) => p.decides));
  return runAll({ probes, selected, image: TEST_IMAGE, ...options });
}

export function verdict(report: Report, id: CapabilityId): CapabilityResult {
  const row = report.capabilities.find((c) => c.id === id);
  if (!row) throw new Error(`no row ${id} in the report`);
  return row;
}

/** Everything cap-probe could have left: resources carrying the tool's label, by kind. */
export async function leftovers(runId: string): Promise<string[]> {
  const label = `label=io.cap-probe.run=${runId}`;
  const lists = await Promise.all([
    docker(['ps', '-aq', '--filter', label]),
    docker(['network', 'ls', '-q', '--filter', label]),
    docker(['volume', 'ls', '-q', '--filter', label]),
    docker(['images', '-q', '--filter', label]),
  ]);
  return lists.flatMap((l) => l.stdout.split('\n').filter(Boolean));
}

/** What the verdict must be, given whether the CLI could do it. */
export function expectedStatus(truth: GroundTruth | boolean): 'supported' | 'unsupported' {
  const ok = typeof truth === 'boolean' ? truth : truth.ok;
  return ok ? 'supported' : 'unsupported';
}

/** A unique name for ground-truth resources a test creates itself (and removes in its own finally). */
export function truthName(what: string): string {
  return `cap-probe-truth-${what}-${Math.random().toString(16).slice(2, 8)}`;
}

/** The shell snippet a client container uses to fetch the token served by serveTokenCommand. */
export function ncFetch(host: string, port: number): string {
  return `for i in 1 2 3 4 5 6 7 8 9 10; do printf 'GET /index.html HTTP/1.0\\r\\n\\r\\n' | nc ${host} ${port} 2>&1 | grep -q cap-probe-ok && exit 0; sleep 0.5; done; exit 1`;
}

/**
 * `cap-probe diff` through the built CLI, on a real matrix from this engine and altered copies of it
 * (the two-engine diff is test/integration/engines.test.ts).
 */
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Report } from '../../src/report.js';
import { leftovers } from '../support/harness.js';
import { cli, readMatrix, scratch, writeJson } from '../support/cli.js';

const dir = scratch('diff');
const basePath = join(dir, 'a.json');
let base: Report;

beforeAll(async () => {
  const run = await cli(['all', '--only', 'network', '--json', '-o', basePath]);
  expect(run.exitCode, run.stderr).toBe(0);
  base = readMatrix(basePath);
  expect(await leftovers(base.runId)).toEqual([]);
}, 180_000);

/** A copy of the matrix as if another environment had refused one capability. */
function refusedCopy(id: string, label: string): Report {
  return {
    ...base,
    runId: `${base.runId}-${label}`,
    capabilities: base.capabilities.map((c) =>
      c.id === id ? { ...c, status: 'unsupported', reason: 'refused-by-engine', detail: `refused in ${label}`, evidence: { tried: ['POST /networks/create'], error: `refused in ${label}` } } : c,
    ),
  };
}

describe('cap-probe diff', () => {
  it('shows only the differing rows with each verdict and reason, and an environment line per column', async () => {
    const bPath = writeJson(join(dir, 'b.json'), refusedCopy('network.create', 'b'));
    const result = await cli(['diff', basePath, bPath]);
    expect(result.exitCode, result.stderr).toBe(0);
    expect(result.stdout).toContain(`[1] ${basePath}: ${base.environment.engine.facts?.engine}`);
    expect(result.stdout).toContain(`[2] ${bPath}: `);
    expect(result.stdout).toContain(`1 of ${base.capabilities.length} rows differ`);
    const rows = result.stdout.split('\n').filter((l) => l.startsWith('  ≠ '));
    expect(rows.map((r) => r.split(/\s+/)[2])).toEqual(['network.create']);
    expect(result.stdout).toContain('[2] ✘ unsupported [refused-by-engine]: refused in b');
  });

  it('compares three matrices, --all shows every row, --exit-code fails on a difference', async () => {
    const bPath = writeJson(join(dir, 'b3.json'), refusedCopy('network.create', 'b'));
    const cPath = writeJson(join(dir, 'c3.json'), refusedCopy('network.rm', 'c'));
    const json = await cli(['diff', basePath, bPath, cPath, '--json']);
    expect(json.exitCode).toBe(0);
    const parsed = JSON.parse(json.stdout) as { columns: unknown[]; differing: number; rows: Array<{ id: string; cells: Array<{ status: string }> }> };
    expect(parsed.columns).toHaveLength(3);
    expect(parsed.rows.map((r) => r.id).sort()).toEqual(['network.create', 'network.rm']);

    const all = await cli(['diff', basePath, bPath, '--all', '--json']);
    expect((JSON.parse(all.stdout) as { rows: unknown[] }).rows).toHaveLength(base.capabilities.length);

    expect((await cli(['diff', basePath, bPath, '--exit-code'])).exitCode).toBe(1);
    expect((await cli(['diff', basePath, basePath, '--exit-code'])).exitCode).toBe(0);
  });

  it('refuses matrices of another schema version, and non-matrices, with exit 2', async () => {
    const future = writeJson(join(dir, 'v2.json'), { ...base, schemaVersion: 2 });
    const refused = await cli(['diff', basePath, future]);
    expect(refused.exitCode).toBe(2);
    expect(refused.stderr).toContain(`${future}: matrix schemaVersion 2 is not supported`);
    const notMatrix = writeJson(join(dir, 'list.json'), [1, 2]);
    expect((await cli(['diff', basePath, notMatrix])).stderr).toContain('not a cap-probe matrix');
    expect((await cli(['diff', basePath])).exitCode).toBe(2);
  });
});

/**
 * `cap-probe check` through the built CLI: exit 0 when every expectation holds, 1 when any does not (each listed
 * with its observed reason), 2 on bad input — on a saved matrix and on a live run against the real engine.
 * Expected verdicts are taken from a real matrix made in this test, never from a belief about this machine.
 */
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { leftovers } from '../support/harness.js';
import { cli, matrixValidator, readMatrix, scratch, writeJson } from '../support/cli.js';
import type { Report } from '../../src/report.js';

const dir = scratch('check');
const matrixPath = join(dir, 'network.json');
let matrix: Report;

const opposite = (status: string) => (status === 'supported' ? 'unsupported' : 'supported');

beforeAll(async () => {
  const run = await cli(['all', '--only', 'network', '--json', '--output', matrixPath]);
  expect(run.exitCode, run.stderr).toBe(0);
  matrix = readMatrix(matrixPath);
  expect(await leftovers(matrix.runId)).toEqual([]);
  expect((await matrixValidator())(matrix)).toEqual([]);
}, 180_000);

describe('cap-probe check --from a saved matrix', () => {
  it('exits 0 when every expectation holds', async () => {
    const expect_ = Object.fromEntries(matrix.capabilities.map((c) => [c.id, c.status]));
    const file = writeJson(join(dir, 'holds.json'), { expect: expect_ });
    const result = await cli(['check', '--expect', file, '--from', matrixPath]);
    expect(result.exitCode, result.stdout + result.stderr).toBe(0);
    expect(result.stdout).toContain(`all ${matrix.capabilities.length} expectations`);
  });

  it('exits 1 and lists each failing expectation with the observed verdict and reason', async () => {
    const [first, second] = matrix.capabilities;
    if (!first || !second) throw new Error('the network matrix has fewer than two rows');
    // A glob for the section, overridden for two rows by their exact ids (the exact id wins wherever it is written).
    const file = writeJson(join(dir, 'fails.json'), {
      expect: { [first.id]: opposite(first.status), 'network.*': 'any', [second.id]: opposite(second.status) },
    });
    const result = await cli(['check', '--expect', file, '--from', matrixPath]);
    expect(result.exitCode).toBe(1);
    const failures = result.stdout.split('\n').filter((l) => l.startsWith('FAIL '));
    expect(failures.map((l) => l.split(':')[0])).toEqual([`FAIL ${first.id}`, `FAIL ${second.id}`]);
    for (const [line, row] of [[failures[0], first], [failures[1], second]] as const) {
      expect(line).toContain(`expected ${opposite(row.status)}`);
      expect(line).toContain(`observed ${row.status}${row.reason ? ` [${row.reason}]` : ''}: ${row.detail}`);
    }
  });

  it('writes the failures as JUnit and as JSON with the same exit code', async () => {
    const [first] = matrix.capabilities;
    if (!first) throw new Error('empty matrix');
    const file = writeJson(join(dir, 'one-fails.json'), { expect: { [first.id]: opposite(first.status) } });
    const junit = await cli(['check', '--expect', file, '--from', matrixPath, '--format', 'junit']);
    expect(junit.exitCode).toBe(1);
    expect(junit.stdout).toMatch(new RegExp(`<testcase name="${first.id.replace(/\./g, '\\.')}"[^>]*>\\s*<failure `));
    const json = await cli(['check', '--expect', file, '--from', matrixPath, '--json']);
    expect(json.exitCode).toBe(1);
    const parsed = JSON.parse(json.stdout) as { ok: boolean; failures: Array<{ id: string; observed: { status: string } }> };
    expect(parsed.ok).toBe(false);
    expect(parsed.failures.map((f) => f.id)).toEqual([first.id]);
  });

  it('exits 2 naming the path in the file for an invalid expectation file', async () => {
    const badValue = writeJson(join(dir, 'bad-value.json'), { expect: { 'network.create': 'yes' } });
    const result = await cli(['check', '--expect', badValue, '--from', matrixPath]);
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toContain(`${badValue}: at expect["network.create"]`);

    const badPattern = writeJson(join(dir, 'bad-pattern.json'), { expect: { 'netwrk.*': 'supported' } });
    const pattern = await cli(['check', '--expect', badPattern, '--from', matrixPath]);
    expect(pattern.exitCode).toBe(2);
    expect(pattern.stderr).toContain(`${badPattern}: at expect["netwrk.*"]: matches no capability`);

    const extraKey = writeJson(join(dir, 'extra-key.json'), { expected: {} });
    const extra = await cli(['check', '--expect', extraKey, '--from', matrixPath]);
    expect(extra.exitCode).toBe(2);
    expect(extra.stderr).toContain(`${extraKey}: at expect`);
  });

  it('exits 2 for a missing or malformed file and for a matrix of another schema version', async () => {
    const missing = await cli(['check', '--expect', join(dir, 'nope.json'), '--from', matrixPath]);
    expect(missing.exitCode).toBe(2);
    expect(missing.stderr).toContain('cannot read expectation file');

    const notJson = join(dir, 'not-json.json');
    (await import('node:fs')).writeFileSync(notJson, '{ "expect": ');
    const malformed = await cli(['check', '--expect', notJson, '--from', matrixPath]);
    expect(malformed.exitCode).toBe(2);
    expect(malformed.stderr).toContain('not valid JSON');

    const future = writeJson(join(dir, 'future.json'), { ...matrix, schemaVersion: 99 });
    const refused = await cli(['check', '--expect', 'document', '--from', future]);
    expect(refused.exitCode).toBe(2);
    expect(refused.stderr).toContain('schemaVersion 99 is not supported: this cap-probe reads schemaVersion 1');

    const broken = writeJson(join(dir, 'broken.json'), { ...matrix, capabilities: [{ ...matrix.capabilities[0], status: 'maybe' }] });
    const invalid = await cli(['check', '--expect', 'document', '--from', broken]);
    expect(invalid.exitCode).toBe(2);
    expect(invalid.stderr).toContain('at capabilities[0].status');
  });
});

describe('cap-probe check on a live run', () => {
  it('probes exactly the expected capabilities against the engine and exits 0 or 1 by what it observed', async () => {
    const anyFile = writeJson(join(dir, 'live-any.json'), { expect: { 'network.ls': 'any', 'network.inspect': 'any' } });
    const passing = await cli(['check', '--expect', anyFile, '--json']);
    expect(passing.exitCode, passing.stderr).toBe(0);
    const observed = JSON.parse(passing.stdout) as { runId: string; items: Array<{ id: string; observed: { status: string } | null }> };
    expect(await leftovers(observed.runId)).toEqual([]);
    expect(observed.items.map((i) => i.id)).toEqual(['network.ls', 'network.inspect']);

    // Expect the opposite of what this very engine just showed: the check must fail and say so.
    const ls = observed.items[0]?.observed?.status ?? 'unknown';
    const failFile = writeJson(join(dir, 'live-fail.json'), { expect: { 'network.ls': opposite(ls) } });
    const failing = await cli(['check', '--expect', failFile, '--json']);
    expect(failing.exitCode).toBe(1);
    const failed = JSON.parse(failing.stdout) as { runId: string; failures: Array<{ id: string; expected: string; observed: { status: string } }> };
    expect(failed.failures).toMatchObject([{ id: 'network.ls', expected: opposite(ls), observed: { status: ls } }]);
    expect(await leftovers(failed.runId)).toEqual([]);
  }, 180_000);
});

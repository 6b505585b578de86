/** However a run ends — Ctrl-C, the global deadline — what it made is removed and the report says why. */
import { describe, expect, it } from 'vitest';
import { ReportSchema } from '../../src/report.js';
import { cli, spawnCli } from '../support/cli.js';
import { leftovers } from '../support/harness.js';

describe('ending a run early', () => {
  it('on Ctrl-C: exit 130, the partial matrix, undecided rows "aborted", nothing left behind', async () => {
    const child = spawnCli(['all', '--json', '--only', 'container,network,volume']);
    // Interrupt once probes have created resources.
    await new Promise((r) => setTimeout(r, 2_500));
    child.kill('SIGINT');
    const result = await child;
    expect(result.exitCode).toBe(130);
    const report = ReportSchema.parse(JSON.parse(String(result.stdout)));
    expect(report.interrupted).toBe(true);
    expect(report.capabilities.some((c) => c.reason === 'aborted')).toBe(true);
    expect(String(result.stderr)).toMatch(/interrupted/);
    expect(await leftovers(report.runId)).toEqual([]);
  });

  it('on --timeout: exit 3, undecided rows "deadline", nothing left behind', async () => {
    const run = await cli(['all', '--json', '--only', 'container,network,volume', '--timeout', '1500ms']);
    expect(run.exitCode).toBe(3);
    const report = ReportSchema.parse(JSON.parse(run.stdout));
    expect(report.capabilities.some((c) => c.reason === 'deadline')).toBe(true);
    expect(await leftovers(report.runId)).toEqual([]);
  });

  it('with --output: the file is complete, and stdout is empty', async () => {
    const file = `/tmp/cap-probe-output-${process.pid}.json`;
    const run = await cli(['all', '--only', 'network.ls', '--json', '--output', file]);
    expect(run.exitCode).toBe(0);
    expect(run.stdout).toBe('');
    const { readFileSync, rmSync } = await import('node:fs');
    expect(ReportSchema.parse(JSON.parse(readFileSync(file, 'utf8'))).capabilities).toHaveLength(1);
    rmSync(file);
  });

  it('with --output to an unwritable place: one line, exit 2, no file', async () => {
    const run = await cli(['all', '--only', 'network.ls', '--json', '--output', '/nonexistent-dir/x.json']);
    expect(run.exitCode).toBe(2);
    expect(run.stderr.trim().split('\n')).toHaveLength(1);
  });
});

/**
 * Test support for the command line: spawn the BUILT cli (`node dist/src/bin.js`, built by `npx tsc -p .` /
 * `npm run build`) exactly as a user or a CI job would, and read what it wrote.
 */
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import { Ajv2020 } from 'ajv/dist/2020.js';
import type { Report } from '../../src/report.js';

export const BIN = fileURLToPath(new URL('../../dist/src/bin.js', import.meta.url));

export interface CliResult {
  readonly exitCode: number;
  readonly stdout: string;
  readonly stderr: string;
}

export async function cli(args: readonly string[], options: { env?: Record<string, string>; timeoutMs?: number } = {}): Promise<CliResult> {
  if (!existsSync(BIN)) throw new Error(`${BIN} is missing: build first (npx tsc -p . or npm run build)`);
  const result = await execa('node', [BIN, ...args], { reject: false, timeout: options.timeoutMs ?? 300_000, env: { NO_COLOR: '1', ...options.env }, stdin: 'ignore' });
  return { exitCode: result.exitCode ?? -1, stdout: String(result.stdout), stderr: String(result.stderr) };
}

/** A fresh folder for the files one test writes. */
export function scratch(prefix: string): string {
  return mkdtempSync(join(tmpdir(), `cap-probe-${prefix}-`));
}

export function readMatrix(path: string): Report {
  return JSON.parse(readFileSync(path, 'utf8')) as Report;
}

export function writeJson(path: string, value: unknown): string {
  writeFileSync(path, `${JSON.stringify(value, null, 2)}\n`);
  return path;
}

/** The JSON Schema `cap-probe schema` prints, compiled by a real JSON Schema (draft 2020-12) validator. */
export async function matrixValidator(): Promise<(data: unknown) => string[]> {
  const printed = await cli(['schema']);
  if (printed.exitCode !== 0) throw new Error(`cap-probe schema failed: ${printed.stderr}`);
  const schema = JSON.parse(printed.stdout) as Record<string, unknown>;
  const ajv = new Ajv2020({ strict: true, allErrors: true });
  const validate = ajv.compile(schema);
  return (data) => (validate(data) ? [] : (validate.errors ?? []).map((e) => `${e.instancePath} ${e.message ?? ''}`));
}

/** Starts the built CLI without waiting, for tests that signal it (Ctrl-C). */
export function spawnCli(args: readonly string[], env: Record<string, string> = {}) {
  return execa('node', [BIN, ...args], { reject: false, env: { NO_COLOR: '1', ...env }, stdin: 'ignore' });
}

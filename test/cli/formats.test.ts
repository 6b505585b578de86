/**
 * Output formats through the built CLI, on real runs against the engine: the JSON Schema from `cap-probe schema`
 * validates the matrix, JSON Lines rows validate against its capability item and arrive as a stream, the Markdown
 * has the document's tables, JUnit is read by a real JUnit consumer, and `explain` shows the evidence.
 */
import { join } from 'node:path';
import { readFileSync } from 'node:fs';
import { execa } from 'execa';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { XMLParser } from 'fast-xml-parser';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Report } from '../../src/report.js';
import { leftovers } from '../support/harness.js';
import { BIN, cli, matrixValidator, readMatrix, scratch } from '../support/cli.js';

const dir = scratch('formats');
const matrixPath = join(dir, 'matrix.json');
let matrix: Report;

beforeAll(async () => {
  const run = await cli(['all', '--only', 'network,image.tag,container.run.privileged', '--json', '-o', matrixPath]);
  expect(run.exitCode, run.stderr).toBe(0);
  matrix = readMatrix(matrixPath);
  expect(await leftovers(matrix.runId)).toEqual([]);
}, 180_000);

describe('cap-probe schema', () => {
  it('prints a draft 2020-12 JSON Schema that validates the matrix and rejects a broken one', async () => {
    const validate = await matrixValidator();
    expect(validate(matrix)).toEqual([]);
    expect(validate({ ...matrix, capabilities: [{ ...matrix.capabilities[0], status: 'maybe' }] }).join()).toContain('/capabilities/0/status');
    const printed = JSON.parse((await cli(['schema'])).stdout) as { $schema: string };
    expect(printed.$schema).toBe('https://json-schema.org/draft/2020-12/schema');
  });
});

describe('--format jsonl', () => {
  it('writes one schema-valid row per line, every selected capability once', async () => {
    const printed = JSON.parse((await cli(['schema'])).stdout) as { properties: { capabilities: { items: object } } };
    const validateRow = new Ajv2020({ strict: true }).compile(printed.properties.capabilities.items);
    const run = await cli(['all', '--only', 'network', '--format', 'jsonl']);
    expect(run.exitCode, run.stderr).toBe(0);
    const lines = run.stdout.trimEnd().split('\n');
    const rows = lines.map((l) => JSON.parse(l) as { id: string; probe: string | null });
    for (const row of rows) expect(validateRow(row), JSON.stringify(validateRow.errors)).toBe(true);
    expect(rows.map((r) => r.id).sort()).toEqual(matrix.capabilities.filter((c) => c.section === 'network').map((c) => c.id).sort());
    // Rows carry no run id, but the names of what the run created do (cap-probe-<run>-...).
    const runId = /cap-probe-([0-9a-f]{8})-/.exec(run.stdout)?.[1];
    expect(runId).toBeDefined();
    expect(await leftovers(runId ?? '')).toEqual([]);
  });

  it('streams: the first row is out before the run ends', async () => {
    const child = execa('node', [BIN, 'all', '--only', 'network', '--format', 'jsonl'], { reject: false, env: { NO_COLOR: '1' } });
    let firstLineAt = 0;
    child.stdout?.once('data', () => {
      firstLineAt = Date.now();
    });
    const result = await child;
    const endedAt = Date.now();
    expect(result.exitCode).toBe(0);
    expect(firstLineAt).toBeGreaterThan(0);
    // The run creates, connects and removes containers and a network after its first verdict: seconds, not ms.
    expect(endedAt - firstLineAt).toBeGreaterThan(200);
  });
});

describe('--format markdown', () => {
  it("renders the document's command tables and Registry Access Matrix header, with the claim where they disagree", async () => {
    const run = await cli(['all', '--only', 'network,container.run.privileged,registry.ecr-private.push', '--format', 'markdown']);
    expect(run.exitCode, run.stderr).toBe(0);
    const md = run.stdout;
    expect(await leftovers(/^Run `([0-9a-f]+)`/m.exec(md)?.[1] ?? 'missing')).toEqual([]);
    expect(md).toContain('### ✅ Supported Docker Commands');
    expect(md).toContain('### ❓ Unknown Docker Commands');
    expect(md).toContain('### ❌ Unsupported Docker Commands');
    expect(md).toContain('## 📊 Registry Access Matrix');
    expect(md).toContain('| Registry | Pull Public | Pull Private | Push | Auth Method | Rate Limits |');
    // Every table row has as many cells as its header.
    const tables = md.split('\n\n').filter((b) => b.startsWith('|'));
    for (const table of tables) {
      const widths = table.split('\n').map((l) => l.replace(/\\\|/g, '').split('|').length);
      expect(new Set(widths).size, table).toBe(1);
    }
  });
});

describe('all --from', () => {
  it('renders a saved matrix in another format without probing, and refuses another schema version', async () => {
    const md = await cli(['all', '--from', matrixPath, '--format', 'markdown']);
    expect(md.exitCode, md.stderr).toBe(0);
    expect(md.stdout).toContain(`Run \`${matrix.runId}\``);
    const jsonl = await cli(['all', '--from', matrixPath, '--format', 'jsonl']);
    expect(jsonl.stdout.trimEnd().split('\n').map((l) => (JSON.parse(l) as { id: string }).id)).toEqual(matrix.capabilities.map((c) => c.id));
    const future = join(dir, 'future.json');
    (await import('node:fs')).writeFileSync(future, JSON.stringify({ ...matrix, schemaVersion: 7 }));
    const refused = await cli(['all', '--from', future, '--format', 'markdown']);
    expect(refused.exitCode).toBe(2);
    expect(refused.stderr).toContain('schemaVersion 7 is not supported');
  });
});

describe('--format junit', () => {
  it('is read by a real JUnit consumer (python junitparser) and has one testcase per capability, by section', async () => {
    const xmlPath = join(dir, 'report.xml');
    const run = await cli(['all', '--only', 'network,volume.ls', '--format', 'junit', '-o', xmlPath]);
    expect(run.exitCode, run.stderr).toBe(0);
    const xml = readFileSync(xmlPath, 'utf8');
    expect(await leftovers(/<property name="run" value="([0-9a-f]+)"/.exec(xml)?.[1] ?? 'missing')).toEqual([]);
    const parsed = new XMLParser({ ignoreAttributes: false, isArray: (name) => ['testsuite', 'testcase'].includes(name) }).parse(xml) as {
      testsuites: { testsuite: Array<{ '@_name': string; '@_tests': string; testcase: Array<{ '@_name': string }> }> };
    };
    const suites = parsed.testsuites.testsuite;
    expect(suites.map((s) => s['@_name'])).toEqual(['Network Operations', 'Volume Operations']);
    for (const s of suites) expect(Number(s['@_tests'])).toBe(s.testcase.length);

    const consumer = await execa(
      '/usr/bin/python3',
      ['-c', 'import sys, json\nfrom junitparser import JUnitXml\nx = JUnitXml.fromfile(sys.argv[1])\nprint(json.dumps([[s.name, s.tests, s.failures, [c.name for c in s]] for s in x]))', xmlPath],
      { reject: false },
    );
    expect(consumer.exitCode, `${consumer.stderr} (python3-junitparser comes from scripts/env/40-podman.sh)`).toBe(0);
    const read = JSON.parse(consumer.stdout) as Array<[string, number, number, string[]]>;
    expect(read.map(([name]) => name)).toEqual(['Network Operations', 'Volume Operations']);
    expect(read.flatMap(([, , , cases]) => cases).sort()).toEqual(['network.connect', 'network.create', 'network.inspect', 'network.ls', 'network.rm', 'volume.ls']);
    expect(read.every(([, , failures]) => failures === 0)).toBe(true);
  });
});

describe('cap-probe explain', () => {
  it('explains a capability: meaning, probe, the saved verdict with its evidence, and advice for its reason', async () => {
    const row = matrix.capabilities.find((c) => c.id === 'container.run.privileged');
    if (!row) throw new Error('no container.run.privileged row');
    const result = await cli(['explain', row.id, '--from', matrixPath]);
    expect(result.exitCode, result.stderr).toBe(0);
    expect(result.stdout).toContain(`${row.id} — ${row.title}`);
    expect(result.stdout).toContain(`The document: ${row.documented}`);
    expect(result.stdout).toContain(`${row.status}${row.reason ? ` [${row.reason}]` : ''}: ${row.detail}`);
    for (const tried of row.evidence.tried) expect(result.stdout).toContain(`tried: ${tried}`);
    if (row.reason) expect(result.stdout).toMatch(new RegExp(`\\n  ${row.reason}\\n    causes: .+\\n    what to do: .+`));
  });

  it('explains a reason code, and exits 2 for an unknown id', async () => {
    const reason = await cli(['explain', 'dns']);
    expect(reason.exitCode).toBe(0);
    expect(reason.stdout).toContain('causes:');
    const unknown = await cli(['explain', 'container.fly']);
    expect(unknown.exitCode).toBe(2);
    expect(unknown.stderr).toContain('no such capability');
  });
});

/** The pure renderers and the check/diff logic, on reports made in memory. */
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { describe, expect, it } from 'vitest';
import { diffMatrices, renderDiffText } from '../../src/diff.js';
import { documentExpectations, evaluate, parseExpectations, renderCheckText } from '../../src/expectations.js';
import { CapabilityResultSchema } from '../../src/report.js';
import { renderJsonl, renderJsonlLine } from '../../src/reporters/jsonl.js';
import { junitXml, renderJunit, xmlEscape } from '../../src/reporters/junit.js';
import { cell, renderMarkdown } from '../../src/reporters/markdown.js';
import { fakeReport } from './fixtures.js';

const report = fakeReport({
  'image.ls': { status: 'supported', reason: null, detail: 'listed' },
  'container.run.privileged': { status: 'unsupported', reason: 'refused-by-engine', detail: 'unable to apply caps: <operation> not "permitted" & so on\x1b[31m' },
  'container.run.host-network': { status: 'supported', reason: null, detail: 'answered on 127.0.0.1' },
  'build.classic': { status: 'unknown', reason: 'timeout', detail: 'build | took too long' },
  'registry.dockerhub.pull-public': { status: 'unsupported', reason: 'dns', detail: 'no such host' },
  'registry.dockerhub.auth-method': { status: 'supported', reason: null, detail: 'Bearer', evidence: { tried: ['GET /v2/'], facts: { summary: 'Bearer token' } } },
  'security.egress-proxy': { status: 'supported', reason: null, detail: 'proxy at http://proxy:3128' },
});

describe('markdown', () => {
  const md = renderMarkdown(report);

  it("places each row in the table of its observed verdict, in the document's layout", () => {
    const supported = md.slice(md.indexOf('### ✅ Supported'), md.indexOf('### ❓ Unknown'));
    const unknown = md.slice(md.indexOf('### ❓ Unknown'), md.indexOf('### ❌ Unsupported'));
    const unsupported = md.slice(md.indexOf('### ❌ Unsupported'), md.indexOf('## 📊 Registry Access Matrix'));
    expect(supported).toContain('`image.ls`');
    expect(supported).toContain('`container.run.host-network`');
    expect(unknown).toContain('`build.classic`');
    expect(unsupported).toContain('`container.run.privileged`');
  });

  it("shows the document's claim only where it disagrees", () => {
    const line = (id: string) => md.split('\n').find((l) => l.includes(`\`${id}\``)) ?? '';
    expect(line('container.run.host-network').trim().endsWith('| ❌ No (unconfirmed) |')).toBe(true);
    expect(line('image.ls').trim().endsWith('|  |')).toBe(true);
    expect(line('build.classic')).toContain('`timeout`: build \\| took too long');
  });

  it('fills the Registry Access Matrix row from observation', () => {
    const row = md.split('\n').find((l) => l.startsWith('| **Docker Hub**')) ?? '';
    expect(row).toContain('❌ No (`dns`) — document: ✅ Yes');
    expect(row).toContain('Bearer token');
    expect(row.split(' | ')).toHaveLength(6);
  });

  it('escapes pipes and newlines in cells', () => {
    expect(cell('a | b\nc')).toBe('a \\| b c');
  });
});

describe('junit', () => {
  it('is well-formed XML with one suite per section and one case per capability; unknown is skipped', () => {
    const xml = renderJunit(report);
    expect(XMLValidator.validate(xml)).toBe(true);
    const doc = new XMLParser({ ignoreAttributes: false, isArray: (n) => ['testsuite', 'testcase'].includes(n) }).parse(xml) as {
      testsuites: { '@_tests': string; '@_failures': string; testsuite: Array<{ '@_name': string; testcase: Array<{ '@_name': string; skipped?: unknown; failure?: unknown }> }> };
    };
    expect(doc.testsuites['@_tests']).toBe(String(report.capabilities.length));
    expect(doc.testsuites['@_failures']).toBe('0');
    expect(doc.testsuites.testsuite.map((s) => s['@_name'])).toEqual(['Image Operations', 'Unknown Docker Commands (not documented)', 'Unsupported Docker Commands', 'Registry Access Matrix', 'Network Access & Security']);
    const build = doc.testsuites.testsuite.flatMap((s) => s.testcase).find((c) => c['@_name'] === 'build.classic');
    expect(build?.skipped).toBeDefined();
  });

  it('turns failed expectations into failures, including rows missing from the matrix', () => {
    const set = parseExpectations({ expect: { 'container.run.*': 'unsupported', 'volume.ls': 'supported' } }, 'ci.json');
    const check = evaluate(report, set);
    const xml = junitXml(report, check);
    expect(XMLValidator.validate(xml)).toBe(true);
    expect(xml).toContain('<testcase name="container.run.host-network" classname="cap-probe.unsupported-commands"');
    expect(xml).toMatch(/name="container.run.host-network"[^>]*>\s*<failure message="expected unsupported, observed supported/);
    expect(xml).toMatch(/name="volume.ls"[^>]*>\s*<failure message="expected supported, observed no row in the matrix"/);
    expect(xml).not.toContain('\x1b');
  });

  it('escapes markup and strips characters XML forbids', () => {
    expect(xmlEscape('<a href="x">&\'\u0001')).toBe('&lt;a href=&quot;x&quot;&gt;&amp;&apos;');
  });
});

describe('jsonl', () => {
  it('writes one schema-valid capability row per line', () => {
    const lines = renderJsonl(report).trimEnd().split('\n');
    expect(lines).toHaveLength(report.capabilities.length);
    for (const line of lines) expect(CapabilityResultSchema.safeParse(JSON.parse(line)).success).toBe(true);
    expect(renderJsonlLine(report.capabilities[0]!)).toMatch(/^\{.*\}\n$/);
  });
});

describe('expectations', () => {
  it('lets the exact id win over a glob wherever it is written, and a later glob win over an earlier one', () => {
    const set = parseExpectations({ expect: { 'container.run.host-network': 'supported', 'container.run.*': 'unsupported', 'container.*': 'any' } }, 'f.json');
    const of = (id: string) => set.expectations.find((e) => e.id === id)?.expected;
    expect(of('container.run.host-network')).toBe('supported');
    expect(of('container.run.privileged')).toBe('any');
  });

  it('names the path of every problem in the file', () => {
    expect(() => parseExpectations({ expect: { 'image.ls': 'maybe' } }, 'f.json')).toThrow(/f\.json: at expect\["image\.ls"\]/);
    expect(() => parseExpectations({ expect: { 'no.such.*': 'any' } }, 'f.json')).toThrow(/at expect\["no\.such\.\*"\]: matches no capability/);
    expect(() => parseExpectations({ expect: {}, extra: 1 }, 'f.json')).toThrow(/f\.json: at \(top level\)/);
  });

  it('the document set expects each documented claim and accepts anything on n/a rows', () => {
    const check = evaluate(report, documentExpectations());
    const failed = check.failures.filter((f) => f.observed).map((f) => f.id);
    // build.classic: documented unknown, observed unknown — holds.
    expect(failed.sort()).toEqual(['container.run.host-network', 'registry.dockerhub.pull-public']);
    expect(check.items.find((i) => i.id === 'registry.dockerhub.auth-method')?.expected).toBe('any');
    expect(renderCheckText(check)).toContain('FAIL container.run.host-network: expected unsupported, observed supported: answered on 127.0.0.1');
  });
});

describe('diff', () => {
  const other = fakeReport(
    {
      'image.ls': { status: 'supported', reason: null, detail: 'listed' },
      'container.run.privileged': { status: 'unsupported', reason: 'unexpected-result', detail: 'caps missing' },
      'container.run.host-network': { status: 'supported', reason: null, detail: 'answered' },
      'build.classic': { status: 'supported', reason: null, detail: 'built' },
    },
    'Podman',
  );

  it('keeps the rows whose verdict or reason differs, and rows only one matrix has', () => {
    const result = diffMatrices([{ label: 'a', report }, { label: 'b', report: other }]);
    expect(result.rows.map((r) => r.id)).toEqual(['build.classic', 'container.run.privileged', 'registry.dockerhub.pull-public', 'registry.dockerhub.auth-method', 'security.egress-proxy']);
    expect(result.total).toBe(7);
    expect(diffMatrices([{ label: 'a', report }, { label: 'b', report: other }], { all: true }).rows).toHaveLength(7);
    const text = renderDiffText(result, { color: false });
    expect(text).toContain('[1] a: Docker Engine 1.0');
    expect(text).toContain('[2] b: Podman 1.0');
    expect(text).toContain('[2] ✘ unsupported [unexpected-result]: caps missing');
    expect(text).toContain('— (absent)');
  });
});

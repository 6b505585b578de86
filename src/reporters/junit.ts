/**
 * JUnit XML for CI dashboards: one <testsuite> per section of the source document, one <testcase> per capability.
 * Without expectations nothing fails (a verdict is an observation, not a test) and `unknown` rows are <skipped>;
 * with expectations (`cap-probe check --format junit`) each expectation that does not hold is a <failure>.
 * The attributes follow the common JUnit schema (Ant/Jenkins): name, tests, failures, errors, skipped, time,
 * timestamp, hostname on every suite.
 */
import { findCapability, type CapabilityId } from '../catalogue.js';
import type { CheckItem, CheckResult } from '../expectations.js';
import { SECTION_TITLES, SectionSchema, type Section } from '../model.js';
import type { CapabilityResult, Report } from '../report.js';

/** Text safe in XML: markup escaped, ANSI colour and characters XML 1.0 forbids removed. */
export function xmlEscape(text: string): string {
  return (
    text
      // eslint-disable-next-line no-control-regex
      .replace(/\x1b\[[0-9;]*[A-Za-z]/g, '')
      // eslint-disable-next-line no-control-regex
      .replace(/[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/g, '')
      .replace(/&/g, '&amp;')
      .replace(/</g, '&lt;')
      .replace(/>/g, '&gt;')
      .replace(/"/g, '&quot;')
      .replace(/'/g, '&apos;')
  );
}

const seconds = (ms: number) => (ms / 1000).toFixed(3);

function evidenceText(row: CapabilityResult): string {
  const lines = [`${row.status}${row.reason ? ` [${row.reason}]` : ''}: ${row.detail}`, `command: ${row.command}`, `document: ${row.documented}${row.documentedNote ? ` (${row.documentedNote})` : ''}`];
  for (const t of row.evidence.tried) lines.push(`tried: ${t}`);
  if (row.evidence.error) lines.push(`error: ${row.evidence.error}`);
  if (row.evidence.facts && Object.keys(row.evidence.facts).length) lines.push(`facts: ${JSON.stringify(row.evidence.facts)}`);
  return lines.join('\n');
}

interface Case {
  readonly id: string;
  readonly section: Section;
  readonly row: CapabilityResult | null;
  readonly failure: CheckItem | null;
}

function caseXml(c: Case, classname: string): string {
  const time = seconds(c.row?.durationMs ?? 0);
  const open = `    <testcase name="${xmlEscape(c.id)}" classname="${xmlEscape(classname)}" time="${time}">`;
  const body: string[] = [];
  if (c.failure) {
    const o = c.failure.observed;
    const seen = o ? `${o.status}${o.reason ? ` [${o.reason}]` : ''}` : 'no row in the matrix';
    const message = `expected ${c.failure.expected}, observed ${seen}${o ? `: ${o.detail}` : ''}`;
    body.push(`      <failure message="${xmlEscape(message)}" type="${xmlEscape(o?.reason ?? o?.status ?? 'missing')}">${xmlEscape(o ? evidenceText(o) : `expectation from ${c.failure.source}`)}</failure>`);
  } else if (c.row?.status === 'unknown') {
    body.push(`      <skipped message="${xmlEscape(`unknown [${c.row.reason ?? 'probe-error'}]: ${c.row.detail}`)}"/>`);
  }
  if (c.row) body.push(`      <system-out>${xmlEscape(evidenceText(c.row))}</system-out>`);
  return body.length ? `${open}\n${body.join('\n')}\n    </testcase>` : `${open}</testcase>`;
}

/** The JUnit document; `check` adds failures for the expectations that do not hold. */
export function junitXml(report: Report, check: CheckResult | null): string {
  const rows = new Map<string, CapabilityResult>(report.capabilities.map((r) => [r.id, r]));
  const failures = new Map<CapabilityId, CheckItem>((check?.failures ?? []).map((f) => [f.id, f]));
  const cases: Case[] = report.capabilities.map((row) => ({ id: row.id, section: row.section, row, failure: failures.get(row.id as CapabilityId) ?? null }));
  // An expectation about a row the matrix lacks still fails, in the section the catalogue gives it.
  for (const f of check?.failures ?? []) if (!rows.has(f.id)) cases.push({ id: f.id, section: findCapability(f.id)?.section ?? 'image', row: null, failure: f });

  const engine = report.environment.engine.facts;
  const hostname = report.environment.host.hostname;
  const suites: string[] = [];
  let total = { tests: 0, failures: 0, skipped: 0, ms: 0 };
  SectionSchema.options.forEach((section, index) => {
    const inSection = cases.filter((c) => c.section === section);
    if (!inSection.length) return;
    const failed = inSection.filter((c) => c.failure).length;
    const skipped = inSection.filter((c) => !c.failure && c.row?.status === 'unknown').length;
    const ms = inSection.reduce((sum, c) => sum + (c.row?.durationMs ?? 0), 0);
    total = { tests: total.tests + inSection.length, failures: total.failures + failed, skipped: total.skipped + skipped, ms: total.ms + ms };
    const classname = `cap-probe.${section}`;
    suites.push(
      [
        `  <testsuite name="${xmlEscape(SECTION_TITLES[section])}" id="${index}" package="${classname}" tests="${inSection.length}" failures="${failed}" errors="0" skipped="${skipped}" time="${seconds(ms)}" timestamp="${report.startedAt.replace(/\.\d+Z$/, '')}" hostname="${xmlEscape(hostname)}">`,
        '    <properties>',
        `      <property name="run" value="${xmlEscape(report.runId)}"/>`,
        `      <property name="engine" value="${xmlEscape(engine ? `${engine.engine} ${engine.version}` : 'none reachable')}"/>`,
        `      <property name="endpoint" value="${xmlEscape(report.environment.engine.endpoint ?? 'none')}"/>`,
        ...(check ? [`      <property name="expectations" value="${xmlEscape(check.expectations)}"/>`] : []),
        '    </properties>',
        ...inSection.map((c) => caseXml(c, classname)),
        '  </testsuite>',
      ].join('\n'),
    );
  });
  const head = `<testsuites name="cap-probe" tests="${total.tests}" failures="${total.failures}" errors="0" skipped="${total.skipped}" time="${seconds(total.ms)}">`;
  return `<?xml version="1.0" encoding="UTF-8"?>\n${head}\n${suites.join('\n')}\n</testsuites>\n`;
}

/** The `junit` reporter: observations only, no expectations. */
export function renderJunit(report: Report): string {
  return junitXml(report, null);
}

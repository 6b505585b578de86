/**
 * `cap-probe check`: what a user (or the source document) expects of an environment, and whether a matrix meets it.
 *
 * An expectation file is JSON:
 *   { "expect": { "container.run.*": "supported", "container.run.privileged": "unsupported", "registry": "any" } }
 * Keys are capability ids, globs or section names (as for --only); values are supported | unsupported | unknown | any.
 * When several keys name one capability, its exact id wins; otherwise the key written last wins.
 */
import { z } from 'zod';
import { CATALOGUE, type CapabilityId } from './catalogue.js';
import { UsageError } from './errors.js';
import { describeIssues, formatPath, readJsonFile } from './matrix-file.js';
import { StatusSchema, type Status } from './model.js';
import type { CapabilityResult, Report } from './report.js';
import { matchPattern } from './select.js';

export const ExpectedSchema = z.enum([...StatusSchema.options, 'any']);
export type Expected = z.infer<typeof ExpectedSchema>;

export const ExpectationFileSchema = z
  .object({
    $schema: z.string().optional(),
    description: z.string().optional(),
    expect: z.record(z.string().min(1), ExpectedSchema).describe('capability id, glob or section → expected verdict'),
  })
  .strict();
export type ExpectationFile = z.infer<typeof ExpectationFileSchema>;

export interface Expectation {
  readonly id: CapabilityId;
  readonly expected: Expected;
  /** Where it came from: the pattern in the file, or "document". */
  readonly source: string;
}

export interface ExpectationSet {
  /** The file name, or "document". */
  readonly name: string;
  readonly expectations: readonly Expectation[];
}

/** The source document's own claims: each row as documented; rows it makes no yes/no claim on accept anything. */
export function documentExpectations(): ExpectationSet {
  return {
    name: 'document',
    expectations: CATALOGUE.map((c) => ({ id: c.id, expected: c.documented === 'n/a' ? 'any' : c.documented, source: 'document' })),
  };
}

/** Validates an already-parsed expectation file; `source` names it in every message. */
export function parseExpectations(data: unknown, source: string): ExpectationSet {
  const parsed = ExpectationFileSchema.safeParse(data);
  if (!parsed.success) throw new UsageError(`invalid expectation file:\n${describeIssues(source, parsed.error)}`);
  const chosen = new Map<CapabilityId, Expectation & { exact: boolean }>();
  const problems: string[] = [];
  for (const [pattern, expected] of Object.entries(parsed.data.expect)) {
    const ids = matchPattern(pattern);
    if (ids.length === 0) {
      problems.push(`${source}: at ${formatPath(['expect', pattern])}: matches no capability id, glob or section (see \`cap-probe list\`)`);
      continue;
    }
    const exact = ids.length === 1 && ids[0] === pattern;
    for (const id of ids) {
      const previous = chosen.get(id);
      if (previous?.exact && !exact) continue;
      chosen.set(id, { id, expected, source: pattern, exact });
    }
  }
  if (problems.length) throw new UsageError(`invalid expectation file:\n${problems.join('\n')}`);
  const order = new Map(CATALOGUE.map((c, i) => [c.id as string, i]));
  const expectations = [...chosen.values()]
    .map(({ id, expected, source: from }) => ({ id, expected, source: from }))
    .sort((a, b) => (order.get(a.id) ?? 0) - (order.get(b.id) ?? 0));
  return { name: source, expectations };
}

/** `document` or a path to a JSON expectation file. */
export function loadExpectations(spec: string): ExpectationSet {
  if (spec === 'document') return documentExpectations();
  return parseExpectations(readJsonFile(spec, 'expectation file'), spec);
}

export interface CheckItem {
  readonly id: CapabilityId;
  readonly expected: Expected;
  readonly source: string;
  /** The row of the matrix; null when the matrix has no such row (a run with --only, an older catalogue). */
  readonly observed: CapabilityResult | null;
  readonly holds: boolean;
}

export interface CheckResult {
  readonly expectations: string;
  /** The run the matrix came from: its resources carry io.cap-probe.run=<runId>. */
  readonly runId: string;
  readonly items: readonly CheckItem[];
  readonly failures: readonly CheckItem[];
}

export function holds(expected: Expected, observed: Status | null): boolean {
  if (expected === 'any') return true;
  return observed === expected;
}

export function evaluate(report: Report, set: ExpectationSet): CheckResult {
  const rows = new Map(report.capabilities.map((r) => [r.id, r]));
  const items = set.expectations.map((e): CheckItem => {
    const observed = rows.get(e.id) ?? null;
    return { ...e, observed, holds: holds(e.expected, observed?.status ?? null) };
  });
  return { expectations: set.name, runId: report.runId, items, failures: items.filter((i) => !i.holds) };
}

/** The capability ids a live check must probe: exactly those the expectations name, `any` included. */
export function expectedIds(set: ExpectationSet): Set<CapabilityId> {
  return new Set(set.expectations.map((e) => e.id));
}

/** One line per failure: what was expected, what was seen, and why. */
export function renderCheckText(result: CheckResult): string {
  const lines: string[] = [];
  const passed = result.items.length - result.failures.length;
  for (const f of result.failures) {
    const o = f.observed;
    const seen = o ? `${o.status}${o.reason ? ` [${o.reason}]` : ''}: ${o.detail}` : 'not in the matrix (was it run with --only?)';
    const via = f.source === f.id || f.source === 'document' ? '' : ` (from "${f.source}")`;
    lines.push(`FAIL ${f.id}: expected ${f.expected}${via}, observed ${seen}`);
  }
  lines.push(
    result.failures.length === 0
      ? `ok: all ${result.items.length} expectations of ${result.expectations} hold`
      : `${result.failures.length} of ${result.items.length} expectations of ${result.expectations} do not hold (${passed} hold)`,
  );
  return `${lines.join('\n')}\n`;
}

export function renderCheckJson(result: CheckResult): string {
  const item = (i: CheckItem) => ({
    id: i.id,
    expected: i.expected,
    source: i.source,
    holds: i.holds,
    observed: i.observed ? { status: i.observed.status, reason: i.observed.reason, detail: i.observed.detail } : null,
  });
  return `${JSON.stringify({ expectations: result.expectations, runId: result.runId, ok: result.failures.length === 0, total: result.items.length, failed: result.failures.length, failures: result.failures.map(item), items: result.items.map(item) }, null, 2)}\n`;
}

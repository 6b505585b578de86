/**
 * `cap-probe diff`: several saved matrices side by side — by default only the rows whose verdict or reason differs —
 * with an environment summary per column, so "works in CI, fails in the sandbox" is one command.
 */
import { CATALOGUE } from './catalogue.js';
import type { Reason, Status } from './model.js';
import type { CapabilityResult, Report } from './report.js';
import { pad, paintStatus, palette, STATUS_MARK, type RenderOptions } from './reporters/style.js';

export interface DiffInput {
  /** How the column is named: the file it came from. */
  readonly label: string;
  readonly report: Report;
}

export interface DiffColumn {
  readonly label: string;
  readonly engine: string;
  readonly version: string | null;
  readonly endpoint: string | null;
  readonly hostname: string;
  readonly runId: string;
  readonly startedAt: string;
  readonly probeImage: string | null;
}

export interface DiffCell {
  readonly status: Status | null;
  readonly reason: Reason | null;
  readonly detail: string;
  readonly row: CapabilityResult | null;
}

export interface DiffRow {
  readonly id: string;
  readonly title: string;
  readonly differs: boolean;
  readonly cells: readonly DiffCell[];
}

export interface DiffResult {
  readonly columns: readonly DiffColumn[];
  /** The rows shown: the differing ones, or all with `all`. */
  readonly rows: readonly DiffRow[];
  readonly differing: number;
  readonly total: number;
}

export function describeColumn(input: DiffInput): DiffColumn {
  const { engine, host, probeImage } = input.report.environment;
  return {
    label: input.label,
    engine: engine.facts?.engine ?? 'no engine reachable',
    version: engine.facts?.version ?? null,
    endpoint: engine.endpoint,
    hostname: host.hostname,
    runId: input.report.runId,
    startedAt: input.report.startedAt,
    probeImage: probeImage.ref,
  };
}

/** Two cells differ when the verdict differs, or both are "no"/"undecided" for different reasons. */
function cellsDiffer(cells: readonly DiffCell[]): boolean {
  const first = cells[0];
  return cells.some((c) => c.status !== first?.status || c.reason !== first?.reason);
}

export function diffMatrices(inputs: readonly DiffInput[], options: { all?: boolean } = {}): DiffResult {
  const byId = inputs.map((i) => new Map(i.report.capabilities.map((r) => [r.id, r])));
  // Catalogue order first, then any row only an older/newer matrix has.
  const ids = [...new Set([...CATALOGUE.map((c) => c.id as string), ...inputs.flatMap((i) => i.report.capabilities.map((r) => r.id))])].filter((id) =>
    byId.some((m) => m.has(id)),
  );
  const rows = ids.map((id): DiffRow => {
    const cells = byId.map((m): DiffCell => {
      const row = m.get(id) ?? null;
      return row ? { status: row.status, reason: row.reason, detail: row.detail, row } : { status: null, reason: null, detail: 'not in this matrix', row: null };
    });
    const title = cells.find((c) => c.row)?.row?.title ?? id;
    return { id, title, differs: cellsDiffer(cells), cells };
  });
  const differing = rows.filter((r) => r.differs).length;
  return { columns: inputs.map(describeColumn), rows: options.all ? rows : rows.filter((r) => r.differs), differing, total: rows.length };
}

function verdictText(cell: DiffCell): string {
  if (!cell.status) return '— (absent)';
  return `${STATUS_MARK[cell.status]} ${cell.status}${cell.reason ? ` [${cell.reason}]` : ''}`;
}

export function renderDiffText(result: DiffResult, options: RenderOptions): string {
  const c = palette(options);
  const lines = [c.bold('Environments:')];
  result.columns.forEach((col, i) => {
    lines.push(`  [${i + 1}] ${col.label}: ${col.engine}${col.version ? ` ${col.version}` : ''} at ${col.endpoint ?? 'nowhere'} — host ${col.hostname}, run ${col.runId}, ${col.startedAt}, image ${col.probeImage ?? 'none'}`);
  });
  lines.push('');
  if (result.differing === 0) lines.push(c.green(`No differences: all ${result.total} rows agree.`));
  else lines.push(c.bold(`${result.differing} of ${result.total} rows differ${result.rows.length > result.differing ? ' (all rows shown; differing ones marked ≠)' : ''}:`));
  if (!result.rows.length) return `${lines.join('\n')}\n`;

  const idWidth = Math.max(2, ...result.rows.map((r) => r.id.length)) + 2;
  const widths = result.columns.map((_, i) => Math.max(6, ...result.rows.map((r) => verdictText(r.cells[i] ?? { status: null, reason: null, detail: '', row: null }).length)) + 2);
  lines.push(`  ${pad('', 2)}${pad('id', idWidth)}${result.columns.map((_, i) => pad(`[${i + 1}]`, widths[i] ?? 8)).join('')}`);
  for (const row of result.rows) {
    const mark = row.differs ? c.magenta('≠ ') : '  ';
    const cells = row.cells.map((cell, i) => pad(cell.status ? paintStatus(c, cell.status, verdictText(cell)) : c.dim(verdictText(cell)), widths[i] ?? 8)).join('');
    lines.push(`  ${mark}${pad(row.id, idWidth)}${cells}`);
  }
  const changed = result.rows.filter((r) => r.differs);
  if (changed.length) {
    lines.push('', c.bold('Why:'));
    for (const row of changed) {
      lines.push(`  ${row.id} — ${row.title}`);
      row.cells.forEach((cell, i) => {
        const firstLine = cell.row?.evidence.error?.split('\n')[0];
        const error = firstLine && !cell.detail.includes(firstLine) ? ` (error: ${firstLine})` : '';
        lines.push(`    [${i + 1}] ${verdictText(cell)}: ${cell.detail}${error}`);
      });
    }
  }
  return `${lines.join('\n')}\n`;
}

export function renderDiffJson(result: DiffResult): string {
  const plain = {
    columns: result.columns,
    differing: result.differing,
    total: result.total,
    rows: result.rows.map((r) => ({
      id: r.id,
      title: r.title,
      differs: r.differs,
      cells: r.cells.map((c) => ({ status: c.status, reason: c.reason, detail: c.detail, evidence: c.row?.evidence ?? null })),
    })),
  };
  return `${JSON.stringify(plain, null, 2)}\n`;
}

/**
 * Markdown in the source document's own layout — "Docker Commands: Supported vs Unsupported" with its Supported,
 * Unknown and Unsupported command tables, then the Registry Access Matrix — filled from observation: a row sits
 * in the table of its observed verdict, and the document's claim is shown beside it wherever the two disagree.
 * The document's later sections (Testcontainers, Network Access & Security, Pre-installed Services) follow.
 */
import type { DocumentedClaim, Section, Status } from '../model.js';
import { SECTION_TITLES } from '../model.js';
import type { CapabilityResult, Report } from '../report.js';
import { INFORMATIONAL_COLUMNS, REGISTRY_COLUMNS, registryRows } from './registry-matrix.js';

const COMMAND_SECTIONS: readonly Section[] = ['image', 'container', 'network', 'volume', 'compose', 'unknown-commands', 'unsupported-commands'];
const OTHER_SECTIONS: readonly Section[] = ['testcontainers', 'network-security', 'preinstalled-services'];

const CLAIM_TEXT: Record<DocumentedClaim, string> = { supported: '✅ Yes', unsupported: '❌ No', unknown: '❓ Unknown', 'n/a': 'N/A' };
const STATUS_TEXT: Record<Status, string> = { supported: '✅ Yes', unsupported: '❌ No', unknown: '❓ Unknown' };

/** A table cell: one line, pipes escaped (also inside code spans, as GitHub's tables require). */
export function cell(text: string): string {
  return text.replace(/\r?\n/g, ' ').replace(/\|/g, '\\|').trim();
}

function code(text: string): string {
  const ticks = text.includes('`') ? '``' : '`';
  return `${ticks}${cell(text)}${ticks}`;
}

export function disagreesWithDocument(row: CapabilityResult): boolean {
  return row.documented !== 'n/a' && row.documented !== row.status;
}

function documentSays(row: CapabilityResult): string {
  return disagreesWithDocument(row) ? `${CLAIM_TEXT[row.documented]}${row.documentedNote ? ` (${cell(row.documentedNote)})` : ''}` : '';
}

function why(row: CapabilityResult): string {
  return row.reason ? `\`${row.reason}\`: ${cell(row.detail)}` : cell(row.detail);
}

function table(header: readonly string[], rows: readonly (readonly string[])[]): string[] {
  return [`| ${header.join(' | ')} |`, `|${header.map(() => '---').join('|')}|`, ...rows.map((r) => `| ${r.join(' | ')} |`)];
}

const COMMAND_TABLES: ReadonlyArray<readonly [Status, string]> = [
  ['supported', '### ✅ Supported Docker Commands'],
  ['unknown', '### ❓ Unknown Docker Commands (undecided here)'],
  ['unsupported', '### ❌ Unsupported Docker Commands'],
];

function commandTables(rows: readonly CapabilityResult[]): string[] {
  const lines: string[] = ['## 🔧 Docker Commands: Supported vs Unsupported', ''];
  for (const [status, heading] of COMMAND_TABLES) {
    const inTable = rows.filter((r) => COMMAND_SECTIONS.includes(r.section) && r.status === status);
    lines.push(heading, '');
    if (!inTable.length) {
      lines.push('_None observed._', '');
      continue;
    }
    lines.push(
      ...table(
        ['Operation', 'Command', 'Capability', 'Observed', 'Document says'],
        inTable.map((r) => [cell(SECTION_TITLES[r.section]), code(r.command), `\`${r.id}\``, why(r), documentSays(r)]),
      ),
      '',
    );
  }
  return lines;
}


/** A verdict column: the observed answer, the reason when it is not yes, the document's claim where it differs. */
function verdictCell(row: CapabilityResult): string {
  const observed = row.status === 'supported' ? STATUS_TEXT.supported : `${STATUS_TEXT[row.status]} (\`${row.reason ?? 'probe-error'}\`)`;
  const claim = disagreesWithDocument(row) ? ` — document: ${CLAIM_TEXT[row.documented]}` : '';
  return `${observed}${claim}`;
}

/** An informational column (auth method, rate limits): what was observed, else the document's words marked as such. */
function infoCell(row: CapabilityResult): string {
  const summary = row.evidence.facts?.summary;
  if (row.status === 'supported') return cell(typeof summary === 'string' ? summary : row.detail);
  const note = row.documentedNote ? `document: ${cell(row.documentedNote)}; ` : '';
  return `${note}not observed (\`${row.reason ?? 'probe-error'}\`)`;
}

function registryMatrix(rows: readonly CapabilityResult[]): string[] {
  const inMatrix = rows.filter((r) => r.section === 'registry-access');
  if (!inMatrix.length) return [];
  const body = registryRows(inMatrix).map(({ name, cells }) => [
    `**${cell(name)}**`,
    ...REGISTRY_COLUMNS.map(([column]) => {
      const row = cells.get(column);
      if (!row) return '—';
      return INFORMATIONAL_COLUMNS.has(column) ? infoCell(row) : verdictCell(row);
    }),
  ]);
  return [
    '## 📊 Registry Access Matrix',
    '',
    ...table(['Registry', ...REGISTRY_COLUMNS.map(([, title]) => title)], body),
    '',
    '**Legend**: ✅ Yes: observed to work here. ❌ No: observed to fail here (reason in backticks). ❓ Unknown: could not be decided here (reason in backticks). "document:" gives the source document\'s claim where it differs from the observation.',
    '',
  ];
}

function otherSections(rows: readonly CapabilityResult[]): string[] {
  const lines: string[] = [];
  for (const section of OTHER_SECTIONS) {
    const inSection = rows.filter((r) => r.section === section);
    if (!inSection.length) continue;
    lines.push(`## ${SECTION_TITLES[section]}`, '');
    lines.push(...table(['Capability', 'Check', 'Observed', 'Why', 'Document says'], inSection.map((r) => [`\`${r.id}\` ${cell(r.title)}`, code(r.command), STATUS_TEXT[r.status], why(r), documentSays(r)])), '');
  }
  return lines;
}

export function renderMarkdown(report: Report): string {
  const f = report.environment.engine.facts;
  const engine = f ? `${f.engine} ${f.version} (API ${f.apiVersion}) at \`${report.environment.engine.endpoint ?? '?'}\`` : 'no engine reachable';
  const disagreements = report.capabilities.filter(disagreesWithDocument).length;
  const lines = [
    '# Docker & Registry Capabilities: observed by cap-probe',
    '',
    `Run \`${report.runId}\` on ${cell(report.environment.host.hostname)} at ${report.startedAt}: ${engine}. ` +
      `${report.summary.supported} supported, ${report.summary.unsupported} unsupported, ${report.summary.unknown} unknown; ` +
      `${disagreements} row(s) differ from the source document${report.interrupted ? '. **The run was interrupted: verdicts are incomplete.**' : '.'}`,
    '',
    ...commandTables(report.capabilities),
    ...registryMatrix(report.capabilities),
    ...otherSections(report.capabilities),
  ];
  return `${lines.join('\n').replace(/\n+$/, '')}\n`;
}

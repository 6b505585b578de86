/**
 * `cap-probe explain <id>`: what a capability means, what its probe does, the evidence of a saved verdict,
 * and — for each reason it can carry — the usual causes and what to do. Also `explain <reason-code>`.
 */
import type { CapabilityDefinition } from './catalogue.js';
import type { AnyProbe } from './define-probe.js';
import { ReasonSchema, SECTION_TITLES, type Reason } from './model.js';
import { adviceFor } from './reasons.js';
import type { CapabilityResult, Report } from './report.js';

export interface ExplainInput {
  readonly capability: CapabilityDefinition;
  /** The probe that decides it; undefined when none does yet. */
  readonly probe?: AnyProbe | undefined;
  /** A saved matrix to show the verdict and evidence from. */
  readonly from?: { readonly label: string; readonly report: Report } | undefined;
}

/** Reasons any verdict of this probe can carry because of what it needs, before it does anything itself. */
function reasonsFromNeeds(probe: AnyProbe | undefined): Reason[] {
  if (!probe) return ['not-probed'];
  const reasons: Reason[] = [];
  if (probe.needs.includes('engine')) reasons.push('engine-unreachable');
  if (probe.needs.includes('image')) reasons.push('no-runnable-image');
  if (probe.needs.includes('docker-cli')) reasons.push('plugin-missing');
  if (probe.dependsOn?.length) reasons.push('dependency-failed');
  reasons.push('refused-by-engine', 'timeout', 'probe-error');
  return reasons;
}

function adviceLines(reason: Reason): string[] {
  const advice = adviceFor(reason);
  return [`  ${reason}`, `    causes: ${advice.causes}`, `    what to do: ${advice.action}`];
}

function evidenceLines(row: CapabilityResult): string[] {
  const lines = [`  ${row.status}${row.reason ? ` [${row.reason}]` : ''}: ${row.detail}`, `  decided by: ${row.probe ?? 'no probe'} in ${row.durationMs} ms`];
  for (const t of row.evidence.tried) lines.push(`  tried: ${t}`);
  if (row.evidence.error) lines.push(`  error: ${row.evidence.error}`);
  for (const [key, value] of Object.entries(row.evidence.facts ?? {})) lines.push(`  fact ${key}: ${typeof value === 'string' ? value : JSON.stringify(value)}`);
  return lines;
}

export function renderExplain(input: ExplainInput): string {
  const { capability: c, probe, from } = input;
  const lines = [`${c.id} — ${c.title}`, '', `Section:      ${SECTION_TITLES[c.section]} (${c.section})`, `Command:      ${c.command}`];
  lines.push(`The document: ${c.documented}${c.documentedNote ? ` — "${c.documentedNote}"` : ''}`);
  if (c.explain) lines.push('', c.explain);

  lines.push('', 'How cap-probe decides it:');
  if (!probe) {
    lines.push('  No probe decides this capability yet: every run reports it unknown [not-probed].');
  } else {
    lines.push(`  probe ${probe.id} — ${probe.title}`);
    lines.push(`  needs: ${probe.needs.join(', ') || 'nothing'}${probe.dependsOn?.length ? `; runs after: ${probe.dependsOn.join(', ')}` : ''}${probe.timeoutMs ? `; timeout ${Math.round(probe.timeoutMs / 1000)} s` : ''}`);
    if (probe.operations?.length) {
      lines.push('  operations:');
      for (const op of probe.operations) lines.push(`    - ${op}`);
    } else {
      lines.push(`  operations: recorded in each verdict's evidence ("tried"); see them with \`cap-probe all --only ${c.id} --json\` or \`explain ${c.id} --from matrix.json\`.`);
    }
    const others = probe.decides.filter((id) => id !== c.id);
    if (others.length) lines.push(`  the same probe also decides: ${others.join(', ')}`);
    lines.push('  Every resource it creates is labelled io.cap-probe.run=<run id> and removed when the run ends.');
  }

  let reasons = reasonsFromNeeds(probe);
  if (from) {
    const row = from.report.capabilities.find((r) => r.id === c.id);
    const engine = from.report.environment.engine.facts;
    lines.push('', `Verdict in ${from.label} (run ${from.report.runId}, ${from.report.startedAt}, ${engine ? `${engine.engine} ${engine.version}` : 'no engine'}):`);
    if (!row) lines.push('  not in this matrix (the run left it out with --only/--skip)');
    else {
      lines.push(...evidenceLines(row));
      if (row.reason) reasons = [row.reason];
    }
  }
  lines.push('', from ? 'Why, and what to do:' : 'Reasons it may carry, their usual causes and what to do:');
  for (const reason of reasons) lines.push(...adviceLines(reason));
  return `${lines.join('\n')}\n`;
}

export function isReason(text: string): text is Reason {
  return ReasonSchema.safeParse(text).success;
}

export function renderReasonExplain(reason: Reason): string {
  return `${['reason code', ...adviceLines(reason)].join('\n')}\n`;
}

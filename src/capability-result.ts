/**
 * One row of the matrix from a catalogue entry and the outcome that decided it. Shared by the run (the whole report)
 * and the JSON Lines stream (each row as soon as its outcome is known), so both say exactly the same thing.
 */
import type { CapabilityDefinition } from './catalogue.js';
import { unknown, type Outcome } from './define-probe.js';
import type { CapabilityResult } from './report.js';

export function toCapabilityResult(definition: CapabilityDefinition, outcome: Outcome | undefined, probe: string | null): CapabilityResult {
  const decided = outcome ?? unknown(definition.id as Outcome['id'], 'not-probed', 'no probe decides this capability yet', { tried: [] });
  return {
    id: definition.id,
    section: definition.section,
    title: definition.title,
    command: definition.command,
    documented: definition.documented,
    ...(definition.documentedNote !== undefined ? { documentedNote: definition.documentedNote } : {}),
    status: decided.status,
    reason: decided.status === 'supported' ? null : (decided.reason ?? 'probe-error'),
    detail: decided.detail,
    durationMs: decided.durationMs ?? 0,
    probe: outcome ? probe : null,
    evidence: decided.evidence,
  };
}

/**
 * The matrix as data: a versioned zod schema, the single source of the JSON output, its TypeScript types
 * and (through z.toJSONSchema) the published JSON Schema. Bump SCHEMA_VERSION on any breaking change.
 */
import { z } from 'zod';
import { DocumentedClaimSchema, EvidenceSchema, ReasonSchema, SectionSchema, StatusSchema } from './model.js';

export const SCHEMA_VERSION = 1;

export const CapabilityResultSchema = z.object({
  id: z.string(),
  section: SectionSchema,
  title: z.string(),
  command: z.string(),
  documented: DocumentedClaimSchema,
  documentedNote: z.string().optional(),
  status: StatusSchema,
  reason: ReasonSchema.nullable().describe('null exactly when status is supported'),
  detail: z.string(),
  durationMs: z.number().nonnegative(),
  probe: z.string().nullable().describe('id of the probe module that decided it; null when none ran'),
  evidence: EvidenceSchema,
});
export type CapabilityResult = z.infer<typeof CapabilityResultSchema>;

const EndpointAttemptSchema = z.object({
  source: z.enum(['flag', 'DOCKER_HOST', 'context', 'socket']),
  url: z.string(),
  why: z.string(),
  ok: z.boolean(),
  error: z.string().optional(),
});

export const EngineFactsSchema = z.object({
  engine: z.string(),
  version: z.string(),
  apiVersion: z.string(),
  negotiatedApiVersion: z.string(),
  os: z.string(),
  kernel: z.string(),
  arch: z.string(),
  storageDriver: z.string(),
  cgroupVersion: z.string(),
  cgroupDriver: z.string(),
  runtimes: z.array(z.string()),
  defaultRuntime: z.string(),
  securityOptions: z.array(z.string()),
  rootless: z.boolean(),
  proxies: z.object({ http: z.string(), https: z.string(), no: z.string() }),
});

export const EnvironmentSchema = z.object({
  host: z.object({ platform: z.string(), arch: z.string(), node: z.string(), hostname: z.string() }),
  engine: z.object({
    endpoint: z.string().nullable(),
    source: z.string().nullable(),
    why: z.string(),
    attempts: z.array(EndpointAttemptSchema),
    facts: EngineFactsSchema.nullable(),
  }),
  probeImage: z.object({
    ref: z.string().nullable(),
    source: z.string().nullable(),
    why: z.string(),
    attempts: z.array(z.object({ strategy: z.string(), candidate: z.string(), ok: z.boolean(), detail: z.string() })),
  }),
  dockerCli: z.object({ version: z.string().nullable() }),
});
export type Environment = z.infer<typeof EnvironmentSchema>;

export const ReportSchema = z.object({
  schemaVersion: z.literal(SCHEMA_VERSION),
  tool: z.object({ name: z.literal('cap-probe'), version: z.string() }),
  runId: z.string(),
  startedAt: z.string().describe('ISO 8601'),
  durationMs: z.number().nonnegative(),
  interrupted: z.boolean().describe('true when Ctrl-C or --timeout ended the run early'),
  environment: EnvironmentSchema,
  summary: z.object({ supported: z.number().int(), unsupported: z.number().int(), unknown: z.number().int() }),
  capabilities: z.array(CapabilityResultSchema),
  cleanup: z.object({ removed: z.number().int(), failures: z.array(z.string()) }),
});
export type Report = z.infer<typeof ReportSchema>;

export function summarise(capabilities: readonly CapabilityResult[]): Report['summary'] {
  const summary = { supported: 0, unsupported: 0, unknown: 0 };
  for (const c of capabilities) summary[c.status] += 1;
  return summary;
}

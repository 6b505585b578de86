/** A small report made in memory, for the pure renderers: no engine, no I/O. */
import { CATALOGUE } from '../../src/catalogue.js';
import { ReportSchema, SCHEMA_VERSION, summarise, type CapabilityResult, type Report } from '../../src/report.js';

type Verdict = Pick<CapabilityResult, 'status' | 'reason' | 'detail'> & Partial<Pick<CapabilityResult, 'evidence' | 'durationMs'>>;

export function fakeReport(verdicts: Record<string, Verdict>, engine = 'Docker Engine'): Report {
  const capabilities: CapabilityResult[] = Object.entries(verdicts).map(([id, v]) => {
    const c = CATALOGUE.find((row) => row.id === id);
    if (!c) throw new Error(`no capability ${id}`);
    return {
      id: c.id,
      section: c.section,
      title: c.title,
      command: c.command,
      documented: c.documented,
      ...('documentedNote' in c ? { documentedNote: c.documentedNote } : {}),
      status: v.status,
      reason: v.reason,
      detail: v.detail,
      durationMs: v.durationMs ?? 12,
      probe: 'fake',
      evidence: v.evidence ?? { tried: [`try ${id}`] },
    };
  });
  return ReportSchema.parse({
    schemaVersion: SCHEMA_VERSION,
    tool: { name: 'cap-probe', version: '0.0.0-test' },
    runId: 'abcd1234',
    startedAt: '2026-01-01T00:00:00.000Z',
    durationMs: 1000,
    interrupted: false,
    environment: {
      host: { platform: 'linux', arch: 'x64', node: 'v20', hostname: 'test-host' },
      engine: {
        endpoint: 'unix:///var/run/docker.sock',
        source: 'socket',
        why: 'default socket',
        attempts: [],
        facts: {
          engine, version: '1.0', apiVersion: '1.41', negotiatedApiVersion: '1.41', os: 'Debian', kernel: '6', arch: 'x86_64', storageDriver: 'overlay2',
          cgroupVersion: '2', cgroupDriver: 'systemd', runtimes: ['runc'], defaultRuntime: 'runc', securityOptions: [], rootless: false, proxies: { http: '', https: '', no: '' },
        },
      },
      probeImage: { ref: 'busybox', source: 'local', why: 'local', attempts: [] },
      dockerCli: { version: null },
    },
    summary: summarise(capabilities),
    capabilities,
    cleanup: { removed: 0, failures: [] },
  });
}

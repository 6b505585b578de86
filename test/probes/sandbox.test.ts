/**
 * The sandbox probe against what the system's own tools say, read in the test: grep on /proc, capsh --decode,
 * stat on /sys/fs/cgroup, systemd-detect-virt, and `docker info` for the engine.
 */
import { existsSync, readFileSync } from 'node:fs';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import sandbox from '../../probes/sandbox.js';
import { docker, leftovers, runProbes, verdict } from '../support/harness.js';

async function sh(command: string): Promise<{ ok: boolean; out: string }> {
  const r = await execa('sh', ['-c', command], { reject: false });
  return { ok: r.exitCode === 0, out: String(r.stdout).trim() };
}

/** A field of a fresh shell's /proc/self/status: the sets and seccomp mode are inherited from this process. */
const statusField = async (field: string) => (await sh(`grep '^${field}:' /proc/self/status | cut -f2`)).out;

describe('sandbox probe against the system tools', () => {
  it('reports what /proc, capsh, stat, systemd-detect-virt and docker info say', async () => {
    const report = await runProbes([sandbox]);

    // In a container or VM: the marker files, the hypervisor flag and systemd-detect-virt, read here.
    const virtContainer = (await sh('systemd-detect-virt --container')).out;
    const virtVm = (await sh('systemd-detect-virt --vm')).out;
    const hypervisor = (await sh('grep -qw hypervisor /proc/cpuinfo')).ok;
    const markers = existsSync('/.dockerenv') || existsSync('/run/.containerenv');
    const contained = markers || hypervisor || (virtContainer !== '' && virtContainer !== 'none') || (virtVm !== '' && virtVm !== 'none');
    const inContainer = verdict(report, 'sandbox.in-container');
    if (contained) expect(inContainer.status).toBe('supported');
    else expect(inContainer.status).not.toBe('supported');
    const containerFacts = inContainer.evidence.facts as { inContainer: boolean; inVm: boolean };
    if (markers) expect(containerFacts.inContainer).toBe(true);
    if (hypervisor) expect(containerFacts.inVm).toBe(true);

    // Capabilities: capsh decodes the bounding mask; the kernel's count from cap_last_cap.
    const bndMask = await statusField('CapBnd');
    const capLast = Number(readFileSync('/proc/sys/kernel/cap_last_cap', 'utf8').trim());
    const capsFacts = verdict(report, 'sandbox.capabilities').evidence.facts as { bounding: string[]; masks: Record<string, string> };
    expect(capsFacts.masks.CapBnd).toBe(bndMask);
    const decoded = await sh(`capsh --decode=${bndMask}`);
    if (decoded.ok) {
      const names = (decoded.out.split('=')[1] ?? '').split(',').filter(Boolean);
      expect(capsFacts.bounding).toEqual(names);
    }
    const bndBits = BigInt(`0x${bndMask}`).toString(2).replace(/0/g, '').length;
    expect(verdict(report, 'sandbox.capabilities').status).toBe(bndBits < capLast + 1 ? 'supported' : 'unsupported');

    const seccomp = await statusField('Seccomp');
    expect(verdict(report, 'sandbox.seccomp').status).toBe(seccomp === '' ? 'unknown' : seccomp === '0' ? 'unsupported' : 'supported');

    const uidMap = (await sh('cat /proc/self/uid_map')).out.split(/\s+/).join(' ');
    expect(verdict(report, 'sandbox.userns').status).toBe(uidMap === '0 0 4294967295' ? 'unsupported' : 'supported');

    const cgroupFs = (await sh('stat -fc %T /sys/fs/cgroup')).out;
    expect(verdict(report, 'sandbox.cgroup').status).toBe(cgroupFs === 'cgroup2fs' ? 'supported' : 'unsupported');

    // LSM: the process label through the files the kernel exposes, read by cat.
    const label = (await sh('cat /proc/self/attr/apparmor/current 2>/dev/null || cat /proc/self/attr/current 2>/dev/null')).out.replace(/\0/g, '');
    const confined = label !== '' && !label.startsWith('unconfined');
    if (confined) expect(verdict(report, 'sandbox.lsm').status).toBe('supported');
    else expect(verdict(report, 'sandbox.lsm').status).not.toBe('supported');

    const info = await docker(['info', '--format', '{{json .SecurityOptions}}']);
    const rootless = info.stdout.includes('rootless');
    expect(verdict(report, 'sandbox.engine-rootless').status).toBe(info.ok ? (rootless ? 'supported' : 'unsupported') : 'unknown');

    for (const row of report.capabilities) {
      expect(row.evidence.tried.length, row.id).toBeGreaterThan(0);
      expect(row.detail, row.id).toMatch(/supported = /);
    }
    expect(await leftovers(report.runId)).toEqual([]);
  });
});

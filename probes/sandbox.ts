/**
 * The sandbox cap-probe itself runs in: container or VM, capability sets, seccomp, AppArmor/SELinux, user
 * namespaces, cgroup version, and whether the engine is rootless. These rows are facts more than yes/no, so
 * each detail starts by saying what `supported` means for that row; the facts carry the raw values.
 * Parsing lives in src/sandbox/parse.ts (unit-tested on fixtures); this module only reads and decides.
 */
import { defineProbe, supported, unknown, unsupported, type Outcome } from '../src/define-probe.js';
import {
  assessContainment,
  assessLsm,
  cgroupVersion,
  isInitialUserNamespace,
  missingCapabilities,
  parseCapabilitySets,
  parseIdMap,
  parseSeccomp,
} from '../src/sandbox/parse.js';
import { gatherLsmSources, gatherSandboxSources, readText } from '../src/sandbox/read.js';

type SandboxId = 'sandbox.in-container' | 'sandbox.capabilities' | 'sandbox.seccomp' | 'sandbox.lsm' | 'sandbox.userns' | 'sandbox.cgroup' | 'sandbox.engine-rootless';

export default defineProbe({
  id: 'sandbox',
  title: 'The sandbox cap-probe runs in: container/VM, capabilities, seccomp, LSM, user namespaces, cgroups, rootless engine',
  decides: ['sandbox.in-container', 'sandbox.capabilities', 'sandbox.seccomp', 'sandbox.lsm', 'sandbox.userns', 'sandbox.cgroup', 'sandbox.engine-rootless'],
  needs: [],
  async run(ctx) {
    if (process.platform !== 'linux') {
      const why = `cap-probe runs on ${process.platform}: these rows read Linux's /proc and /sys`;
      const linuxOnly = ['sandbox.in-container', 'sandbox.capabilities', 'sandbox.seccomp', 'sandbox.lsm', 'sandbox.userns', 'sandbox.cgroup'] as const;
      return [...linuxOnly.map((id): Outcome<SandboxId> => unknown(id, 'not-applicable', why, { tried: ['process.platform'] })), engineRootless(ctx.engine?.facts)];
    }
    const outcomes: Array<Outcome<SandboxId>> = [];
    outcomes.push(await inContainer());
    const status = readText('/proc/self/status');
    outcomes.push(capabilities(status.text, status.error));
    outcomes.push(seccomp(status.text, status.error));
    outcomes.push(lsm());
    outcomes.push(userns());
    outcomes.push(cgroup(ctx.engine?.facts.cgroupVersion));
    outcomes.push(engineRootless(ctx.engine?.facts));
    for (const outcome of outcomes) ctx.record(outcome);
    return undefined;
  },
});

async function inContainer(): Promise<Outcome<'sandbox.in-container'>> {
  const id = 'sandbox.in-container';
  const tried = ['test -e /.dockerenv', 'test -e /run/.containerenv', 'cat /proc/1/cgroup', 'cat /proc/self/mountinfo', 'grep hypervisor /proc/cpuinfo', 'cat /sys/class/dmi/id/sys_vendor', 'systemd-detect-virt --container', 'systemd-detect-virt --vm'];
  const { sources, errors } = await gatherSandboxSources();
  const c = assessContainment(sources);
  const facts = {
    inContainer: c.inContainer,
    containerRuntime: c.containerRuntime ?? null,
    containerConfidence: c.containerConfidence ?? null,
    inVm: c.inVm,
    hypervisor: c.hypervisor ?? null,
    vmConfidence: c.vmConfidence ?? null,
    signals: c.signals,
    unreadable: errors,
  };
  const evidence = { tried, facts };
  const meaning = 'supported = the signals say cap-probe runs inside a container or a VM';
  const parts: string[] = [];
  if (c.inContainer) parts.push(`a ${c.containerRuntime} container (${c.containerConfidence} confidence: ${c.signals.filter((s) => s.says === 'container').map((s) => s.name).join(', ')})`);
  if (c.inVm) parts.push(`a ${c.hypervisor} VM (${c.vmConfidence} confidence: ${c.signals.filter((s) => s.says === 'vm').map((s) => s.name).join(', ')})`);
  if (parts.length > 0) return supported(id, `${meaning}: inside ${parts.join(' on ')}`, evidence);
  // Only the marker files were checked: their absence alone proves little.
  if (c.sourcesRead <= 2) return unknown(id, 'not-found', `${meaning}; no marker file, and /proc, /sys and systemd-detect-virt could not be read`, evidence);
  return unsupported(id, 'not-found', `${meaning}; none of ${c.sourcesRead} signals names a container or hypervisor (bare metal, or a sandbox that hides itself)`, evidence);
}

function capabilities(statusText: string | undefined, error: string | undefined): Outcome<'sandbox.capabilities'> {
  const id = 'sandbox.capabilities';
  const tried = ['grep Cap /proc/self/status', 'cat /proc/sys/kernel/cap_last_cap'];
  const meaning = "supported = the process's bounding set is reduced (it lacks capabilities the kernel has)";
  const sets = statusText === undefined ? undefined : parseCapabilitySets(statusText);
  if (!sets) return unknown(id, 'not-found', `${meaning}; the capability masks could not be read`, { tried, ...(error ? { error } : {}) });
  const lastCap = Number(readText('/proc/sys/kernel/cap_last_cap').text?.trim());
  const kernelLast = Number.isFinite(lastCap) && lastCap > 0 ? lastCap : 40;
  const missingBounding = missingCapabilities(sets.bounding, kernelLast);
  const missingEffective = missingCapabilities(sets.effective, kernelLast);
  const facts = { ...sets, kernelCapLastCap: kernelLast, missingFromBounding: missingBounding, missingFromEffective: missingEffective };
  const held = `effective ${sets.effective.length} of ${kernelLast + 1}`;
  if (missingBounding.length > 0) {
    return supported(id, `${meaning}: bounding set lacks ${list(missingBounding)}; ${held}`, { tried, facts });
  }
  return unsupported(id, 'not-found', `${meaning}; the bounding set is complete (${kernelLast + 1} capabilities); ${held}${missingEffective.length ? `, lacking ${list(missingEffective)}` : ''}`, { tried, facts });
}

function seccomp(statusText: string | undefined, error: string | undefined): Outcome<'sandbox.seccomp'> {
  const id = 'sandbox.seccomp';
  const tried = ['grep -E "Seccomp|NoNewPrivs" /proc/self/status'];
  const meaning = 'supported = a seccomp filter (or strict mode) restricts the process';
  const state = statusText === undefined ? undefined : parseSeccomp(statusText);
  if (!state) return unknown(id, 'not-found', `${meaning}; /proc/self/status has no Seccomp field (kernel without seccomp, or unreadable)`, { tried, ...(error ? { error } : {}) });
  const facts = { mode: state.mode, filters: state.filters ?? null, noNewPrivs: state.noNewPrivs ?? null };
  if (state.mode === 'disabled') return unsupported(id, 'not-found', `${meaning}; seccomp is disabled for this process (mode 0)`, { tried, facts });
  return supported(id, `${meaning}: mode ${state.mode}${state.filters !== undefined ? `, ${state.filters} filter(s)` : ''}`, { tried, facts });
}

function lsm(): Outcome<'sandbox.lsm'> {
  const id = 'sandbox.lsm';
  const tried = ['cat /sys/kernel/security/lsm', 'cat /proc/self/attr/apparmor/current || cat /proc/self/attr/current', 'cat /sys/module/apparmor/parameters/enabled', 'cat /sys/fs/selinux/enforce'];
  const meaning = 'supported = AppArmor or SELinux confines the process';
  const { sources, errors, sysfsMounted } = gatherLsmSources();
  const state = assessLsm(sources);
  const facts = { apparmor: state.apparmor, selinux: state.selinux, label: state.label ?? null, kernelLsms: state.kernelLsms ?? null, unreadable: errors };
  if (state.confinedBy) return supported(id, `${meaning}: ${state.confinedBy} label ${state.label}`, { tried, facts });
  if (!sysfsMounted && state.label === undefined) return unknown(id, 'not-found', `${meaning}; /sys is not mounted and /proc/self/attr says nothing, so the LSM state cannot be seen`, { tried, facts });
  const why = state.label ? `the process label is ${state.label}` : 'no AppArmor module and no selinuxfs are present, and no LSM answers /proc/self/attr';
  return unsupported(id, 'not-found', `${meaning}; it is not confined: ${why} (AppArmor ${state.apparmor}, SELinux ${state.selinux})`, { tried, facts });
}

function userns(): Outcome<'sandbox.userns'> {
  const id = 'sandbox.userns';
  const tried = ['cat /proc/self/uid_map', 'cat /proc/self/gid_map', 'cat /proc/sys/user/max_user_namespaces'];
  const meaning = 'supported = the process runs in a user namespace other than the initial one (uids are remapped)';
  const uid = readText('/proc/self/uid_map');
  if (uid.text === undefined) return unknown(id, 'not-found', `${meaning}; /proc/self/uid_map cannot be read`, { tried, ...(uid.error ? { error: uid.error } : {}) });
  const uidMap = parseIdMap(uid.text);
  const gidMap = parseIdMap(readText('/proc/self/gid_map').text ?? '');
  const maxText = readText('/proc/sys/user/max_user_namespaces').text?.trim();
  const facts = { uidMap, gidMap, maxUserNamespaces: maxText === undefined ? null : Number(maxText), uid: process.getuid?.() ?? null };
  const canCreate = maxText === undefined ? '' : Number(maxText) > 0 ? `; new user namespaces may be created (max ${maxText})` : '; creating user namespaces is disabled (max 0)';
  if (isInitialUserNamespace(uidMap)) return unsupported(id, 'not-found', `${meaning}; this is the initial user namespace (uid_map 0 0 4294967295)${canCreate}`, { tried, facts });
  const mapping = uidMap.map((m) => `${m.inside}→${m.outside} ×${m.count}`).join(', ');
  return supported(id, `${meaning}: uid_map ${mapping || '(empty)'}${canCreate}`, { tried, facts });
}

function cgroup(engineCgroupVersion: string | undefined): Outcome<'sandbox.cgroup'> {
  const id = 'sandbox.cgroup';
  const tried = ['grep /sys/fs/cgroup /proc/self/mountinfo', 'cat /proc/self/cgroup'];
  const meaning = 'supported = the unified cgroup v2 hierarchy is mounted at /sys/fs/cgroup';
  const mountinfo = readText('/proc/self/mountinfo');
  const found = mountinfo.text === undefined ? undefined : cgroupVersion(mountinfo.text);
  const facts = { version: found?.version ?? null, mounts: found?.mounts ?? [], selfCgroup: readText('/proc/self/cgroup').text?.trim() ?? null, engineCgroupVersion: engineCgroupVersion ?? null };
  if (!found) return unknown(id, 'not-found', `${meaning}; no cgroup filesystem is mounted under /sys/fs/cgroup`, { tried, facts, ...(mountinfo.error ? { error: mountinfo.error } : {}) });
  const engine = engineCgroupVersion ? `; the engine reports cgroup v${engineCgroupVersion}` : '';
  if (found.version === 'v2') return supported(id, `${meaning}: cgroup v2${engine}`, { tried, facts });
  return unsupported(id, 'not-found', `${meaning}; cgroup ${found.version === 'hybrid' ? 'v1 with a v2 hierarchy at /sys/fs/cgroup/unified (hybrid)' : 'v1'}${engine}`, { tried, facts });
}

function engineRootless(facts: { rootless: boolean; securityOptions: string[] } | undefined): Outcome<'sandbox.engine-rootless'> {
  const id = 'sandbox.engine-rootless';
  const tried = ['GET /info (SecurityOptions)'];
  const meaning = 'supported = the engine runs rootless (name=rootless in its security options)';
  if (!facts) return unknown(id, 'engine-unreachable', `${meaning}; no engine answered, so its mode is unknown`, { tried });
  const evidence = { tried, facts: { rootless: facts.rootless, securityOptions: facts.securityOptions } };
  if (facts.rootless) return supported(id, `${meaning}: it does`, evidence);
  return unsupported(id, 'not-found', `${meaning}; it runs as root (security options: ${facts.securityOptions.join(', ') || 'none'})`, evidence);
}

function list(names: readonly string[]): string {
  return names.length > 6 ? `${names.slice(0, 6).join(', ')} and ${names.length - 6} more` : names.join(', ');
}

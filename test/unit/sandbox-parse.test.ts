import { describe, expect, it } from 'vitest';
import {
  assessContainment,
  assessLsm,
  cgroupVersion,
  decodeCapabilities,
  isInitialUserNamespace,
  missingCapabilities,
  parseCapabilitySets,
  parseIdMap,
  parseSeccomp,
  rootFilesystem,
} from '../../src/sandbox/parse.js';

const STATUS = `Name:\tnode
Uid:\t0\t0\t0\t0
CapInh:\t0000000000000000
CapPrm:\t000001fffeffffff
CapEff:\t000001fffeffffff
CapBnd:\t000001fffeffffff
CapAmb:\t0000000000000000
NoNewPrivs:\t1
Seccomp:\t2
Seccomp_filters:\t1
`;

const DOCKER_DEFAULT_CAPS = '00000000a80425fb';

describe('capabilities', () => {
  it('decodes a mask bit by bit to capsh names', () => {
    expect(decodeCapabilities('0000000000000003')).toEqual(['cap_chown', 'cap_dac_override']);
    expect(decodeCapabilities('0')).toEqual([]);
    // Docker's default set for containers, as `capsh --decode=00000000a80425fb` prints it.
    expect(decodeCapabilities(DOCKER_DEFAULT_CAPS)).toEqual([
      'cap_chown', 'cap_dac_override', 'cap_fowner', 'cap_fsetid', 'cap_kill', 'cap_setgid', 'cap_setuid', 'cap_setpcap',
      'cap_net_bind_service', 'cap_net_raw', 'cap_sys_chroot', 'cap_mknod', 'cap_audit_write', 'cap_setfcap',
    ]);
    expect(decodeCapabilities('8000000000000000')).toEqual(['cap_63']);
  });

  it('reads every set from /proc/self/status and finds what the bounding set lacks', () => {
    const sets = parseCapabilitySets(STATUS)!;
    expect(sets.effective).toHaveLength(40);
    expect(sets.inheritable).toEqual([]);
    expect(sets.masks.CapBnd).toBe('000001fffeffffff');
    expect(missingCapabilities(sets.bounding, 40)).toEqual(['cap_sys_resource']);
    expect(missingCapabilities(decodeCapabilities('000001ffffffffff'), 40)).toEqual([]);
    expect(parseCapabilitySets('Name:\tx\n')).toBeUndefined();
  });
});

describe('seccomp', () => {
  it('maps the Seccomp field to a mode', () => {
    expect(parseSeccomp(STATUS)).toEqual({ mode: 'filter', filters: 1, noNewPrivs: true });
    expect(parseSeccomp('Seccomp:\t0\n')).toEqual({ mode: 'disabled', filters: undefined, noNewPrivs: undefined });
    expect(parseSeccomp('Seccomp:\t1\n')?.mode).toBe('strict');
    expect(parseSeccomp('Name:\tx\n')).toBeUndefined();
  });
});

describe('user namespaces', () => {
  it('tells the initial namespace from a remapped one', () => {
    expect(isInitialUserNamespace(parseIdMap('         0          0 4294967295\n'))).toBe(true);
    const rootless = parseIdMap('         0       1000          1\n         1     100000      65536\n');
    expect(rootless).toEqual([{ inside: 0, outside: 1000, count: 1 }, { inside: 1, outside: 100000, count: 65536 }]);
    expect(isInitialUserNamespace(rootless)).toBe(false);
    expect(isInitialUserNamespace([])).toBe(false);
  });
});

const MOUNTINFO_DOCKER = `1224 1100 0:120 / / rw,relatime master:400 - overlay overlay rw,lowerdir=/var/lib/docker/overlay2/l/A,upperdir=/var/lib/docker/overlay2/x/diff
1225 1224 0:123 / /proc rw,nosuid,nodev,noexec,relatime - proc proc rw
1230 1224 0:125 / /sys/fs/cgroup ro,nosuid,nodev,noexec,relatime - cgroup2 cgroup rw
`;
const MOUNTINFO_HYBRID = `27 1 254:0 / / rw,relatime - ext4 /dev/vda rw
30 27 0:26 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755
31 30 0:27 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw
32 30 0:28 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory
`;

describe('mountinfo', () => {
  it('finds the root filesystem and the cgroup layout', () => {
    expect(rootFilesystem(MOUNTINFO_DOCKER)).toEqual({ fsType: 'overlay', source: 'overlay' });
    expect(rootFilesystem(MOUNTINFO_HYBRID)).toEqual({ fsType: 'ext4', source: '/dev/vda' });
    expect(cgroupVersion(MOUNTINFO_DOCKER)?.version).toBe('v2');
    expect(cgroupVersion(MOUNTINFO_HYBRID)?.version).toBe('hybrid');
    expect(cgroupVersion(MOUNTINFO_HYBRID.split('\n').filter((l) => !l.includes('unified')).join('\n'))?.version).toBe('v1');
    expect(cgroupVersion('27 1 254:0 / / rw - ext4 /dev/vda rw\n')).toBeUndefined();
  });
});

describe('containment', () => {
  it('says container with high confidence from a runtime cgroup path alone', () => {
    const c = assessContainment({ dockerenv: false, containerenv: false, pid1Cgroup: '0::/system.slice/docker-0123abcd.scope\n', selfMountinfo: MOUNTINFO_HYBRID });
    expect(c).toMatchObject({ inContainer: true, containerConfidence: 'high', containerRuntime: 'docker', inVm: false });
  });

  it('gives an overlay root only medium confidence', () => {
    const c = assessContainment({ dockerenv: false, containerenv: false, pid1Cgroup: '0::/\n', selfMountinfo: MOUNTINFO_DOCKER });
    expect(c).toMatchObject({ inContainer: true, containerConfidence: 'medium', containerRuntime: 'unknown runtime' });
  });

  it('names podman from /run/.containerenv and a VM from the CPU flag and DMI', () => {
    const c = assessContainment({ dockerenv: false, containerenv: true, cpuinfo: 'processor\t: 0\nflags\t\t: fpu vme hypervisor lahf_lm\n', dmiSysVendor: 'QEMU\n' });
    expect(c).toMatchObject({ inContainer: true, containerRuntime: 'podman', inVm: true, hypervisor: 'kvm', vmConfidence: 'high' });
  });

  it('prefers what systemd-detect-virt says, and sees nothing on bare metal', () => {
    expect(assessContainment({ dockerenv: true, containerenv: false, detectVirtContainer: 'docker\n', detectVirtVm: 'kvm\n' })).toMatchObject({ containerRuntime: 'docker', hypervisor: 'kvm' });
    const bare = assessContainment({ dockerenv: false, containerenv: false, pid1Cgroup: '0::/init.scope\n', selfMountinfo: MOUNTINFO_HYBRID, cpuinfo: 'flags\t: fpu vme\n', detectVirtContainer: 'none', detectVirtVm: 'none' });
    expect(bare).toMatchObject({ inContainer: false, inVm: false, containerRuntime: undefined, hypervisor: undefined });
    expect(bare.sourcesRead).toBe(7);
  });
});

describe('LSM', () => {
  it('reads AppArmor and SELinux labels', () => {
    expect(assessLsm({ selfAttr: 'docker-default (enforce)\n', apparmorEnabled: 'Y\n' })).toMatchObject({ confinedBy: 'apparmor', label: 'docker-default (enforce)' });
    expect(assessLsm({ selfAttr: 'unconfined\n', apparmorEnabled: 'Y\n' })).toMatchObject({ confinedBy: undefined, apparmor: 'enabled' });
    expect(assessLsm({ selfAttr: 'system_u:system_r:container_t:s0:c1,c2\0', selinuxEnforce: '1' })).toMatchObject({ confinedBy: 'selinux', selinux: 'enforcing' });
    expect(assessLsm({ selfAttr: 'unconfined_u:unconfined_r:unconfined_t:s0', selinuxEnforce: '0' })).toMatchObject({ confinedBy: 'selinux', selinux: 'permissive' });
    expect(assessLsm({ lsmList: 'lockdown,capability,landlock,yama' })).toMatchObject({ confinedBy: undefined, apparmor: 'absent', selinux: 'absent', kernelLsms: ['lockdown', 'capability', 'landlock', 'yama'] });
  });
});

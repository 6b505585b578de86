/** The probe registry: every probe module. Order is only a tie-break; dependencies decide scheduling. */
import type { AnyProbe } from '../src/define-probe.js';
import buildBuildx from './build-buildx.js';
import buildClassic from './build-classic.js';
import compose from './compose.js';
import containerExec from './container-exec.js';
import containerLifecycle from './container-lifecycle.js';
import containerPrune from './container-prune.js';
import containerRestricted from './container-restricted.js';
import containerRun from './container-run.js';
import imageArchive from './image-archive.js';
import imageLocal from './image-local.js';
import imageRemoteInspect from './image-remote-inspect.js';
import imageSecurity from './image-security.js';
import network from './network.js';
import egressProxy from './egress-proxy.js';
import registryAccess from './registry-access.js';
import registryLogin from './registry-login.js';
import registryPush from './registry-push.js';
import chaos from './chaos.js';
import gitProxy from './git-proxy.js';
import preinstalledServices from './preinstalled-services.js';
import sandbox from './sandbox.js';
import testcontainers from './testcontainers.js';
import volume from './volume.js';

export const PROBES: readonly AnyProbe[] = [
  buildClassic,
  buildBuildx,
  compose,
  containerLifecycle,
  containerRun,
  containerExec,
  containerPrune,
  containerRestricted,
  imageLocal,
  imageArchive,
  imageRemoteInspect,
  imageSecurity,
  network,
  registryPush,
  registryAccess,
  registryLogin,
  egressProxy,
  sandbox,
  testcontainers,
  chaos,
  preinstalledServices,
  gitProxy,
  volume,
];

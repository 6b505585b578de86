/** The probe registry: every probe module. Order is only a tie-break; dependencies decide scheduling. */
import type { AnyProbe } from '../src/define-probe.js';
import network from './network.js';

export const PROBES: readonly AnyProbe[] = [network];

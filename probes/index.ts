/** The probe registry: every probe module, in the order they are listed in the report's sections. */
import type { AnyProbe } from '../src/define-probe.js';

export const PROBES: readonly AnyProbe[] = [];

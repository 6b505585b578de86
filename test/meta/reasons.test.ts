/** Every reason code a verdict can carry has advice for `cap-probe explain`. */
import { describe, expect, it } from 'vitest';
import { ReasonSchema } from '../../src/model.js';
import { REASON_ADVICE } from '../../src/reasons.js';

describe('reason advice', () => {
  it('has causes and an action for every reason code in src/model.ts, and nothing else', () => {
    for (const reason of ReasonSchema.options) {
      const advice = REASON_ADVICE[reason];
      expect(advice, `no advice for reason ${reason} in src/reasons.ts`).toBeDefined();
      if (!advice) continue;
      expect(advice.causes.length, reason).toBeGreaterThan(10);
      expect(advice.action.length, reason).toBeGreaterThan(10);
    }
    expect(Object.keys(REASON_ADVICE).sort()).toEqual([...ReasonSchema.options].sort());
  });
});

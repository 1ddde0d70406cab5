// Reconciling a coverage claim with the rule-derived coverage: where they agree and where they do not. Pure.
import type { ClaimRow } from '../graph/claims.js';
import type { CoveredTechnique } from './coverage.js';

/** What the GraphQL type ClaimReconciliation resolves from. */
export interface ClaimReconciliationModel {
  claim: ClaimRow;
  techniques: number;
  both: number;
  neither: number;
  claimOnly: CoveredTechnique[];
  rulesOnly: CoveredTechnique[];
  agreementPercent: number;
}

/** Splits counted techniques (their `claimed` set from `claim` alone) by claim and Sigma detection. */
export function reconcile(claim: ClaimRow, techniques: CoveredTechnique[]): ClaimReconciliationModel {
  const byId = (a: { id: string }, b: { id: string }) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
  const both = techniques.filter((t) => t.claimed && t.detected).length;
  const neither = techniques.filter((t) => !t.claimed && !t.detected).length;
  return {
    claim,
    techniques: techniques.length,
    both,
    neither,
    claimOnly: techniques.filter((t) => t.claimed && !t.detected).sort(byId),
    rulesOnly: techniques.filter((t) => !t.claimed && t.detected).sort(byId),
    agreementPercent: techniques.length === 0 ? 0 : Math.round((1000 * (both + neither)) / techniques.length) / 10,
  };
}

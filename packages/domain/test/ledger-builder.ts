// Builds a contract's stored event group for settlement specs: positions and recorded times in order, as a store
// would assign them.
import { foldLedger, type ContractLedger } from '../src/ledger.ts';
import type { LedgerEvent, StoredLedgerEvent } from '../src/events.ts';
import { childStream, contractStream } from '../src/ids.ts';

const actor = { sub: 'u1', name: 'Test User', org: '0AX', role: 'csu' as const };

export class LedgerBuilder {
  readonly events: StoredLedgerEvent[] = [];
  private readonly revisions = new Map<string, number>();

  add(...events: LedgerEvent[]): this {
    for (const e of events) {
      const d = e.data as { contractId?: string; extraId?: string; challengeId?: string; invoiceId?: string };
      const child = d.invoiceId ?? d.extraId ?? d.challengeId;
      const stream = child ? childStream(child) : contractStream(d.contractId!);
      const revision = (this.revisions.get(stream) ?? -1) + 1;
      this.revisions.set(stream, revision);
      const position = BigInt(this.events.length + 1);
      const recordedAt = new Date(Date.UTC(2026, 0, 1) + this.events.length * 1000).toISOString();
      this.events.push({ ...e, eventId: `event-${position}`, streamName: stream, revision, position, recordedAt, metadata: { actor, correlationId: 'c' } });
    }
    return this;
  }

  ledger(): ContractLedger {
    return foldLedger(structuredClone(this.events));
  }
}

import type { IsoDate } from '@csu-ledger/domain';
import type { EventStore, RecordedEvent } from '@csu-ledger/event-store';
import type { Receipt, ReceiptSubject } from '@csu-ledger/integrity';
import type { Execute } from './pipeline.ts';

export interface Deps {
  store: EventStore;
  /** Today's date in England: what "now" means for the rules (future dates, quarters ended, pending). */
  today: () => IsoDate;
  /** The command pipeline (load, decide, append with retries) of this app. */
  execute: Execute;
  /** The receipt of a recorded event: the signed head of its group that covers it (issue 14); absent with no signer. */
  receipt?: ((event: RecordedEvent, root: string, subject: ReceiptSubject) => Promise<Receipt>) | undefined;
}

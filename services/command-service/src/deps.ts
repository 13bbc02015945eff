import type { IsoDate } from '@csu-ledger/domain';
import type { EventStore } from '@csu-ledger/event-store';
import type { Execute } from './pipeline.ts';

export interface Deps {
  store: EventStore;
  /** Today's date in England: what "now" means for the rules (future dates, quarters ended, pending). */
  today: () => IsoDate;
  /** The command pipeline (load, decide, append with retries) of this app. */
  execute: Execute;
}

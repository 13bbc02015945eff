import type { IsoDate } from '@csu-ledger/domain';
import type { EventStore } from '@csu-ledger/event-store';

export interface Deps {
  store: EventStore;
  /** Today's date in England: what "now" means for the rules (future dates, quarters ended, pending). */
  today: () => IsoDate;
}

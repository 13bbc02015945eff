import type { AppendOptions, AppendResult, NewEvent } from './port.ts';

/**
 * An append waiting for the next group commit (both embedded and PostgreSQL adapters queue them), with its JSON
 * already serialised outside the transaction.
 */
export interface PendingAppend {
  streamName: string;
  events: { event: NewEvent; dataJson: string; metadataJson: string }[];
  options: AppendOptions;
  resolve: (result: AppendResult) => void;
  reject: (error: unknown) => void;
}

import type { Request, RequestHandler, Response } from 'express';
import type { RecordedEvent } from '@csu-ledger/event-store';

export interface CommandResult {
  created?: Record<string, string> | undefined;
  events: RecordedEvent[];
  /** More for the answer (an approval's receipt). */
  more?: Record<string, unknown> | undefined;
}

/**
 * Wraps a command handler: 201 with the new id when something was created, else 200; always the global position of
 * the last event (for X-Min-Position on the query side) and its stream revision (as ETag, for If-Match).
 */
export const command =
  (handle: (req: Request) => Promise<CommandResult>): RequestHandler =>
  async (req: Request, res: Response) => {
    const { created, events, more } = await handle(req);
    const last = events[events.length - 1]!;
    res.setHeader('ETag', `"${last.revision}"`);
    res.status(created ? 201 : 200).json({ ...created, position: last.position.toString(), revision: last.revision, ...more });
  };

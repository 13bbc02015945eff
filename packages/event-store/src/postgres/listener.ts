// One LISTEN connection per store, shared by its subscriptions: a NOTIFY from any process's commit wakes them.
// If the connection drops it reconnects with backoff; meanwhile the subscriptions' fallback poll keeps them live,
// and after every (re)connection they are woken once, for whatever was committed while nobody listened.
import pg from 'pg';

export interface Listener {
  /** True while LISTEN is in force on a live connection. */
  listening(): boolean;
  close(): Promise<void>;
}

const firstRetryMs = 100;
const maxRetryMs = 5_000;

export const startListener = (config: pg.ClientConfig, channel: string, wake: () => void): Listener => {
  let client: pg.Client | undefined;
  let active = false;
  let closed = false;
  let connecting: Promise<void> | undefined;
  let retry: ReturnType<typeof setTimeout> | undefined;
  let retryMs = firstRetryMs;

  const scheduleRetry = (): void => {
    if (closed || retry !== undefined) return;
    retry = setTimeout(() => {
      retry = undefined;
      connecting = connect();
    }, retryMs);
    retryMs = Math.min(retryMs * 2, maxRetryMs);
  };

  const lost = (lostClient: pg.Client): void => {
    if (client !== lostClient) return;
    client = undefined;
    active = false;
    void lostClient.end().catch(() => undefined);
    scheduleRetry();
  };

  const connect = async (): Promise<void> => {
    const next = new pg.Client(config);
    client = next;
    next.on('notification', () => wake());
    next.on('error', () => lost(next)); // a dropped connection: reconnect (an unhandled 'error' would crash)
    next.on('end', () => lost(next));
    try {
      await next.connect();
      await next.query(`LISTEN ${channel}`);
      if (client !== next) return;
      active = true;
      retryMs = firstRetryMs;
      wake();
    } catch {
      lost(next);
    }
  };

  connecting = connect();
  return {
    listening: () => active,
    close: async () => {
      closed = true;
      clearTimeout(retry);
      await connecting;
      const last = client;
      client = undefined;
      active = false;
      await last?.end().catch(() => undefined);
    },
  };
};

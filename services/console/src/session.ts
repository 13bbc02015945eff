// Server-side sessions (issue 11): the browser holds only a random id in an HttpOnly, SameSite=Lax cookie (Secure
// outside localhost); the user's token never leaves the server. Kept in memory, bounded (the least recently used
// session goes first when full) and expiring (after idleness, and at an absolute age no later than the token's).
import { randomBytes } from 'node:crypto';

export interface SignedInUser {
  sub: string;
  name: string;
  org: string;
  role: 'admin' | 'csu' | 'ccg' | 'auditor';
  /** The bearer token the console forwards to the services: the user's own. */
  token: string;
  /** Epoch ms after which the token is refused; the session ends then at the latest. */
  expiresAt: number;
}

export interface FormError {
  /** The id of the input to link to and highlight; undefined: the form as a whole. */
  field?: string | undefined;
  message: string;
}

/** What a redirected-to page shows once (POST/redirect/GET). */
export interface Flash {
  notice?: { title: string; text: string };
  /** The form (`action:target`) whose errors and typed values these are. */
  form?: string;
  errors?: FormError[];
  values?: Record<string, string>;
  /** An approval refused as stale: the figure the user had seen. */
  staleFigure?: string;
  /** The outcome of a returns upload: every line of the file, with its errors, and whether it was recorded. */
  returns?: {
    fileName: string;
    recorded: boolean;
    lines: { line: number; kpiId: string; month: string; summary: string; errors: string[] }[];
    fileErrors: string[];
    blank: number;
  };
}

export interface Session {
  id: string;
  createdAt: number;
  lastSeen: number;
  /** The synchroniser token every form carries. */
  csrf: string;
  user?: SignedInUser;
  flash?: Flash;
  /** Read-your-writes: the highest log position this user's commands answered. */
  minPosition?: string;
  /** OpenID Connect sign-in in progress. */
  oidc?: { state: string; nonce: string; verifier: string };
  /** The last integrity verdict an auditor asked for, with when it was checked. */
  verdict?: { checkedAt: string; body: unknown };
  /**
   * Receipts of the approvals made in this session (issue 14), by `receiptKey`, as the JSON text the command service
   * answered with: offered as a download on the settlement page. The few latest only (RECEIPTS_KEPT).
   */
  receipts?: Record<string, string>;
}

/** How many approvals' receipts a session keeps for download; older ones stay available from `pnpm ledger receipt`. */
export const RECEIPTS_KEPT = 8;
export const receiptKey = (contractId: string, quarter: string): string => `${contractId} ${quarter}`;

/** Keeps an approval's receipt in the session, dropping the oldest beyond RECEIPTS_KEPT. */
export const keepReceipt = (session: Session, contractId: string, quarter: string, json: string): void => {
  const kept = Object.entries(session.receipts ?? {}).filter(([k]) => k !== receiptKey(contractId, quarter));
  session.receipts = Object.fromEntries([...kept, [receiptKey(contractId, quarter), json] as const].slice(-RECEIPTS_KEPT));
};

export interface SessionStoreOptions {
  max: number;
  idleMs: number;
  absoluteMs: number;
  clock?: () => number;
}

export interface SessionStore {
  create(): Session;
  /** The live session with this id (touched), or undefined when unknown or expired. */
  get(id: string | undefined): Session | undefined;
  /** A new id for the same session (after sign-in: no fixation). */
  rotate(s: Session): Session;
  destroy(id: string): void;
  size(): number;
}

export const randomToken = (): string => randomBytes(32).toString('base64url');

export const createSessionStore = (o: SessionStoreOptions): SessionStore => {
  const clock = o.clock ?? Date.now;
  // A Map iterates in insertion order; re-inserting on every use keeps the least recently used first.
  const sessions = new Map<string, Session>();
  const expired = (s: Session, now: number) =>
    now - s.lastSeen > o.idleMs || now - s.createdAt > o.absoluteMs || (s.user !== undefined && now >= s.user.expiresAt);
  const insert = (s: Session) => {
    while (sessions.size >= o.max) {
      const oldest = sessions.keys().next();
      if (oldest.done) break;
      sessions.delete(oldest.value);
    }
    sessions.set(s.id, s);
  };
  return {
    create: () => {
      const now = clock();
      const s: Session = { id: randomToken(), createdAt: now, lastSeen: now, csrf: randomToken() };
      insert(s);
      return s;
    },
    get: (id) => {
      if (id === undefined) return undefined;
      const s = sessions.get(id);
      if (!s) return undefined;
      const now = clock();
      sessions.delete(id);
      if (expired(s, now)) return undefined;
      s.lastSeen = now;
      sessions.set(id, s);
      return s;
    },
    rotate: (s) => {
      sessions.delete(s.id);
      const next: Session = { ...s, id: randomToken(), csrf: randomToken(), createdAt: clock(), lastSeen: clock() };
      insert(next);
      return next;
    },
    destroy: (id) => void sessions.delete(id),
    size: () => sessions.size,
  };
};

/** The session cookie: HttpOnly, SameSite=Lax, Secure (and the __Host- prefix) outside localhost. */
export const sessionCookie = (secure: boolean) => {
  const name = secure ? '__Host-ledger-session' : 'ledger-session';
  return {
    name,
    serialise: (id: string) => `${name}=${id}; Path=/; HttpOnly; SameSite=Lax${secure ? '; Secure' : ''}`,
    clear: () => `${name}=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0${secure ? '; Secure' : ''}`,
    read: (header: string | undefined): string | undefined => {
      for (const part of (header ?? '').split(';')) {
        const [k, ...v] = part.trim().split('=');
        if (k === name) {
          const value = v.join('=');
          return /^[A-Za-z0-9_-]{43}$/.test(value) ? value : undefined;
        }
      }
      return undefined;
    },
  };
};

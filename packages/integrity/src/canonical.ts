// Canonical JSON: the one byte string a value hashes and signs as, whatever store kept it and in whatever key order
// (PostgreSQL's jsonb reorders keys). Keys sorted by UTF-16 code units, no whitespace, numbers and strings as
// JSON.stringify writes them (as RFC 8785 does for the values we store). It reads a value the way JSON.stringify
// would store it (toJSON, undefined properties left out), so an event hashes the same before and after the store.

const serialise = (value: unknown, path: string): string | undefined => {
  if (value !== null && typeof value === 'object' && typeof (value as { toJSON?: unknown }).toJSON === 'function') {
    value = (value as { toJSON: () => unknown }).toJSON();
  }
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return JSON.stringify(value);
    case 'number':
      // NaN and ±Infinity would be stored as null: a hash over them would not survive the store.
      if (!Number.isFinite(value)) throw new TypeError(`canonical JSON has no ${String(value)} (at ${path})`);
      return JSON.stringify(value);
    case 'bigint':
      throw new TypeError(`canonical JSON has no bigint (at ${path}); write it as a string`);
    case 'undefined':
    case 'function':
    case 'symbol':
      return undefined;
    case 'object': {
      if (value === null) return 'null';
      if (Array.isArray(value)) return `[${value.map((v, i) => serialise(v, `${path}[${i}]`) ?? 'null').join(',')}]`;
      const record = value as Record<string, unknown>;
      const members: string[] = [];
      for (const key of Object.keys(record).sort()) {
        const member = serialise(record[key], `${path}.${key}`);
        if (member !== undefined) members.push(`${JSON.stringify(key)}:${member}`);
      }
      return `{${members.join(',')}}`;
    }
  }
};

/** Sorted keys, no whitespace; refuses non-finite numbers and bigints, which JSON cannot hold. */
export const canonicalJson = (value: unknown): string => serialise(value, '$') ?? 'null';

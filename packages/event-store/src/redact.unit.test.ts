import { describe, expect, it } from 'vitest';
import { openEventStore } from './open.ts';
import { redactStoreSpec } from './redact.ts';

const SECRET = 's3cret';

describe('redactStoreSpec: no password of a store spec reaches a log', () => {
  it.each([
    ['postgres://ledger:s3cret@db:5432/ledger', 'postgres://ledger:***@db:5432/ledger'],
    ['postgresql://ledger:s3cret@db/ledger?sslmode=verify-full', 'postgresql://ledger:***@db/ledger?sslmode=verify-full'],
    // an '@', '/', '?' or ':' inside the password, unencoded
    ['postgres://ledger:s3cret@home@db:5432/ledger', 'postgres://ledger:***@db:5432/ledger'],
    ['postgres://ledger:s3/cret@db/ledger', 'postgres://ledger:***@db/ledger'],
    ['postgres://ledger:s3?cret@db/ledger', 'postgres://ledger:***@db/ledger'],
    ['postgres://ledger:s3:cret@db/ledger', 'postgres://ledger:***@db/ledger'],
    ['postgres://ledger:s3cret%40home@db/ledger', 'postgres://ledger:***@db/ledger'],
    // in the query, alone or among others, by any name that carries one
    ['postgres://db/ledger?user=ledger&password=s3cret', 'postgres://db/ledger?user=ledger&password=***'],
    ['postgres://ledger@db/ledger?sslmode=require&sslpassword=s3cret&application_name=x', 'postgres://ledger@db/ledger?sslmode=require&sslpassword=***&application_name=x'],
    ['postgres://db/ledger?PASSWORD=s3cret', 'postgres://db/ledger?PASSWORD=***'],
    ['postgres://db/ledger?pass%77ord=s3cret', 'postgres://db/ledger?pass%77ord=***'],
    ['postgres://u:s3cret@db/ledger?password=s3cret', 'postgres://u:***@db/ledger?password=***'],
    // an EventStoreDB/KurrentDB cluster: several hosts, which new URL() refuses
    ['esdb://admin:s3cret@node1:2113,node2:2113,node3:2113?tls=true', 'esdb://admin:***@node1:2113,node2:2113,node3:2113?tls=true'],
    ['kurrentdb+discover://admin:s3cret@cluster.example:2113', 'kurrentdb+discover://admin:***@cluster.example:2113'],
    // nothing to hide
    ['postgres://db:5432/ledger', 'postgres://db:5432/ledger'],
    ['postgres://ledger@db/ledger', 'postgres://ledger@db/ledger'],
    ['esdb://node1:2113?tls=false', 'esdb://node1:2113?tls=false'],
    ['sqlite:/srv/ledger/data/events.db', 'sqlite:/srv/ledger/data/events.db'],
    // not a URL at all: its first word only
    ['host=db password=s3cret', 'host***'],
    ['postgres:s3cret@db', 'postgres:***'],
    ['', '***'],
  ])('%s -> %s', (spec, shown) => {
    expect(redactStoreSpec(spec)).toBe(shown);
  });

  it('never shows the password, whatever characters it holds', () => {
    for (const password of ['p@ss', 'a/b?c#d', 'x:y@z', '%40%2F', 'with space', '&password=', 'ü€😀']) {
      for (const spec of [
        `postgres://ledger:${password}@db/ledger`,
        `postgres://ledger:${encodeURIComponent(password)}@db/ledger`,
        `postgres://db/ledger?password=${encodeURIComponent(password)}`,
        `esdb://admin:${password}@a:2113,b:2113`,
      ]) {
        const shown = redactStoreSpec(spec);
        expect(shown, spec).not.toContain(password);
        if (password.length > 3) expect(shown, spec).not.toContain(encodeURIComponent(password));
      }
    }
    expect(redactStoreSpec(`postgres://u:${SECRET}@db/x`)).not.toContain(SECRET);
  });
});

describe('openEventStore', () => {
  it('names a spec it cannot use without its password', () => {
    expect(() => openEventStore('mysql://ledger:s3cret@db/ledger')).toThrow('"mysql://ledger:***@db/ledger"');
    expect(() => openEventStore('postgress://ledger:s3cret@db/ledger')).not.toThrow(/s3cret/);
  });
});

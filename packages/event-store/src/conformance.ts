// The conformance suite every EventStore adapter runs (STYLE.md pattern 7). It imports vitest, so it is not part of
// the package's index: an adapter's *.int.test.ts imports it by path and calls describeEventStore once.
import { afterEach, beforeEach, describe } from 'vitest';
import { appendTests } from './conformance/appends.ts';
import { approvalRaceTests } from './conformance/approval-race.ts';
import type { StoreFactory, StoreUnderTest } from './conformance/helpers.ts';
import { readTests } from './conformance/reads.ts';
import { subscriptionTests } from './conformance/subscriptions.ts';

export type { StoreFactory, StoreUnderTest } from './conformance/helpers.ts';

/**
 * Registers the suite. `factory` runs before every test and must give a store that is open and usable; stream names
 * are unique per test, so it may hand out the same (non-empty) storage each time, but nothing else may write to it
 * while the suite runs. `dispose` runs after every test.
 */
export const describeEventStore = (name: string, factory: StoreFactory): void => {
  describe(`EventStore conformance: ${name}`, () => {
    let current: StoreUnderTest | undefined;
    const subject = (): StoreUnderTest => {
      if (!current) throw new Error('no store: the factory did not run');
      return current;
    };
    beforeEach(async () => {
      current = await factory();
    });
    afterEach(async () => {
      await current?.dispose();
      current = undefined;
    });

    describe('append', () => appendTests(subject));
    describe('read', () => readTests(subject));
    describe('guarded approval', () => approvalRaceTests(subject));
    describe('subscribe', () => subscriptionTests(subject));
  });
};

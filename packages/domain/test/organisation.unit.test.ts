import { describe, expect, it } from 'vitest';
import {
  decideOrganisation,
  evolveOrganisation,
  initialOrganisationState,
  nameAt,
  type OrganisationCommand,
  type OrganisationState,
} from '../src/organisation/organisation.ts';
import type { OrganisationEvent } from '../src/events.ts';
import { deciderSpec } from './spec.ts';
import { TODAY } from './fixtures.ts';

const given = deciderSpec<OrganisationCommand, OrganisationEvent, OrganisationState>({
  decide: decideOrganisation,
  evolve: evolveOrganisation,
  initialState: initialOrganisationState,
});
const registered: OrganisationEvent = {
  type: 'OrganisationRegistered',
  data: { code: 'RAX', name: 'Kingston Hospital NHS Foundation Trust', kind: 'trust', businessDate: '2013-04-01' },
};
const register: OrganisationCommand = { type: 'RegisterOrganisation', ...registered.data, today: TODAY };
const renamed: OrganisationEvent = {
  type: 'OrganisationRenamed',
  data: { code: 'RAX', name: 'Kingston and Richmond NHS Foundation Trust', businessDate: '2024-04-01' },
};

describe('organisation register', () => {
  it('registers', () => given([]).when(register).then([registered]));
  it('refuses registering twice', () => given([registered]).when(register).thenRefuses('already-exists', 'code'));
  it('refuses a bad code', () => given([]).when({ ...register, code: 'ra' }).thenRefuses('invalid-input', 'code'));
  it('refuses a population for a trust', () =>
    given([]).when({ ...register, population: 100 }).thenRefuses('invalid-input', 'population'));
  it('renames', () => given([registered]).when({ type: 'RenameOrganisation', ...renamed.data, today: TODAY }).then([renamed]));
  it('refuses renaming an unknown organisation', () =>
    given([]).when({ type: 'RenameOrganisation', ...renamed.data, today: TODAY }).thenRefuses('not-found'));
  it('refuses an empty name', () =>
    given([registered]).when({ type: 'RenameOrganisation', ...renamed.data, name: '  ', today: TODAY }).thenRefuses('invalid-input', 'name'));
  it('shows the name in force at a date', () => {
    const s = [registered, renamed].reduce(evolveOrganisation, initialOrganisationState());
    if (s.status !== 'registered') throw new Error('not registered');
    expect(nameAt(s, '2023-12-31')).toBe('Kingston Hospital NHS Foundation Trust');
    expect(nameAt(s, '2024-04-01')).toBe('Kingston and Richmond NHS Foundation Trust');
  });
});

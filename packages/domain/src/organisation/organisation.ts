// Organisation register (DOMAIN.md: Who and what): model, evolve and decide in one short file.
import { notInFuture } from '../dates.ts';
import { refuse } from '../errors.ts';
import type { IsoDate, OrganisationEvent, OrganisationKind } from '../events.ts';
import { isOrgCode } from '../ids.ts';

export interface RegisteredOrganisation {
  status: 'registered';
  code: string;
  kind: OrganisationKind;
  /** Names in force from a date, oldest first (a view shows the name in force at the date it is about). */
  names: { from: IsoDate; name: string }[];
  population?: number | undefined;
  runningCostAllowancePencePerHead?: number | undefined;
}
export type OrganisationState = { status: 'none' } | RegisteredOrganisation;
export const initialOrganisationState = (): OrganisationState => ({ status: 'none' });

export const nameAt = (org: RegisteredOrganisation, date: IsoDate): string => {
  let name = org.names[0]!.name;
  for (const n of org.names) if (n.from <= date) name = n.name;
  return name;
};

export const evolveOrganisation = (state: OrganisationState, event: OrganisationEvent): OrganisationState => {
  switch (event.type) {
    case 'OrganisationRegistered': {
      const { code, kind, name, businessDate, population, runningCostAllowancePencePerHead } = event.data;
      return { status: 'registered', code, kind, names: [{ from: businessDate, name }], population, runningCostAllowancePencePerHead };
    }
    case 'OrganisationRenamed': {
      if (state.status === 'none') return state;
      const names = [...state.names, { from: event.data.businessDate, name: event.data.name }].sort((a, b) =>
        a.from < b.from ? -1 : a.from > b.from ? 1 : 0,
      );
      return { ...state, names };
    }
    default: {
      const _never: never = event;
      return _never;
    }
  }
};

interface Dated {
  businessDate: IsoDate;
  today: IsoDate;
}
export type OrganisationCommand =
  | ({
      type: 'RegisterOrganisation';
      code: string;
      name: string;
      kind: OrganisationKind;
      population?: number | undefined;
      runningCostAllowancePencePerHead?: number | undefined;
    } & Dated)
  | ({ type: 'RenameOrganisation'; code: string; name: string } & Dated);

export const decideOrganisation = (cmd: OrganisationCommand, state: OrganisationState): OrganisationEvent[] => {
  notInFuture(cmd);
  if (cmd.name.trim() === '') refuse('invalid-input', 'a name is required', 'name');
  const { type: _t, today: _d, ...data } = cmd;
  switch (cmd.type) {
    case 'RegisterOrganisation': {
      if (state.status !== 'none') refuse('already-exists', `organisation ${cmd.code} is already registered`, 'code');
      if (!isOrgCode(cmd.code)) refuse('invalid-input', 'code must be 3 to 5 capital letters or digits', 'code');
      const perHead = [cmd.population, cmd.runningCostAllowancePencePerHead];
      if (cmd.kind !== 'ccg' && perHead.some((v) => v !== undefined)) {
        refuse('invalid-input', 'only a commissioner has a population and running-cost allowance', 'population');
      }
      if (perHead.some((v) => v !== undefined && (!Number.isSafeInteger(v) || v < 0))) {
        refuse('invalid-input', 'population and allowance must be whole numbers ≥ 0', 'population');
      }
      return [{ type: 'OrganisationRegistered', data: data as Extract<OrganisationEvent, { type: 'OrganisationRegistered' }>['data'] }];
    }
    case 'RenameOrganisation': {
      if (state.status === 'none') refuse('not-found', `no organisation ${cmd.code}`);
      return [{ type: 'OrganisationRenamed', data: { code: cmd.code, name: cmd.name, businessDate: cmd.businessDate } }];
    }
    default: {
      const _never: never = cmd;
      return _never;
    }
  }
};

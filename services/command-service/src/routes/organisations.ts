// The organisation register (API.md: /organisations, /organisations/{code}/renaming). Admin only.
import { Router } from 'express';
import {
  decideOrganisation,
  evolveOrganisation,
  initialOrganisationState,
  isOrgCode,
  organisationStream,
  isOrganisationEvent,
  type OrganisationState,
} from '@csu-ledger/domain';
import type { RecordedEvent } from '@csu-ledger/event-store';
import { parseBody, requestContext } from '../context.ts';
import { decoded, loadStream, notFound, requirePermission } from '../loaders.ts';
import * as s from '../schemas.ts';
import { command } from './respond.ts';
import type { Deps } from '../deps.ts';

const fold = (records: RecordedEvent[]): OrganisationState =>
  decoded(records).filter(isOrganisationEvent).reduce<OrganisationState>(evolveOrganisation, initialOrganisationState());

export const organisationRoutes = (deps: Deps): Router => {
  const { store } = deps;
  const r = Router();
  const load = (streamName: string) => () => loadStream(store, streamName, fold);

  r.post(
    '/organisations',
    command(async (req) => {
      const ctx = requestContext(req);
      requirePermission(ctx, 'register-organisation');
      const body = parseBody(s.registerOrganisation, req);
      const streamName = organisationStream(body.code);
      const events = await deps.execute(ctx, {
        streamName,
        load: load(streamName),
        decide: (state) => decideOrganisation({ type: 'RegisterOrganisation', ...body, today: deps.today() }, state),
      });
      return { created: { code: body.code }, events };
    }),
  );

  r.post(
    '/organisations/:code/renaming',
    command(async (req) => {
      const ctx = requestContext(req);
      requirePermission(ctx, 'rename-organisation');
      const body = parseBody(s.renameOrganisation, req);
      const code = String(req.params.code);
      if (!isOrgCode(code)) throw notFound('organisation with that code');
      const streamName = organisationStream(code);
      const events = await deps.execute(ctx, {
        streamName,
        load: load(streamName),
        decide: (state) =>
          decideOrganisation({ type: 'RenameOrganisation', code, ...body, today: deps.today() }, state),
      });
      return { events };
    }),
  );
  return r;
};

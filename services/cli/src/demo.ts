// Loads the worked example through the API, as the users it names would (admin, CSU account manager, CCG finance).
import { signDevToken } from '@csu-ledger/auth';
import { call } from './client.ts';
import { CONTRACT_ID, workedExample, type DemoRequest } from './worked-example.ts';

export const tokenFor = (secret: Uint8Array, as: DemoRequest['as']): Promise<string> =>
  signDevToken(secret, { sub: as.sub, name: as.name, org: as.org, roles: [as.role] });

/** Sends the requests in order; returns the last position written, or undefined when the demo was already there. */
export const loadDemo = async (commandUrl: string, secret: Uint8Array, requests: DemoRequest[] = workedExample): Promise<string | undefined> => {
  const saved = new Map<string, string>();
  let position: string | undefined;
  for (const r of requests) {
    const path = r.path.replace(/\{(\w+)\}/g, (_, k: string) => saved.get(k) ?? k);
    const answer = await call<Record<string, string>>(commandUrl, await tokenFor(secret, r.as), 'POST', path, r.body);
    if (answer.status === 409 && answer.body.code === 'already-exists') {
      if (path === '/contracts' && r.body.contractId === CONTRACT_ID) return undefined; // loaded on an earlier start
      continue; // organisations registered earlier
    }
    if (answer.status >= 300) throw new Error(`demo step POST ${path} failed: ${answer.status} ${JSON.stringify(answer.body)}`);
    if (r.saveAs) saved.set(r.saveAs, answer.body.extraId ?? answer.body.challengeId ?? answer.body.contractId ?? '');
    position = answer.body.position;
  }
  return position;
};

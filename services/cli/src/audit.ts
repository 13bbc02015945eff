// `pnpm ledger receipt` and `pnpm ledger rotate-key` (issue 14): the latest receipt, as the JSON file a CCG keeps
// outside the system, and a change of the key that signs chain heads, recorded in the log and signed by the old key.
import { existsSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { contractStream, isContractId } from '@csu-ledger/domain';
import {
  createHeadSigner,
  createNextKey,
  INTEGRITY_PUBLIC_KEY_FILE,
  keyIdOf,
  latestReceipt,
  loadOrCreateSigningKey,
  loadSigningKeyById,
  nextKeyPath,
  readPublicKeyFile,
  signingKeyPath,
  type SigningKeySettings,
} from '@csu-ledger/integrity';
import { openStore, type CliEnvironment } from './integrity.ts';

/** Writes text to a file, flushed to disk before we say it is there. */
const writeFileDurably = async (path: string, text: string): Promise<void> => {
  const file = await open(path, 'w');
  try {
    await file.writeFile(text);
    await file.sync();
  } finally {
    await file.close();
  }
};

/** Prints the latest receipt (of a contract's latest approval, or of the whole log); returns the exit code. */
export const receiptCommand = async (args: string[], env: CliEnvironment, out: (text: string) => void, note: (line: string) => void): Promise<number> => {
  const { values } = parseArgs({ args, options: { contract: { type: 'string' }, out: { type: 'string' } }, strict: true });
  if (values.contract !== undefined && !isContractId(values.contract)) throw new Error('--contract <id>: letters, digits, - and _');
  const store = openStore(env);
  try {
    const contractId = values.contract;
    const receipt =
      contractId === undefined
        ? await latestReceipt(store)
        : await latestReceipt(store, {
            root: contractStream(contractId),
            eventType: 'SettlementApproved',
            subject: (e) => ({ contractId, quarter: (e?.data as { quarter?: string } | undefined)?.quarter }),
          });
    if (!receipt) {
      throw new Error(
        contractId === undefined ? 'there is no signed head in the log yet' : `there is no receipt for contract ${contractId}: none of its settlement approvals has been signed`,
      );
    }
    const text = `${JSON.stringify(receipt, null, 2)}\n`;
    if (values.out === undefined) out(text);
    else await writeFileDurably(values.out, text);
    const what = receipt.event ? `${receipt.event.type} at position ${receipt.event.position}` : `the log through position ${receipt.signedHead.throughPosition}`;
    note(`receipt of ${what}: signed head at position ${receipt.signedHead.position}, signed at ${receipt.signedHead.signedAt ?? 'an unrecorded time'}${values.out ? `, written to ${values.out}` : ''}`);
    return 0;
  } finally {
    await store.close();
  }
};

const short = (id: string): string => `${id.slice(0, 12)}…`;

/** Records a new signing key, signed by the one in force, and puts it in the key file; returns the exit code. */
export const rotateKeyCommand = async (args: string[], env: CliEnvironment, out: (line: string) => void): Promise<number> => {
  parseArgs({ args, options: {}, strict: true });
  const settings: SigningKeySettings = { dataDir: env.dataDir, keyPath: env.privateKeyPath };
  const keyFile = signingKeyPath(settings);
  if (!existsSync(keyFile)) throw new Error(`there is no signing key at ${keyFile}: the command service creates it on its first start`);
  const store = openStore(env);
  try {
    const current = await loadOrCreateSigningKey(settings);
    const signer = createHeadSigner({ store, key: current, reloadKey: (id) => loadSigningKeyById(settings, id) });
    const inForce = await signer.keyInForce();
    const pending = nextKeyPath(settings);
    if (existsSync(pending)) {
      // A rotation stopped after writing the new key: finished if the log records it, else it never happened.
      const id = keyIdOf(await readPublicKeyFile(pending));
      if (id !== inForce) {
        throw new Error(`${pending} holds a key no recorded key change names: an earlier rotate-key stopped before recording it; remove that file and run rotate-key again`);
      }
      await loadSigningKeyById(settings, id);
      out(`finished an earlier rotation: the log has key ${id} in force, and ${keyFile} now holds it`);
      return 0;
    }
    const next = await createNextKey(settings);
    const change = await signer.rotateKey(next);
    await loadSigningKeyById(settings, next.keyId); // the new key takes the key file's place; the old one is gone
    const previous = inForce ?? current.keyId;
    out(`key changed: ${short(previous)} → ${next.keyId}, recorded at position ${change.position} (stream ${change.streamName} revision ${change.revision}), signed by both keys`);
    out(`the command service signs with the new key from its next signing; verifiers go on trusting the first key (${join(env.dataDir, INTEGRITY_PUBLIC_KEY_FILE)} or --public-key), from which verify follows each recorded change`);
    return 0;
  } finally {
    await store.close();
  }
};

// The README's example receipt (docs/examples/receipt-2025-26-Q1.json, the answer to the worked example's Q1 approval
// on a demo run) stays a receipt this code reads, signed by the demo's key (docs/examples/integrity-key.pub.pem).
import { readFileSync } from 'node:fs';
import { createPublicKey } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { checkHeadsSignature } from './heads.ts';
import { keyIdOf } from './keys.ts';
import { parseReceipt, RECEIPT_FORMAT } from './receipt.ts';

const example = (name: string) => readFileSync(new URL(`../../../docs/examples/${name}`, import.meta.url), 'utf8');

describe('the example receipt in docs/', () => {
  it('is a receipt of the Q1 approval whose signed head verifies with the key that made it', () => {
    const receipt = parseReceipt(JSON.parse(example('receipt-2025-26-Q1.json')) as unknown);
    if (typeof receipt === 'string') throw new Error(receipt);
    expect(receipt).toMatchObject({ format: RECEIPT_FORMAT, contractId: 'KIN-0AX-2025', quarter: '2025-26-Q1', event: { type: 'SettlementApproved' }, keyChanges: [] });
    // The approval is the head the signature vouches for in its own stream.
    expect(receipt.signedHead.heads).toContainEqual({ streamName: receipt.event!.streamName, revision: receipt.event!.revision, hash: receipt.event!.hash });
    const key = createPublicKey(example('integrity-key.pub.pem'));
    expect(receipt.signedHead.keyId).toBe(keyIdOf(key));
    expect(checkHeadsSignature(receipt.signedHead, key)).toBe('valid');
  });
});

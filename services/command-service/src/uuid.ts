import { createHash } from 'node:crypto';

const NAMESPACE = 'csu-ledger:2f1c6a52-5c5e-4d0e-9a8e-5d2b1f0c7a11';

/** A name-based UUID (RFC 9562 version 5 layout, SHA-1 of our namespace and the name): same name, same id. */
export const deterministicUuid = (name: string): string => {
  const h = createHash('sha1').update(NAMESPACE).update('\u0000').update(name).digest();
  h[6] = (h[6]! & 0x0f) | 0x50;
  h[8] = (h[8]! & 0x3f) | 0x80;
  const x = h.subarray(0, 16).toString('hex');
  return `${x.slice(0, 8)}-${x.slice(8, 12)}-${x.slice(12, 16)}-${x.slice(16, 20)}-${x.slice(20, 32)}`;
};

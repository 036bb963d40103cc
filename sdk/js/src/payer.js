// Paying a Verity node directly: a node that charges serves a payer only on the payer's signature per request
// (docs/security.md, "Payment and settlement"; Java's PayerAuth). A gateway does this for its clients.
import { bytesToHex, concat, keccak256, numberToHex, stringToHex, getAddress } from 'viem';

const TAG = stringToHex('verity-payer-auth/1');

/** keccak256("verity-payer-auth/1" ‖ payer ‖ node ‖ issued-at (uint64 ms) ‖ nonce (16 bytes)). */
export function payerAuthDigest(payer, node, issuedAtMs, nonce) {
  const n = typeof nonce === 'string' ? nonce : bytesToHex(nonce);
  return keccak256(concat([TAG, getAddress(payer), getAddress(node), numberToHex(BigInt(issuedAtMs), { size: 8 }), n]));
}

/**
 * The Verity-Payer-Auth header value for one request of `account` (a viem account that can signMessage) to the
 * node at address `node`: `<issued-at ms>.<nonce>.<signature>`, the EIP-191 signature of the digest. Single use.
 */
export async function payerAuth(account, node, issuedAtMs = Date.now()) {
  const nonce = crypto.getRandomValues(new Uint8Array(16));
  const digest = payerAuthDigest(account.address, node, issuedAtMs, nonce);
  const signature = await account.signMessage({ message: { raw: digest } });
  return `${issuedAtMs}.${Buffer.from(nonce).toString('hex')}.${signature.slice(2)}`;
}

/**
 * A fetch that names `account` as payer to the node at address `node` and signs each request for it: wrap it
 * with verifiedFetch for an OpenAI client that talks to one node directly.
 */
export function payingFetch(fetchImpl = globalThis.fetch, { account, node }) {
  return async function fetchPaying(input, init = {}) {
    const headers = new Headers(init.headers ?? (input instanceof Request ? input.headers : undefined));
    headers.set('Verity-Payer', account.address);
    headers.set('Verity-Payer-Auth', await payerAuth(account, node));
    return fetchImpl(input, { ...init, headers });
  };
}

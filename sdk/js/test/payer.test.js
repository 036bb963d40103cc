import { test } from 'node:test';
import assert from 'node:assert/strict';
import { privateKeyToAccount } from 'viem/accounts';
import { recoverMessageAddress, hexToBytes } from 'viem';
import { payerAuth, payerAuthDigest, payingFetch } from '../src/index.js';

const account = privateKeyToAccount('0x' + '42'.repeat(32));
const NODE = '0x70997970C51812dc3A010C7d01b50e0d17dc79C8';

test('a payer proof is <ms>.<nonce>.<EIP-191 signature> that recovers the payer for that node only', async () => {
  const header = await payerAuth(account, NODE, 1765000000000);
  const [at, nonce, sig] = header.split('.');
  assert.equal(at, '1765000000000');
  assert.match(nonce, /^[0-9a-f]{32}$/);
  assert.match(sig, /^[0-9a-f]{130}$/);
  const digest = payerAuthDigest(account.address, NODE, 1765000000000, hexToBytes('0x' + nonce));
  assert.equal(await recoverMessageAddress({ message: { raw: digest }, signature: '0x' + sig }), account.address);
  const other = payerAuthDigest(account.address, account.address, 1765000000000, hexToBytes('0x' + nonce));
  assert.notEqual(await recoverMessageAddress({ message: { raw: other }, signature: '0x' + sig }), account.address);
  assert.notEqual(await payerAuth(account, NODE, 1765000000000), header, 'a fresh nonce each time');
});

test('payingFetch names the payer and signs every request afresh', async () => {
  const seen = [];
  const f = payingFetch(async (input, init) => { seen.push(new Headers(init.headers)); return new Response('{}'); }, { account, node: NODE });
  await f('http://node/v1/chat/completions', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '{}' });
  await f('http://node/v1/chat/completions', { method: 'POST', body: '{}' });
  assert.equal(seen[0].get('Verity-Payer'), account.address);
  assert.equal(seen[0].get('Content-Type'), 'application/json');
  assert.notEqual(seen[0].get('Verity-Payer-Auth'), seen[1].get('Verity-Payer-Auth'));
});

// The SDK against the protocol's golden vectors (made with ethers, also checked by Java's ReceiptGoldenTest):
// the same ids byte for byte, and every mutation caught by the check that names it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { verifyReceipt, receiptId, verityDomain, TRACE_ON_CHALLENGE } from '../src/index.js';

const golden = (name) => JSON.parse(readFileSync(new URL(`../../../protocol/src/test/resources/golden/${name}/vectors.json`, import.meta.url)));
const { receipts } = golden('eip712');
const N = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;

test('every golden receipt verifies, with the id ethers computed', async () => {
  assert.equal(receipts.length, 10);
  for (const { json } of receipts) {
    assert.equal(receiptId(json), json.id);
    const v = await verifyReceipt(json);
    assert.deepEqual(v, { ok: true, id: json.id, signer: json.node, version: 1 });
  }
});

test('a golden receipt verifies under its own domain given as chainId + Settlement, and fails under another', async () => {
  const { json } = receipts[1];
  const { chainId, verifyingContract } = json.domain;
  assert.equal((await verifyReceipt(json, { chainId, verifyingContract })).ok, true);
  assert.equal((await verifyReceipt(json, { domain: verityDomain(chainId, verifyingContract.toLowerCase()) })).ok, true);
  const other = await verifyReceipt(json, { chainId: chainId + 1, verifyingContract });
  assert.equal(other.check, 'DOMAIN');
  assert.match(other.reason, /expected \("Verity", "1", chain 2,/);
});

const flipHex = (h) => h.slice(0, -1) + (h.at(-1) === '0' ? '1' : '0');

// Each signed field changed: the signature no longer recovers the node (or the claimed id no longer matches).
const SIGNED_MUTATIONS = {
  requestId: (r) => ({ ...r, requestId: flipHex(r.requestId) }),
  modelDigest: (r) => ({ ...r, modelDigest: flipHex(r.modelDigest) }),
  engine: (r) => ({ ...r, engine: r.engine + ' ' }),
  inputsDigest: (r) => ({ ...r, inputsDigest: flipHex(r.inputsDigest) }),
  outputsDigest: (r) => ({ ...r, outputsDigest: flipHex(r.outputsDigest) }),
  traceRoot: (r) => ({ ...r, traceRoot: flipHex(r.traceRoot) }),
  attestationDigest: (r) => ({ ...r, attestationDigest: flipHex(r.attestationDigest) }),
  verification: (r) => ({ ...r, verification: r.verification === 'none' ? 'tee' : 'none' }),
  price: (r) => ({ ...r, price: (BigInt(r.price) ^ 1n).toString() }),
  timestamp: (r) => ({ ...r, timestamp: r.timestamp + 1 }),
  'domain.chainId': (r) => ({ ...r, domain: { ...r.domain, chainId: r.domain.chainId + 1 } }),
  'domain.verifyingContract': (r) => ({ ...r, domain: { ...r.domain, verifyingContract: '0x' + '11'.repeat(20) } }),
};

test('changing any signed field fails SIGNER (the signature recovers someone else)', async () => {
  for (const { json } of receipts) {
    for (const [field, mutate] of Object.entries(SIGNED_MUTATIONS)) {
      const v = await verifyReceipt(mutate(json));
      assert.equal(v.ok, false, field);
      assert.equal(v.check, 'SIGNER', `${field}: ${v.reason}`);
    }
  }
});

test('a receipt claiming another node, a wrong id, or a malleated signature fails the named check', async () => {
  const { json } = receipts[0];
  const otherNode = receipts[1].json.node;
  assert.equal((await verifyReceipt({ ...json, node: otherNode })).check, 'SIGNER');
  const wrongId = await verifyReceipt({ ...json, id: flipHex(json.id) });
  assert.equal(wrongId.check, 'ID');

  const sig = json.signature;
  const s = BigInt('0x' + sig.slice(66, 130));
  const v = parseInt(sig.slice(130), 16);
  const highS = sig.slice(0, 66) + (N - s).toString(16).padStart(64, '0') + (v === 27 ? '1c' : '1b');
  const malleated = await verifyReceipt({ ...json, signature: highS });
  assert.equal(malleated.check, 'LOW_S');

  assert.equal((await verifyReceipt({ ...json, signature: sig.slice(0, 130) + '1d' })).check, 'SIGNATURE_FORMAT');
  assert.equal((await verifyReceipt({ ...json, signature: '0x' + '00'.repeat(64) + '1b' })).check, 'SIGNATURE_FORMAT');
});

test('malformed receipts fail FORMAT naming the field; unknown versions fail VERSION; foreign domains fail DOMAIN', async () => {
  const { json } = receipts[0];
  const cases = [
    [{ ...json, requestId: '0x12' }, /\/requestId must be 0x \+ 64 hex digits/],
    [{ ...json, price: '-1' }, /\/price must be a decimal string/],
    [{ ...json, price: (1n << 256n).toString() }, /\/price must be a decimal string/],
    [{ ...json, verification: 'maybe' }, /\/verification must be one of/],
    [{ ...json, engine: '' }, /\/engine must be a non-empty string/],
    [{ ...json, node: '0xF39fd6e51aad88F6F4ce6aB8827279cffFb92266' }, /\/node has a wrong EIP-55 checksum/],
    [{ ...json, timestamp: -1 }, /\/timestamp must be an integer/],
    [{ ...json, domain: undefined }, /\/domain must be an EIP-712 domain object/],
    [null, /must be a JSON object/],
  ];
  for (const [receipt, reason] of cases) {
    const v = await verifyReceipt(receipt);
    assert.equal(v.check, 'FORMAT');
    assert.match(v.reason, reason);
  }
  assert.equal((await verifyReceipt({ ...json, node: json.node.toLowerCase() })).ok, true);
  assert.equal((await verifyReceipt({ ...json, version: 3 })).check, 'VERSION');
  const v2WithoutItsFields = await verifyReceipt({ ...json, version: 2 });
  assert.equal(v2WithoutItsFields.check, 'FORMAT');
  assert.match(v2WithoutItsFields.reason, /\/requestedModel must be a string/);
  assert.equal((await verifyReceipt({ ...json, domain: { ...json.domain, name: 'Other' } })).check, 'DOMAIN');
});

test('the trace-on-challenge marker is the constant protocol and DisputeGame define', () => {
  // Receipt.TRACE_ON_CHALLENGE (SignedReceiptTest pins the same literal)
  assert.equal(TRACE_ON_CHALLENGE, '0x53182d485513dbf7331a2439d9d1e18d06cbd020562c944600c6f0fe843b06a0');
});

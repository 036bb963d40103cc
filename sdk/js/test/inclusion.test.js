// Batch proofs against the golden vectors of @openzeppelin/merkle-tree (also checked by Java's MerkleBatchTest).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { proofHolds, leafHash } from '../src/index.js';

const { batches } = JSON.parse(readFileSync(new URL('../../../protocol/src/test/resources/golden/merkle/vectors.json', import.meta.url)));

test('every golden proof leads from its id to the root, with OpenZeppelin\'s leaf hashes', () => {
  assert.ok(batches.length >= 10);
  for (const b of batches) {
    b.ids.forEach((id, i) => {
      assert.ok(b.leafHashes.includes(leafHash(id)));
      assert.equal(proofHolds(b.root, id, b.proofs[i]), true);
    });
  }
});

test('a proof fails for another id, another root, a changed or missing sibling', () => {
  for (const b of batches.filter((x) => x.ids.length > 1)) {
    const [id, other] = b.ids;
    const proof = b.proofs[0];
    assert.equal(proofHolds(b.root, other, proof), false);
    assert.equal(proofHolds(b.root.replace(/.$/, (c) => (c === '0' ? '1' : '0')), id, proof), false);
    assert.equal(proofHolds(b.root, id, proof.slice(1)), false);
    assert.equal(proofHolds(b.root, id, [b.ids[1], ...proof.slice(1)]), false);
  }
});

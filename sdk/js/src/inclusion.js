// Batch inclusion (docs/protocol.md, "Batches"): OpenZeppelin StandardMerkleTree leaves over ["bytes32"], as
// io.verity.protocol.merkle.MerkleBatch builds them, and the batch root read from the Settlement contract.
import { keccak256, concat, parseAbi, getAddress } from 'viem';
import { verifyReceipt, verityDomain } from './receipt.js';

const SETTLEMENT_ABI = parseAbi([
  'function getBatch(uint256 batchId) view returns (address node, bytes32 root, uint64 count, uint64 timestamp, uint64 blockNumber)',
]);

/** keccak256(keccak256(abi.encode(id))): the StandardMerkleTree leaf of a receipt id. */
export function leafHash(id) {
  return keccak256(keccak256(id));
}

/** True when `proof` leads from `id`'s leaf to `root` (OpenZeppelin's MerkleProof.verify, sorted pairs). */
export function proofHolds(root, id, proof) {
  let node = leafHash(id);
  for (const sibling of proof) {
    const [a, b] = BigInt(node) <= BigInt(sibling) ? [node, sibling] : [sibling, node];
    node = keccak256(concat([a, b]));
  }
  return node.toLowerCase() === root.toLowerCase();
}

/**
 * Checks that a receipt is settled: it verifies under the domain of this chain and `settlementAddress`, the
 * node's proof (`GET /v1/receipts/{id}/proof`) leads from its id to `batchRoot`, and Settlement's batch
 * `batchId` has that root and was committed by the receipt's signer.
 *
 * @returns {Promise<import('./index.js').InclusionVerdict>}
 */
export async function checkInclusion(receipt, proof, { publicClient, settlementAddress }) {
  const chainId = await publicClient.getChainId();
  const verdict = await verifyReceipt(receipt, { domain: verityDomain(chainId, settlementAddress) });
  if (!verdict.ok) return verdict;
  if (proof == null || typeof proof !== 'object' || !Array.isArray(proof.proof)) {
    return invalid('PROOF', 'proof must be {receiptId, batchRoot, batchId, proof[]}');
  }
  if (String(proof.receiptId).toLowerCase() !== verdict.id) {
    return invalid('PROOF', `proof is for receipt ${proof.receiptId}, this receipt's id is ${verdict.id}`);
  }
  if (!proofHolds(proof.batchRoot, verdict.id, proof.proof)) {
    return invalid('PROOF', `the proof does not lead from ${verdict.id} to batch root ${proof.batchRoot}`);
  }
  let batch;
  try {
    batch = await publicClient.readContract({
      address: settlementAddress, abi: SETTLEMENT_ABI, functionName: 'getBatch', args: [BigInt(proof.batchId)],
    });
  } catch (e) {
    return invalid('BATCH', `Settlement has no batch ${proof.batchId}: ${e.shortMessage ?? e.message}`);
  }
  const [node, root, , timestamp, blockNumber] = batch;
  if (root.toLowerCase() !== proof.batchRoot.toLowerCase()) {
    return invalid('BATCH', `batch ${proof.batchId} on chain has root ${root}, the proof claims ${proof.batchRoot}`);
  }
  if (node.toLowerCase() !== receipt.node.toLowerCase()) {
    return invalid('BATCH', `batch ${proof.batchId} was committed by ${node}, not by the receipt's signer ${getAddress(receipt.node)}`);
  }
  return { ok: true, id: verdict.id, batchId: BigInt(proof.batchId), committedAt: new Date(Number(timestamp) * 1000), blockNumber };
}

function invalid(check, reason) {
  return { ok: false, check, reason };
}

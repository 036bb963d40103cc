// Receipt verification (docs/protocol.md): the EIP-712 hash exactly as io.verity.protocol.receipt.Eip712
// computes it, the signer recovered with viem, and a verdict naming the first check that failed.
import { hashTypedData, recoverAddress, getAddress, keccak256, stringToBytes } from 'viem';

/**
 * The traceRoot of a receipt whose node commits to its execution trace on chain only when the receipt is challenged
 * (protocol's Receipt.TRACE_ON_CHALLENGE, DisputeGame's TRACE_ON_CHALLENGE; docs/deterministic-engine.md, "Trace on
 * challenge"): such a receipt is disputable although it signs no root. Zero means not disputable by trace.
 */
export const TRACE_ON_CHALLENGE = keccak256(stringToBytes('verity:trace-on-challenge'));

/** verification's uint8, indexed by its JSON name (io.verity.protocol.receipt.VerificationMode). */
export const VERIFICATION_MODES = Object.freeze(['none', 'tee', 'redundant', 'sample', 'optimistic']);

const SECP256K1_N = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;
const UINT256_LIMIT = 1n << 256n;
const BYTES32 = /^0x[0-9a-fA-F]{64}$/;
const ADDRESS = /^0x[0-9a-fA-F]{40}$/;

const struct = (fields) => fields.map(([name, type]) => ({ name, type }));

/**
 * The receipt formats this SDK verifies, by `version`: the seam where receipt v2 slots in (its own EIP-712
 * type and a `message` builder). Each entry: the EIP-712 `types`, its `primaryType`, and `message(json)`
 * turning the checked receipt JSON into the typed-data message.
 */
const RECEIPT_V1 = struct([
  ['version', 'uint16'], ['requestId', 'bytes32'], ['modelDigest', 'bytes32'], ['engine', 'string'],
  ['inputsDigest', 'bytes32'], ['outputsDigest', 'bytes32'], ['traceRoot', 'bytes32'], ['node', 'address'],
  ['attestationDigest', 'bytes32'], ['verification', 'uint8'], ['price', 'uint256'], ['timestamp', 'uint64'],
]);
const messageV1 = (r) => ({
  version: r.version, requestId: r.requestId, modelDigest: r.modelDigest, engine: r.engine,
  inputsDigest: r.inputsDigest, outputsDigest: r.outputsDigest, traceRoot: r.traceRoot, node: r.node,
  attestationDigest: r.attestationDigest, verification: VERIFICATION_MODES.indexOf(r.verification),
  price: BigInt(r.price), timestamp: BigInt(r.timestamp),
});
/** A v2 receipt signs its model names and provider as keccak256 of their UTF-8 (docs/receipts.md). */
const text = (s) => keccak256(stringToBytes(s));

export const RECEIPT_FORMATS = Object.freeze({
  1: Object.freeze({ primaryType: 'Receipt', types: { Receipt: RECEIPT_V1 }, message: messageV1 }),
  // Receipt v2 nests the v1 struct and adds what was asked and served, usage, payment, predecessor, attachments.
  2: Object.freeze({
    primaryType: 'ReceiptV2',
    types: {
      ReceiptV2: struct([
        ['receipt', 'Receipt'], ['requestedModel', 'bytes32'], ['servedModel', 'bytes32'], ['provider', 'bytes32'],
        ['promptTokens', 'uint64'], ['completionTokens', 'uint64'], ['payer', 'address'], ['cumulativeAmount', 'uint256'],
        ['prevReceipt', 'bytes32'], ['attachmentsDigest', 'bytes32'],
      ]),
      Receipt: RECEIPT_V1,
    },
    message: (r) => ({
      receipt: messageV1(r), requestedModel: text(r.requestedModel), servedModel: text(r.servedModel),
      provider: text(r.provider), promptTokens: BigInt(r.promptTokens), completionTokens: BigInt(r.completionTokens),
      payer: r.payer, cumulativeAmount: BigInt(r.cumulativeAmount), prevReceipt: r.prevReceipt,
      attachmentsDigest: r.attachmentsDigest,
    }),
  }),
});

/** A dated snapshot suffix providers append to an alias: -2024-07-18, -20240718, -0613 (Java's ReceiptV2). */
const SNAPSHOT = /^-(\d{4}-\d{2}-\d{2}|\d{8}|\d{4})$/;

/** Whether `served` is the model `requested` names: the same id, or a dated snapshot of it. */
export function servedAsRequested(requested, served) {
  if (served === requested) return true;
  return requested !== '' && served.startsWith(requested) && SNAPSHOT.test(served.slice(requested.length));
}

/**
 * What in a verified receipt contradicts the request (Java's AskedModel), or null: a model digest other than the
 * pinned one; for a v2 receipt, a requested model other than the one asked, or (unless allowed) a served model
 * that is not the requested one or a dated snapshot of it. A v1 receipt names no models: only the pin is checked.
 *
 * @param {{model: string, modelDigest?: string|null, allowSubstitution?: boolean}} asked
 */
export function substitutionProblem(receipt, { model, modelDigest = null, allowSubstitution = false }) {
  if (modelDigest != null && receipt.modelDigest.toLowerCase() !== String(modelDigest).toLowerCase()) {
    return `model digest ${receipt.modelDigest} is not the pinned ${modelDigest}`;
  }
  if (receipt.version !== 2) return null;
  if (receipt.requestedModel !== model) {
    return `the receipt says the request asked for '${receipt.requestedModel}', it asked for '${model}'`;
  }
  if (!allowSubstitution && !servedAsRequested(receipt.requestedModel, receipt.servedModel)) {
    return `model substitution: asked for '${model}', served by '${receipt.servedModel}'`
        + (receipt.provider === '' ? '' : ` at ${receipt.provider}`) + '; set verity.allow_substitution to accept another model';
  }
  return null;
}

/** Verity's EIP-712 domain on a chain, verified by its Settlement contract. */
export function verityDomain(chainId, verifyingContract) {
  return { name: 'Verity', version: '1', chainId: Number(chainId), verifyingContract };
}

/**
 * Checks a signed receipt (its JSON form, docs/protocol.md), in the order of Java's SignedReceipt.verify:
 * FORMAT, DOMAIN, VERSION, SIGNATURE_FORMAT, LOW_S, SIGNER, then ID (a claimed `id` must be the digest).
 *
 * @param {object} receipt the receipt JSON
 * @param {{domain?: object, chainId?: number|bigint, verifyingContract?: string}} [trust] the domain the
 *     caller settles on; without one, any Verity v1 domain is accepted (the signature still must hold)
 * @returns {Promise<import('./index.js').ReceiptVerdict>}
 */
export async function verifyReceipt(receipt, trust = {}) {
  const formatProblem = receiptFormatProblem(receipt);
  if (formatProblem) return invalid('FORMAT', formatProblem);
  const trusted = trustedDomain(trust);
  const d = receipt.domain;
  if (trusted) {
    if (!sameDomain(d, trusted)) {
      return invalid('DOMAIN', `receipt is signed under ${showDomain(d)}, expected ${showDomain(trusted)}`);
    }
  } else if (d.name !== 'Verity' || d.version !== '1') {
    return invalid('DOMAIN', `receipt is signed under ${showDomain(d)}, not a Verity v1 domain`);
  }
  if (!RECEIPT_FORMATS[receipt.version]) {
    return invalid('VERSION', `receipt version ${receipt.version} is not one this SDK verifies (${Object.keys(RECEIPT_FORMATS).join(', ')})`);
  }
  const sig = signatureProblem(receipt.signature);
  if (sig.problem) return invalid('SIGNATURE_FORMAT', sig.problem);
  if (sig.s > SECP256K1_N / 2n) return invalid('LOW_S', `s must be <= n/2 (EIP-2), got 0x${sig.s.toString(16)}`);
  const id = receiptId(receipt);
  let signer;
  try {
    signer = await recoverAddress({ hash: id, signature: receipt.signature });
  } catch (e) {
    return invalid('SIGNATURE_FORMAT', `cannot recover a signer: ${e.shortMessage ?? e.message}`);
  }
  if (signer.toLowerCase() !== receipt.node.toLowerCase()) {
    return invalid('SIGNER', `signature recovers to ${signer}, expected receipt.node ${getAddress(receipt.node)}`);
  }
  if (receipt.id != null && receipt.id.toLowerCase() !== id) {
    return invalid('ID', `id ${receipt.id} does not match the receipt's EIP-712 digest ${id}`);
  }
  return { ok: true, id, signer, version: receipt.version };
}

/** The receipt id: the EIP-712 digest of the receipt under its own domain (Receipt.id(domain) in Java). */
export function receiptId(receipt) {
  const format = RECEIPT_FORMATS[receipt.version];
  if (!format) throw new Error(`receipt version ${receipt.version} is not one this SDK verifies`);
  const d = receipt.domain;
  return hashTypedData({
    domain: { name: d.name, version: d.version, chainId: BigInt(d.chainId), verifyingContract: d.verifyingContract },
    types: format.types, primaryType: format.primaryType, message: format.message(receipt),
  });
}

function invalid(check, reason) {
  return { ok: false, check, reason };
}

function trustedDomain({ domain, chainId, verifyingContract } = {}) {
  if (domain) return domain;
  if (chainId != null && verifyingContract) return verityDomain(chainId, verifyingContract);
  if (chainId != null || verifyingContract) throw new TypeError('trust needs both chainId and verifyingContract, or a domain');
  return null;
}

function sameDomain(a, b) {
  return a.name === b.name && a.version === b.version && BigInt(a.chainId) === BigInt(b.chainId)
      && a.verifyingContract.toLowerCase() === String(b.verifyingContract).toLowerCase();
}

function showDomain(d) {
  return `(${JSON.stringify(d.name)}, ${JSON.stringify(d.version)}, chain ${d.chainId}, ${d.verifyingContract})`;
}

/** An address as Java's EvmAddress reads it: EIP-55 checksum case, or all one case. */
function addressProblem(a) {
  if (typeof a !== 'string' || !ADDRESS.test(a)) return `must be 0x + 40 hex digits, got ${JSON.stringify(a)}`;
  const hex = a.slice(2);
  if (hex !== hex.toLowerCase() && hex !== hex.toUpperCase() && getAddress(a) !== a) return `has a wrong EIP-55 checksum: ${a}`;
  return null;
}

/** What is malformed in the receipt JSON, or null: the form ReceiptJson.read accepts (v1 fields, and v2's for version 2). */
export function receiptFormatProblem(r) {
  if (r === null || typeof r !== 'object' || Array.isArray(r)) return 'receipt must be a JSON object';
  const problems = [];
  const need = (field, problem) => { if (problem) problems.push(`/${field} ${problem}`); };
  need('version', Number.isInteger(r.version) && r.version >= 0 && r.version <= 0xffff ? null : `must be a uint16, got ${JSON.stringify(r.version)}`);
  for (const f of ['requestId', 'modelDigest', 'inputsDigest', 'outputsDigest', 'traceRoot', 'attestationDigest']) {
    need(f, typeof r[f] === 'string' && BYTES32.test(r[f]) ? null : `must be 0x + 64 hex digits, got ${JSON.stringify(r[f])}`);
  }
  need('engine', typeof r.engine === 'string' && r.engine.length > 0 && r.engine.isWellFormed() ? null
      : `must be a non-empty string of valid Unicode, got ${JSON.stringify(r.engine)}`);
  need('node', addressProblem(r.node));
  need('verification', VERIFICATION_MODES.includes(r.verification) ? null
      : `must be one of ${VERIFICATION_MODES.join(', ')}, got ${JSON.stringify(r.verification)}`);
  need('price', typeof r.price === 'string' && /^[0-9]{1,78}$/.test(r.price) && BigInt(r.price) < UINT256_LIMIT ? null
      : `must be a decimal string of wei, 0 <= price < 2^256, got ${JSON.stringify(r.price)}`);
  need('timestamp', Number.isSafeInteger(r.timestamp) && r.timestamp >= 0 ? null : `must be an integer >= 0 (ms), got ${JSON.stringify(r.timestamp)}`);
  need('signature', typeof r.signature === 'string' && /^0x[0-9a-fA-F]{130}$/.test(r.signature) ? null
      : `must be 0x + 130 hex digits (r, s, v), got ${JSON.stringify(r.signature)}`);
  if (r.version === 2) {
    for (const f of ['requestedModel', 'servedModel', 'provider']) {
      need(f, typeof r[f] === 'string' && r[f].isWellFormed() ? null : `must be a string of valid Unicode, got ${JSON.stringify(r[f])}`);
    }
    for (const f of ['promptTokens', 'completionTokens']) {
      need(f, Number.isSafeInteger(r[f]) && r[f] >= 0 ? null : `must be an integer between 0 and 2^53 - 1, got ${JSON.stringify(r[f])}`);
    }
    need('payer', addressProblem(r.payer));
    need('cumulativeAmount', typeof r.cumulativeAmount === 'string' && /^[0-9]{1,78}$/.test(r.cumulativeAmount)
        && BigInt(r.cumulativeAmount) < UINT256_LIMIT ? null : `must be a decimal string of wei < 2^256, got ${JSON.stringify(r.cumulativeAmount)}`);
    for (const f of ['prevReceipt', 'attachmentsDigest']) {
      need(f, typeof r[f] === 'string' && BYTES32.test(r[f]) ? null : `must be 0x + 64 hex digits, got ${JSON.stringify(r[f])}`);
    }
  }
  if (r.id != null) need('id', typeof r.id === 'string' && BYTES32.test(r.id) ? null : `must be 0x + 64 hex digits, got ${JSON.stringify(r.id)}`);
  const d = r.domain;
  if (d === null || typeof d !== 'object' || Array.isArray(d)) {
    problems.push('/domain must be an EIP-712 domain object');
  } else {
    need('domain/name', typeof d.name === 'string' ? null : 'must be a string');
    need('domain/version', typeof d.version === 'string' ? null : 'must be a string');
    need('domain/chainId', Number.isSafeInteger(d.chainId) && d.chainId >= 0 ? null : `must be an integer >= 0, got ${JSON.stringify(d.chainId)}`);
    need('domain/verifyingContract', addressProblem(d.verifyingContract));
  }
  return problems.length ? problems.join('; ') : null;
}

/** v is 27 or 28, r and s in [1, n-1] (Java's Signature.problem); returns {problem} or {s}. */
function signatureProblem(hex) {
  const r = BigInt('0x' + hex.slice(2, 66));
  const s = BigInt('0x' + hex.slice(66, 130));
  const v = parseInt(hex.slice(130, 132), 16);
  if (v !== 27 && v !== 28) return { problem: `v must be 27 or 28, got ${v}` };
  if (r === 0n || r >= SECP256K1_N) return { problem: `r must be in [1, n-1], got 0x${r.toString(16)}` };
  if (s === 0n || s >= SECP256K1_N) return { problem: `s must be in [1, n-1], got 0x${s.toString(16)}` };
  return { s };
}

// Types of @verity/sdk (hand-written; the sources are plain ESM JavaScript).
import type { Address, Hex, PublicClient } from 'viem';

export type VerificationMode = 'none' | 'tee' | 'redundant' | 'sample' | 'optimistic';

export interface VerityDomain {
  name: string;
  version: string;
  chainId: number;
  verifyingContract: Address;
}

/** A signed receipt in its JSON form (docs/protocol.md), receipt format 1. */
export interface ReceiptV1 {
  id?: Hex;
  version: 1;
  requestId: Hex;
  modelDigest: Hex;
  engine: string;
  inputsDigest: Hex;
  outputsDigest: Hex;
  traceRoot: Hex;
  node: Address;
  attestationDigest: Hex;
  verification: VerificationMode;
  /** wei, decimal string */
  price: string;
  /** ms since the epoch */
  timestamp: number;
  domain: VerityDomain;
  signature: Hex;
}

/**
 * Receipt format 2 (docs/receipts.md): the v1 fields plus the model asked for and the one that served, the
 * provider, token usage, the payment, the receipt it follows and an attachments digest.
 */
export interface ReceiptV2 extends Omit<ReceiptV1, 'version'> {
  version: 2;
  requestedModel: string;
  servedModel: string;
  /** the upstream's base URL for a provider proxy, "" when the node ran the model */
  provider: string;
  promptTokens: number;
  completionTokens: number;
  payer: Address;
  /** wei, decimal string */
  cumulativeAmount: string;
  prevReceipt: Hex;
  attachmentsDigest: Hex;
}

/** Every receipt format this SDK verifies; later formats join this union. */
export type SignedReceipt = ReceiptV1 | ReceiptV2;

/** The model a request asked for: by name, optionally pinned to a digest, a substitution allowed or not. */
export interface AskedModel {
  model: string;
  modelDigest?: Hex | string | null;
  allowSubstitution?: boolean;
}

/** Whether `served` is `requested` or a dated snapshot of it (gpt-4o-mini → gpt-4o-mini-2024-07-18). */
export function servedAsRequested(requested: string, served: string): boolean;
/** What in a receipt contradicts the asked model (substitution, wrong requested model, pin), or null. */
export function substitutionProblem(receipt: SignedReceipt, asked: AskedModel): string | null;
/** The asked model of an OpenAI request body (verity.model_digest, verity.allow_substitution) and its headers. */
export function askedModel(sent: Record<string, unknown>, headers?: Headers): AskedModel;

/** Where trust comes from: the exact domain, or the chain and Settlement contract it is made of. */
export type Trust =
  | { domain: VerityDomain; chainId?: undefined; verifyingContract?: undefined }
  | { domain?: undefined; chainId: number | bigint; verifyingContract: Address }
  | { domain?: undefined; chainId?: undefined; verifyingContract?: undefined };

export type ReceiptCheck = 'FORMAT' | 'DOMAIN' | 'VERSION' | 'SIGNATURE_FORMAT' | 'LOW_S' | 'SIGNER' | 'ID';

export type Invalid<C extends string> = { ok: false; check: C; reason: string };

export type ReceiptVerdict =
  | { ok: true; id: Hex; signer: Address; version: number }
  | Invalid<ReceiptCheck>;

export type InclusionVerdict =
  | { ok: true; id: Hex; batchId: bigint; committedAt: Date; blockNumber: bigint }
  | Invalid<ReceiptCheck | 'PROOF' | 'BATCH'>;

/** What a node serves at GET /v1/receipts/{id}/proof. */
export interface InclusionProof {
  receiptId: Hex;
  batchRoot: Hex;
  batchId: number | bigint;
  proof: Hex[];
}

export interface ReceiptFormat {
  primaryType: string;
  types: Record<string, { name: string; type: string }[]>;
  message(receipt: SignedReceipt): Record<string, unknown>;
}

export const RECEIPT_FORMATS: Readonly<Record<number, ReceiptFormat>>;
export const VERIFICATION_MODES: readonly VerificationMode[];
/** traceRoot of a receipt whose node commits its trace only when challenged (disputable without a signed root). */
export const TRACE_ON_CHALLENGE: Hex;

export function verityDomain(chainId: number | bigint, verifyingContract: Address): VerityDomain;
export function verifyReceipt(receipt: unknown, trust?: Trust): Promise<ReceiptVerdict>;
export function receiptId(receipt: SignedReceipt): Hex;
export function receiptFormatProblem(receipt: unknown): string | null;

export function leafHash(id: Hex): Hex;
export function proofHolds(root: Hex, id: Hex, proof: readonly Hex[]): boolean;
export function checkInclusion(
  receipt: SignedReceipt,
  proof: InclusionProof,
  options: { publicClient: Pick<PublicClient, 'getChainId' | 'readContract'>; settlementAddress: Address },
): Promise<InclusionVerdict>;

export type AnswerCheck =
  | ReceiptCheck | 'REQUEST' | 'RECEIPT_MISSING' | 'REQUEST_ID' | 'INPUTS_DIGEST' | 'OUTPUTS_DIGEST'
  | 'AGREEMENT' | 'DISTINCT_SIGNERS' | 'POLICY' | 'SUBSTITUTION';

export class VerityVerificationError extends Error {
  readonly check: AnswerCheck;
  readonly reason: string;
  readonly receipt?: unknown;
}

export interface VerifiedAnswer {
  receipts: SignedReceipt[];
  requestDigest: Hex;
  responseDigest: Hex;
  verdict: unknown;
}

export type VerifiedFetchOptions = Trust & { onVerified?: (answer: VerifiedAnswer) => void };

/** A fetch for `new OpenAI({ fetch })` that throws VerityVerificationError unless the answer verifies. */
export function verifiedFetch(fetchImpl?: typeof fetch, options?: VerifiedFetchOptions): typeof fetch;

export function checkAnswer(args: {
  path: string;
  sent: Record<string, unknown>;
  requestIdHeader?: string | null;
  /** the policy the client asked for (Verity-Policy header or body `verity.policy`); null: not judged */
  policy?: string | null;
  answer: Record<string, unknown>;
  verity: unknown;
  opts?: VerifiedFetchOptions;
  /** the model asked for; by default askedModel(sent) */
  asked?: AskedModel;
}): Promise<VerifiedAnswer>;

export function jcs(value: unknown): string;
export function requestDigest(path: string, body: Record<string, unknown>, applied: unknown): Hex;
export function responseDigest(response: Record<string, unknown>): Hex;
export function answerFromChunks(chunks: readonly Record<string, unknown>[], chat: boolean): Record<string, unknown>;

/** keccak256("verity-payer-auth/1" ‖ payer ‖ node ‖ issued-at (uint64 ms) ‖ nonce): what a payer signs per request. */
export function payerAuthDigest(payer: Address, node: Address, issuedAtMs: number | bigint, nonce: Uint8Array | Hex): Hex;
/** The Verity-Payer-Auth header for one request of `account` to the node at `node`: single use. */
export function payerAuth(account: { address: Address; signMessage(args: { message: { raw: Hex } }): Promise<Hex> },
  node: Address, issuedAtMs?: number): Promise<string>;
/** A fetch that names `account` as payer to one node and signs each request for it (wrap it in verifiedFetch). */
export function payingFetch(fetchImpl: typeof fetch | undefined, opts: {
  account: { address: Address; signMessage(args: { message: { raw: Hex } }): Promise<Hex> }; node: Address }): typeof fetch;

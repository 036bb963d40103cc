// @verity/sdk: verify Verity receipts (docs/sdk-js.md).
export { TRACE_ON_CHALLENGE } from './receipt.js';
export { verifyReceipt, receiptId, receiptFormatProblem, verityDomain, RECEIPT_FORMATS, VERIFICATION_MODES, servedAsRequested,
  substitutionProblem } from './receipt.js';
export { checkInclusion, proofHolds, leafHash } from './inclusion.js';
export { verifiedFetch, checkAnswer, askedModel, VerityVerificationError } from './fetch.js';
export { jcs, requestDigest, responseDigest, answerFromChunks } from './digests.js';
export { payerAuth, payerAuthDigest, payingFetch } from './payer.js';

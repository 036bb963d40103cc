// Generates vectors.json: EIP-712 receipt ids and signatures computed by ethers (not by Verity), and raw
// secp256k1 signatures from ethers' SigningKey (RFC 6979, low-s), for ReceiptGoldenTest.
// Run from the repository root:
//   NODE_PATH=tools/node/node_modules node protocol/src/test/resources/golden/eip712/generate.mjs \
//     > protocol/src/test/resources/golden/eip712/vectors.json
import { ethers, MODES, receiptTypes as types } from '../../../js/verity-eip712.mjs';
// anvil / hardhat dev accounts 0 and 1: public test keys, never hold value with them
const KEYS = [
  '0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80',
  '0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d',
];
const DOMAINS = [
  { name: 'Verity', version: '1', chainId: 31337, verifyingContract: ethers.ZeroAddress },
  { name: 'Verity', version: '1', chainId: 1, verifyingContract: '0x5FbDB2315678afecb367f032d93F642f64180aa3' },
];
const ENGINES = ['onnxruntime/1.29.0/cpu', 'verity-interp/0.1.0/strict', 'ünïcödé/1/🙂 ∑'];
const PRICES = [0n, 1n, 10n ** 15n, (1n << 64n) + 1n, (1n << 256n) - 1n];
const h = (s) => ethers.keccak256(ethers.toUtf8Bytes(s));

const receipts = [];
for (let i = 0; i < 10; i++) {
  const wallet = new ethers.Wallet(KEYS[i % 2]);
  const domain = DOMAINS[i % 2];
  const value = {
    version: 1,
    requestId: h(`request-${i}`),
    modelDigest: h(`model-${i % 3}`),
    engine: ENGINES[i % 3],
    inputsDigest: h(`inputs-${i}`),
    outputsDigest: h(`outputs-${i}`),
    traceRoot: i % 2 === 0 ? ethers.ZeroHash : h(`trace-${i}`),
    node: wallet.address,
    attestationDigest: i % 5 === 1 ? h(`attestation-${i}`) : ethers.ZeroHash,
    verification: i % 5,
    price: PRICES[i % 5],
    timestamp: 1764000000000 + i * 1234,
  };
  const signature = await wallet.signTypedData(domain, types, value);
  receipts.push({
    privateKey: KEYS[i % 2],
    domainSeparator: ethers.TypedDataEncoder.hashDomain(domain),
    hashStruct: ethers.TypedDataEncoder.from(types).hashStruct('Receipt', value),
    // the receipt JSON of docs/protocol.md
    json: {
      id: ethers.TypedDataEncoder.hash(domain, types, value),
      version: value.version, requestId: value.requestId, modelDigest: value.modelDigest, engine: value.engine,
      inputsDigest: value.inputsDigest, outputsDigest: value.outputsDigest, traceRoot: value.traceRoot,
      node: value.node, attestationDigest: value.attestationDigest, verification: MODES[value.verification],
      price: value.price.toString(), timestamp: value.timestamp, domain, signature,
    },
  });
}

const signatures = [];
const digests = [ethers.ZeroHash, h(''), h('verity'), '0x' + 'ff'.repeat(32), ethers.keccak256('0x01')];
for (const [k, key] of KEYS.entries()) {
  const signingKey = new ethers.SigningKey(key);
  for (const digest of digests) {
    const sig = signingKey.sign(digest);
    signatures.push({ privateKey: key, address: ethers.computeAddress(key), digest, signature: sig.serialized });
  }
}

console.log(JSON.stringify({
  generator: `ethers ${ethers.version}, protocol/src/test/resources/golden/eip712/generate.mjs`,
  types: { Receipt: types.Receipt },
  receipts,
  signatures,
}, null, 1));

// Generates vectors.json: EIP-712 voucher digests and client signatures computed by ethers (not by Verity),
// for VoucherGoldenTest. Run from the repository root:
//   NODE_PATH=$PWD/tools/node/node_modules node protocol/src/test/resources/golden/vouchers/generate.mjs \
//     > protocol/src/test/resources/golden/vouchers/vectors.json
import { ethers, voucherTypes as types } from '../../../js/verity-eip712.mjs';

// anvil / hardhat dev accounts 0 and 1: public test keys, never hold value with them
const KEYS = [
  '0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80',
  '0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d',
];
const NODES = ['0x70997970C51812dc3A010C7d01b50e0d17dc79C8', '0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC'];
const PAYMENTS = ['0x5FbDB2315678afecb367f032d93F642f64180aa3', '0xCf7Ed3AccA5a467e9e704C703E8D87F634fB0Fc9'];
const CHAINS = [31337, 1, 8453];
const AMOUNTS = [0n, 1n, 3n * 10n ** 15n, (1n << 64n) + 1n, (1n << 256n) - 1n, 1234567890123n];

const vouchers = [];
for (let i = 0; i < 12; i++) {
  const wallet = new ethers.Wallet(KEYS[i % 2]);
  const domain = { name: 'Verity', version: '1', chainId: CHAINS[i % 3], verifyingContract: PAYMENTS[i % 2] };
  const value = { client: wallet.address, node: NODES[(i >> 1) % 2], cumulativeAmount: AMOUNTS[i % 6] };
  vouchers.push({
    privateKey: KEYS[i % 2],
    chainId: domain.chainId,
    payments: domain.verifyingContract,
    client: value.client,
    node: value.node,
    cumulativeAmount: value.cumulativeAmount.toString(),
    hashStruct: ethers.TypedDataEncoder.from(types).hashStruct('Voucher', value),
    digest: ethers.TypedDataEncoder.hash(domain, types, value),
    signature: await wallet.signTypedData(domain, types, value),
  });
}
console.log(JSON.stringify({ generator: 'ethers ' + ethers.version + ', protocol/src/test/resources/golden/vouchers/generate.mjs', types, vouchers }, null, 1));

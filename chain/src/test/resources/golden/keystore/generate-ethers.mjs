// Writes ethers-scrypt.json: a keystore written by ethers (an implementation independent of web3j), with a light
// scrypt cost so the test opens it fast. Run from the repository root:
//   node chain/src/test/resources/golden/keystore/generate-ethers.mjs tools/node/node_modules
import { createRequire } from "node:module";
import { writeFileSync } from "node:fs";
import { join } from "node:path";

const require = createRequire(join(process.argv[2] ?? "tools/node/node_modules", "noop.js"));
const { Wallet, encryptKeystoreJsonSync } = require("ethers");
const wallet = new Wallet("0x4c0883a69102937d6231471b5dbb6204fe5129617082792ae468d01a3f362318");
const json = encryptKeystoreJsonSync(wallet, "verity-test", { scrypt: { N: 1 << 12 } });
writeFileSync(new URL("./ethers-scrypt.json", import.meta.url), JSON.stringify(JSON.parse(json), null, 2) + "\n");
console.log(wallet.address);

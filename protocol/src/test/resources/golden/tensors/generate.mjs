// Generates vectors.json: tensors in the JSON form of docs/protocol.md with their tensorDigest and the
// tensorsDigest of the whole set, computed by this independent JavaScript implementation of the canonical
// encoding (ethers for keccak256 and big-endian integers), for TensorGoldenTest.
// Run from the repository root:
//   NODE_PATH=tools/node/node_modules node protocol/src/test/resources/golden/tensors/generate.mjs \
//     > protocol/src/test/resources/golden/tensors/vectors.json
import { createRequire } from 'node:module';
import { join } from 'node:path';

if (!process.env.NODE_PATH) throw new Error('set NODE_PATH to tools/node/node_modules');
const require = createRequire(join(process.env.NODE_PATH, 'noop.js'));
const { ethers } = require('ethers');

const CODES = { float32: 1, uint8: 2, int8: 3, int32: 6, int64: 7, string: 8, bool: 9, float16: 10, float64: 11 };
const SIZES = { float32: 4, uint8: 1, int8: 1, int32: 4, int64: 8, bool: 1, float16: 2, float64: 8 };
const utf8 = (s) => ethers.toUtf8Bytes(s);
const be = (n, bytes) => ethers.getBytes(ethers.toBeHex(BigInt(n), bytes));

function elementBytes(dtype, values) {
  const out = new DataView(new ArrayBuffer(values.length * SIZES[dtype]));
  values.forEach((v, i) => {
    const at = i * SIZES[dtype];
    const num = typeof v === 'string' ? Number(v) : v; // "NaN", "Infinity", "-Infinity"
    switch (dtype) {
      case 'float32': out.setFloat32(at, num, true); break;
      case 'float64': out.setFloat64(at, num, true); break;
      case 'int32': out.setInt32(at, v, true); break;
      case 'int64': out.setBigInt64(at, BigInt(v), true); break;
      case 'int8': out.setInt8(at, v); break;
      case 'uint8': out.setUint8(at, v); break;
      case 'bool': out.setUint8(at, v ? 1 : 0); break;
      default: throw new Error(dtype);
    }
  });
  return new Uint8Array(out.buffer);
}

function encode(t) {
  const parts = [be(utf8(t.name).length, 4), utf8(t.name), be(CODES[t.dtype], 1), be(t.shape.length, 4)];
  for (const d of t.shape) parts.push(be(d, 8));
  if (t.dtype === 'string') {
    parts.push(be(t.data.length, 8));
    for (const s of t.data) parts.push(be(utf8(s).length, 4), utf8(s));
  } else {
    const bytes = t.b64 !== undefined ? new Uint8Array(Buffer.from(t.b64, 'base64')) : elementBytes(t.dtype, t.data);
    parts.push(be(bytes.length, 8), bytes);
  }
  return ethers.concat(parts);
}

const f16 = (...bits) => Buffer.from(new Uint16Array(bits).buffer).toString('base64'); // little-endian hosts
const tensors = [
  { name: 'x', dtype: 'float32', shape: [1, 3], data: [0.5, 1, -2] },
  { name: 'specials', dtype: 'float32', shape: [4], data: ['NaN', 'Infinity', '-Infinity', 1e-45] },
  { name: 'pi', dtype: 'float64', shape: [], data: [Math.PI] },
  { name: 'big', dtype: 'int64', shape: [3], data: [9007199254740993n, -1n, 9223372036854775807n] },
  { name: 'ints', dtype: 'int32', shape: [2, 2], data: [1, -2, 3, -2147483648] },
  { name: 'signed', dtype: 'int8', shape: [3], data: [-128, 0, 127] },
  { name: 'bytes', dtype: 'uint8', shape: [3], data: [0, 128, 255] },
  { name: 'mask', dtype: 'bool', shape: [2, 1], data: [true, false] },
  { name: 'words', dtype: 'string', shape: [3], data: ['ab', 'c', 'ünï🙂'] },
  { name: 'split', dtype: 'string', shape: [2], data: ['a', 'bc'] },
  { name: 'half', dtype: 'float16', shape: [3], b64: f16(0x3c00, 0x7bff, 0x8001) },
  { name: 'packed', dtype: 'float32', shape: [2], b64: Buffer.from(elementBytes('float32', [1, -2])).toString('base64') },
  { name: 'empty', dtype: 'float32', shape: [2, 0], data: [] },
  { name: 'é', dtype: 'uint8', shape: [1], data: [7] },
  { name: 'Z', dtype: 'uint8', shape: [1], data: [7] },
  // U+FF21 sorts after U+1F642 in UTF-8 (EF.. < F0..) but before it in UTF-16 (FF21 > D83D): order is by UTF-8
  { name: '\uFF21', dtype: 'uint8', shape: [1], data: [1] },
  { name: '\u{1F642}', dtype: 'uint8', shape: [1], data: [2] },
];

for (const t of tensors) t.digest = ethers.keccak256(encode(t));
const sorted = [...tensors].sort((a, b) => Buffer.compare(Buffer.from(utf8(a.name)), Buffer.from(utf8(b.name))));
const tensorsDigest = ethers.keccak256(ethers.concat([utf8('verity:tensors:v1'), be(sorted.length, 4), ...sorted.map((t) => t.digest)]));

// JSON.stringify cannot write BigInt: write int64 values as exact JSON integers by hand
const text = JSON.stringify({
  generator: `independent JavaScript encoder, ethers ${ethers.version}, protocol/src/test/resources/golden/tensors/generate.mjs`,
  tensors,
  tensorsDigest,
}, (k, v) => (typeof v === 'bigint' ? `@@${v}@@` : v), 1).replace(/"@@(-?[0-9]+)@@"/g, '$1');
console.log(text);

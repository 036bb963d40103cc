// Independent computation of the verity-det/2 outputs entry (the trace's last entry) with ethers v6:
// tensorsDigest = keccak256("verity:tensors:v1" ‖ u32 n ‖ tensorDigest_1 ‖ … ‖ tensorDigest_n), tensors sorted
// by name in unsigned UTF-8 byte order (docs/protocol.md); each tensorDigest is the graph output's trace entry.
// usage: node outputs.js name1=0xdigest1 name2=0xdigest2 ...   prints the digest
const { keccak256, concat, toUtf8Bytes, toBeHex, getBytes } = require('ethers');
const pairs = process.argv.slice(2).map(a => {
  const at = a.lastIndexOf('=');
  return { name: toUtf8Bytes(a.slice(0, at)), digest: a.slice(at + 1) };
});
const cmp = (x, y) => {
  for (let i = 0; i < Math.min(x.length, y.length); i++) if (x[i] !== y[i]) return x[i] - y[i];
  return x.length - y.length;
};
pairs.sort((p, q) => cmp(p.name, q.name));
const n = getBytes(toBeHex(pairs.length, 4));
console.log(keccak256(concat([toUtf8Bytes('verity:tensors:v1'), n, ...pairs.map(p => p.digest)])));

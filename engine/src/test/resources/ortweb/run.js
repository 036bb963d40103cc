// usage: node ortweb.js model.onnx spec.json outdir   (spec: [{name,dtype,dims,file}])
const ort = require('onnxruntime-web');
const fs = require('fs');
(async () => {
  const [model, specFile, outDir] = process.argv.slice(2);
  ort.env.wasm.numThreads = 1;
  const s = await ort.InferenceSession.create(fs.readFileSync(model));
  const feeds = {};
  for (const t of JSON.parse(fs.readFileSync(specFile, 'utf8'))) {
    const b = fs.readFileSync(t.file);
    const ab = b.buffer.slice(b.byteOffset, b.byteOffset + b.length);
    const data = t.dtype === 'float32' ? new Float32Array(ab) : new BigInt64Array(ab);
    feeds[t.name] = new ort.Tensor(t.dtype, data, t.dims);
  }
  const reps = parseInt(process.env.REPS || '1');
  let out, best = Infinity;
  for (let i = 0; i < reps; i++) { const t0 = performance.now(); out = await s.run(feeds); best = Math.min(best, performance.now() - t0); }
  const names = s.outputNames;
  names.forEach((n, k) => fs.writeFileSync(`${outDir}/out_${k}.bin`, Buffer.from(out[n].data.buffer, out[n].data.byteOffset, out[n].data.byteLength)));
  console.log(JSON.stringify({outputs: names, ms: best}));
})().catch(e => { console.error(String(e)); process.exit(1); });

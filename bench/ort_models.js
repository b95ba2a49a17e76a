// The ONNX Runtime peer of bench_models: each model on ONNX Runtime's CPU execution provider (the
// npm package onnxruntime-node), one thread, graph optimisation "all", the same input shapes and
// pseudo-random inputs as ours, median and p99 of RUNS timed runs after 3 untimed ones.
// Prints one JSON object {"<file>": {"ort_ms", "ort_p99_ms"}, "ort_version": "..."}.
// usage: node ort_models.js RUNS '{"<file>": [dims]}' MODEL.onnx...
'use strict';
const path = require('path');
const ort = require('onnxruntime-node');

function quantile(sorted, q) {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * (sorted.length - 1) + 0.5))];
}

async function main() {
  const runs = parseInt(process.argv[2], 10);
  const shapes = JSON.parse(process.argv[3]);
  const out = {ort_version: require('onnxruntime-node/package.json').version};
  for (const file of process.argv.slice(4)) {
    const name = path.basename(file);
    const session = await ort.InferenceSession.create(file, {
      intraOpNumThreads: 1, interOpNumThreads: 1, executionMode: 'sequential', graphOptimizationLevel: 'all'});
    const dims = shapes[name];
    const n = dims.reduce((a, b) => a * b, 1);
    const data = new Float32Array(n);
    for (let i = 0; i < n; i++) data[i] = ((i * 2654435761) % 256) / 1.0;  // 0..255, fixed pattern
    const feeds = {[session.inputNames[0]]: new ort.Tensor('float32', data, dims)};
    const samples = [];
    for (let i = 0; i < runs + 3; i++) {
      const t0 = process.hrtime.bigint();
      await session.run(feeds);
      if (i >= 3) samples.push(Number(process.hrtime.bigint() - t0) / 1e6);
    }
    samples.sort((a, b) => a - b);
    out[name] = {ort_ms: quantile(samples, 0.5), ort_p99_ms: quantile(samples, 0.99)};
  }
  console.log(JSON.stringify(out));
}

main().catch((e) => { console.error(`ort_models: ${e.message}`); process.exit(1); });

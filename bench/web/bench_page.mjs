// The browser side of bench/bench_web.mjs: per model, facelive's WebAssembly build and
// onnxruntime-web (wasm, SIMD, one thread) in the same page, alternating in rounds; then the
// on-device session's time per 640x480 frame. window.runBench(config) resolves with the figures.
import { Engine, benchModel, instantiate, SESSION_MODELS } from "/site/facelive-engine.mjs";
import * as ort from "/ort/ort.wasm.min.mjs";

const bytesOf = async (url) => {
  const r = await fetch(url);
  if (!r.ok) throw new Error(`${url}: ${r.status}`);
  return r.arrayBuffer();
};
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)];

async function ortSession(bytes) {
  const session = await ort.InferenceSession.create(new Uint8Array(bytes),
    { executionProviders: ["wasm"], graphOptimizationLevel: "all", executionMode: "sequential" });
  return session;
}

// The same input pattern as facelive's probe: values 0..255 in a fixed sequence.
function ortFeeds(session, dims) {
  const n = dims.reduce((a, b) => a * b, 1);
  const data = new Float32Array(n);
  for (let i = 0; i < n; i++) data[i] = (i * 2654435761) % 256;
  return { [session.inputNames[0]]: new ort.Tensor("float32", data, dims) };
}

async function timeOrt(session, feeds, runs) {
  for (let i = 0; i < 3; i++) await session.run(feeds);
  const ms = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    await session.run(feeds);
    ms.push(performance.now() - t0);
  }
  return median(ms);
}

// Every frame through a session; a session that ends (done or failed) is replaced, untimed, so
// every timed frame is analysed.
function sessionMsPerFrame(engine, frames, width, height, times) {
  let session = engine.createSession({ actions: ["turn_left", "turn_right"] });
  const ms = [];
  const bytes = width * height * 4;
  for (let i = 0; i < times.length; i++) {
    const t0 = performance.now();
    const state = session.push(frames.subarray(i * bytes, (i + 1) * bytes), width, height, times[i]);
    ms.push(performance.now() - t0);
    if (state.phase === "done" || state.phase === "failed") {
      session.free();
      session = engine.createSession({ actions: ["turn_left", "turn_right"] });
    }
  }
  session.free();
  return median(ms);
}

window.runBench = async ({ variant, models, runs, rounds, frames: frameInfo }) => {
  ort.env.wasm.numThreads = 1;
  ort.env.wasm.wasmPaths = "/ort/";
  ort.env.logLevel = "error";
  const { default: moduleFactory } = await import(`/site/facelive-${variant}.mjs`);
  const module = await instantiate({ moduleFactory, wasmBinary: await bytesOf(`/site/facelive-${variant}.wasm`) });
  const out = { models: {}, rounds: [] };
  const loaded = {};
  for (const m of models) {
    const bytes = await bytesOf(`/models/${m.file}`);
    const session = await ortSession(bytes);
    loaded[m.file] = { bytes, session, feeds: ortFeeds(session, m.dims) };
  }
  const samples = Object.fromEntries(models.map((m) => [m.file, { wasm: [], ort: [] }]));
  for (let r = 0; r < rounds; r++) {
    for (const m of models) {
      const L = loaded[m.file], s = samples[m.file];
      if (r % 2 === 0) {
        s.wasm.push(benchModel(module, L.bytes, runs));
        s.ort.push(await timeOrt(L.session, L.feeds, runs));
      } else {
        s.ort.push(await timeOrt(L.session, L.feeds, runs));
        s.wasm.push(benchModel(module, L.bytes, runs));
      }
    }
  }
  for (const m of models) {
    const s = samples[m.file], wasm = median(s.wasm), ortMs = median(s.ort);
    out.models[m.file] = { wasm_ms: +wasm.toFixed(3), ort_web_ms: +ortMs.toFixed(3), ratio: +(wasm / ortMs).toFixed(3),
      wasm_rounds_ms: s.wasm.map((x) => +x.toFixed(3)), ort_web_rounds_ms: s.ort.map((x) => +x.toFixed(3)) };
  }
  const sessionModels = await Promise.all(SESSION_MODELS.map(async (name) => ({ name, bytes: await bytesOf(`/models/${name}`) })));
  const engine = await Engine.create({ module, models: sessionModels });
  const frames = new Uint8Array(await bytesOf("/frames.rgba"));
  out.session_ms_per_frame = +sessionMsPerFrame(engine, frames, frameInfo.width, frameInfo.height, frameInfo.times).toFixed(3);
  out.session_frames = frameInfo.times.length;
  engine.free();
  return out;
};
window.benchReady = true;

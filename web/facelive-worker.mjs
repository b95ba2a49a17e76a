// The Worker of facelive.mjs: loads the WebAssembly module and the models, runs one session at a
// time on the frames the page posts, and answers each message with its state (or an error).
// Messages in: {id, type: "load"|"session"|"frame"|"result"|"dropped"|"close", ...}; out: {id, ok, value|error}.
import { Engine, SESSION_MODELS } from "./facelive-engine.mjs";

let engine = null, session = null, canvas = null, context = null;

async function fetchBytes(url, what) {
  let response;
  try {
    response = await fetch(url, { credentials: "same-origin" });
  } catch (e) {
    throw new Error(`${what}: ${url} could not be fetched (${e.message})`);
  }
  if (!response.ok) throw new Error(`${what}: ${url} answered ${response.status}`);
  return response.arrayBuffer();
}

async function load({ wasmUrl, modelsUrl, variant, withSilent, silentModels }) {
  if (variant !== "simd" && variant !== "scalar") throw new Error(`unknown build "${variant}"`);
  const base = new URL(wasmUrl);
  const { default: moduleFactory } = await import(new URL(`facelive-${variant}.mjs`, base).href);
  const wasmBinary = await fetchBytes(new URL(`facelive-${variant}.wasm`, base).href, "the WebAssembly module");
  const files = [...SESSION_MODELS, ...(withSilent ? silentModels : [])];
  const models = await Promise.all(files.map(async (name) =>
    ({ name, bytes: await fetchBytes(new URL(name, modelsUrl).href, "a model") })));
  engine = await Engine.create({ moduleFactory, wasmBinary, models, withSilent });
  return null;
}

// RGBA pixels of an ImageData, ImageBitmap or VideoFrame (the last two are closed here).
function pixelsOf(frame) {
  if (frame.data && frame.width) return { rgba: frame.data, width: frame.width, height: frame.height };
  const width = frame.displayWidth ?? frame.width, height = frame.displayHeight ?? frame.height;
  if (!canvas || canvas.width !== width || canvas.height !== height) {
    canvas = new OffscreenCanvas(width, height);
    context = canvas.getContext("2d", { willReadFrequently: true });
  }
  context.drawImage(frame, 0, 0, width, height);
  frame.close();
  return { rgba: context.getImageData(0, 0, width, height).data, width, height };
}

function needSession() {
  if (!session) throw new Error("no session: call createSession first");
  return session;
}

const handlers = {
  load,
  session({ actions, mirrored }) {
    if (!engine) throw new Error("the engine is not loaded");
    session?.free();
    session = engine.createSession({ actions, mirrored });
    return null;
  },
  frame({ frame, t }) {
    const s = needSession();
    const { rgba, width, height } = pixelsOf(frame);
    const t0 = performance.now();
    const state = s.push(rgba, width, height, t);
    return { ...state, ms: performance.now() - t0 };
  },
  dropped({ n }) {
    needSession().addDropped(n);
    return null;
  },
  result() {
    return needSession().result();
  },
  close() {
    session?.free();
    engine?.free();
    session = engine = null;
    return null;
  },
};

self.onmessage = async (event) => {
  const { id, type, ...args } = event.data;
  try {
    if (!handlers[type]) throw new Error(`unknown message "${type}"`);
    self.postMessage({ id, ok: true, value: await handlers[type](args) });
  } catch (e) {
    if (args.frame?.close) args.frame.close();
    self.postMessage({ id, ok: false, error: String(e?.message ?? e) });
  }
};

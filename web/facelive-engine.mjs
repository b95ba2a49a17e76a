// The WebAssembly library, wrapped: engines from model bytes, sessions fed with RGBA frames.
// Runs wherever the module does (the page's Worker, Node for the tests and the benchmark); the page
// itself uses facelive.mjs, which runs this in a Worker.

export const PHASES = ["quality", "neutral", "action", "capture", "done", "failed"];
/** The files the on-device session needs: the face detector and the landmark model. */
export const SESSION_MODELS = ["yunet_n_dynamic.onnx", "facemesh_468.onnx"];
const ERROR_BYTES = 512;
const STATE_INTS = 9; // web/wasm/facelive_web.c: phase, step, n_steps, action, reason, failure, frames, dropped, prompt

export class FaceLiveEngineError extends Error {
  constructor(message) {
    super(message);
    this.name = "FaceLiveEngineError";
  }
}

/** 1 when this JavaScript engine validates a module with a SIMD128 instruction. */
export function simdSupported() {
  // (module (func (result v128) i32.const 0 i8x16.splat i8x16.popcnt))
  const bytes = new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0, 1, 5, 1, 96, 0, 1, 123, 3, 2, 1, 0, 10, 10, 1, 8, 0, 65,
    0, 253, 15, 253, 98, 11]);
  try {
    return WebAssembly.validate(bytes);
  } catch {
    return false;
  }
}

// malloc'd scratch that is freed whatever happens in fn
function withAlloc(M, sizes, fn) {
  const ptrs = sizes.map((n) => M._malloc(Math.max(n, 1)));
  try {
    if (ptrs.some((p) => p === 0)) throw new FaceLiveEngineError("out of WebAssembly memory");
    return fn(...ptrs);
  } finally {
    ptrs.forEach((p) => M._free(p));
  }
}

/** The WebAssembly module: moduleFactory is createFaceLiveModule of facelive-{simd,scalar}.mjs,
 * wasmBinary the matching .wasm's bytes. */
export function instantiate({ moduleFactory, wasmBinary }) {
  return moduleFactory({ wasmBinary, print: () => {}, printErr: () => {} });
}

/** For the benchmark: the median ms of `runs` inferences of one model (its bytes) on the module M. */
export function benchModel(M, bytes, runs) {
  const data = new Uint8Array(bytes);
  return withAlloc(M, [data.length, 8, ERROR_BYTES], (buf, p50, error) => {
    M.HEAPU8.set(data, buf);
    if (M._fw_model_bench(buf, data.length, runs, p50, error, ERROR_BYTES) !== 0)
      throw new FaceLiveEngineError(M.UTF8ToString(error));
    return new Float64Array(M.HEAPU8.buffer, p50, 1)[0];
  });
}

export class Engine {
  /**
   * @param moduleFactory, wasmBinary as instantiate's (or module: an instantiated one)
   * @param models [{name, bytes}] with at least SESSION_MODELS
   * @param withSilent also load the anti-spoof models of the default list (a local verdict)
   */
  static async create({ moduleFactory, wasmBinary, module, models, withSilent = false }) {
    const M = module ?? await instantiate({ moduleFactory, wasmBinary });
    const n = models.length;
    const blobs = models.map((m) => new Uint8Array(m.bytes));
    const names = models.map((m) => M.lengthBytesUTF8(m.name) + 1);
    const all = [4 * n, 4 * n, 4 * n, ERROR_BYTES, ...names, ...blobs.map((b) => b.length)];
    const handle = withAlloc(M, all, (namePtrs, dataPtrs, sizes, error, ...bufs) => {
      for (let i = 0; i < n; i++) {
        M.stringToUTF8(models[i].name, bufs[i], names[i]);
        M.HEAPU8.set(blobs[i], bufs[n + i]);
        M.HEAP32[(namePtrs >> 2) + i] = bufs[i];
        M.HEAP32[(dataPtrs >> 2) + i] = bufs[n + i];
        M.HEAP32[(sizes >> 2) + i] = blobs[i].length;
      }
      const e = M._fw_engine_create(n, namePtrs, dataPtrs, sizes, withSilent ? 1 : 0, error, ERROR_BYTES);
      if (!e) throw new FaceLiveEngineError(M.UTF8ToString(error));
      return e;
    });
    return new Engine(M, handle);
  }

  constructor(M, handle) {
    this.M = M;
    this.handle = handle;
  }

  /** A session for one attempt: actions are the challenge's names, in order ("turn_left", ...). */
  createSession({ actions, mirrored = false }) {
    const M = this.M;
    const ids = actions.map((a) =>
      withAlloc(M, [M.lengthBytesUTF8(a) + 1], (s) => {
        M.stringToUTF8(a, s, M.lengthBytesUTF8(a) + 1);
        const id = M._fw_action_parse(s);
        if (id < 0) throw new FaceLiveEngineError(`unknown action "${a}"`);
        return id;
      }));
    const handle = withAlloc(M, [4 * Math.max(ids.length, 1), ERROR_BYTES], (list, error) => {
      ids.forEach((id, i) => (M.HEAP32[(list >> 2) + i] = id));
      const s = M._fw_session_create(this.handle, list, ids.length, mirrored ? 1 : 0, error, ERROR_BYTES);
      if (!s) throw new FaceLiveEngineError(M.UTF8ToString(error));
      return s;
    });
    return new Session(M, handle);
  }

  free() {
    if (this.handle) this.M._fw_engine_free(this.handle);
    this.handle = 0;
  }
}

export class Session {
  constructor(M, handle) {
    this.M = M;
    this.handle = handle;
    this.frame = 0; // RGBA scratch in wasm memory, reused while the size stays
    this.frameBytes = 0;
    this.scratch = M._malloc(4 * STATE_INTS + ERROR_BYTES);
  }

  /** One frame: rgba (Uint8Array or Uint8ClampedArray, width*height*4), t in seconds. */
  push(rgba, width, height, t) {
    const M = this.M;
    const bytes = width * height * 4;
    if (!(width > 0 && height > 0) || rgba.length < bytes)
      throw new FaceLiveEngineError(`a ${width}x${height} frame needs ${bytes} RGBA bytes, got ${rgba.length}`);
    if (bytes !== this.frameBytes) {
      M._free(this.frame);
      this.frame = M._malloc(bytes);
      this.frameBytes = this.frame ? bytes : 0;
      if (!this.frame) throw new FaceLiveEngineError("out of WebAssembly memory");
    }
    M.HEAPU8.set(rgba.subarray(0, bytes), this.frame);
    const state = this.scratch, error = this.scratch + 4 * STATE_INTS;
    const s = M._fw_session_push(this.handle, this.frame, width, height, t, state, error, ERROR_BYTES);
    if (s !== 0) throw new FaceLiveEngineError(M.UTF8ToString(error));
    const v = M.HEAP32.subarray(state >> 2, (state >> 2) + STATE_INTS);
    return {
      phase: PHASES[v[0]],
      step: v[1],
      nSteps: v[2],
      action: v[0] === 2 ? M.UTF8ToString(M._fw_action_name(v[3])) : null,
      reason: v[0] === 0 ? M.UTF8ToString(M._fw_reason_name(v[4])) : null,
      failure: v[5] ? M.UTF8ToString(M._fw_failure_name(v[5])) : null,
      frames: v[6],
      dropped: v[7],
      prompt: M.UTF8ToString(v[8]),
    };
  }

  /** Frames the caller skipped (while busy), so that the state and the result count them. */
  addDropped(n) {
    this.M._fw_session_add_dropped(this.handle, n);
  }

  /** The session's result: the service's verify keys (decision, outcome, challenge, events, ...). */
  result() {
    const M = this.M, error = this.scratch + 4 * STATE_INTS;
    const text = M._fw_session_result_json(this.handle, error, ERROR_BYTES);
    if (!text) throw new FaceLiveEngineError(M.UTF8ToString(error));
    try {
      return JSON.parse(M.UTF8ToString(text));
    } finally {
      M._free(text);
    }
  }

  free() {
    if (!this.handle) return;
    this.M._fw_session_free(this.handle);
    this.M._free(this.frame);
    this.M._free(this.scratch);
    this.handle = 0;
  }
}

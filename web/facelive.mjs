// facelive on the page: the on-device liveness session, analysed in a Worker (facelive-worker.mjs)
// by the library compiled to WebAssembly. The page pushes camera frames; a frame that arrives while
// the Worker is still busy with the one before is dropped (and counted), so a slow device shows
// fewer updates instead of falling behind the camera. The on-device result guides the user; the
// server's verdict (facelive-client.mjs) is the one that decides.
//
//   const fl = await FaceLive.load({ modelsUrl: "/demo/models/" });
//   const session = await fl.createSession({ actions: ["turn_left", "blink"], mirrored: true });
//   video.requestVideoFrameCallback(function each(now, meta) {
//     session.push(new VideoFrame(video), meta.mediaTime * 1000).then(showState);
//     video.requestVideoFrameCallback(each);
//   });

import { simdSupported } from "./facelive-engine.mjs";

/** The anti-spoof models of the default list (config/antispoof_models.tsv), for withSilent. */
export const DEFAULT_SILENT_MODELS = ["minifasnet_v2_2.7_80x80.onnx", "sf_apk_v1se_4.0_80x80.onnx"];

export class FaceLiveLoadError extends Error {
  constructor(message) {
    super(message);
    this.name = "FaceLiveLoadError";
  }
}

// One request to the Worker at a time per id; answers resolve the matching promise.
class WorkerChannel {
  constructor(worker) {
    this.worker = worker;
    this.next = 1;
    this.waiting = new Map();
    worker.onmessage = (e) => {
      const w = this.waiting.get(e.data.id);
      this.waiting.delete(e.data.id);
      if (w) e.data.ok ? w.resolve(e.data.value) : w.reject(new Error(e.data.error));
    };
    worker.onerror = (e) => {
      const error = new FaceLiveLoadError(`the facelive Worker failed: ${e.message ?? "could not start"}`);
      for (const w of this.waiting.values()) w.reject(error);
      this.waiting.clear();
    };
  }

  call(type, args = {}, transfer = []) {
    const id = this.next++;
    return new Promise((resolve, reject) => {
      this.waiting.set(id, { resolve, reject });
      this.worker.postMessage({ id, type, ...args }, transfer);
    });
  }
}

export class FaceLive {
  /**
   * Starts the Worker, loads the module (SIMD where the browser has it, else scalar) and the models.
   * @param {object} o
   * @param {string} o.modelsUrl folder of yunet_n_dynamic.onnx and facemesh_468.onnx (and the silent models)
   * @param {string} [o.wasmUrl] folder of facelive-{simd,scalar}.{mjs,wasm}; default: this module's folder
   * @param {"auto"|"off"} [o.simd] "off" forces the scalar build
   * @param {boolean} [o.withSilent] also run the anti-spoof models on the device (a local verdict)
   */
  static async load({ modelsUrl, wasmUrl, simd = "auto", withSilent = false, silentModels = DEFAULT_SILENT_MODELS }) {
    if (!modelsUrl) throw new FaceLiveLoadError("modelsUrl is required");
    if (typeof WebAssembly !== "object") throw new FaceLiveLoadError("this browser has no WebAssembly");
    const here = new URL(".", import.meta.url);
    const worker = new Worker(new URL("facelive-worker.mjs", import.meta.url), { type: "module" });
    const channel = new WorkerChannel(worker);
    try {
      // decided here, on the page, so that the page's feature check is the one that counts
      const variant = simd === "off" || !simdSupported() ? "scalar" : "simd";
      await channel.call("load", {
        wasmUrl: new URL(wasmUrl ?? here, location.href).href,
        modelsUrl: new URL(modelsUrl, location.href).href,
        variant, withSilent, silentModels,
      });
      return new FaceLive(worker, channel, variant);
    } catch (e) {
      worker.terminate();
      throw e instanceof FaceLiveLoadError ? e : new FaceLiveLoadError(e.message);
    }
  }

  constructor(worker, channel, variant) {
    this.worker = worker;
    this.channel = channel;
    /** "simd" or "scalar": the build the Worker runs. */
    this.variant = variant;
  }

  /** A new attempt (the one before, if any, ends): the challenge's actions, in order. */
  async createSession({ actions, mirrored = true }) {
    await this.channel.call("session", { actions, mirrored });
    return new LiveSession(this.channel);
  }

  close() {
    this.worker.terminate();
  }
}

export class LiveSession {
  constructor(channel) {
    this.channel = channel;
    this.busy = false;
    this.dropped = 0;
    this.reported = 0; // of the dropped frames, those the Worker has been told of
    this.lastState = null;
    /** Milliseconds the Worker took for the last frame it analysed. */
    this.lastMs = 0;
  }

  /**
   * Pushes a frame (VideoFrame, ImageBitmap or ImageData) taken at timestampMs (the camera's clock).
   * Resolves with the state: {phase, step, nSteps, action, reason, failure, prompt, frames, dropped};
   * when the Worker is busy the frame is dropped (a VideoFrame or ImageBitmap is closed) and the last
   * state comes back with dropped counted.
   */
  async push(frame, timestampMs) {
    if (this.busy) {
      this.dropped++;
      frame.close?.();
      return this.lastState && { ...this.lastState, dropped: this.lastState.dropped + this.pendingDrops() };
    }
    this.busy = true;
    try {
      const drops = this.pendingDrops();
      if (drops) await this.channel.call("dropped", { n: drops });
      this.reported = this.dropped;
      const transfer = frame.data ? [frame.data.buffer] : [frame];
      const state = await this.channel.call("frame", { frame, t: timestampMs / 1000 }, transfer);
      this.lastMs = state.ms;
      this.lastState = state;
      return state;
    } finally {
      this.busy = false;
    }
  }

  pendingDrops() {
    return this.dropped - this.reported;
  }

  /** The on-device result (the service's verify keys); the server's verdict is the one that counts. */
  result() {
    return this.channel.call("result");
  }
}

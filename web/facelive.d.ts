// Types of web/facelive.mjs: the on-device liveness session in a Worker.
import type { VerifyAnswer } from "./facelive-client";

export declare const DEFAULT_SILENT_MODELS: string[];

export declare class FaceLiveLoadError extends Error {}

export type Phase = "quality" | "neutral" | "action" | "capture" | "done" | "failed";

export interface SessionState {
  phase: Phase;
  /** actions done so far, of nSteps */
  step: number;
  nSteps: number;
  /** the action asked now (phase "action"), e.g. "turn_left" */
  action: string | null;
  /** what to fix (phase "quality"), e.g. "too_dark", "face_too_small" */
  reason: string | null;
  /** why the attempt failed (phase "failed"), e.g. "action_timeout", "face_lost" */
  failure: string | null;
  /** text a UI can show as is */
  prompt: string;
  /** frames analysed, and frames dropped while the Worker was busy */
  frames: number;
  dropped: number;
  /** milliseconds the Worker took for this frame */
  ms?: number;
}

/** The on-device result: the keys of the service's verify answer (docs/openapi.yaml VerifyAnswer,
 * less the request's id and channel) plus phase. */
export type SessionResult = Omit<VerifyAnswer, "request_id" | "channel"> & { phase: Phase };

export interface LoadOptions {
  /** folder of yunet_n_dynamic.onnx and facemesh_468.onnx (and of the silent models with withSilent) */
  modelsUrl: string;
  /** folder of facelive-{simd,scalar}.{mjs,wasm}; default: facelive.mjs's own folder */
  wasmUrl?: string;
  /** "off" forces the scalar build; "auto" (default) takes SIMD where the browser validates it */
  simd?: "auto" | "off";
  /** also run the anti-spoof models on the device (a local verdict; the server's still decides) */
  withSilent?: boolean;
  silentModels?: string[];
}

export declare class FaceLive {
  static load(options: LoadOptions): Promise<FaceLive>;
  /** the build the Worker runs */
  readonly variant: "simd" | "scalar";
  /** a new attempt; mirrored: the frames pushed are mirrored (a selfie preview's pixels) */
  createSession(options: { actions: string[]; mirrored?: boolean }): Promise<LiveSession>;
  close(): void;
}

export declare class LiveSession {
  /** frames dropped because the Worker was busy */
  readonly dropped: number;
  readonly lastMs: number;
  /** null only when the very first frame is dropped */
  push(frame: VideoFrame | ImageBitmap | ImageData, timestampMs: number): Promise<SessionState | null>;
  result(): Promise<SessionResult>;
}

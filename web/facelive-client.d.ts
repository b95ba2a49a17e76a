// Types of web/facelive-client.mjs: the service's challenge flow for a web page.

export interface FaceLiveErrorInit {
  status?: number;
  code?: string;
  requestId?: string | null;
  detail?: string | null;
}

/** The server's error (status, code as in docs/openapi.yaml's x-facelive-errors, requestId), or
 * code "network" / "timeout" when no answer came, "bad_answer" when it was not facelive's. */
export class FaceLiveError extends Error {
  constructor(message: string, init?: FaceLiveErrorInit);
  readonly status: number;
  readonly code: string;
  readonly requestId: string | null;
  readonly detail: string | null;
}

export interface Challenge {
  token: string;
  actions: string[];
  prompts: string[];
  expiresAt: number;
  expiresInS: number;
}

export interface Frame {
  /** a JPEG or PNG image */
  image: Blob | ArrayBuffer | Uint8Array;
  /** seconds from the attempt's start */
  t: number;
}

/** The verify answer (docs/openapi.yaml, VerifyAnswer). */
export interface VerifyAnswer {
  request_id: string;
  decision: "real" | "spoof" | "uncertain";
  outcome: string;
  channel: "local";
  failure?: string;
  actions_done: boolean;
  challenge: { action: string; done: boolean; at_s?: number }[];
  events: { action: string; at_s: number }[];
  frames_judged: number;
  best_frames_s: number[];
  dropped: number;
  silent?: { decision: string; score?: number; threshold: number; frames_used: number; [key: string]: unknown };
}

export interface FaceLiveClientOptions {
  baseUrl?: string;
  headers?: Record<string, string>;
  timeoutMs?: number;
  fetch?: typeof fetch;
}

export class FaceLiveClient {
  constructor(options?: FaceLiveClientOptions);
  challenge(): Promise<Challenge>;
  verify(token: string, frames: Frame[], options?: { mirrored?: boolean }): Promise<VerifyAnswer>;
  static passed(answer: VerifyAnswer | null | undefined): boolean;
}

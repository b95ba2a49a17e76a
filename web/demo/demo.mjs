// The liveness page: camera, oval guide, the prompts of the on-device session (facelive.mjs), then
// the frames to the service (facelive-client.mjs), whose verdict is shown. Settings come from the
// URL's fragment (never sent to a server): #api=BASE_URL&key=KEY&models=URL&simd=off.
import { FaceLive } from "./facelive.mjs";
import { FaceLiveClient, FaceLiveError } from "./facelive-client.mjs";

const params = new URLSearchParams(location.hash.slice(1));
const key = params.get("key");
const client = new FaceLiveClient({
  baseUrl: params.get("api") ?? "",
  headers: key ? { Authorization: `Bearer ${key}` } : {},
  timeoutMs: 120000,
});
const CAPTURE_EVERY_S = 0.1;  // frames sent to the server: 10 a second
const MAX_FRAMES = 280;       // below the service's max_verify_frames (300)
// Frames kept after the device saw the last action: the server judges 10 frames a second where the
// device judged every frame it could, so it may need a few more to see the movement complete.
const TAIL_S = 1.0;

const $ = (id) => document.getElementById(id);
const ui = {
  stage: $("stage"), video: $("video"), prompt: $("prompt"), steps: $("steps"), progress: $("progress"),
  bar: $("bar"), message: $("message"), messageTitle: $("message-title"), messageText: $("message-text"),
  start: $("start"), again: $("again"), cameraChoice: $("camera-choice"), camera: $("camera"), info: $("engine-info"),
};

const CAMERA_PROBLEMS = {
  insecure: ["The camera needs a secure page",
    "Browsers give the camera only to pages opened over https (or on this computer). Open the secure address of this page."],
  unsupported: ["This browser cannot use a camera here",
    "Open the page in a recent Chrome, Edge, Firefox or Safari."],
  denied: ["Camera access was denied",
    "Allow the camera for this site (the camera icon in the address bar), then press Try again."],
  none: ["No camera was found", "Connect a camera, or choose another one, then press Try again."],
  busy: ["The camera is in use", "Another app or tab is using the camera. Close it, then press Try again."],
  other: ["The camera could not start", "Press Try again. If it keeps failing, choose another camera."],
};

// What to say about an error of the service (facelive-client.mjs codes).
function serviceProblem(e) {
  if (e.code === "network") return "The verification service could not be reached. Check your connection and try again.";
  if (e.code === "timeout") return "The verification service did not answer in time. Please try again.";
  if (e.status === 429) return "Too many attempts right now. Please wait a minute and try again.";
  return `The verification service refused the request (${e.code}). Please try again.`;
}

const FAILURES = {
  action_timeout: "Time ran out before the movement was seen.",
  total_timeout: "The check took too long.",
  face_lost: "Your face left the frame.",
  face_changed: "The face in the frame changed.",
  several_faces: "More than one face was in the frame.",
  capture_timeout: "There were too few clear frames of your face.",
  implausible_timing: "The camera's frames did not arrive as a camera sends them.",
};

const page = { engine: null, stream: null, attempt: null, lastAnswer: null, phase: "idle" };
window.faceliveDemo = page; // what the browser tests read

function setPhase(phase, prompt) {
  page.phase = phase;
  document.body.dataset.phase = phase;
  const look = { quality: "adjust", neutral: "good", action: "action", capture: "good" }[phase] ?? phase;
  ui.stage.dataset.state = look;
  if (prompt !== undefined && ui.prompt.textContent !== prompt) ui.prompt.textContent = prompt;
}

function showMessage(kind, title, text) {
  ui.message.hidden = false;
  ui.message.classList.toggle("ok", kind === "ok");
  ui.messageTitle.textContent = title;
  ui.messageText.textContent = text;
  ui.start.hidden = true;
  ui.again.hidden = false;
  ui.again.disabled = false;
  ui.again.focus();
}

function renderSteps(actions, prompts, step) {
  ui.steps.replaceChildren(...actions.map((a, i) => {
    const li = document.createElement("li");
    li.textContent = prompts[i].replace(/^Turn your head to the /, "Turn ").replace(/^Look /, "");
    li.className = i < step ? "done" : i === step ? "current" : "";
    if (i < step) li.setAttribute("aria-label", `${prompts[i]}: done`);
    return li;
  }));
  ui.progress.hidden = false;
  ui.bar.style.width = `${Math.round((100 * step) / actions.length)}%`;
}

function cameraProblem(e) {
  const name = e?.name ?? "";
  if (name === "NotAllowedError" || name === "SecurityError" || name === "PermissionDeniedError") return "denied";
  if (name === "NotFoundError" || name === "OverconstrainedError" || name === "DevicesNotFoundError") return "none";
  if (name === "NotReadableError" || name === "TrackStartError" || name === "AbortError") return "busy";
  return "other";
}

function failCamera(kind) {
  setPhase("error", "");
  page.cameraProblem = kind;
  showMessage("bad", ...CAMERA_PROBLEMS[kind]);
}

function releaseCamera() {
  page.stream?.getTracks().forEach((t) => t.stop());
  page.stream = null;
  ui.video.srcObject = null;
}

async function listCameras() {
  const cameras = (await navigator.mediaDevices.enumerateDevices()).filter((d) => d.kind === "videoinput");
  const chosen = ui.camera.value;
  ui.camera.replaceChildren(...cameras.map((c, i) => new Option(c.label || `Camera ${i + 1}`, c.deviceId)));
  if (chosen) ui.camera.value = chosen;
  ui.cameraChoice.hidden = cameras.length < 2;
}

async function openCamera() {
  const id = ui.camera.value;
  page.stream = await navigator.mediaDevices.getUserMedia({
    audio: false,
    video: id ? { deviceId: { exact: id } } : { facingMode: "user", width: { ideal: 640 }, height: { ideal: 480 } },
  });
  ui.video.srcObject = page.stream;
  await ui.video.play();
  listCameras().catch(() => {});
}

async function loadEngine() {
  if (page.engine) return page.engine;
  setPhase("loading", "Loading the face check…");
  page.engine = await FaceLive.load({ modelsUrl: params.get("models") ?? "models/", simd: params.get("simd") ?? "auto" });
  ui.info.textContent = `On-device analysis: WebAssembly (${page.engine.variant === "simd" ? "SIMD" : "no SIMD"})`;
  return page.engine;
}

async function start() {
  ui.message.hidden = true;
  ui.start.disabled = ui.again.disabled = true;
  page.lastAnswer = null;
  if (!window.isSecureContext) return failCamera("insecure");
  if (!navigator.mediaDevices?.getUserMedia) return failCamera("unsupported");
  let challenge;
  try {
    await loadEngine();
    setPhase("loading", "Preparing your check…");
    challenge = await client.challenge();
  } catch (e) {
    setPhase("error", "");
    return showMessage("bad", "The check could not start", e instanceof FaceLiveError
      ? serviceProblem(e) : `${e.message}. Please reload the page.`);
  }
  setPhase("camera", "Waiting for the camera…");
  try {
    await openCamera();
  } catch (e) {
    releaseCamera();
    return failCamera(cameraProblem(e));
  }
  ui.start.hidden = true;
  runAttempt(challenge, await page.engine.createSession({ actions: challenge.actions, mirrored: false }));
}

// One attempt: every video frame to the session (dropped while it is busy), 10 a second kept for the
// server; ends when the session is done (then verify) or failed.
function runAttempt(challenge, session) {
  const attempt = { over: false, frames: [], lastCapture: -1, firstT: null, session, doneAt: null };
  page.attempt = attempt;
  const canvas = document.createElement("canvas");
  renderSteps(challenge.actions, challenge.prompts, 0);
  setPhase("quality", "Place your face in the oval");

  const onFrame = (now, meta) => {
    if (attempt.over) return;
    ui.video.requestVideoFrameCallback(onFrame);
    const stamp = meta.captureTime ?? meta.expectedDisplayTime ?? now;
    attempt.firstT ??= stamp;
    const t = (stamp - attempt.firstT) / 1000;
    if (attempt.doneAt !== null && t - attempt.doneAt >= TAIL_S) {
      attempt.over = true;
      verify(challenge, attempt);
      return;
    }
    if (t - attempt.lastCapture >= CAPTURE_EVERY_S && attempt.frames.length < MAX_FRAMES) {
      attempt.lastCapture = t;
      canvas.width = ui.video.videoWidth;
      canvas.height = ui.video.videoHeight;
      canvas.getContext("2d").drawImage(ui.video, 0, 0);
      attempt.frames.push(new Promise((resolve) => canvas.toBlob((b) => resolve({ image: b, t }), "image/jpeg", 0.9)));
    }
    if (attempt.doneAt !== null)
      return; // the device's part is over; only frames for the server now
    createImageBitmap(ui.video).then((bitmap) => session.push(bitmap, t * 1000)).then((state) => {
      if (state && !attempt.over && attempt.doneAt === null) onState(challenge, attempt, state, t);
    }).catch((e) => endWithError(attempt, e));
  };
  ui.video.requestVideoFrameCallback(onFrame);
}

function onState(challenge, attempt, state, t) {
  page.dropped = state.dropped;
  renderSteps(challenge.actions, challenge.prompts, state.step);
  if (state.phase === "failed") {
    attempt.over = true;
    releaseCamera();
    setPhase("failed", "");
    return showMessage("bad", "Let's try that again", FAILURES[state.failure] ?? "The check did not finish.");
  }
  if (state.phase === "done") {
    attempt.doneAt = t;
    return setPhase("capture", "Hold still…");
  }
  setPhase(state.phase, state.prompt);
}

async function verify(challenge, attempt) {
  releaseCamera();
  setPhase("checking", "Checking…");
  try {
    const frames = (await Promise.all(attempt.frames)).filter((f) => f.image);
    const answer = await client.verify(challenge.token, frames, { mirrored: false });
    page.lastAnswer = answer;
    if (FaceLiveClient.passed(answer)) {
      setPhase("passed", "Done");
      return showMessage("ok", "You're verified", "A live person was confirmed. You can continue.");
    }
    setPhase("failed", "");
    showMessage("bad", "We couldn't verify you", answer.decision === "spoof"
      ? "The check did not see a live person in front of the camera. Use the camera directly, not a photo or a screen."
      : "The check was not sure. Find even light, hold the phone at eye level and try again.");
  } catch (e) {
    endWithError(attempt, e);
  }
}

function endWithError(attempt, e) {
  attempt.over = true;
  releaseCamera();
  setPhase("error", "");
  showMessage("bad", "Something went wrong", e instanceof FaceLiveError ? serviceProblem(e) : String(e.message ?? e));
}

ui.start.addEventListener("click", start);
ui.again.addEventListener("click", () => {
  ui.again.hidden = true;
  ui.start.hidden = true;
  start();
});
ui.camera.addEventListener("change", () => {
  if (page.attempt && !page.attempt.over) {
    page.attempt.over = true;
    releaseCamera();
    start();
  }
});
setPhase("idle");

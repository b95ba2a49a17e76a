// The liveness page (web/demo) in Debian's headless chromium, driven by playwright-core, against a
// real `facelive serve` that serves the page (tests/test_web_page.py starts it and makes the clips):
// the real head-turn clip as the camera passes end to end, its monitor replay is refused, a denied
// camera and an insecure page show their messages, and where the SIMD check fails the scalar build runs.
// A screenshot of each state is kept in SHOTS_DIR.
// usage: node page.test.mjs URL KEY REAL.mjpeg REPLAY.mjpeg SHOTS_DIR
import assert from "node:assert/strict";
import { test } from "node:test";
import path from "node:path";

import { chromium } from "playwright-core";

const [url, key, realClip, replayClip, shots] = process.argv.slice(2);
const page_url = `${url}/demo/#key=${encodeURIComponent(key)}`;
const CHROMIUM = process.env.CHROMIUM ?? "/usr/bin/chromium";

async function browserWith({ camera, allowCamera = true, extra = [] }) {
  const args = ["--no-sandbox", "--use-fake-device-for-media-stream", "--autoplay-policy=no-user-gesture-required",
    ...extra];
  if (camera) args.push(`--use-file-for-fake-video-capture=${camera}`);
  if (allowCamera) args.push("--use-fake-ui-for-media-stream");
  return chromium.launch({ executablePath: CHROMIUM, headless: true, args });
}

async function openPage(browser, { denyCamera = false, address = page_url } = {}) {
  const context = await browser.newContext({ viewport: { width: 520, height: 860 } });
  if (denyCamera) await context.grantPermissions([]);
  const page = await context.newPage();
  const logs = [];
  page.on("console", (m) => logs.push(`${m.type()}: ${m.text()}`));
  page.on("pageerror", (e) => logs.push(`pageerror: ${e.message}`));
  await page.goto(address);
  return { page, logs };
}

const phaseOf = (page) => page.evaluate(() => document.body.dataset.phase);

// A screenshot as the page is, and one with the camera picture hidden (doc-NAME.png, for
// docs/web.md: the clips' licence does not allow redistributing the face).
async function shot(page, name) {
  await page.screenshot({ path: path.join(shots, `${name}.png`) });
  await page.evaluate(() => (document.getElementById("video").style.visibility = "hidden"));
  await page.screenshot({ path: path.join(shots, `doc-${name}.png`) });
  await page.evaluate(() => (document.getElementById("video").style.visibility = ""));
}

// Waits for one of the phases; a screenshot of every phase seen on the way is kept.
async function waitForPhase(page, wanted, { timeoutMs = 240000, shotPrefix, logs } = {}) {
  const seen = new Set();
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const phase = await phaseOf(page);
    if (shotPrefix && !seen.has(phase)) {
      seen.add(phase);
      await shot(page, `${shotPrefix}-${seen.size}-${phase}`);
    }
    if (wanted.includes(phase)) return phase;
    if (Date.now() > deadline)
      throw new Error(`phase still "${phase}" after ${timeoutMs} ms (seen ${[...seen]}); console: ${logs?.join(" | ")}`);
    await new Promise((r) => setTimeout(r, 150));
  }
}

test("the real head-turn clip as the camera passes the challenge end to end", async () => {
  const browser = await browserWith({ camera: realClip });
  try {
    const { page, logs } = await openPage(browser);
    await shot(page, "real-0-start");
    await page.click("#start");
    const end = await waitForPhase(page, ["passed", "failed", "error"], { shotPrefix: "real", logs });
    const demo = await page.evaluate(() => ({ answer: window.faceliveDemo.lastAnswer, variant: window.faceliveDemo.engine?.variant,
      title: document.getElementById("message-title").textContent, dropped: window.faceliveDemo.dropped,
      text: document.getElementById("message-text").textContent }));
    console.log(`real clip: ${end}, ${demo.variant}, dropped ${demo.dropped}, answer ${JSON.stringify(demo.answer)?.slice(0, 300)}`);
    assert.equal(end, "passed", `${demo.title}: ${demo.text}; console: ${logs.join(" | ")}`);
    assert.equal(demo.answer.decision, "real");
    assert.equal(demo.variant, "simd");
    assert.equal(demo.title, "You're verified");
    assert.ok(await page.isVisible("#again"), "try again is offered");
  } finally {
    await browser.close();
  }
});

test("its monitor replay is refused by the server, and try again starts a new attempt", async () => {
  const browser = await browserWith({ camera: replayClip });
  try {
    const { page, logs } = await openPage(browser);
    await page.click("#start");
    const end = await waitForPhase(page, ["passed", "failed", "error"], { shotPrefix: "replay", logs });
    const answer = await page.evaluate(() => window.faceliveDemo.lastAnswer);
    console.log(`replay: ${end}, answer ${JSON.stringify(answer)?.slice(0, 300)}`);
    assert.equal(end, "failed", logs.join(" | "));
    assert.notEqual(answer?.decision, "real");
    await page.click("#again");
    await waitForPhase(page, ["quality", "neutral", "action", "capture"], { timeoutMs: 60000, logs });
  } finally {
    await browser.close();
  }
});

test("a denied camera shows its message", async () => {
  const browser = await browserWith({ camera: realClip, allowCamera: false });
  try {
    const { page, logs } = await openPage(browser, { denyCamera: true });
    await page.click("#start");
    await waitForPhase(page, ["error"], { timeoutMs: 120000, logs });
    await shot(page, "denied");
    const title = await page.textContent("#message-title");
    assert.equal(title, "Camera access was denied");
    assert.equal(await page.getAttribute("#message", "role"), "alert");
  } finally {
    await browser.close();
  }
});

test("a page opened over plain http on another host says why there is no camera", async () => {
  const port = new URL(url).port;
  const browser = await browserWith({ camera: realClip, extra: ["--host-resolver-rules=MAP liveness.example 127.0.0.1"] });
  try {
    const { page, logs } = await openPage(browser, { address: `http://liveness.example:${port}/demo/#key=${key}` });
    await page.click("#start");
    await waitForPhase(page, ["error"], { timeoutMs: 60000, logs });
    await shot(page, "insecure");
    assert.equal(await page.textContent("#message-title"), "The camera needs a secure page");
  } finally {
    await browser.close();
  }
});

test("where the browser fails the SIMD check the scalar build runs", async () => {
  // Chromium 156 has no switch that takes SIMD away (--js-flags=--no-experimental-wasm-simd and the
  // like are ignored), so the page's feature check is made to fail: WebAssembly.validate refuses
  // every module with a SIMD instruction, as a browser without SIMD does.
  const browser = await browserWith({ camera: realClip });
  try {
    const context = await browser.newContext({ viewport: { width: 520, height: 860 } });
    await context.addInitScript(() => {
      const validate = WebAssembly.validate;
      WebAssembly.validate = (bytes) => !new Uint8Array(bytes).includes(0xfd) && validate(bytes);
    });
    const page = await context.newPage();
    const logs = [];
    page.on("console", (m) => logs.push(`${m.type()}: ${m.text()}`));
    await page.goto(page_url);
    await page.click("#start");
    await waitForPhase(page, ["quality", "neutral", "action", "capture"], { timeoutMs: 120000, logs });
    await shot(page, "scalar");
    assert.equal(await page.evaluate(() => window.faceliveDemo.engine.variant), "scalar");
    assert.match(await page.textContent("#engine-info"), /no SIMD/);
  } finally {
    await browser.close();
  }
});

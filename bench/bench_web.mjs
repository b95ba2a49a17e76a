// scripts/bench.sh web: facelive's WebAssembly build against onnxruntime-web (npm, wasm with SIMD,
// one thread) in Debian's headless chromium, per model in the same page and run, alternating in
// rounds; then the on-device session's time per 640x480 frame (the real head-turn clip).
// Serves the files itself on loopback (with the cross-origin isolation headers) and prints a table,
// then one JSON line: {"models": {file: {"wasm_ms", "ort_web_ms", "ratio"}}, "session_ms_per_frame", ...}.
// usage: node bench_web.mjs SITE_DIR MODELS_DIR FRAMES.rgba FRAMES.json RUNS ROUNDS
import fs from "node:fs";
import http from "node:http";
import { createRequire } from "node:module";
import path from "node:path";
import { fileURLToPath } from "node:url";

const here = path.dirname(fileURLToPath(import.meta.url));
// installed in web/node_modules (npm ci --prefix web)
const { chromium } = createRequire(path.join(here, "..", "web", "package.json"))("playwright-core");
const [site, models, framesFile, framesJson, runsArg, roundsArg] = process.argv.slice(2);
const runs = Number(runsArg ?? 30), rounds = Number(roundsArg ?? 4);
const ortDist = path.join(here, "..", "web", "node_modules", "onnxruntime-web", "dist");
const roots = { site, ort: ortDist, models, bench: path.join(here, "web") };
const types = { ".mjs": "text/javascript", ".js": "text/javascript", ".wasm": "application/wasm", ".html": "text/html" };

const MODELS = [
  { file: "yunet_n_320_320.onnx", dims: [1, 3, 320, 320] },
  { file: "facemesh_468.onnx", dims: [1, 3, 192, 192] },
  { file: "minifasnet_v2_2.7_80x80.onnx", dims: [1, 3, 80, 80] },
  { file: "sf_apk_v1se_4.0_80x80.onnx", dims: [1, 3, 80, 80] },
];

function serve(req, res) {
  const url = new URL(req.url, "http://x");
  const [, top, ...rest] = url.pathname.split("/");
  const file = url.pathname === "/frames.rgba" ? framesFile
    : roots[top] && !rest.includes("..") ? path.join(roots[top], ...rest) : null;
  if (!file || !fs.existsSync(file) || !fs.statSync(file).isFile()) {
    res.writeHead(404).end();
    return;
  }
  res.writeHead(200, { "Content-Type": types[path.extname(file)] ?? "application/octet-stream",
    "Cross-Origin-Opener-Policy": "same-origin", "Cross-Origin-Embedder-Policy": "require-corp" });
  fs.createReadStream(file).pipe(res);
}

const server = http.createServer(serve);
await new Promise((r) => server.listen(0, "127.0.0.1", r));
const base = `http://127.0.0.1:${server.address().port}`;
const browser = await chromium.launch({ executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium", args: ["--no-sandbox"] });
try {
  const page = await browser.newPage();
  const errors = [];
  page.on("pageerror", (e) => errors.push(e.message));
  await page.goto(`${base}/bench/index.html`);
  await page.waitForFunction(() => window.benchReady === true, null, { timeout: 60000 });
  const frames = JSON.parse(fs.readFileSync(framesJson, "utf8"));
  const version = JSON.parse(fs.readFileSync(path.join(ortDist, "..", "package.json"), "utf8")).version;
  const out = await page.evaluate((cfg) => window.runBench(cfg), { variant: "simd", models: MODELS, runs, rounds, frames });
  out.variant = "simd";
  out.ort_web_version = version;
  out.chromium = browser.version();
  out.runs_per_round = runs;
  out.rounds = rounds;
  console.error(`${"model".padEnd(32)} ${"facelive wasm".padStart(14)} ${"ort-web".padStart(10)} ${"ratio".padStart(7)}` +
    `   (chromium ${out.chromium}, onnxruntime-web ${version}, 1 thread, SIMD; medians of ${rounds} rounds x ${runs} runs)`);
  for (const [file, m] of Object.entries(out.models))
    console.error(`${file.padEnd(32)} ${m.wasm_ms.toFixed(2).padStart(11)} ms ${m.ort_web_ms.toFixed(2).padStart(7)} ms ${m.ratio.toFixed(2).padStart(7)}`);
  console.error(`session, per 640x480 frame (detection + mesh + quality + actions): ${out.session_ms_per_frame.toFixed(2)} ms`);
  if (errors.length) console.error(`page errors: ${errors.join(" | ")}`);
  console.log(JSON.stringify(out));
} finally {
  await browser.close();
  server.close();
}

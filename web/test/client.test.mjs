// web/facelive-client.mjs against a real `facelive serve` (started by tests/test_web_client.py, which
// also cut the frames): the real head-turn clip passes its challenge, its monitor replay fails, a spent
// token, a wrong key and bad arguments are errors with the server's code, and a service that is not
// there or does not answer is "network" / "timeout".
// usage: node client.test.mjs URL KEY REAL_FRAMES_DIR REPLAY_FRAMES_DIR
import assert from "node:assert/strict";
import fs from "node:fs";
import net from "node:net";
import path from "node:path";

import { FaceLiveClient, FaceLiveError } from "../facelive-client.mjs";

const [url, key, realDir, replayDir] = process.argv.slice(2);
let failed = 0, passed = 0;

async function part(name, fn) {
  try {
    await fn();
    passed++;
    console.log(`ok   ${name}`);
  } catch (e) {
    failed++;
    console.log(`FAIL ${name}: ${e.stack ?? e}`);
  }
}

function framesOf(dir) {
  const times = JSON.parse(fs.readFileSync(path.join(dir, "times.json"), "utf8"));
  return times.map((t, i) => ({ image: new Blob([fs.readFileSync(path.join(dir, `${String(i).padStart(4, "0")}.jpg`))]), t }));
}

async function challengeOf(client, want) {
  for (let i = 0; i < 40; i++) {
    const c = await client.challenge();
    if (c.actions.join(",") === want.join(",")) return c;
  }
  throw new Error(`the server never drew ${want}`);
}

const client = new FaceLiveClient({ baseUrl: url, headers: { Authorization: `Bearer ${key}` }, timeoutMs: 120000 });
const want = ["turn_left", "turn_right"];

await part("a challenge: token, actions, prompts, expiry", async () => {
  const c = await client.challenge();
  assert.match(c.token, /^[A-Za-z0-9._-]+$/);
  assert.equal(c.actions.length, 2);
  assert.equal(c.prompts.length, 2);
  assert.ok(c.expiresInS > 0 && c.expiresAt > Date.now() / 1000);
});

await part("the real head-turn clip passes; its token is then spent", async () => {
  const c = await challengeOf(client, want);
  const frames = framesOf(realDir);
  const a = await client.verify(c.token, frames);
  assert.equal(a.decision, "real", JSON.stringify(a).slice(0, 300));
  assert.ok(FaceLiveClient.passed(a));
  assert.ok(a.actions_done && a.challenge.every((s) => s.done) && a.frames_judged > 50);
  await assert.rejects(client.verify(c.token, frames), (e) => e instanceof FaceLiveError && e.status === 409 &&
                       e.code === "token_used" && typeof e.requestId === "string");
});

await part("its monitor replay fails", async () => {
  const c = await challengeOf(client, want);
  const a = await client.verify(c.token, framesOf(replayDir));
  assert.equal(a.decision, "spoof");
  assert.ok(!FaceLiveClient.passed(a));
});

await part("a wrong key: 401 api_key_invalid", async () => {
  const bad = new FaceLiveClient({ baseUrl: url, headers: { Authorization: "Bearer fl_wrong" } });
  await assert.rejects(bad.challenge(), (e) => e.status === 401 && e.code === "api_key_invalid");
});

await part("bad arguments are refused before any request", async () => {
  await assert.rejects(client.verify("../x", [{ image: new Uint8Array(1), t: 0 }]), TypeError);
  await assert.rejects(client.verify("abc", []), TypeError);
  await assert.rejects(client.verify("abc", [{ image: new Uint8Array(1) }]), TypeError);
});

await part("no service: network; a service that never answers: timeout", async () => {
  const gone = new FaceLiveClient({ baseUrl: "http://127.0.0.1:9" });
  await assert.rejects(gone.challenge(), (e) => e instanceof FaceLiveError && e.code === "network");
  const silent = net.createServer(() => {}); // accepts, never answers
  await new Promise((ok) => silent.listen(0, "127.0.0.1", ok));
  try {
    const slow = new FaceLiveClient({ baseUrl: `http://127.0.0.1:${silent.address().port}`, timeoutMs: 300 });
    await assert.rejects(slow.challenge(), (e) => e.code === "timeout");
  } finally {
    silent.close();
  }
});

await part("an answer that is not facelive's: bad_answer", async () => {
  const fake = new FaceLiveClient({ fetch: async () => new Response("<html>proxy error</html>", { status: 502 }) });
  await assert.rejects(fake.challenge(), (e) => e.status === 502 && e.code === "bad_answer");
});

console.log(`${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);

package io.facelive.client;

import io.facelive.Challenge;
import io.facelive.FaceLive;
import io.facelive.LivenessSession;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;

/**
 * A client of {@code facelive serve}'s challenge (docs/server.md): ask the server for a challenge,
 * run the session locally for the user's prompts with the server's actions, then post the captured
 * frames to the verify route. The server re-runs the whole session on them; its verdict is the one
 * that counts, the local one only guides the user. Thread-safe.
 */
public final class LivenessClient {
    /** A challenge the server drew: its single-use token and its actions. */
    public static final class ServerChallenge {
        public final String token;
        public final Challenge challenge;
        public final List<String> prompts;
        public final long expiresAtUnixS;

        ServerChallenge(String token, Challenge challenge, List<String> prompts, long expiresAtUnixS) {
            this.token = token;
            this.challenge = challenge;
            this.prompts = prompts;
            this.expiresAtUnixS = expiresAtUnixS;
        }
    }

    /** A frame to send: an encoded image (JPEG or PNG, upright) and its time in seconds from the start. */
    public static final class CapturedFrame {
        public final byte[] image;
        public final double seconds;

        public CapturedFrame(byte[] image, double seconds) {
            this.image = image;
            this.seconds = seconds;
        }
    }

    /** The server's verdict: decision "real", "spoof" or "uncertain", the outcome, and the raw JSON. */
    public static final class ServerVerdict {
        public final int httpStatus;
        public final String decision;
        public final String outcome;
        public final String error;
        public final String json;

        ServerVerdict(int httpStatus, String decision, String outcome, String error, String json) {
            this.httpStatus = httpStatus;
            this.decision = decision;
            this.outcome = outcome;
            this.error = error;
            this.json = json;
        }

        public boolean passed() {
            return httpStatus == 200 && "real".equals(decision);
        }
    }

    /** The server refused a request (an HTTP error with its code from the error table). */
    public static final class ServerException extends IOException {
        private static final long serialVersionUID = 1L;
        public final int httpStatus;

        ServerException(int httpStatus, String body) {
            super("HTTP " + httpStatus + ": " + body);
            this.httpStatus = httpStatus;
        }
    }

    private final URI base;
    private final String apiKey;
    private final HttpClient http;
    private final Duration timeout;

    public LivenessClient(URI base, String apiKey, Duration timeout) {
        this.base = base;
        this.apiKey = apiKey;
        this.timeout = timeout;
        this.http = HttpClient.newBuilder().connectTimeout(timeout).build();
    }

    public LivenessClient(URI base, String apiKey) {
        this(base, apiKey, Duration.ofSeconds(30));
    }

    /** POST /v1/challenges. */
    public ServerChallenge newChallenge() throws IOException, InterruptedException {
        HttpResponse<String> r = send("/v1/challenges", "{}");
        if (r.statusCode() != 201) {
            throw new ServerException(r.statusCode(), r.body());
        }
        Map<String, Object> d = object(r);
        Object token = d.get("token"), actions = d.get("actions"), prompts = d.get("prompts");
        if (!(token instanceof String) || !(actions instanceof List) || ((List<?>) actions).isEmpty()) {
            throw new ServerException(r.statusCode(), "a challenge without a token or actions: " + r.body());
        }
        StringBuilder ids = new StringBuilder();
        for (Object a : (List<?>) actions) {
            ids.append(ids.length() == 0 ? "" : ",").append(a);
        }
        Challenge challenge;
        try {
            challenge = Challenge.parse(ids.toString());
        } catch (IllegalArgumentException e) { // an action this SDK does not know
            throw new ServerException(r.statusCode(), e.getMessage() + ": " + r.body());
        }
        List<String> texts = new java.util.ArrayList<>();
        if (prompts instanceof List) {
            for (Object p : (List<?>) prompts) {
                texts.add(String.valueOf(p));
            }
        }
        Object exp = d.get("expires_at");
        return new ServerChallenge((String) token, challenge, texts, exp instanceof Double ? ((Double) exp).longValue() : 0);
    }

    /** The answer's JSON object; a body that is not one (a proxy's error page) is a ServerException. */
    private static Map<String, Object> object(HttpResponse<String> r) throws ServerException {
        Object parsed;
        try {
            parsed = r.body().isEmpty() ? null : Json.parse(r.body());
        } catch (IllegalArgumentException e) {
            throw new ServerException(r.statusCode(), "the answer is not JSON (" + e.getMessage() + "): " + r.body());
        }
        if (!(parsed instanceof Map)) {
            throw new ServerException(r.statusCode(), "the answer is not a JSON object: " + r.body());
        }
        @SuppressWarnings("unchecked")
        Map<String, Object> m = (Map<String, Object>) parsed;
        return m;
    }

    /** The local session for the server's challenge: it guides the user; the server decides. */
    public LivenessSession newSession(FaceLive engine, ServerChallenge c) {
        return engine.newSession(c.challenge);
    }

    /** POST /v1/challenges/{token}/verify with the frames in order. The token is spent by this call. */
    public ServerVerdict verify(ServerChallenge c, List<CapturedFrame> frames, boolean mirrored)
        throws IOException, InterruptedException {
        StringBuilder b = new StringBuilder("{\"mirrored\": ").append(mirrored).append(", \"frames\": [");
        Base64.Encoder enc = Base64.getEncoder();
        for (int i = 0; i < frames.size(); i++) {
            CapturedFrame f = frames.get(i);
            b.append(i == 0 ? "" : ",").append("{\"t\": ").append(f.seconds).append(", \"image\": \"")
                .append(enc.encodeToString(f.image)).append("\"}");
        }
        b.append("]}");
        HttpResponse<String> r = send("/v1/challenges/" + c.token + "/verify", b.toString());
        Map<String, Object> d = object(r);
        Object err = d.get("error"), decision = d.get("decision"), outcome = d.get("outcome");
        String code = err instanceof Map ? String.valueOf(((Map<?, ?>) err).get("code")) : err == null ? null
                                                                                                  : err.toString();
        return new ServerVerdict(r.statusCode(), decision instanceof String ? (String) decision : null,
                                 outcome instanceof String ? (String) outcome : null, code, r.body());
    }

    private HttpResponse<String> send(String path, String json) throws IOException, InterruptedException {
        HttpRequest req = HttpRequest.newBuilder(base.resolve(path)).timeout(timeout)
                              .header("Authorization", "Bearer " + apiKey).header("Content-Type", "application/json")
                              .POST(HttpRequest.BodyPublishers.ofString(json)).build();
        return http.send(req, HttpResponse.BodyHandlers.ofString());
    }
}

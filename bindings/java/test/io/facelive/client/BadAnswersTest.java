package io.facelive.client;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpServer;
import io.facelive.Challenge;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** A server (or a proxy before it) that answers wrongly gives a ServerException naming the problem. */
class BadAnswersTest {
    private HttpServer server;
    private volatile int status;
    private volatile String body;

    @BeforeEach
    void start() throws Exception {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/", ex -> {
            byte[] b = body.getBytes(StandardCharsets.UTF_8);
            ex.sendResponseHeaders(status, b.length == 0 ? -1 : b.length);
            if (b.length > 0) {
                ex.getResponseBody().write(b);
            }
            ex.close();
        });
        server.start();
    }

    @AfterEach
    void stop() {
        server.stop(0);
    }

    private LivenessClient client() {
        return new LivenessClient(URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/"), "key");
    }

    private String challengeFails(int s, String b) {
        status = s;
        body = b;
        return assertThrows(LivenessClient.ServerException.class, () -> client().newChallenge()).getMessage();
    }

    @Test
    void badChallenges() {
        assertTrue(challengeFails(201, "<html>busy</html>").contains("not JSON"));
        assertTrue(challengeFails(201, "[1, 2]").contains("not a JSON object"));
        assertTrue(challengeFails(201, "{\"token\": \"t\"}").contains("without a token or actions"));
        assertTrue(challengeFails(201, "{\"token\": \"t\", \"actions\": []}").contains("without a token or actions"));
        assertTrue(challengeFails(201, "{\"token\": \"t\", \"actions\": [\"jump\"]}").contains("jump"));
        assertTrue(challengeFails(503, "{\"error\": {\"code\": \"overloaded\"}}").contains("HTTP 503"));
    }

    @Test
    void badVerdicts() throws Exception {
        LivenessClient.ServerChallenge c =
            new LivenessClient.ServerChallenge("t", Challenge.parse("blink"), List.of(), 0);
        List<LivenessClient.CapturedFrame> frames = List.of(new LivenessClient.CapturedFrame(new byte[] {1}, 0));
        status = 502;
        body = "<html>bad gateway</html>";
        assertTrue(assertThrows(LivenessClient.ServerException.class, () -> client().verify(c, frames, false))
                       .getMessage().contains("not JSON"));
        status = 200;
        body = "{\"decision\": 5, \"outcome\": [\"passed\"]}"; // wrong types: no verdict, never passed
        LivenessClient.ServerVerdict v = client().verify(c, frames, false);
        assertNull(v.decision);
        assertFalse(v.passed());
    }
}

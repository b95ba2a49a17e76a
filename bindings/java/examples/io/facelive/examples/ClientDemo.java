package io.facelive.examples;

import io.facelive.FaceLive;
import io.facelive.LivenessSession;
import io.facelive.SessionResult;
import io.facelive.SessionState;
import io.facelive.client.LivenessClient;
import java.net.URI;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The SDK's whole flow on a folder of frames standing in for the camera: ask facelive serve for a
 * challenge, run the session locally (the prompts a user would see), post the captured frames to
 * the verify route, and print the local and the server's answers as one JSON line.
 *
 * usage: ClientDemo SERVER_URL API_KEY MODELS_DIR FRAMES_DIR [WANTED_ORDER]
 * WANTED_ORDER (e.g. turn_left,turn_right): ask for challenges until the server draws that order
 * (a recorded clip performs one order only; unused tokens simply expire).
 */
public final class ClientDemo {
    private ClientDemo() {}

    public static void main(String[] args) throws Exception {
        if (args.length < 4) {
            System.err.println("usage: ClientDemo SERVER_URL API_KEY MODELS_DIR FRAMES_DIR [WANTED_ORDER]");
            System.exit(2);
        }
        LivenessClient client = new LivenessClient(URI.create(args[0]), args[1]);
        LivenessClient.ServerChallenge ch = client.newChallenge();
        for (int i = 0; i < 40 && args.length > 4 && !ch.challenge.toString().equals(args[4]); i++) {
            ch = client.newChallenge();
        }
        List<ClipFrames.Nv21> frames = ClipFrames.load(Path.of(args[3]));
        List<LivenessClient.CapturedFrame> captured = new ArrayList<>();
        SessionResult local;
        try (FaceLive engine = FaceLive.fromDirectory(args[2]);
             LivenessSession session = client.newSession(engine, ch)) {
            double t0 = frames.get(0).seconds;
            for (ClipFrames.Nv21 f : frames) {
                SessionState s = session.push(f.frame()); // the UI would show s.prompt
                captured.add(new LivenessClient.CapturedFrame(f.jpeg, f.seconds - t0));
                if (s.finished() || captured.size() == 300) { // 300: the server's default frame limit
                    break;
                }
            }
            local = session.result();
        }
        LivenessClient.ServerVerdict v = client.verify(ch, captured, false);
        System.out.println("{\"challenge\": \"" + ch.challenge + "\", \"frames_sent\": " + captured.size()
                           + ", \"local\": {\"decision\": \"" + local.decision.name().toLowerCase() + "\", \"outcome\": \""
                           + local.outcome.name().toLowerCase() + "\", \"silent_score\": " + local.silentScore
                           + "}, \"server_status\": " + v.httpStatus + ", \"server\": " + v.json.trim() + "}");
    }
}

package io.facelive.examples;

import io.facelive.Frame;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import javax.imageio.ImageIO;

/**
 * Desktop stand-in for a phone camera (javax.imageio is not on Android): the upright JPEG frames of a
 * folder (tests/java_frames.py: NNNN.jpg and times.tsv) turned into NV21 buffers as a phone's sensor
 * delivers them in portrait use: the picture lying on its side (turned 90 degrees counter-clockwise),
 * with rotation 90 to make it upright.
 */
public final class ClipFrames {
    /** One frame: the sensor's NV21 view of it (direct buffer), its size, time and the original JPEG. */
    public static final class Nv21 {
        public final ByteBuffer data;
        public final int width;
        public final int height;
        public final long timestampNanos;
        public final byte[] jpeg;
        public final double seconds;

        Nv21(ByteBuffer data, int width, int height, double seconds, byte[] jpeg) {
            this.data = data;
            this.width = width;
            this.height = height;
            this.seconds = seconds;
            this.timestampNanos = Math.round(seconds * 1e9);
            this.jpeg = jpeg;
        }

        public Frame frame() {
            return Frame.nv21(data, width, height, width, 90, timestampNanos);
        }

        /** The same sensor view as RGBA (decoded again from the JPEG: for tests of that path). */
        public Frame rgbaFrame() throws IOException {
            BufferedImage up = ImageIO.read(new ByteArrayInputStream(jpeg));
            ByteBuffer rgba = ByteBuffer.allocateDirect(width * height * 4);
            for (int y = 0; y < height; y++) {
                for (int x = 0; x < width; x++) {
                    int rgb = up.getRGB(up.getWidth() - 1 - y, x); // as sensorView turns it
                    rgba.put((y * width + x) * 4, (byte) (rgb >> 16)).put((y * width + x) * 4 + 1, (byte) (rgb >> 8))
                        .put((y * width + x) * 4 + 2, (byte) rgb).put((y * width + x) * 4 + 3, (byte) 255);
                }
            }
            return Frame.rgba(rgba, width, height, width * 4, 90, timestampNanos);
        }
    }

    private ClipFrames() {}

    public static List<Nv21> load(Path dir) throws IOException {
        List<Nv21> out = new ArrayList<>();
        for (String line : Files.readAllLines(dir.resolve("times.tsv"))) {
            String[] cells = line.split("\t");
            byte[] jpeg = Files.readAllBytes(dir.resolve(cells[0]));
            BufferedImage img = ImageIO.read(new ByteArrayInputStream(jpeg));
            if (img == null) {
                throw new IOException(dir.resolve(cells[0]) + ": not an image");
            }
            out.add(sensorView(img, Double.parseDouble(cells[1]), jpeg));
        }
        return out;
    }

    /** The upright image turned 90 degrees counter-clockwise, as NV21 (BT.601 limited range). */
    static Nv21 sensorView(BufferedImage up, double seconds, byte[] jpeg) {
        final int w = up.getHeight() & ~1, h = up.getWidth() & ~1; // the sensor's landscape size
        ByteBuffer nv21 = ByteBuffer.allocateDirect(w * h * 3 / 2);
        int[] r = new int[w * h], g = new int[w * h], b = new int[w * h];
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                // sensor pixel (x, y) shows upright pixel (W - 1 - y, x): rotating it clockwise by 90 gives upright
                int rgb = up.getRGB(up.getWidth() - 1 - y, x);
                int i = y * w + x;
                r[i] = (rgb >> 16) & 255;
                g[i] = (rgb >> 8) & 255;
                b[i] = rgb & 255;
                nv21.put(i, (byte) Math.round(16 + (65.481 * r[i] + 128.553 * g[i] + 24.966 * b[i]) / 255));
            }
        }
        for (int y = 0; y < h; y += 2) {
            for (int x = 0; x < w; x += 2) {
                double u = 0, v = 0;
                for (int k = 0; k < 4; k++) {
                    int i = (y + k / 2) * w + x + k % 2;
                    u += 128 + (-37.797 * r[i] - 74.203 * g[i] + 112.0 * b[i]) / 255;
                    v += 128 + (112.0 * r[i] - 93.786 * g[i] - 18.214 * b[i]) / 255;
                }
                int c = w * h + (y / 2) * w + x;
                nv21.put(c, (byte) Math.round(v / 4));
                nv21.put(c + 1, (byte) Math.round(u / 4));
            }
        }
        return new Nv21(nv21, w, h, seconds, jpeg);
    }
}

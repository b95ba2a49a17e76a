/* Fuzz target: a verify request's video body, as the service reads it (src/server/http/frame_source.c):
 * the container probed from the bytes (MP4/MOV or WebM only), FFmpeg reading from memory and
 * opening nothing else, every frame decoded within the limits (frame count, frame rate, decoding
 * time, image size), sampled, and freed. */
#include <stdint.h>
#include <stdlib.h>

#include "server/http/frame_source.h"

static const srv_limits limits = {
    .max_verify_body_bytes = 1 << 20, .max_image_bytes = 1 << 20, .max_image_side = 1024,
    .max_image_pixels = 1 << 20, .max_verify_frames = 30, .max_video_frames = 120, .video_decode_timeout_s = 2,
    .max_verify_pixels = 1 << 24,
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    srv_frames frames;
    char detail[256];
    if (srv_frames_from_video(&frames, (const char *)data, size, &limits, detail, sizeof detail) != SRV_OK)
        return 0;
    fl_image img;
    double t;
    srv_error e;
    while (srv_frames_next(&frames, &img, &t, &e, detail, sizeof detail) == 1) {
        if (img.width <= 0 || img.height <= 0 || img.width > limits.max_image_side) /* what the limits promise */
            abort();
        fl_image_free(&img);
    }
    srv_frames_close(&frames);
    return 0;
}

/*
 * JPEG (TurboJPEG) and PNG (libspng) to BGR, with limits checked before any pixel buffer is
 * allocated, the EXIF orientation applied (as cv2.imread does), and PNG writing for --draw.
 */
#include <errno.h>
#include <spng.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <turbojpeg.h>

#include "common/error.h"
#include "common/file.h"
#include "facelive/image.h"

#define DEFAULT_MAX_BYTES (64u * 1024u * 1024u)

typedef struct limits {
    size_t max_bytes;
    int max_side;
    uint64_t max_pixels;
} limits;

static limits effective(const fl_decode_limits *l)
{
    limits r = {DEFAULT_MAX_BYTES, FL_IMAGE_MAX_SIDE, FL_IMAGE_MAX_PIXELS};
    if (l && l->max_bytes)
        r.max_bytes = l->max_bytes;
    if (l && l->max_side > 0 && l->max_side < FL_IMAGE_MAX_SIDE)
        r.max_side = l->max_side;
    if (l && l->max_pixels && l->max_pixels < FL_IMAGE_MAX_PIXELS)
        r.max_pixels = l->max_pixels;
    return r;
}

static fl_status check_size(const limits *l, const char *kind, long w, long h, fl_error *err)
{
    if (w < 1 || h < 1)
        return fl__fail(err, FL_E_IMAGE_CORRUPT, "%s header says %ldx%ld", kind, w, h);
    if (w > l->max_side || h > l->max_side || (uint64_t)w * (uint64_t)h > l->max_pixels)
        return fl__fail(err, FL_E_TOO_LARGE, "%s is %ldx%ld; the limit is %d a side and %llu pixels", kind, w, h,
                       l->max_side, (unsigned long long)l->max_pixels);
    return FL_OK;
}

/* ---- EXIF orientation ------------------------------------------------------------ */

static unsigned rd16(const uint8_t *p, int le)
{
    return le ? (unsigned)(p[0] | p[1] << 8) : (unsigned)(p[0] << 8 | p[1]);
}

static uint32_t rd32(const uint8_t *p, int le)
{
    return le ? (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24
              : (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | (uint32_t)p[3];
}

/* The EXIF orientation tag (1..8) of a JPEG, 1 when absent or unreadable. Every offset is
 * checked against the segment: EXIF comes from the file and is not trusted. */
static int jpeg_exif_orientation(const uint8_t *p, size_t n)
{
    size_t pos = 2;
    while (pos + 4 <= n && p[pos] == 0xFF) {
        unsigned marker = p[pos + 1];
        if (marker == 0xD8 || (marker >= 0xD0 && marker <= 0xD7)) {
            pos += 2;
            continue;
        }
        if (marker == 0xDA || marker == 0xD9)
            break; /* image data: no EXIF after this */
        size_t len = (size_t)(p[pos + 2] << 8 | p[pos + 3]);
        if (len < 2 || pos + 2 + len > n)
            break;
        const uint8_t *seg = p + pos + 4;
        size_t sl = len - 2;
        if (marker == 0xE1 && sl >= 14 && memcmp(seg, "Exif\0\0", 6) == 0) {
            const uint8_t *t = seg + 6;
            size_t tl = sl - 6;
            int le = t[0] == 'I' && t[1] == 'I';
            if (!le && !(t[0] == 'M' && t[1] == 'M'))
                return 1;
            uint32_t ifd = rd32(t + 4, le);
            if (ifd > tl - 2)
                return 1;
            unsigned count = rd16(t + ifd, le);
            for (unsigned i = 0; i < count; i++) {
                size_t e = (size_t)ifd + 2 + (size_t)i * 12;
                if (e + 12 > tl)
                    return 1;
                if (rd16(t + e, le) == 0x0112) {
                    unsigned v = rd16(t + e + 8, le);
                    return v >= 1 && v <= 8 ? (int)v : 1;
                }
            }
            return 1;
        }
        pos += 2 + len;
    }
    return 1;
}

/* Applies EXIF orientation o (2..8) to img. */
static fl_status apply_orientation(fl_image *img, int o, fl_error *err)
{
    const int transpose = o >= 5;
    fl_image out;
    fl_status s = fl_image_alloc(transpose ? img->height : img->width, transpose ? img->width : img->height, &out, err);
    if (s)
        return s;
    for (int y = 0; y < out.height; y++)
        for (int x = 0; x < out.width; x++) {
            int sx, sy, W = img->width, H = img->height;
            switch (o) {
            case 2: sx = W - 1 - x; sy = y; break;                 /* mirror horizontally */
            case 3: sx = W - 1 - x; sy = H - 1 - y; break;         /* rotate 180 */
            case 4: sx = x; sy = H - 1 - y; break;                 /* mirror vertically */
            case 5: sx = y; sy = x; break;                         /* transpose */
            case 6: sx = y; sy = H - 1 - x; break;                 /* rotate 90 clockwise */
            case 7: sx = W - 1 - y; sy = H - 1 - x; break;         /* transverse */
            default: sx = W - 1 - y; sy = x; break;                /* 8: rotate 270 clockwise */
            }
            memcpy(out.data + (size_t)y * out.stride + 3 * (size_t)x, img->data + (size_t)sy * img->stride + 3 * (size_t)sx, 3);
        }
    fl_image_free(img);
    *img = out;
    return FL_OK;
}

/* ---- JPEG --------------------------------------------------------------------------- */

/* Scans in a JPEG: its SOS markers. Inside entropy-coded data every 0xFF is followed by 0x00 or a
 * restart marker, so FF DA can only be a marker. */
static int jpeg_scans(const uint8_t *p, size_t n)
{
    int scans = 0;
    for (const uint8_t *q = p; n >= 2 && (q = memchr(q, 0xFF, n - 1 - (size_t)(q - p))); q++)
        scans += q[1] == 0xDA;
    return scans;
}

/* The largest of 1, 2, 4 and 8 that TurboJPEG's scaled inverse DCT can divide a w x h JPEG by
 * while its shorter side stays at least min_side (TurboJPEG rounds a scaled side up). */
static int jpeg_divisor(int w, int h, int min_side)
{
    const int short_side = w < h ? w : h;
    int d = 1;
    while (min_side > 0 && d < 8 && (short_side + 2 * d - 1) / (2 * d) >= min_side)
        d *= 2;
    return d;
}

/* The pixels of a JPEG whose header tj has read, at the size asked (a scale TurboJPEG has). */
static fl_status jpeg_pixels(tjhandle tj, const uint8_t *p, size_t n, int width, int height, fl_image *img,
                             fl_error *err)
{
    fl_status s = fl_image_alloc(width, height, img, err);
    /* Every -1 is a failure, warnings included: a truncated JPEG "succeeds" with a warning and grey
     * rows otherwise (STACK.md). */
    if (!s && tjDecompress2(tj, p, (unsigned long)n, img->data, width, (int)img->stride, height, TJPF_BGR, 0) != 0)
        s = fl__fail(err, FL_E_IMAGE_CORRUPT, "JPEG data: %s", tjGetErrorStr2(tj));
    return s;
}

static fl_status decode_jpeg(const uint8_t *p, size_t n, const limits *l, int min_side, fl_image *out, int *divisor,
                             fl_error *err)
{
    /* A progressive JPEG of thousands of near-empty scans costs a full pass over the image per
     * scan: 383 KB took 12 s of CPU. Encoders write 1 scan (baseline) or about 10 (progressive). */
    int scans = jpeg_scans(p, n);
    if (scans > FL_JPEG_MAX_SCANS)
        return fl__fail(err, FL_E_TOO_LARGE, "JPEG of %d scans (at most %d)", scans, FL_JPEG_MAX_SCANS);
    tjhandle tj = tjInitDecompress();
    if (!tj)
        return fl__fail(err, FL_E_NO_MEMORY, "TurboJPEG could not start");
    /* Zeroed first: on some truncated files TurboJPEG reports success without setting them. */
    int w = 0, h = 0, subsamp = 0, colorspace = 0, d = 1;
    fl_status s = FL_OK;
    fl_image img = {0};
    if (tjDecompressHeader3(tj, p, (unsigned long)n, &w, &h, &subsamp, &colorspace) != 0) {
        s = fl__fail(err, FL_E_IMAGE_CORRUPT, "JPEG header: %s", tjGetErrorStr2(tj));
    } else if (!(s = check_size(l, "JPEG", w, h, err))) {
        d = jpeg_divisor(w, h, min_side);
        s = jpeg_pixels(tj, p, n, (w + d - 1) / d, (h + d - 1) / d, &img, err);
    }
    tjDestroy(tj);
    if (!s) {
        int o = jpeg_exif_orientation(p, n);
        if (o != 1)
            s = apply_orientation(&img, o, err);
    }
    if (s) {
        fl_image_free(&img);
        return s;
    }
    *out = img;
    *divisor = d;
    return FL_OK;
}

/* ---- PNG ---------------------------------------------------------------------------- */

static fl_status decode_png(const uint8_t *p, size_t n, const limits *l, fl_image *out, fl_error *err)
{
    spng_ctx *ctx = spng_ctx_new(0);
    if (!ctx)
        return fl__fail(err, FL_E_NO_MEMORY, "libspng could not start");
    fl_status s = FL_OK;
    fl_image img = {0};
    uint8_t *rgb = NULL;
    struct spng_ihdr ihdr;
    size_t len = 0;
    int r;
    spng_set_crc_action(ctx, SPNG_CRC_ERROR, SPNG_CRC_ERROR);
    spng_set_chunk_limits(ctx, 8u << 20, 32u << 20);
    spng_set_image_limits(ctx, (uint32_t)l->max_side, (uint32_t)l->max_side);
    if ((r = spng_set_png_buffer(ctx, p, n)) || (r = spng_get_ihdr(ctx, &ihdr))) {
        s = fl__fail(err, r == SPNG_EUSER_WIDTH || r == SPNG_EUSER_HEIGHT ? FL_E_TOO_LARGE : FL_E_IMAGE_CORRUPT,
                    "PNG header: %s", spng_strerror(r));
    } else if (!(s = check_size(l, "PNG", (long)ihdr.width, (long)ihdr.height, err))) {
        if ((r = spng_decoded_image_size(ctx, SPNG_FMT_RGB8, &len)) || !(rgb = malloc(len)))
            s = r ? fl__fail(err, FL_E_IMAGE_CORRUPT, "PNG: %s", spng_strerror(r))
                  : fl__fail(err, FL_E_NO_MEMORY, "out of memory for a PNG");
        else if ((r = spng_decode_image(ctx, rgb, len, SPNG_FMT_RGB8, 0)))
            s = fl__fail(err, FL_E_IMAGE_CORRUPT, "PNG data: %s", spng_strerror(r));
        else if (!(s = fl_image_alloc((int)ihdr.width, (int)ihdr.height, &img, err)))
            for (int y = 0; y < img.height; y++) {
                const uint8_t *src = rgb + (size_t)y * (size_t)img.width * 3;
                uint8_t *dst = img.data + (size_t)y * img.stride;
                for (int x = 0; x < img.width; x++) {
                    dst[3 * x] = src[3 * x + 2];
                    dst[3 * x + 1] = src[3 * x + 1];
                    dst[3 * x + 2] = src[3 * x];
                }
            }
    }
    free(rgb);
    spng_ctx_free(ctx);
    if (s) {
        fl_image_free(&img);
        return s;
    }
    *out = img;
    return FL_OK;
}

fl_status fl_image_decode_reduced(const void *bytes, size_t size, const fl_decode_limits *lim, int min_side,
                                  fl_image *out, int *divisor, fl_error *err)
{
    fl__error_clear(err);
    if (!out || !divisor || (!bytes && size))
        return fl__fail(err, FL_E_INVALID_ARGUMENT, "bytes, out or divisor is NULL");
    if (min_side < 0)
        return fl__fail(err, FL_E_INVALID_ARGUMENT, "min_side = %d (0 or more)", min_side);
    *divisor = 1;
    limits l = effective(lim);
    if (size > l.max_bytes)
        return fl__fail(err, FL_E_TOO_LARGE, "image is %zu bytes, the limit is %zu", size, l.max_bytes);
    const uint8_t *p = bytes;
    if (size >= 3 && p[0] == 0xFF && p[1] == 0xD8 && p[2] == 0xFF)
        return decode_jpeg(p, size, &l, min_side, out, divisor, err);
    static const uint8_t png_sig[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'};
    if (size >= 8 && memcmp(p, png_sig, 8) == 0)
        return decode_png(p, size, &l, out, err);
    return fl__fail(err, FL_E_IMAGE_FORMAT, size == 0 ? "image is empty (0 bytes)"
                                                     : "neither a JPEG nor a PNG signature in the first bytes");
}

fl_status fl_image_decode(const void *bytes, size_t size, const fl_decode_limits *lim, fl_image *out, fl_error *err)
{
    int divisor;
    return fl_image_decode_reduced(bytes, size, lim, 0, out, &divisor, err);
}

/* The stored size from the header: TurboJPEG's or libspng's own header reader, nothing decoded. */
fl_status fl_image_probe(const void *bytes, size_t size, int *width, int *height, fl_error *err)
{
    fl__error_clear(err);
    if (!width || !height || (!bytes && size))
        return fl__fail(err, FL_E_INVALID_ARGUMENT, "bytes, width or height is NULL");
    const uint8_t *p = bytes;
    int w = 0, h = 0;
    static const uint8_t png_sig[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'};
    if (size >= 3 && p[0] == 0xFF && p[1] == 0xD8 && p[2] == 0xFF) {
        tjhandle tj = tjInitDecompress();
        int subsamp = 0, colorspace = 0;
        if (!tj)
            return fl__fail(err, FL_E_NO_MEMORY, "TurboJPEG could not start");
        int bad = tjDecompressHeader3(tj, p, (unsigned long)size, &w, &h, &subsamp, &colorspace) != 0;
        if (bad)
            fl__fail(err, FL_E_IMAGE_CORRUPT, "JPEG header: %s", tjGetErrorStr2(tj));
        tjDestroy(tj);
        if (bad)
            return FL_E_IMAGE_CORRUPT;
    } else if (size >= 8 && memcmp(p, png_sig, 8) == 0) {
        spng_ctx *ctx = spng_ctx_new(0);
        struct spng_ihdr ihdr;
        int r = ctx ? spng_set_png_buffer(ctx, p, size) : SPNG_EMEM;
        if (!r)
            r = spng_get_ihdr(ctx, &ihdr);
        spng_ctx_free(ctx);
        if (r)
            return fl__fail(err, FL_E_IMAGE_CORRUPT, "PNG header: %s", spng_strerror(r));
        w = ihdr.width > INT32_MAX ? INT32_MAX : (int)ihdr.width;
        h = ihdr.height > INT32_MAX ? INT32_MAX : (int)ihdr.height;
    } else {
        return fl__fail(err, FL_E_IMAGE_FORMAT, size == 0 ? "image is empty (0 bytes)"
                                                         : "neither a JPEG nor a PNG signature in the first bytes");
    }
    if (w < 1 || h < 1)
        return fl__fail(err, FL_E_IMAGE_CORRUPT, "the header gives a size of %dx%d", w, h);
    *width = w;
    *height = h;
    return FL_OK;
}

fl_status fl_image_load_reduced(const char *path, const fl_decode_limits *lim, int min_side, fl_image *out,
                                int *divisor, fl_error *err)
{
    fl__error_clear(err);
    if (!path || !out || !divisor)
        return fl__fail(err, FL_E_INVALID_ARGUMENT, "path, out or divisor is NULL");
    limits l = effective(lim);
    void *buf;
    size_t n;
    fl_status rs = fl__read_file(path, l.max_bytes, &buf, &n, err);
    if (rs)
        return rs;
    fl_status s = fl_image_decode_reduced(buf, n, lim, min_side, out, divisor, err);
    free(buf);
    if (s) /* the file name, so the message stands on its own */
        fl__error_prefix(err, path);
    return s;
}

fl_status fl_image_load(const char *path, const fl_decode_limits *lim, fl_image *out, fl_error *err)
{
    int divisor;
    return fl_image_load_reduced(path, lim, 0, out, &divisor, err);
}

fl_status fl_image_save_png(const fl_image *img, const char *path, fl_error *err)
{
    if (!img || !img->data || !path)
        return fl__fail(err, FL_E_INVALID_ARGUMENT, "image or path is NULL");
    size_t row = (size_t)img->width * 3;
    uint8_t *rgb = malloc(row * (size_t)img->height);
    spng_ctx *ctx = spng_ctx_new(SPNG_CTX_ENCODER);
    fl_status s = FL_OK;
    if (!rgb || !ctx) {
        s = fl__fail(err, FL_E_NO_MEMORY, "out of memory for PNG encoding");
        goto done;
    }
    for (int y = 0; y < img->height; y++)
        for (int x = 0; x < img->width; x++) {
            const uint8_t *b = img->data + (size_t)y * img->stride + 3 * (size_t)x;
            uint8_t *o = rgb + (size_t)y * row + 3 * (size_t)x;
            o[0] = b[2], o[1] = b[1], o[2] = b[0];
        }
    struct spng_ihdr ihdr = {(uint32_t)img->width, (uint32_t)img->height, 8, SPNG_COLOR_TYPE_TRUECOLOR, 0, 0, 0};
    int r;
    size_t len;
    void *png = NULL;
    if ((r = spng_set_option(ctx, SPNG_ENCODE_TO_BUFFER, 1)) || (r = spng_set_ihdr(ctx, &ihdr)) ||
        (r = spng_encode_image(ctx, rgb, row * (size_t)img->height, SPNG_FMT_PNG, SPNG_ENCODE_FINALIZE)) ||
        !(png = spng_get_png_buffer(ctx, &len, &r))) {
        s = fl__fail(err, FL_E_IO, "PNG encoding: %s", spng_strerror(r));
        goto done;
    }
    FILE *f = fopen(path, "wb");
    if (!f || fwrite(png, 1, len, f) != len || fclose(f) != 0) {
        if (f)
            fclose(f);
        s = fl__fail(err, FL_E_IO, "%s: %s", path, strerror(errno));
    }
    free(png);
done:
    spng_ctx_free(ctx);
    free(rgb);
    return s;
}

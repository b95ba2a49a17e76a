/*
 * facelive/image.h - the pixels facelive accepts, decoding, and OpenCV-exact resampling.
 *
 * Cameras and apps hand over many layouts. An fl_image_view describes caller memory without
 * copying it; fl_image_from_view turns any view into an upright BGR image (fl_image), the one
 * layout the rest of the library works on.
 *
 *     fl_image img;
 *     fl_image_view v = {nv21, 640, 480, 640, FL_PIXEL_NV21, 90};  // sensor rotated 90 deg
 *     if (fl_image_from_view(&v, &img, &err) == FL_OK) { ...; fl_image_free(&img); }
 *
 * Resampling reproduces OpenCV's uint8 INTER_LINEAR (cv2.resize, cv2.warpAffine with
 * BORDER_CONSTANT 0) in fixed point, because the anti-spoof models were trained on it
 * (../shared/models/MANIFEST.md pitfall 3). docs/image.md gives the measured agreement.
 *
 * Thread-safety: every function here is reentrant; distinct images may be used from any
 * threads; one fl_image must not be freed while another thread reads it.
 */
#ifndef FACELIVE_IMAGE_H
#define FACELIVE_IMAGE_H

#include <stddef.h>
#include <stdint.h>

#include "facelive/export.h"
#include "facelive/status.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum fl_pixel_format {
    FL_PIXEL_BGR = 0,  /* 3 bytes per pixel */
    FL_PIXEL_RGB = 1,
    FL_PIXEL_RGBA = 2, /* 4 bytes per pixel; alpha ignored */
    FL_PIXEL_BGRA = 3,
    FL_PIXEL_GRAY = 4, /* 1 byte per pixel */
    FL_PIXEL_NV21 = 5, /* Android camera: Y plane, then interleaved V,U at half resolution */
    FL_PIXEL_NV12 = 6  /* iOS camera: Y plane, then interleaved U,V at half resolution */
} fl_pixel_format;

/* Caller memory. stride is bytes per row (of the Y plane for NV21/NV12, whose chroma plane
 * follows the Y plane directly with the same stride; width and height must then be even).
 * rotation (0, 90, 180, 270) is the clockwise rotation that makes the image upright, as camera
 * APIs report sensor orientation. */
typedef struct fl_image_view {
    const uint8_t *data;
    int width, height;
    size_t stride;
    fl_pixel_format format;
    int rotation;
} fl_image_view;

/* An owned, upright BGR image (3 bytes per pixel, rows of stride bytes). */
typedef struct fl_image {
    uint8_t *data;
    int width, height;
    size_t stride;
} fl_image;

/* Largest accepted image: 16384 pixels a side and 64 megapixels. */
#define FL_IMAGE_MAX_SIDE 16384
#define FL_IMAGE_MAX_PIXELS (64u * 1024u * 1024u)

#define FL_JPEG_MAX_SCANS 64

typedef struct fl_decode_limits {
    size_t max_bytes;  /* encoded size; 0 = 64 MiB */
    int max_side;      /* 0 = FL_IMAGE_MAX_SIDE */
    uint32_t max_pixels; /* 0 = FL_IMAGE_MAX_PIXELS */
} fl_decode_limits;

/* Converts a view to an upright BGR image (colour conversion as cv2.cvtColor, YUV as BT.601
 * limited range like COLOR_YUV2BGR_NV21/NV12). FL_E_INVALID_ARGUMENT names the bad field. */
FL_API fl_status fl_image_from_view(const fl_image_view *view, fl_image *out, fl_error *err);

/* YUV 4:2:0 in three planes, as Android's YUV_420_888 (CameraX's ImageProxy planes: row strides and
 * a chroma pixel stride, 2 when U and V interleave) and iOS's bi-planar buffers (a plane each, with
 * their own row strides) hand it over. Caller memory, not copied. width and height are even. */
typedef struct fl_yuv420_view {
    const uint8_t *y, *u, *v;   /* the first Y, U and V sample */
    int width, height;
    size_t y_stride, uv_stride; /* bytes per row of the Y plane and of each chroma plane */
    int uv_pixel_stride;        /* bytes between chroma samples of a row: 1 planar, 2 interleaved */
    int rotation;               /* clockwise rotation that makes the image upright */
} fl_yuv420_view;

/* Converts three-plane YUV 4:2:0 to an upright BGR image, as fl_image_from_view converts NV21.
 * FL_E_INVALID_ARGUMENT names the bad field. Reentrant. */
FL_API fl_status fl_image_from_yuv420(const fl_yuv420_view *view, fl_image *out, fl_error *err);

/* Decodes JPEG (TurboJPEG; the EXIF orientation is applied, as cv2.imread does) or PNG
 * (libspng; grey, palette, 16-bit and alpha are converted to BGR) from memory. limits may be
 * NULL. A JPEG of more than FL_JPEG_MAX_SCANS scans is refused before decoding (each scan costs a
 * pass over the whole image). Errors: FL_E_IMAGE_FORMAT (neither), FL_E_IMAGE_CORRUPT (truncated or
 * damaged; the decoder's message is in the detail), FL_E_TOO_LARGE (a limit). */
FL_API fl_status fl_image_decode(const void *bytes, size_t size, const fl_decode_limits *limits, fl_image *out,
                                 fl_error *err);

/* As fl_image_decode, but a JPEG is decoded at the smallest of 1/2, 1/4 and 1/8 of its size whose
 * shorter side is still at least min_side (libjpeg-turbo's scaled inverse DCT: the pixels are
 * averaged in the transform, and a phone's 12-megapixel photo is never held whole). *divisor
 * receives 1, 2, 4 or 8: a coordinate in out times it is a coordinate in the stored image (a
 * scaled side is rounded up). PNG, and a JPEG whose shorter side is below 2 x min_side, decode at
 * full size (divisor 1); min_side 0 is fl_image_decode. The limits apply to the stored size.
 * FL_E_INVALID_ARGUMENT for a negative min_side. Reentrant. */
FL_API fl_status fl_image_decode_reduced(const void *bytes, size_t size, const fl_decode_limits *limits, int min_side,
                                         fl_image *out, int *divisor, fl_error *err);

/* The size of a JPEG or PNG as its header gives it (before the EXIF orientation), without decoding
 * anything: for budgets over several images before any is decoded. Errors as fl_image_decode's
 * (the header only). Reentrant. */
FL_API fl_status fl_image_probe(const void *bytes, size_t size, int *width, int *height, fl_error *err);

/* Reads a file and decodes it. FL_E_IO when it cannot be read. */
FL_API fl_status fl_image_load(const char *path, const fl_decode_limits *limits, fl_image *out, fl_error *err);

/* Reads a file and decodes it as fl_image_decode_reduced does. */
FL_API fl_status fl_image_load_reduced(const char *path, const fl_decode_limits *limits, int min_side, fl_image *out,
                                       int *divisor, fl_error *err);

/* Writes an image as PNG. */
FL_API fl_status fl_image_save_png(const fl_image *img, const char *path, fl_error *err);

/* Allocates a black width x height image. */
FL_API fl_status fl_image_alloc(int width, int height, fl_image *out, fl_error *err);

/* Frees the pixels and zeroes the struct. NULL and zeroed images are ignored. */
FL_API void fl_image_free(fl_image *img);

/* cv2.resize(src[y:y+h, x:x+w], (dst_w, dst_h), interpolation=INTER_LINEAR) for 1..4
 * channel uint8 images, into dst (dst_stride bytes per row). The region must lie inside src. */
FL_API fl_status fl_resize_linear(const uint8_t *src, int src_w, int src_h, size_t src_stride, int channels,
                                  int x, int y, int w, int h, uint8_t *dst, int dst_w, int dst_h, size_t dst_stride);

/* cv2.warpAffine(src, M, (dst_w, dst_h), flags=INTER_LINEAR, borderMode=BORDER_CONSTANT,
 * borderValue=0). M = [m0 m1 m2; m3 m4 m5] maps source to destination coordinates (as in
 * OpenCV, it is inverted internally): dst(M * (x, y, 1)) = src(x, y). */
FL_API fl_status fl_warp_affine_linear(const uint8_t *src, int src_w, int src_h, size_t src_stride, int channels,
                                       const double m[6], uint8_t *dst, int dst_w, int dst_h, size_t dst_stride);

#ifdef __cplusplus
}
#endif
#endif

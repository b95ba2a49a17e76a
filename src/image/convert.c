/* Any camera layout to an upright BGR image: colour conversion first, then the rotation. */
#include <string.h>

#include "common/error.h"
#include "facelive/image.h"

/* BT.601 limited-range YUV -> RGB in OpenCV's fixed point (COLOR_YUV2BGR_NV21/NV12). */
enum { CY = 1220542, CUB = 2116026, CUG = -409993, CVG = -852492, CVR = 1673527, YUV_SHIFT = 20 };

static uint8_t sat8(int v)
{
    return (uint8_t)(v < 0 ? 0 : v > 255 ? 255 : v);
}

/* Any 4:2:0 layout: a Y plane and U, V samples every uv_pixel_stride bytes in rows of uv_stride. */
static void yuv420_to_bgr(const fl_yuv420_view *v, fl_image *out)
{
    for (int y = 0; y < v->height; y++) {
        const uint8_t *yr = v->y + (size_t)y * v->y_stride;
        const uint8_t *ur = v->u + (size_t)(y / 2) * v->uv_stride, *vr = v->v + (size_t)(y / 2) * v->uv_stride;
        uint8_t *o = out->data + (size_t)y * out->stride;
        for (int x = 0; x < v->width; x++) {
            const size_t c = (size_t)(x / 2) * (size_t)v->uv_pixel_stride;
            int u = ur[c] - 128, vv = vr[c] - 128;
            const int half = 1 << (YUV_SHIFT - 1);
            int yy = (yr[x] > 16 ? yr[x] - 16 : 0) * CY;
            o[3 * x + 0] = sat8((yy + half + CUB * u) >> YUV_SHIFT);
            o[3 * x + 1] = sat8((yy + half + CVG * vv + CUG * u) >> YUV_SHIFT);
            o[3 * x + 2] = sat8((yy + half + CVR * vv) >> YUV_SHIFT);
        }
    }
}

/* NV21 (V first) or NV12 (U first) as planes: the chroma rows follow the Y plane, same stride. */
static fl_yuv420_view planes_of(const fl_image_view *v)
{
    const uint8_t *uv = v->data + (size_t)v->height * v->stride;
    const int u_first = v->format == FL_PIXEL_NV12;
    return (fl_yuv420_view){v->data, u_first ? uv : uv + 1, u_first ? uv + 1 : uv, v->width, v->height,
                            v->stride, v->stride, 2, v->rotation};
}

static void packed_to_bgr(const fl_image_view *v, fl_image *out)
{
    const int bpp = v->format == FL_PIXEL_GRAY ? 1 : (v->format == FL_PIXEL_RGBA || v->format == FL_PIXEL_BGRA) ? 4 : 3;
    const int swap = v->format == FL_PIXEL_RGB || v->format == FL_PIXEL_RGBA;
    for (int y = 0; y < v->height; y++) {
        const uint8_t *s = v->data + (size_t)y * v->stride;
        uint8_t *o = out->data + (size_t)y * out->stride;
        if (bpp == 3 && !swap) {
            memcpy(o, s, (size_t)v->width * 3);
            continue;
        }
        for (int x = 0; x < v->width; x++, s += bpp, o += 3) {
            if (bpp == 1) {
                o[0] = o[1] = o[2] = s[0];
            } else {
                o[0] = s[swap ? 2 : 0];
                o[1] = s[1];
                o[2] = s[swap ? 0 : 2];
            }
        }
    }
}

/* dst = src rotated clockwise by rot (90, 180, 270). */
static void rotate(const fl_image *src, int rot, fl_image *dst)
{
    for (int y = 0; y < dst->height; y++) {
        uint8_t *o = dst->data + (size_t)y * dst->stride;
        for (int x = 0; x < dst->width; x++) {
            int sx, sy;
            if (rot == 90) {
                sx = y;
                sy = src->height - 1 - x;
            } else if (rot == 180) {
                sx = src->width - 1 - x;
                sy = src->height - 1 - y;
            } else {
                sx = src->width - 1 - y;
                sy = x;
            }
            memcpy(o + 3 * x, src->data + (size_t)sy * src->stride + 3 * (size_t)sx, 3);
        }
    }
}

/* *out = upright turned by rotation; upright is taken over (freed when a new image was made). */
static fl_status upright_rotated(fl_image *upright, int rotation, fl_image *out, fl_error *err)
{
    if (rotation == 0) {
        *out = *upright;
        return FL_OK;
    }
    const int swap = rotation != 180;
    fl_image rotated;
    fl_status s = fl_image_alloc(swap ? upright->height : upright->width, swap ? upright->width : upright->height,
                                 &rotated, err);
    if (!s) {
        rotate(upright, rotation, &rotated);
        *out = rotated;
    }
    fl_image_free(upright);
    return s;
}

fl_status fl_image_from_view(const fl_image_view *v, fl_image *out, fl_error *err)
{
    if (!v || !out || !v->data)
        return fl__fail(err, FL_E_INVALID_ARGUMENT, "view, its data or out is NULL");
    if ((unsigned)v->format > FL_PIXEL_NV12)
        return fl__fail(err, FL_E_INVALID_ARGUMENT, "view.format = %d is not a known pixel format", (int)v->format);
    if (v->rotation != 0 && v->rotation != 90 && v->rotation != 180 && v->rotation != 270)
        return fl__fail(err, FL_E_INVALID_ARGUMENT, "view.rotation = %d (0, 90, 180 or 270)", v->rotation);
    static const int bpp[] = {3, 3, 4, 4, 1, 1, 1};
    if (v->width < 1 || v->height < 1)
        return fl__fail(err, FL_E_INVALID_ARGUMENT, "view size %dx%d", v->width, v->height);
    if (v->stride < (size_t)v->width * (size_t)bpp[v->format])
        return fl__fail(err, FL_E_INVALID_ARGUMENT, "view.stride = %zu is less than width x %d bytes", v->stride,
                       bpp[v->format]);
    const int yuv = v->format == FL_PIXEL_NV21 || v->format == FL_PIXEL_NV12;
    if (yuv && (v->width % 2 || v->height % 2))
        return fl__fail(err, FL_E_INVALID_ARGUMENT, "NV21/NV12 need even width and height, got %dx%d", v->width,
                       v->height);
    fl_image upright;
    fl_status s = fl_image_alloc(v->width, v->height, &upright, err);
    if (s)
        return s;
    if (yuv) {
        const fl_yuv420_view planes = planes_of(v);
        yuv420_to_bgr(&planes, &upright);
    } else {
        packed_to_bgr(v, &upright);
    }
    return upright_rotated(&upright, v->rotation, out, err);
}

fl_status fl_image_from_yuv420(const fl_yuv420_view *v, fl_image *out, fl_error *err)
{
    if (!v || !out || !v->y || !v->u || !v->v)
        return fl__fail(err, FL_E_INVALID_ARGUMENT, "view, one of its planes or out is NULL");
    if (v->rotation != 0 && v->rotation != 90 && v->rotation != 180 && v->rotation != 270)
        return fl__fail(err, FL_E_INVALID_ARGUMENT, "view.rotation = %d (0, 90, 180 or 270)", v->rotation);
    if (v->width < 2 || v->height < 2 || v->width % 2 || v->height % 2)
        return fl__fail(err, FL_E_INVALID_ARGUMENT, "YUV 4:2:0 needs an even size of at least 2x2, got %dx%d",
                       v->width, v->height);
    if (v->y_stride < (size_t)v->width)
        return fl__fail(err, FL_E_INVALID_ARGUMENT, "view.y_stride = %zu is less than the width %d", v->y_stride,
                       v->width);
    if (v->uv_pixel_stride < 1 || v->uv_pixel_stride > 4)
        return fl__fail(err, FL_E_INVALID_ARGUMENT, "view.uv_pixel_stride = %d (1 planar, 2 semi-planar)",
                       v->uv_pixel_stride);
    if (v->uv_stride < (size_t)(v->width / 2 - 1) * (size_t)v->uv_pixel_stride + 1)
        return fl__fail(err, FL_E_INVALID_ARGUMENT, "view.uv_stride = %zu is less than a row of %d chroma samples",
                       v->uv_stride, v->width / 2);
    fl_image upright;
    fl_status s = fl_image_alloc(v->width, v->height, &upright, err);
    if (s)
        return s;
    yuv420_to_bgr(v, &upright);
    return upright_rotated(&upright, v->rotation, out, err);
}

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

static void yuv420sp_to_bgr(const fl_image_view *v, fl_image *out)
{
    const int u_first = v->format == FL_PIXEL_NV12;
    const uint8_t *uv_plane = v->data + (size_t)v->height * v->stride;
    for (int y = 0; y < v->height; y++) {
        const uint8_t *yr = v->data + (size_t)y * v->stride, *uvr = uv_plane + (size_t)(y / 2) * v->stride;
        uint8_t *o = out->data + (size_t)y * out->stride;
        for (int x = 0; x < v->width; x++) {
            const uint8_t *c = uvr + (x & ~1);
            int u = (u_first ? c[0] : c[1]) - 128, vv = (u_first ? c[1] : c[0]) - 128;
            const int half = 1 << (YUV_SHIFT - 1);
            int yy = (yr[x] > 16 ? yr[x] - 16 : 0) * CY;
            o[3 * x + 0] = sat8((yy + half + CUB * u) >> YUV_SHIFT);
            o[3 * x + 1] = sat8((yy + half + CVG * vv + CUG * u) >> YUV_SHIFT);
            o[3 * x + 2] = sat8((yy + half + CVR * vv) >> YUV_SHIFT);
        }
    }
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
    if (yuv)
        yuv420sp_to_bgr(v, &upright);
    else
        packed_to_bgr(v, &upright);
    if (v->rotation == 0) {
        *out = upright;
        return FL_OK;
    }
    const int swap = v->rotation != 180;
    fl_image rotated;
    s = fl_image_alloc(swap ? v->height : v->width, swap ? v->width : v->height, &rotated, err);
    if (!s) {
        rotate(&upright, v->rotation, &rotated);
        *out = rotated;
    }
    fl_image_free(&upright);
    return s;
}

#include "face/mesh.h"

#include <math.h>
#include <string.h>

#include "common/error.h"

void fl__face_mesh_crop_transform(const fl_face_box *f, double m[6])
{
    const double side = 1.5 * (f->w > f->h ? f->w : f->h);
    const double cx = f->x + f->w / 2.0, cy = f->y + f->h / 2.0;
    /* The eye line's angle: the crop is rotated by it so the model sees an upright face. */
    const double roll = atan2(f->kps[3] - f->kps[1], f->kps[2] - f->kps[0]);
    const double s = FL_MESH_INPUT / side, c = cos(roll) * s, sn = sin(roll) * s;
    const double half = FL_MESH_INPUT / 2.0;
    m[0] = c;
    m[1] = sn;
    m[2] = half - (c * cx + sn * cy);
    m[3] = -sn;
    m[4] = c;
    m[5] = half - (-sn * cx + c * cy);
}

fl_status fl__run_face_mesh(fl_model_ctx *mesh, const fl_image *img, const fl_face_box *f, fl_buffer *scratch,
                           fl_face_measures *m, fl_error *err)
{
    enum { N = FL_MESH_INPUT, PLANE = FL_MESH_INPUT * FL_MESH_INPUT };
    uint8_t *crop = fl__buffer_reserve(scratch, (size_t)PLANE * 3 + (size_t)PLANE * 3 * sizeof(float));
    if (!crop)
        return fl__fail(err, FL_E_NO_MEMORY, "out of memory for the face mesh");
    float *in = (float *)(void *)(crop + (size_t)PLANE * 3); /* PLANE * 3 is a multiple of 4 */
    double t[6];
    fl__face_mesh_crop_transform(f, t);
    if (fl_warp_affine_linear(img->data, img->width, img->height, img->stride, 3, t, crop, N, N, (size_t)N * 3))
        return fl__fail(err, FL_E_INVALID_ARGUMENT, "face box gives no usable crop");
    for (int i = 0; i < PLANE; i++) { /* BGR bytes -> RGB in [0, 1], NHWC (the context takes NHWC) */
        in[3 * i] = crop[3 * i + 2] / 255.0f;
        in[3 * i + 1] = crop[3 * i + 1] / 255.0f;
        in[3 * i + 2] = crop[3 * i] / 255.0f;
    }
    float pts[FL_MESH_POINTS * 3], flag, contours[266];
    fl_tensor input = {in, 3 * PLANE, 4, {1, 3, N, N}};
    fl_tensor out[3] = {{pts, FL_MESH_POINTS * 3, 0, {0}}, {&flag, 1, 0, {0}}, {contours, 266, 0, {0}}};
    fl_status s = fl_model_ctx_run(mesh, &input, 1, out, 3, err);
    if (s)
        return s;
    /* Back to image pixels: p = c + R(roll) * (q - 96) / scale; z scales like x and y. */
    const double side = 1.5 * (f->w > f->h ? f->w : f->h);
    const double cx = f->x + f->w / 2.0, cy = f->y + f->h / 2.0, inv = side / N;
    const double roll = atan2(f->kps[3] - f->kps[1], f->kps[2] - f->kps[0]), c = cos(roll), sn = sin(roll);
    for (int i = 0; i < FL_MESH_POINTS; i++) {
        double dx = (pts[3 * i] - N / 2.0) * inv, dy = (pts[3 * i + 1] - N / 2.0) * inv;
        m->mesh[i][0] = (float)(cx + c * dx - sn * dy);
        m->mesh[i][1] = (float)(cy + sn * dx + c * dy);
        m->mesh[i][2] = (float)(pts[3 * i + 2] * inv);
    }
    m->presence = flag;
    return FL_OK;
}

#include "liveness/crop.h"

void fl__antispoof_crop(int W, int H, int x, int y, int w, int h, double scale, int crop[4], double *used_scale)
{
    /* Double arithmetic in the reference's order (its Python floats), then C-style truncation. */
    double s = (double)(H - 1) / h;
    if ((double)(W - 1) / w < s)
        s = (double)(W - 1) / w;
    if (scale < s)
        s = scale;
    const double nw = w * s, nh = h * s, cx = w / 2.0 + x, cy = h / 2.0 + y;
    double x1 = cx - nw / 2, y1 = cy - nh / 2, x2 = cx + nw / 2, y2 = cy + nh / 2;
    if (x1 < 0) {
        x2 -= x1;
        x1 = 0;
    }
    if (y1 < 0) {
        y2 -= y1;
        y1 = 0;
    }
    if (x2 > W - 1) {
        x1 -= x2 - W + 1;
        x2 = W - 1;
    }
    if (y2 > H - 1) {
        y1 -= y2 - H + 1;
        y2 = H - 1;
    }
    crop[0] = (int)x1;
    crop[1] = (int)y1;
    crop[2] = (int)x2;
    crop[3] = (int)y2;
    /* Rounding may leave a coordinate a hair below 0; the crop must stay inside the image. */
    for (int i = 0; i < 2; i++) {
        crop[i] = crop[i] < 0 ? 0 : crop[i];
        crop[i + 2] = crop[i + 2] < crop[i] ? crop[i] : crop[i + 2];
    }
    crop[2] = crop[2] > W - 1 ? W - 1 : crop[2];
    crop[3] = crop[3] > H - 1 ? H - 1 : crop[3];
    *used_scale = s;
}

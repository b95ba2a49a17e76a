/* The anti-spoof crop exactly as the reference pipeline makes it (MANIFEST.md section 2). */
#ifndef FL_LIVENESS_CROP_H
#define FL_LIVENESS_CROP_H

/* For a W x H image and an integer box (x, y, w, h; w, h >= 1): the inclusive crop rectangle
 * crop = {x1, y1, x2, y2} at `scale` (lowered so it fits), and the scale actually used. The box
 * is enlarged around its centre, moved inside the image (no padding), then truncated. */
void fl__antispoof_crop(int W, int H, int x, int y, int w, int h, double scale, int crop[4], double *used_scale);

#endif

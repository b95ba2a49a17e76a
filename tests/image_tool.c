/*
 * image_tool: runs one facelive image operation on raw files, for tests/test_image_vs_opencv.py
 * to compare with cv2. Raw files are packed uint8 rows.
 *   image_tool resize IN W H C X Y RW RH DW DH OUT
 *   image_tool warp   IN W H C M0 M1 M2 M3 M4 M5 DW DH OUT
 *   image_tool view   IN W H FORMAT ROTATION OUT      (prints "W H" of the BGR result)
 *   image_tool decode FILE OUT [MIN_SIDE]             (prints "W H", or the status name; with MIN_SIDE,
 *                                                      fl_image_load_reduced: "W H DIVISOR")
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "facelive/image.h"
#include "test_util.h"

static int write_all(const char *path, const uint8_t *b, size_t n)
{
    FILE *f = fopen(path, "wb");
    if (!f)
        return 1;
    size_t w = fwrite(b, 1, n, f);
    return fclose(f) != 0 || w != n;
}

static int write_image(const char *path, const fl_image *img)
{
    uint8_t *packed = malloc((size_t)img->width * 3 * (size_t)img->height);
    for (int y = 0; y < img->height; y++)
        memcpy(packed + (size_t)y * (size_t)img->width * 3, img->data + (size_t)y * img->stride, (size_t)img->width * 3);
    int rc = write_all(path, packed, (size_t)img->width * 3 * (size_t)img->height);
    free(packed);
    printf("%d %d\n", img->width, img->height);
    return rc;
}

int main(int argc, char **argv)
{
    if (argc < 3)
        return 2;
    size_t n;
    const char *op = argv[1];
    if (strcmp(op, "decode") == 0 && (argc == 4 || argc == 5)) {
        fl_image img;
        fl_error err;
        int divisor = 0;
        fl_status s = argc == 4 ? fl_image_load(argv[2], NULL, &img, &err)
                                : fl_image_load_reduced(argv[2], NULL, atoi(argv[4]), &img, &divisor, &err);
        if (s) {
            printf("%s %s\n", fl_status_name(s), err.detail);
            return 0;
        }
        if (divisor)
            printf("%d ", divisor);
        int rc = write_image(argv[3], &img);
        fl_image_free(&img);
        return rc;
    }
    uint8_t *in = fl_test_read_file(argv[2], &n);
    if (!in)
        return 3;
    int W = atoi(argv[3]), H = atoi(argv[4]);
    int rc = 2;
    if (strcmp(op, "resize") == 0 && argc == 13) {
        int C = atoi(argv[5]), dw = atoi(argv[10]), dh = atoi(argv[11]);
        uint8_t *out = malloc((size_t)dw * dh * C);
        rc = fl_resize_linear(in, W, H, (size_t)W * C, C, atoi(argv[6]), atoi(argv[7]), atoi(argv[8]), atoi(argv[9]),
                              out, dw, dh, (size_t)dw * C) != FL_OK;
        rc = rc || write_all(argv[12], out, (size_t)dw * dh * C);
        free(out);
    } else if (strcmp(op, "warp") == 0 && argc == 15) {
        int C = atoi(argv[5]), dw = atoi(argv[12]), dh = atoi(argv[13]);
        double m[6];
        for (int i = 0; i < 6; i++)
            m[i] = strtod(argv[6 + i], NULL);
        uint8_t *out = malloc((size_t)dw * dh * C);
        rc = fl_warp_affine_linear(in, W, H, (size_t)W * C, C, m, out, dw, dh, (size_t)dw * C) != FL_OK;
        rc = rc || write_all(argv[14], out, (size_t)dw * dh * C);
        free(out);
    } else if (strcmp(op, "view") == 0 && argc == 8) {
        static const int bpp[] = {3, 3, 4, 4, 1, 1, 1};
        int fmt = atoi(argv[5]);
        fl_image_view v = {in, W, H, (size_t)W * bpp[fmt], (fl_pixel_format)fmt, atoi(argv[6])};
        fl_image img;
        fl_error err;
        if (fl_image_from_view(&v, &img, &err) != FL_OK) {
            fprintf(stderr, "%s\n", err.detail);
            rc = 1;
        } else {
            rc = write_image(argv[7], &img);
            fl_image_free(&img);
        }
    }
    free(in);
    return rc;
}

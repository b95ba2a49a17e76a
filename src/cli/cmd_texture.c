/* facelive texture: the colour-texture features of face crops, as a texture model of the model
 * list reads them (fl_texture_features), for train/texture.py to fit such models on. Each image is
 * taken as the whole crop and resized to --size as the runtime resizes crops. */
#include <stdio.h>
#include <string.h>

#include "app/commands.h"
#include "app/program.h"
#include "facelive/liveness.h"

static void usage(FILE *f)
{
    fprintf(f, "usage: facelive texture CROP... [--size N]\n"
               "\n"
               "The colour-texture features (uniform LBP histograms in HSV and YCbCr; %d numbers) of each\n"
               "image, taken as a face crop already cut (PNG, so no pixel changes) and resized to N x N as the\n"
               "runtime resizes crops (default 64: the input of the list's texture model). One line per\n"
               "image: its path, a tab, the numbers separated by spaces. train/texture.py fits texture models\n"
               "on them.\n\n%s",
            FL_TEXTURE_FEATURES, FL_EXIT_STATUS_HELP);
}

/* Prints the features of one image; 0 on success. */
static int one(const char *path, int size)
{
    fl_error err;
    fl_image img, crop = {0};
    if (fl_image_load(path, NULL, &img, &err)) {
        fprintf(stderr, "facelive texture: %s: %s\n", fl_status_name(err.status), err.detail);
        return -1;
    }
    float f[FL_TEXTURE_FEATURES];
    fl_status s = fl_image_alloc(size, size, &crop, &err);
    if (!s)
        s = fl_resize_linear(img.data, img.width, img.height, img.stride, 3, 0, 0, img.width, img.height, crop.data,
                             size, size, crop.stride);
    if (!s)
        s = fl_texture_features(&crop, f, &err);
    if (s)
        fprintf(stderr, "facelive texture: %s: %s\n", path, s == err.status ? err.detail : fl_status_name(s));
    else {
        printf("%s\t", path);
        for (int k = 0; k < FL_TEXTURE_FEATURES; k++)
            printf(k ? " %.9g" : "%.9g", f[k]);
        printf("\n");
    }
    fl_image_free(&crop);
    fl_image_free(&img);
    return s ? -1 : 0;
}

int fl_cmd_texture(int argc, char **argv)
{
    if (fl_wants_help(argc, argv) || argc < 2) {
        usage(argc < 2 ? stderr : stdout);
        return argc < 2 ? FL_EXIT_USAGE : FL_EXIT_OK;
    }
    int size = 64, failed = 0, n = 0;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--size") == 0) {
            if (i + 1 >= argc)
                return fl_usage_missing_value("texture", argv[i]);
            if (fl_parse_int("texture", argv[i], argv[i + 1], 3, 1024, &size))
                return FL_EXIT_USAGE;
            i++;
        } else if (argv[i][0] == '-' && argv[i][1] == '-')
            return fl_usage_unknown_option("texture", argv[i]);
    }
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--size") == 0) {
            i++;
            continue;
        }
        failed |= one(argv[i], size) != 0;
        n++;
    }
    if (!n) {
        usage(stderr);
        return FL_EXIT_USAGE;
    }
    return failed ? FL_EXIT_ERROR : FL_EXIT_OK;
}

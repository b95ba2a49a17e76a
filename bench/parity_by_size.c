/*
 * parity_by_size: why the silent check detects at 640 px. For each detection size it scores
 * the reference images end to end (our YuNet box, mapped, both models, fused; no quality gate)
 * and compares with the table's last column (MANIFEST section 6, computed at 640).
 * Prints a table on stderr and one JSON object on stdout.
 * usage: parity_by_size MODELS_DIR DATA_DIR SIZE...
 */
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "facelive/liveness.h"

/* The reference's image names live in two folders of the data set. */
static int load_named(const char *data, const char *name, fl_image *img)
{
    char path[2048];
    fl_error err;
    snprintf(path, sizeof path, "%s/%s/%s", data,
             strncmp(name, "image_", 6) == 0 ? "silent_face_minivision" : "wenhua_chen_blog", name);
    return fl_image_load(path, NULL, img, &err) == FL_OK;
}

static int size_parity(const char *models, const char *data, const json_t *table, fl_silent *sl, int size)
{
    fl_error err;
    fl_analyzer_options ao = fl_analyzer_options_default();
    ao.detect_size = size;
    ao.landmarks = 0;
    fl_analyzer *an = NULL;
    fl_analyzer_ctx *actx = NULL;
    fl_silent_ctx *ctx = NULL;
    if (fl_analyzer_create(models, &ao, &an, &err) || fl_analyzer_ctx_create(an, &actx, &err) ||
        fl_silent_ctx_create(sl, an, &ctx, &err)) {
        fprintf(stderr, "parity_by_size: %s\n", err.detail);
        return -1;
    }
    const char *name;
    json_t *v;
    int n = 0, off = 0;
    double worst = 0;
    const char *worst_name = "";
    json_object_foreach((json_t *)table, name, v)
    {
        const json_t *want = json_object_get(v, "fused_p_real_mapped_yunet_box");
        fl_image img;
        if (!json_is_number(want) || !load_named(data, name, &img))
            continue;
        fl_analysis a;
        fl_frame_score fs;
        double d = 1; /* no face counts as the largest difference */
        if (!fl_analyze(actx, &img, &a, &err) && a.n_faces > 0 &&
            !fl_silent_score_box(ctx, &img, a.faces[0].rx, a.faces[0].ry, a.faces[0].rw, a.faces[0].rh, &fs, &err))
            d = fabs(fs.score_all - json_number_value(want));
        n++;
        off += d > 0.01;
        if (d > worst)
            worst = d, worst_name = name;
        fl_image_free(&img);
    }
    fprintf(stderr, "detect %4d: %2d images, %2d off by > 0.01, largest difference %.3f (%s)\n", size, n, off, worst,
            worst_name);
    printf("\"%d\": {\"images\": %d, \"off_by_0.01\": %d, \"max_abs_diff\": %.4f}", size, n, off, worst);
    fl_silent_ctx_free(ctx);
    fl_analyzer_ctx_free(actx);
    fl_analyzer_free(an);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc < 4) {
        fprintf(stderr, "usage: parity_by_size MODELS_DIR DATA_DIR SIZE...\n");
        return 2;
    }
    char path[2048];
    snprintf(path, sizeof path, "%s/yunet_box_vs_retinaface_fas.json", argv[1]);
    json_error_t je;
    json_t *table = json_load_file(path, 0, &je);
    fl_error err;
    fl_silent *sl = NULL;
    if (!table || fl_silent_create(argv[1], NULL, NULL, &sl, &err)) {
        fprintf(stderr, "parity_by_size: %s\n", table ? err.detail : je.text);
        return 1;
    }
    printf("{\"parity_by_detect_size\": {");
    for (int i = 3; i < argc; i++) {
        if (i > 3)
            printf(", ");
        if (size_parity(argv[1], argv[2], table, sl, atoi(argv[i])))
            return 1;
    }
    printf("}}\n");
    fl_silent_free(sl);
    json_decref(table);
    return 0;
}

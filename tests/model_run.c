/* model_run MODEL.onnx INPUT.f32 N,C,H,W OUTPUT.f32: runs one model of the C runtime (XNNPACK when
 * built, the library's default backend) on a raw little-endian float32 input and writes its outputs,
 * concatenated in graph order. For the training pipeline's parity test (PyTorch against C). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "facelive/model.h"
#include "test_util.h"

int main(int argc, char **argv)
{
    if (argc != 5) {
        fprintf(stderr, "usage: model_run MODEL.onnx INPUT.f32 N,C,H,W OUTPUT.f32\n");
        return 2;
    }
    size_t bytes = 0;
    float *in = fl_test_read_file(argv[2], &bytes);
    fl_tensor input = {in, bytes / sizeof(float), 0, {0}};
    for (char *p = argv[3]; *p && input.rank < FL_MAX_DIMS; p++) {
        input.dims[input.rank++] = strtoll(p, &p, 10);
        if (*p != ',')
            break;
    }
    fl_model *m = NULL;
    fl_model_ctx *ctx = NULL;
    fl_error err = {0};
    fl_tensor out[8];
    size_t n_out = 0;
    int rc = !in || fl_model_load_file(argv[1], &m, &err) || fl_model_ctx_create(m, NULL, &ctx, &err);
    if (!rc) {
        n_out = fl_model_output_count(m);
        for (size_t i = 0; i < n_out && i < 8; i++)
            out[i] = (fl_tensor){calloc(1 << 20, sizeof(float)), 1 << 20, 0, {0}};
        rc = n_out > 8 || fl_model_ctx_run(ctx, &input, 1, out, n_out, &err);
    }
    FILE *f = rc ? NULL : fopen(argv[4], "wb");
    for (size_t i = 0; f && i < n_out; i++) {
        size_t count = 1;
        for (int d = 0; d < out[i].rank; d++)
            count *= (size_t)out[i].dims[d];
        fwrite(out[i].data, sizeof(float), count, f);
    }
    if (f)
        fclose(f);
    else
        fprintf(stderr, "model_run: %s\n", err.detail[0] ? err.detail : "cannot read the input or write the output");
    for (size_t i = 0; !rc && i < n_out; i++)
        free(out[i].data);
    fl_model_ctx_free(ctx);
    fl_model_free(m);
    free(in);
    return f ? 0 : 1;
}

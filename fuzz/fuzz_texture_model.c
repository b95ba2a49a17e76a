/* libFuzzer target: the texture model file parser (text a training run writes and an operator may
 * edit or truncate). A file that parses must give a usable model: every scale above 0, every value
 * finite, and a probability in [0, 1] for any features. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "liveness/texture.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > (64 << 10)) /* fl_silent_create refuses larger texture files before parsing */
        return 0;
    fl__texture_model *m = malloc(sizeof *m);
    if (!m)
        return 0;
    fl_error err;
    if (fl__texture_model_parse((const char *)data, size, "fuzz", m, &err) == FL_OK) {
        float f[FL_TEXTURE_FEATURES];
        for (int k = 0; k < FL_TEXTURE_FEATURES; k++) {
            if (!(m->scale[k] > 0) || !isfinite(m->mean[k]) || !isfinite(m->weight[k]) || !isfinite(m->scale[k]))
                abort();
            f[k] = (float)(k % 59) / 59.0f;
        }
        const float p = fl__texture_p_real(m, f);
        if (!(p >= 0 && p <= 1))
            abort();
    }
    free(m);
    return 0;
}

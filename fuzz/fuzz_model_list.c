/* libFuzzer target: the anti-spoof model list parser (tab-separated text an operator edits). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "liveness/model_list.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 65536) /* fl_silent_create refuses larger lists before parsing */
        return 0;
    char *text = malloc(size + 1);
    if (!text)
        return 0;
    memcpy(text, data, size);
    text[size] = '\0';
    fl_antispoof_spec specs[FL_SILENT_MAX_MODELS];
    int n = -1;
    fl_error err;
    if (fl__model_list_parse(text, "fuzz", specs, &n, &err) == FL_OK) {
        if (n < 1 || n > FL_SILENT_MAX_MODELS)
            abort();
        for (int i = 0; i < n; i++)
            if (!memchr(specs[i].file, '\0', sizeof specs[i].file) || specs[i].input_w < 1 || specs[i].input_h < 1 ||
                !memchr(specs[i].licence, '\0', sizeof specs[i].licence) ||
                !memchr(specs[i].trained_on, '\0', sizeof specs[i].trained_on) ||
                (specs[i].whole_frame ? specs[i].crop_scale != 0 : !(specs[i].crop_scale >= 0.5f)))
                abort(); /* a parsed list is usable as it is */
    }
    free(text);
    return 0;
}

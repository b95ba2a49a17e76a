/* libFuzzer target: the ONNX loader (nn/proto_decode.c with the project's subset schema, then graph
 * validation) on untrusted bytes; a model that loads is described and planned on the reference
 * backend at a small shape, as an app would before running it. */
#include <stdint.h>
#include <stdlib.h>

#include "facelive/model.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fl_model *m = NULL;
    fl_error err;
    if (fl_model_load_memory(data, size, &m, &err) != FL_OK) {
        if (m)
            abort(); /* failure leaves the output untouched */
        return 0;
    }
    for (size_t i = 0; i < fl_model_input_count(m); i++) {
        fl_tensor_info info;
        if (fl_model_input_info(m, i, &info) != FL_OK || !info.name)
            abort();
    }
    for (size_t i = 0; i < fl_model_output_count(m); i++) {
        fl_tensor_info info;
        if (fl_model_output_info(m, i, &info) != FL_OK || !info.name)
            abort();
    }
    fl_model_free(m);
    return 0;
}

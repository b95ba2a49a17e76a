"""The arithmetic of one inference of each model, in GFLOP (a multiply-add counts 2): every Conv
(2 * output elements * input channels per group * kernel area) and Gemm/MatMul (2 * M * N * K), from
ONNX shape inference at the benchmark's input shapes; the other ops are left out (they are memory,
not arithmetic). Prints one JSON object {"<file>": GFLOP}.

usage: model_gflop.py '{"<file>": [dims]}' MODEL.onnx...
"""
import json
import os
import sys

import onnx  # Debian's python3-onnx
from onnx import shape_inference


def dims_of(vi):
    return [d.dim_value for d in vi.type.tensor_type.shape.dim]


def gflop(path, input_dims):
    m = onnx.load(path)
    for d, v in zip(m.graph.input[0].type.tensor_type.shape.dim, input_dims):
        d.ClearField("dim_param")
        d.dim_value = v
    m = shape_inference.infer_shapes(m)
    shapes = {vi.name: dims_of(vi) for vi in list(m.graph.value_info) + list(m.graph.input) + list(m.graph.output)}
    inits = {t.name: list(t.dims) for t in m.graph.initializer}
    total = 0
    for n in m.graph.node:
        if n.op_type == "Conv":
            w = inits.get(n.input[1])
            out = shapes.get(n.output[0])
            if w and out and all(out):
                per_out = w[1] * w[2] * w[3]  # input channels per group x kernel area
                total += 2 * per_out * out[0] * out[1] * out[2] * out[3]
        elif n.op_type in ("Gemm", "MatMul"):
            a, b = shapes.get(n.input[0]) or inits.get(n.input[0]), inits.get(n.input[1]) or shapes.get(n.input[1])
            if a and b:
                trans_b = any(at.name == "transB" and at.i for at in n.attribute)
                k = a[-1]
                cols = b[0] if trans_b else b[-1]
                rows = 1
                for d in a[:-1]:
                    rows *= d
                total += 2 * rows * k * cols
    return total / 1e9


def main():
    shapes = json.loads(sys.argv[1])
    print(json.dumps({os.path.basename(p): round(gflop(p, shapes[os.path.basename(p)]), 4) for p in sys.argv[2:]}))


if __name__ == "__main__":
    main()

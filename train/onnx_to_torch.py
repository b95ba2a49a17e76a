"""The anti-spoof models as PyTorch modules, loaded from their ONNX files with their weights exactly
(the first step of the training pipeline: fine-tune, then export ONNX the C runtime loads).

OnnxModule runs the graph's nodes in order with torch operations; every initializer becomes an
nn.Parameter, so the module can be trained. Only the operators the MiniFASNet graphs use are
supported (batch norms are folded into the convolutions): Conv, PRelu, Add, Flatten, Gemm, and, for
other small CNNs, Relu, Sigmoid, Mul, GlobalAveragePool. Anything else is an error naming the node.

usage: python3 onnx_to_torch.py MODEL.onnx INPUT.f32 OUTPUT.f32  (runs the model on a raw NCHW input)
"""
import sys

import numpy as np
import onnx
import torch
from onnx import numpy_helper

SUPPORTED = {"Conv", "PRelu", "Add", "Flatten", "Gemm", "Relu", "Sigmoid", "Mul", "GlobalAveragePool"}


def _attrs(node):
    return {a.name: onnx.helper.get_attribute_value(a) for a in node.attribute}


def _safe(name):
    return "p_" + "".join(c if c.isalnum() else "_" for c in name)


class OnnxModule(torch.nn.Module):
    def __init__(self, path):
        super().__init__()
        model = onnx.load(path)
        g = model.graph
        self.params = torch.nn.ParameterDict()
        self.param_of = {}
        for init in g.initializer:
            key = _safe(init.name)
            self.params[key] = torch.nn.Parameter(torch.from_numpy(numpy_helper.to_array(init).copy()))
            self.param_of[init.name] = key
        self.nodes = []
        for n in g.node:
            if n.op_type not in SUPPORTED:
                raise ValueError(f"{path}: node {n.name or n.output[0]}: operator {n.op_type} is not supported")
            self.nodes.append((n.op_type, list(n.input), list(n.output), _attrs(n)))
        inits = {i.name for i in g.initializer}
        self.input_name = next(i.name for i in g.input if i.name not in inits)
        self.output_names = [o.name for o in g.output]

    def _value(self, env, name):
        return env[name] if name in env else self.params[self.param_of[name]]

    def forward(self, x):
        env = {self.input_name: x}
        for op, ins, outs, a in self.nodes:
            v = [self._value(env, n) for n in ins if n]
            env[outs[0]] = _run(op, v, a)
        out = [env[n] for n in self.output_names]
        return out[0] if len(out) == 1 else tuple(out)


def _run(op, v, a):
    if op == "Conv":
        pads = a.get("pads", [0, 0, 0, 0])
        if pads[0] != pads[2] or pads[1] != pads[3]:
            raise ValueError("asymmetric Conv padding is not supported")
        return torch.nn.functional.conv2d(v[0], v[1], v[2] if len(v) > 2 else None, stride=a.get("strides", [1, 1]),
                                          padding=pads[:2], dilation=a.get("dilations", [1, 1]), groups=a.get("group", 1))
    if op == "PRelu":  # slope [C, 1, 1] as ONNX stores it; torch's prelu takes it as [C] (and exports PRelu)
        return torch.nn.functional.prelu(v[0], v[1].reshape(-1))
    if op == "Add":
        return v[0] + v[1]
    if op == "Mul":
        return v[0] * v[1]
    if op == "Relu":
        return torch.relu(v[0])
    if op == "Sigmoid":
        return torch.sigmoid(v[0])
    if op == "GlobalAveragePool":
        return torch.nn.functional.adaptive_avg_pool2d(v[0], 1)  # exported as GlobalAveragePool
    if op == "Flatten":
        return torch.flatten(v[0], start_dim=a.get("axis", 1))
    if op == "Gemm" and not a.get("transA", 0) and a.get("transB", 0) and a.get("alpha", 1.0) == 1.0 \
            and a.get("beta", 1.0) == 1.0:  # the classifier: torch's linear (exported as Gemm)
        return torch.nn.functional.linear(v[0], v[1], v[2] if len(v) > 2 else None)
    if op == "Gemm":
        a_, b = v[0], v[1]
        if a.get("transA", 0):
            a_ = a_.t()
        if a.get("transB", 0):
            b = b.t()
        y = a.get("alpha", 1.0) * (a_ @ b)
        return y + a.get("beta", 1.0) * v[2] if len(v) > 2 else y
    raise ValueError(op)


def export(module, path, input_shape):
    """Writes the module as ONNX (opset 11, the operators the C runtime runs), input "input" NCHW."""
    module.eval()
    with torch.no_grad():
        torch.onnx.export(module, torch.zeros(input_shape), path, input_names=["input"], output_names=["logits"],
                          opset_version=11, do_constant_folding=True)


def main():
    path, inp, outp = sys.argv[1:4]
    m = OnnxModule(path).eval()
    g = onnx.load(path).graph
    shape = [d.dim_value for d in next(i for i in g.input if i.name == m.input_name).type.tensor_type.shape.dim]
    x = torch.from_numpy(np.fromfile(inp, dtype="<f4").reshape(shape))
    with torch.no_grad():
        y = m(x)
    ys = y if isinstance(y, tuple) else (y,)
    np.concatenate([t.numpy().ravel() for t in ys]).astype("<f4").tofile(outp)


if __name__ == "__main__":
    main()

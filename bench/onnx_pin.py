"""A copy of an ONNX model with its input dims pinned: cv2.dnn 4.6 cannot load a graph with
symbolic input dims (yunet_n_dynamic), as MANIFEST.md section 3 notes. Shared by the OpenCV
peers of the benchmarks."""
import os
import tempfile


def pinned(path, dims):
    import onnx  # Debian python3-onnx; only needed for files with symbolic dims
    m = onnx.load(path)
    for d, v in zip(m.graph.input[0].type.tensor_type.shape.dim, dims):
        d.ClearField("dim_param")
        d.dim_value = v
    fd, out = tempfile.mkstemp(suffix=".onnx")
    os.close(fd)
    onnx.save(m, out)
    return out

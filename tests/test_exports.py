"""The shared library exports exactly the public API: every FL_API function declared in
include/facelive/*.h, and nothing else. Inside the static library, every other global symbol
carries an internal prefix (fl__ for facelive's own code, flonnx__ for the generated ONNX
parser), so no internal name can be mistaken for, or clash with, a public one.

usage: test_exports.py LIBFACELIVE.so LIBFACELIVE.a INCLUDE_DIR GENERATED_INCLUDE_DIR
"""
import glob
import os
import re
import subprocess
import sys

from checks import check, finish

SO, AR, INC, GEN = sys.argv[1:5]


def declared():
    names = set()
    for h in glob.glob(os.path.join(INC, "facelive", "*.h")) + glob.glob(os.path.join(GEN, "facelive", "*.h")):
        text = open(h).read()
        for decl in re.findall(r"FL_API\b[^;{]*?\b(fl_\w+)\s*\(", text, re.S):
            names.add(decl)
    return names


def defined(args, path):
    out = subprocess.run(["nm", *args, "--defined-only", path], capture_output=True, text=True, check=True).stdout
    syms = set()
    for line in out.splitlines():
        parts = line.split()
        if len(parts) == 3 and parts[1] in "TDBRVW":
            syms.add(parts[2])
    return syms


api = declared()
exported = {s for s in defined(["-D"], SO) if not s.startswith("_")}
check(len(api) > 60, f"{len(api)} public functions found in the headers")
check(exported == api, f"exported but not public: {sorted(exported - api)}; public but not exported: "
                       f"{sorted(api - exported)}")
soname = subprocess.run(["readelf", "-d", SO], capture_output=True, text=True).stdout
check(re.search(r"SONAME.*\[libfacelive\.so\.\d+\]", soname) is not None, "the shared library has a soname")
internal = defined(["-g"], AR) - api
# names beginning with "__" are the compiler's (e.g. AddressSanitizer's __odr_asan.* markers)
stray = sorted(s for s in internal if not (s.startswith(("fl__", "flonnx__", "__"))))
check(not stray, f"global symbols of the static library without an internal prefix: {stray}")
print(f"{len(api)} public functions exported; {len(internal)} internal symbols, all prefixed")
finish()

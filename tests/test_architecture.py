"""scripts/architecture.py finds what it is for: on a made-up tree it reports a cycle between
modules, a cycle through a header whose functions another file defines, a program including the
library's internals, a function over 80 lines and a stale picture; on the same tree without them it
passes. (On the real tree it runs in scripts/test.sh.)

usage: test_architecture.py ROOT"""
import os
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from checks import check, finish  # noqa: E402

ROOT = sys.argv[1]
tmp = tempfile.mkdtemp(prefix="facelive-arch-")


def write(path, text):
    os.makedirs(os.path.dirname(os.path.join(tmp, path)), exist_ok=True)
    open(os.path.join(tmp, path), "w").write(text)


def run(*args):
    return subprocess.run([sys.executable, os.path.join(tmp, "scripts", "architecture.py"), *args],
                          capture_output=True, text=True)


os.makedirs(os.path.join(tmp, "scripts"))
os.makedirs(os.path.join(tmp, "docs"))
shutil.copy(os.path.join(ROOT, "scripts", "architecture.py"), os.path.join(tmp, "scripts"))
# a clean tree: a library folder, src/app, a program using both rightly
write("src/common/util.h", "int fl__util(int x);\n")
write("src/common/util.c", '#include "common/util.h"\n\nint fl__util(int x)\n{\n    return x;\n}\n')
write("src/app/json.h", "int fl_json(void);\n")
write("src/app/json.c", '#include "app/json.h"\n\nint fl_json(void)\n{\n    return 1;\n}\n')
write("src/cli/main.c", '#include "app/json.h"\n#include "facelive/status.h"\n\nint main(void)\n{\n    return fl_json();\n}\n')
check(run("picture").returncode == 0, "the picture of a clean tree is written")
r = run("check")
check(r.returncode == 0 and "architecture: ok" in r.stdout, f"a clean tree passes: {r.stdout} {r.stderr}")

# a stale picture
write("src/quality/q.c", '#include "common/util.h"\n')  # a new dependency: quality -> common
r = run("check")
check(r.returncode == 1 and "architecture.dot is not the code's graph" in r.stderr, f"a stale picture: {r.stderr}")
check(run("picture").returncode == 0, "the picture redrawn")

# a program including the library's internals; the library including a program
write("src/cli/bad.c", '#include "common/util.h"\n')
write("src/common/up.c", '#include "app/json.h"\n')
r = run("check")
check(r.returncode == 1 and "src/cli/bad.c includes common/util.h" in r.stderr and
      "src/common/up.c includes app/json.h" in r.stderr, f"layer breaches: {r.stderr}")
for f in ("src/cli/bad.c", "src/common/up.c"):
    os.remove(os.path.join(tmp, f))

# a cycle through a declaration: request.h declares what worker.c defines, worker.c calls a route
write("src/server/http/request.h", "void srv_reply(void);\n")
write("src/server/routes/route.h", "void srv_route(void);\n")
write("src/server/routes/route.c", '#include "server/http/request.h"\n#include "server/routes/route.h"\n\n'
      "void srv_route(void)\n{\n    srv_reply();\n}\n")
write("src/server/http/worker.c", '#include "server/http/request.h"\n#include "server/routes/route.h"\n\n'
      "void srv_reply(void)\n{\n}\n\nstatic void dispatch(void)\n{\n    srv_route();\n}\n")
r = run("check")
check(r.returncode == 1 and "cycle between modules: server/http <-> server/routes" in r.stderr,
      f"a cycle through what a header declares and another file defines: {r.stderr}")
shutil.rmtree(os.path.join(tmp, "src/server"))

# a long function
write("src/common/long.c", "int fl__long(void)\n{\n" + "    int x = 0;\n" * 85 + "    return 0;\n}\n")
r = run("check")
check(r.returncode == 1 and "fl__long has 89 lines (at most 80)" in r.stderr and "89  src/common/long.c" in r.stdout,
      f"a function over 80 lines, printed among the longest: {r.stdout} {r.stderr}")

shutil.rmtree(tmp, ignore_errors=True)
finish()

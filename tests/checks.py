"""The check-and-count helper the Python test scripts share: check(ok, what) records a failure
with its description and goes on; finish() prints 'N passed, N failed' and exits non-zero on any
failure (CTest reads the exit status)."""
import sys

_passed = 0
_failures = []


def check(ok, what):
    global _passed
    if ok:
        _passed += 1
    else:
        _failures.append(what)
        print("FAIL", what)


def finish():
    print(f"{_passed} passed, {len(_failures)} failed")
    sys.exit(1 if _failures else 0)

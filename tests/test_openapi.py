"""docs/openapi.yaml against the server's own tables (`facelive serve --describe`): every route the
server has is described with its method and every described route exists; every error code the
server can answer with is listed in x-facelive-errors with its HTTP status, and nothing else is;
every status a route documents is one the server uses.

usage: test_openapi.py FACELIVE OPENAPI_YAML"""
import json
import subprocess
import sys

import yaml

from checks import check, finish

FACELIVE, SPEC = sys.argv[1:3]
spec = yaml.safe_load(open(SPEC))
served = json.loads(subprocess.run([FACELIVE, "serve", "--describe"], capture_output=True, check=True, text=True).stdout)

described = {(m.upper(), p) for p, ops in spec["paths"].items() for m in ops}
has = {(r["method"], r["path"]) for r in served["routes"]}
check(has - described == set(), f"routes the server has but the description lacks: {has - described}")
check(described - has == set(), f"described routes the server does not have: {described - has}")

codes = {e["code"]: e["status"] for e in served["errors"]}
listed = spec["x-facelive-errors"]
check(set(codes) - set(listed) == set(), f"error codes missing from the description: {set(codes) - set(listed)}")
check(set(listed) - set(codes) == set(), f"described error codes the server never uses: {set(listed) - set(codes)}")
wrong = {c: (listed[c], s) for c, s in codes.items() if c in listed and listed[c] != s}
check(not wrong, f"codes whose status differs (described, served): {wrong}")

actions = spec["components"]["schemas"]["Challenge"]["properties"]["actions"]["items"]["enum"]
check(actions == served["actions"], f"the Challenge's actions are the library's, in its order: {actions} vs {served['actions']}")

statuses = set(codes.values()) | {200, 201}
for path, ops in spec["paths"].items():
    for method, op in ops.items():
        documented = {int(s) for s in op["responses"]}
        check(documented <= statuses, f"{method.upper()} {path} documents statuses the server never sends: "
                                      f"{documented - statuses}")
print(f"{len(has)} routes, {len(codes)} error codes")
finish()

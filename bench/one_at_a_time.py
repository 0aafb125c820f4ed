#!/usr/bin/env python3
"""Sends benchmark requests one at a time (for bench/instructions.sh, where the server runs under
valgrind and what counts is the work per request, not the rate).

  one_at_a_time.py drafts N AGENCIES OUT     creates N drafts (as $CITIZEN_TOKEN), spread over
                                             the space-separated AGENCIES; "id" lines to OUT
  one_at_a_time.py submit IN OUT             submits each draft of IN; "id version agency" to OUT
  one_at_a_time.py receive|assign IN STAFF OUT
                                             receives (by the agency's clerk) or assigns (to one
                                             of its specialists) each dossier of IN at its version;
                                             "id version agency" to OUT

$BASE is the server's URL; STAFF has "agency clerk_token specialist_id specialist_id" lines
(bench_setup_staff). Any answer other than 2xx stops the run with its body.
"""
import json
import os
import sys
import urllib.error
import urllib.request

BASE = os.environ["BASE"]


def post(path, body, token, if_match=None):
    headers = {"content-type": "application/json", "authorization": f"Bearer {token}"}
    if if_match is not None:
        headers["if-match"] = f'"{if_match}"'
    request = urllib.request.Request(BASE + path, json.dumps(body).encode(), headers, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=120) as response:
            return json.load(response)
    except urllib.error.HTTPError as e:
        sys.exit(f"POST {path} answered {e.code}: {e.read().decode(errors='replace')}")


def lines(path):
    with open(path) as f:
        return [line.split() for line in f if line.strip()]


def main():
    kind = sys.argv[1]
    if kind == "drafts":
        n, agencies, out = int(sys.argv[2]), sys.argv[3].split(), sys.argv[4]
        procedure, token = os.environ["BENCH_PROCEDURE"], os.environ["CITIZEN_TOKEN"]
        with open(out, "w") as f:
            for i in range(n):
                body = {"procedure_code": procedure, "agency_code": agencies[i % len(agencies)],
                        "form_data": {"address": f"Thôn {i}, xã Đông Sơn", "copies": 1}}
                f.write(post("/api/v1/dossiers", body, token)["id"] + "\n")
    elif kind == "submit":
        token = os.environ["CITIZEN_TOKEN"]
        with open(sys.argv[3], "w") as f:
            for (dossier_id,) in lines(sys.argv[2]):
                d = post(f"/api/v1/dossiers/{dossier_id}/submit", {}, token)
                f.write(f'{d["id"]} {d["version"]} {d["agency_code"]}\n')
    elif kind in ("receive", "assign"):
        staff = {agency: (token, s1, s2) for agency, token, s1, s2 in lines(sys.argv[3])}
        with open(sys.argv[4], "w") as f:
            for dossier_id, version, agency in lines(sys.argv[2]):
                token, s1, _ = staff[agency]
                body = {"action": "receive"} if kind == "receive" else {"action": "assign", "assignee_id": s1}
                d = post(f"/api/v1/dossiers/{dossier_id}/actions", body, token, if_match=version)
                f.write(f'{d["id"]} {d["version"]} {d["agency_code"]}\n')
    else:
        sys.exit(f"unknown kind {kind}")


if __name__ == "__main__":
    main()

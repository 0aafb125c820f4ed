#!/usr/bin/env python3
"""Crash safety: every acknowledged write survives SIGKILL.

Runs submissions and desk receptions from several client threads against a real `motcua serve`,
kills the server with SIGKILL at random moments (--kills times), restarts it, and at the end
verifies on the same database that
  * every submission answered 2xx is there, submitted, with the code it was given;
  * every reception answered 2xx is there (received, with its audit event);
  * every audit chain verifies (GET /admin/audit/verify);
  * the throughput records equal what the audit events add up to (`motcua recount --check`).

With --signal term the stops are graceful (SIGTERM) and, besides the above, no request in flight
may be cut off: the server drains what it accepted before it exits.

Usage:
  tests/crash/crash_safety.py --backend sqlite|postgres [--kills 50] [--signal kill|term]
                              [--binary PATH] [--seed N]
Standard library only. PostgreSQL: a throw-away database on 127.0.0.1:5432 (user postgres) is
created and dropped.
"""

import argparse
import email
import json
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
import uuid

PASSWORD = "Crash-safety-passphrase-2026"
AGENCY = "000.17.22.H56"
PROCEDURE = "1.004873"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Api:
    def __init__(self, base):
        self.base = base

    def call(self, method, path, body=None, token=None, headers=None, timeout=10):
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(self.base + path, data=data, method=method)
        if body is not None:
            request.add_header("content-type", "application/json")
        if token:
            request.add_header("authorization", "Bearer " + token)
        for k, v in (headers or {}).items():
            request.add_header(k, v)
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:
                raw = response.read()
                return response.status, (json.loads(raw) if raw else None)
        except urllib.error.HTTPError as e:
            raw = e.read()
            try:
                return e.code, json.loads(raw)
            except ValueError:
                return e.code, None

    def ok(self, method, path, body=None, token=None, expect=(200, 201)):
        status, answer = self.call(method, path, body, token)
        if status not in expect:
            raise RuntimeError(f"{method} {path} -> {status}: {answer}")
        return answer


class Server:
    def __init__(self, binary, env, port, log):
        self.binary, self.env, self.port, self.log = binary, env, port, log
        self.process = None

    def start(self):
        self.process = subprocess.Popen([self.binary, "serve"], env=self.env, stdout=self.log, stderr=self.log)
        deadline = time.time() + 30
        while time.time() < deadline:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/health/ready", timeout=1) as r:
                    if r.status == 200:
                        return
            except OSError:
                pass
            if self.process.poll() is not None:
                raise RuntimeError("the server exited at start; see its log")
            time.sleep(0.05)
        raise RuntimeError("the server did not become ready")

    def kill(self, how=signal.SIGKILL):
        if self.process and self.process.poll() is None:
            self.process.send_signal(how)
            self.process.wait()


def verification_token(mail_dir, address):
    for name in sorted(os.listdir(mail_dir)):
        with open(os.path.join(mail_dir, name), "rb") as f:
            message = email.message_from_bytes(f.read())
        if message["To"] != address:
            continue
        body = message.get_payload(decode=True).decode()
        if "verify-email?token=" in body:
            return body.split("verify-email?token=")[1].split()[0].strip()
    raise RuntimeError("no verification mail for " + address)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--backend", choices=["sqlite", "postgres"], required=True)
    parser.add_argument("--kills", type=int, default=50)
    parser.add_argument("--binary", default=os.path.join(os.environ.get("CARGO_TARGET_DIR", "target"), "debug", "motcua"))
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--seed", type=int, default=int(time.time()))
    parser.add_argument("--signal", choices=["kill", "term"], default="kill",
                        help="term: graceful stops under load; then no request in flight may be cut off either")
    args = parser.parse_args()
    rng = random.Random(args.seed)
    work = tempfile.mkdtemp(prefix="motcua-crash-")
    port = free_port()
    pg_name = None
    if args.backend == "postgres":
        pg_name = "motcua_crash_" + uuid.uuid4().hex[:12]
        subprocess.run(["psql", "-h", "127.0.0.1", "-U", "postgres", "-qc", f'CREATE DATABASE "{pg_name}"'], check=True)
        database_url = f"postgres://postgres@127.0.0.1:5432/{pg_name}"
    else:
        database_url = f"sqlite://{work}/motcua.db?mode=rwc"
    env = dict(os.environ, MOTCUA_DATABASE_URL=database_url, MOTCUA_DATA_DIR=f"{work}/data",
               MOTCUA_LISTEN=f"127.0.0.1:{port}", MOTCUA_DEMO="false", RUST_LOG="warn", MOTCUA_LOG_FORMAT="pretty")
    log = open(f"{work}/server.log", "ab")
    server = Server(args.binary, env, port, log)
    api = Api(f"http://127.0.0.1:{port}/api/v1")
    print(f"crash safety on {args.backend}: {args.kills} kills, seed {args.seed}", flush=True)
    succeeded = False
    try:
        subprocess.run([args.binary, "migrate"], env=env, check=True, stdout=log, stderr=log)
        subprocess.run([args.binary, "create-admin", "--email", "crash-admin@tinh.gov.vn"], env=env, check=True,
                       input=(PASSWORD + "\n").encode(), stdout=log, stderr=log)
        server.start()
        admin = api.ok("POST", "/auth/login", {"username": "crash-admin@tinh.gov.vn", "password": PASSWORD})["access_token"]
        api.ok("POST", "/admin/agencies", {"code": AGENCY, "name": "UBND xã Đông Sơn", "level": "commune"}, admin)
        api.ok("POST", "/admin/procedures", {
            "code": PROCEDURE, "name": "Cấp Giấy xác nhận tình trạng hôn nhân", "field": "Hộ tịch",
            "online_level": "full", "eligible_full_online": True,
            "processing_time": {"value": 3, "unit": "working_days"}, "fees": [], "documents": [],
            "form_schema": {"type": "object", "properties": {"purpose": {"type": "string"}}},
            "agencies": [AGENCY]}, admin)
        api.ok("POST", "/admin/staff", {"email": "clerk@xa.gov.vn", "full_name": "Cán Bộ Một Cửa", "password": PASSWORD,
                                        "agency_code": AGENCY, "roles": ["clerk"]}, admin)
        citizen_email = "cong.dan@example.vn"
        api.ok("POST", "/auth/register", {"national_id": "038095001234", "full_name": "Nguyễn Thị Ánh",
                                          "email": citizen_email, "password": PASSWORD, "privacy_consent": True})
        api.ok("POST", "/auth/verify-email", {"token": verification_token(f"{work}/data/mail", citizen_email)})

        tokens = {}

        def login():
            tokens["citizen"] = api.ok("POST", "/auth/login", {"username": citizen_email, "password": PASSWORD})["access_token"]
            tokens["clerk"] = api.ok("POST", "/auth/login", {"username": "clerk@xa.gov.vn", "password": PASSWORD})["access_token"]
            tokens["admin"] = api.ok("POST", "/auth/login", {"username": "crash-admin@tinh.gov.vn", "password": PASSWORD})["access_token"]

        login()
        acked_submits = {}   # dossier id -> code
        acked_receipts = set()
        lock = threading.Lock()
        attempts = {"sent": 0, "failed": 0}
        how = signal.SIGKILL if args.signal == "kill" else signal.SIGTERM

        cut_off_submits = []

        def client(stop, seed):
            local = random.Random(seed)
            while not stop.is_set():
                submitting = None
                try:
                    with lock:
                        waiting = [i for i in acked_submits if i not in acked_receipts]
                    if waiting and local.random() < 0.4:
                        dossier_id = local.choice(waiting)
                        status, dossier = api.call("GET", f"/dossiers/{dossier_id}", token=tokens["clerk"], timeout=5)
                        if status != 200 or dossier["state"] != "submitted":
                            continue
                        status, _ = api.call("POST", f"/dossiers/{dossier_id}/actions", {"action": "receive"},
                                             tokens["clerk"], {"if-match": f'"{dossier["version"]}"'}, timeout=5)
                        with lock:
                            attempts["sent"] += 1
                            if 200 <= status < 300:
                                acked_receipts.add(dossier_id)
                    else:
                        status, draft = api.call("POST", "/dossiers", {"procedure_code": PROCEDURE, "agency_code": AGENCY,
                                                                       "form_data": {"purpose": "kết hôn"}},
                                                 tokens["citizen"], timeout=5)
                        if status != 201:
                            continue
                        submitting = draft["id"]
                        status, submitted = api.call("POST", f"/dossiers/{draft['id']}/submit", None, tokens["citizen"],
                                                     {"idempotency-key": str(uuid.uuid4())}, timeout=5)
                        with lock:
                            attempts["sent"] += 1
                            if 200 <= status < 300:
                                acked_submits[draft["id"]] = submitted["code"]
                except (ConnectionResetError, urllib.error.URLError, OSError, ValueError, KeyError, TypeError) as e:
                    reason = getattr(e, "reason", e)
                    refused = isinstance(reason, ConnectionRefusedError)
                    with lock:
                        attempts["failed"] += 1
                        # A refused connection was never accepted; anything else was cut off in flight.
                        if not refused and submitting:
                            cut_off_submits.append(submitting)
                    time.sleep(0.02)

        for round_number in range(args.kills):
            stop = threading.Event()
            threads = [threading.Thread(target=client, args=(stop, rng.random())) for _ in range(args.threads)]
            for t in threads:
                t.start()
            time.sleep(rng.uniform(0.2, 1.0))
            server.kill(how)
            stop.set()
            for t in threads:
                t.join()
            server.start()
            if round_number % 20 == 19:
                login()
                print(f"  {round_number + 1} kills: {len(acked_submits)} submissions, {len(acked_receipts)} receptions "
                      f"acknowledged", flush=True)

        login()
        lost = []
        for dossier_id, code in acked_submits.items():
            status, dossier = api.call("GET", f"/dossiers/{dossier_id}", token=tokens["citizen"])
            if status != 200 or dossier["code"] != code or dossier["state"] == "draft":
                lost.append(("submit", dossier_id, status))
        for dossier_id in acked_receipts:
            status, dossier = api.call("GET", f"/dossiers/{dossier_id}", token=tokens["clerk"])
            if status != 200 or dossier["state"] != "received" or not dossier.get("received_at"):
                lost.append(("receive", dossier_id, status))
                continue
            status, history = api.call("GET", f"/dossiers/{dossier_id}/history", token=tokens["clerk"])
            if not any(event["action"] == "receive" for event in history["items"]):
                lost.append(("receive event", dossier_id, status))
        processed = []
        if args.signal == "term":
            # A submission whose connection was reset either never reached the application (still a
            # draft: the connection sat in the kernel's accept queue when the listener closed) or was
            # processed and its answer lost — the latter is what a graceful stop must never do.
            for dossier_id in cut_off_submits:
                status, dossier = api.call("GET", f"/dossiers/{dossier_id}", token=tokens["citizen"])
                if status == 200 and dossier["state"] != "draft":
                    processed.append(dossier_id)
            print(f"graceful stops: {len(cut_off_submits)} submission(s) reset before being accepted, "
                  f"{len(processed)} processed without an answer")
        audit = api.ok("GET", "/admin/audit/verify", token=tokens["admin"])
        server.kill()
        check = subprocess.run([args.binary, "recount", "--check"], env=env, capture_output=True, text=True)
        print(f"{args.kills} kills; {attempts['sent']} writes sent, {len(acked_submits)} submissions and "
              f"{len(acked_receipts)} receptions acknowledged; {len(lost)} lost; audit chains: "
              f"{audit['checked']} checked, ok={audit['ok']}; records: {check.stdout.strip() or check.stderr.strip()}")
        failed = bool(lost) or bool(processed) or not audit["ok"] or check.returncode != 0 or not acked_submits
        if lost:
            print("lost:", lost[:20])
        if failed:
            print(f"FAILED (server log: {work}/server.log)")
            sys.exit(1)
        print("OK: every acknowledged write survived")
        succeeded = True
    finally:
        server.kill()
        log.close()
        if pg_name:
            subprocess.run(["psql", "-h", "127.0.0.1", "-U", "postgres", "-qc",
                            f'DROP DATABASE IF EXISTS "{pg_name}" WITH (FORCE)'], check=False)
        if succeeded and os.environ.get("KEEP_CRASH_DIR") is None:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()

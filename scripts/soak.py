#!/usr/bin/env python3
"""Soak: a bounded steady-state SCIM mix against a running worker on loopback.

Started by scripts/soak.sh, which runs a fresh `wrangler dev` and seeds the orgs. Python stdlib
only: the soak checks correctness and memory over time, not client throughput, so it needs no
build step and no dependency, and a thread per connection is plenty at concurrency 32.

Checks, each fatal:
  - no 5xx answer, ever;
  - no lost write: every acknowledged create/update/delete is reflected in a final full read
    of every org (writes whose answer never arrived are excluded from the comparison);
  - memory: the RSS of the wrangler/workerd process group at the end is not more than
    SOAK_RSS_GROWTH (default 1.5) times the RSS at the middle of the run.
"""

import http.client
import json
import os
import random
import sys
import threading
import time
import urllib.parse

BASE = os.environ["SOAK_BASE_URL"]
TOKENS = json.load(open(os.environ["SOAK_TOKENS"]))
SECONDS = float(os.environ.get("SOAK_SECONDS", "300"))
CONCURRENCY = int(os.environ.get("SOAK_CONCURRENCY", "32"))
ORGS = int(os.environ.get("SOAK_ORGS", "16"))
PGID = int(os.environ["SOAK_PGID"])
RSS_GROWTH = float(os.environ.get("SOAK_RSS_GROWTH", "1.5"))
MAX_USERS_PER_WORKER = 60
PATCH = "urn:ietf:params:scim:api:messages:2.0:PatchOp"

url = urllib.parse.urlsplit(BASE)
assert url.hostname in ("127.0.0.1", "localhost"), "soak traffic is loopback only"


def group_rss_kib(pgid):
    """Sum of VmRSS over the processes of wrangler's process group (node + workerd)."""
    total, procs = 0, []
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            with open(f"/proc/{pid}/stat") as f:
                stat = f.read()
            fields = stat[stat.rindex(")") + 2:].split()
            if int(fields[2]) != pgid:  # field 5 of stat: pgrp
                continue
            name = stat[stat.index("(") + 1:stat.rindex(")")]
            with open(f"/proc/{pid}/status") as f:
                for line in f:
                    if line.startswith("VmRSS:"):
                        kib = int(line.split()[1])
                        total += kib
                        procs.append(f"{name}={kib // 1024}MiB")
        except (OSError, ValueError, IndexError):
            continue
    return total, procs


class Stats:
    def __init__(self):
        self.lock = threading.Lock()
        self.by_op = {}
        self.status = {}
        self.errors_5xx = []
        self.transport_errors = 0
        self.latencies = []

    def record(self, op, status, seconds):
        with self.lock:
            self.by_op[op] = self.by_op.get(op, 0) + 1
            self.status[status] = self.status.get(status, 0) + 1
            self.latencies.append(seconds)


STATS = Stats()


class Client:
    def __init__(self, org):
        self.org = org
        self.token = TOKENS[org]
        self.conn = None

    def request(self, op, method, path, body=None):
        """Returns (status, json or None); (None, None) when no answer arrived."""
        headers = {"authorization": f"Bearer {self.token}"}
        data = None
        if body is not None:
            data = json.dumps(body).encode()
            headers["content-type"] = "application/scim+json"
        for attempt in range(5):
            started = time.monotonic()
            try:
                if self.conn is None:
                    self.conn = http.client.HTTPConnection(url.hostname, url.port, timeout=30)
                self.conn.request(method, f"/scim/v2/{self.org}{path}", body=data, headers=headers)
                response = self.conn.getresponse()
                text = response.read()
            except (OSError, http.client.HTTPException):
                if self.conn is not None:
                    self.conn.close()
                self.conn = None
                with STATS.lock:
                    STATS.transport_errors += 1
                return None, None
            STATS.record(op, response.status, time.monotonic() - started)
            if response.status >= 500:
                with STATS.lock:
                    STATS.errors_5xx.append(f"{method} {path}: {response.status} {text[:300]!r}")
            if response.status == 429:
                time.sleep(float(response.getheader("retry-after", "1")) * random.random())
                continue
            try:
                return response.status, json.loads(text) if text else None
            except ValueError:
                return response.status, None
        return 429, None


class Worker:
    """Owns the users it creates, so its model of them is exact."""

    def __init__(self, index, org):
        self.index = index
        self.client = Client(org)
        self.users = {}  # id -> expected {"userName", "title", "active"}
        self.deleted = set()
        self.unknown = set()  # ids whose last write got no answer
        self.groups = {}  # id -> set of member ids (acknowledged)
        self.serial = 0

    def name(self):
        self.serial += 1
        return f"w{self.index}-u{self.serial}"

    def step(self):
        roll = random.random()
        if not self.users or (roll < 0.30 and len(self.users) < MAX_USERS_PER_WORKER):
            return self.create()
        uid = random.choice(list(self.users))
        if roll < 0.45:
            status, _ = self.client.request("get", "GET", f"/Users/{uid}")
            assert status in (200, None), f"GET own user {uid}: {status}"
        elif roll < 0.55:
            expected = self.users[uid]["userName"]
            flt = urllib.parse.quote(f'userName eq "{expected}"')
            status, body = self.client.request("filter", "GET", f"/Users?filter={flt}")
            if status == 200:
                assert body["totalResults"] == 1, f"filter for {expected}: {body['totalResults']}"
        elif roll < 0.70:
            title = f"t{random.randrange(10**6)}"
            active = random.random() < 0.5
            status, _ = self.client.request("patch", "PATCH", f"/Users/{uid}", {
                "schemas": [PATCH],
                "Operations": [{"op": "replace", "path": "title", "value": title},
                               {"op": "replace", "path": "active", "value": active}]})
            self.settle(uid, status, {"title": title, "active": active})
        elif roll < 0.75:
            user = dict(self.users[uid])
            user["title"] = f"p{random.randrange(10**6)}"
            status, _ = self.client.request("put", "PUT", f"/Users/{uid}", {
                "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
                "userName": user["userName"], "title": user["title"], "active": user["active"]})
            self.settle(uid, status, {"title": user["title"]})
        elif roll < 0.88 or len(self.users) >= MAX_USERS_PER_WORKER:
            status, _ = self.client.request("delete", "DELETE", f"/Users/{uid}")
            if status == 204:
                del self.users[uid]
                self.deleted.add(uid)
                for members in self.groups.values():
                    members.discard(uid)
            elif status is None:
                self.unknown.add(uid)
                del self.users[uid]
            else:
                raise AssertionError(f"DELETE own user {uid}: {status}")
        else:
            self.group_step(uid)

    def settle(self, uid, status, change):
        if status == 200:
            self.users[uid].update(change)
        elif status is None:
            self.unknown.add(uid)
            del self.users[uid]
        else:
            raise AssertionError(f"write to own user {uid}: {status}")

    def create(self):
        name = self.name()
        status, body = self.client.request("create", "POST", "/Users", {
            "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
            "userName": name, "active": True,
            "emails": [{"value": f"{name}@example.com", "type": "work", "primary": True}]})
        if status == 201:
            self.users[body["id"]] = {"userName": name, "title": None, "active": True}
        elif status is not None:
            raise AssertionError(f"create {name}: {status} {body}")

    def group_step(self, uid):
        if not self.groups or random.random() < 0.3:
            status, body = self.client.request("group-create", "POST", "/Groups", {
                "displayName": f"w{self.index}-g{self.serial}-{random.randrange(10**9)}",
                "members": [{"value": uid}]})
            if status == 201:
                self.groups[body["id"]] = {uid}
            return
        gid = random.choice(list(self.groups))
        status, _ = self.client.request("group-patch", "PATCH", f"/Groups/{gid}", {
            "schemas": [PATCH], "Operations": [{"op": "add", "path": "members",
                                                "value": [{"value": uid}]}]})
        if status in (200, 204):
            self.groups[gid].add(uid)
        elif status is None:
            del self.groups[gid]


def read_all_users(client):
    users, start = {}, 1
    while True:
        status, body = client.request("final-read", "GET", f"/Users?startIndex={start}&count=200")
        assert status == 200, f"final read: {status}"
        for user in body["Resources"]:
            users[user["id"]] = user
        if not body["Resources"]:
            return users
        start += len(body["Resources"])


def main():
    start_rss, procs = group_rss_kib(PGID)
    print(f"==> soak: {SECONDS:.0f}s, concurrency {CONCURRENCY}, {ORGS} orgs; "
          f"RSS at start {start_rss // 1024} MiB ({', '.join(procs)})", flush=True)
    orgs = sorted(TOKENS)[:ORGS]
    workers = [Worker(i, orgs[i % len(orgs)]) for i in range(CONCURRENCY)]
    deadline = time.monotonic() + SECONDS
    failures = []
    samples = {"start": start_rss}

    def run(worker):
        try:
            while time.monotonic() < deadline:
                worker.step()
        except Exception as e:  # noqa: BLE001 - reported, fails the soak
            failures.append(f"worker {worker.index}: {e!r}")

    threads = [threading.Thread(target=run, args=(w,)) for w in workers]
    for t in threads:
        t.start()
    time.sleep(SECONDS / 2)
    samples["middle"], procs = group_rss_kib(PGID)
    print(f"==> RSS at middle {samples['middle'] // 1024} MiB ({', '.join(procs)})", flush=True)
    for t in threads:
        t.join()
    samples["end"], procs = group_rss_kib(PGID)
    print(f"==> RSS at end {samples['end'] // 1024} MiB ({', '.join(procs)})", flush=True)

    # Final full read: every acknowledged write must be there.
    lost = []
    checked = 0
    for org in orgs:
        stored = read_all_users(Client(org))
        for worker in (w for w in workers if w.client.org == org):
            for uid, expected in worker.users.items():
                checked += 1
                got = stored.get(uid)
                if got is None:
                    lost.append(f"{org}/{uid}: acknowledged user missing")
                    continue
                for key, value in expected.items():
                    if got.get(key) != value:
                        lost.append(f"{org}/{uid}: {key} is {got.get(key)!r}, expected {value!r}")
            for uid in worker.deleted:
                checked += 1
                if uid in stored:
                    lost.append(f"{org}/{uid}: acknowledged delete still present")

    total = sum(STATS.by_op.values())
    elapsed = SECONDS
    lat = sorted(STATS.latencies)
    pct = lambda p: lat[min(len(lat) - 1, int(len(lat) * p))] * 1000 if lat else 0  # noqa: E731
    print(f"==> requests: {total} in {elapsed:.0f}s ({total / elapsed:.0f}/s); "
          f"p50 {pct(0.5):.1f} ms, p99 {pct(0.99):.1f} ms")
    print(f"    by operation: {json.dumps(dict(sorted(STATS.by_op.items())))}")
    print(f"    by status:    {json.dumps(dict(sorted(STATS.status.items())))}")
    print(f"    transport errors (no answer): {STATS.transport_errors}")
    print(f"    5xx: {len(STATS.errors_5xx)}; lost writes: {len(lost)} "
          f"(of {checked} acknowledged resources checked)")
    print(f"    RSS MiB start/middle/end: {samples['start'] // 1024}/"
          f"{samples['middle'] // 1024}/{samples['end'] // 1024}")
    ok = True
    for message in failures[:10] + STATS.errors_5xx[:10] + lost[:10]:
        print(f"    ! {message}")
        ok = False
    if samples["middle"] and samples["end"] > samples["middle"] * RSS_GROWTH:
        print(f"    ! RSS grew more than {RSS_GROWTH}x from the middle to the end")
        ok = False
    print("==> soak " + ("passed" if ok else "FAILED"))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())

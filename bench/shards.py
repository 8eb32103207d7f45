"""The `shards` workload (bench/shards.sh): the steady mix over 8 orgs placed on 1 shard vs
spread over 4 shards at concurrency 32, and the hot path (GET a user by id) with the isolate
token cache on or off. Standard library only; talks to one `wrangler dev` on loopback.

    shards.py setup BASE ADMIN_SECRET STATE          places and seeds the orgs
    shards.py mix BASE STATE SECONDS LABEL           runs the mix over one group of orgs
    shards.py hot BASE STATE SECONDS LABEL           runs the hot path on one org
Results are appended to STATE/results.json.
"""
import http.client
import json
import random
import sys
import threading
import time
import urllib.parse

USERS_PER_ORG = 100
CONCURRENCY = 32
PATCH_OP = "urn:ietf:params:scim:api:messages:2.0:PatchOp"


class Client:
    """One keep-alive connection per thread."""

    def __init__(self, base):
        url = urllib.parse.urlparse(base)
        self.host, self.port = url.hostname, url.port
        self.conn = None

    def send(self, method, path, token, body=None):
        for attempt in range(3):
            try:
                if self.conn is None:
                    self.conn = http.client.HTTPConnection(self.host, self.port, timeout=60)
                headers = {"Authorization": f"Bearer {token}"}
                data = None
                if body is not None:
                    data = json.dumps(body)
                    headers["Content-Type"] = "application/scim+json"
                self.conn.request(method, path, body=data, headers=headers)
                response = self.conn.getresponse()
                text = response.read()
                return response.status, text
            except (http.client.HTTPException, OSError):
                self.conn = None
                if attempt == 2:
                    return 0, b""
        return 0, b""


def admin(base, secret, method, path, body=None):
    client = Client(base)
    status, text = client.send(method, path, secret, body)
    return status, json.loads(text or b"null")


def setup(base, secret, state):
    orgs = {}
    stamp = int(time.time())
    groups = {
        "one_shard": [("main", f"one-{stamp}-{i}") for i in range(8)],
        "four_shards": [(["main", "s2", "eu1", "s4"][i % 4], f"four-{stamp}-{i}") for i in range(8)],
        "hot": [("main", f"hot-{stamp}")],
    }
    for group, members in groups.items():
        orgs[group] = []
        for shard, org in members:
            status, body = admin(base, secret, "POST", f"/admin/orgs/{org}/token", {"shard": shard})
            assert status == 201 and body["shard"] == shard, (status, body)
            orgs[group].append({"org": org, "token": body["token"], "shard": shard, "users": []})

    def seed(entry):
        client = Client(base)
        for i in range(USERS_PER_ORG):
            name = f"user{i}@{entry['org']}.test"
            status, text = client.send("POST", f"/scim/v2/{entry['org']}/Users", entry["token"],
                                       {"userName": name, "displayName": f"User {i}", "active": True})
            assert status == 201, (status, text[:200])
            entry["users"].append((json.loads(text)["id"], name))

    threads = [threading.Thread(target=seed, args=(e,)) for g in orgs.values() for e in g]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    json.dump(orgs, open(f"{state}/orgs.json", "w"))


def run(base, entries, seconds, op):
    """CONCURRENCY threads, each picking an org and an operation per request, for `seconds`."""
    stop = time.monotonic() + seconds
    latencies, errors, lock = [], [0], threading.Lock()

    def worker(w):
        client = Client(base)
        rng = random.Random(w)
        mine = []
        while time.monotonic() < stop:
            entry = rng.choice(entries)
            started = time.monotonic()
            status = op(client, rng, entry)
            mine.append(time.monotonic() - started)
            if status not in (200, 201):
                with lock:
                    errors[0] += 1
        with lock:
            latencies.extend(mine)

    threads = [threading.Thread(target=worker, args=(w,)) for w in range(CONCURRENCY)]
    started = time.monotonic()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.monotonic() - started
    latencies.sort()
    n = len(latencies)
    pick = lambda q: round(latencies[min(n - 1, int(q * n))] * 1000, 1) if n else None
    return {"requests": n, "errors": errors[0], "seconds": round(elapsed, 1),
            "rps": round(n / elapsed, 1), "p50_ms": pick(0.5), "p99_ms": pick(0.99)}


def mix_op(client, rng, entry):
    org, token = entry["org"], entry["token"]
    user_id, user_name = rng.choice(entry["users"])
    roll = rng.randrange(100)
    if roll < 50:
        q = urllib.parse.quote(f'userName eq "{user_name}"')
        return client.send("GET", f"/scim/v2/{org}/Users?filter={q}", token)[0]
    if roll < 70:
        return client.send("GET", f"/scim/v2/{org}/Users/{user_id}", token)[0]
    if roll < 85:
        body = {"schemas": [PATCH_OP],
                "Operations": [{"op": "replace", "path": "displayName", "value": f"U{rng.randrange(10**6)}"}]}
        return client.send("PATCH", f"/scim/v2/{org}/Users/{user_id}", token, body)[0]
    start = rng.randrange(USERS_PER_ORG // 25) * 25 + 1
    return client.send("GET", f"/scim/v2/{org}/Users?startIndex={start}&count=25", token)[0]


def hot_op(client, rng, entry):
    user_id, _ = rng.choice(entry["users"])
    return client.send("GET", f"/scim/v2/{entry['org']}/Users/{user_id}", entry["token"])[0]


def record(state, label, result):
    path = f"{state}/results.json"
    try:
        results = json.load(open(path))
    except (OSError, ValueError):
        results = []
    results.append({"label": label, **result})
    json.dump(results, open(path, "w"), indent=1)
    print(label, json.dumps(result), flush=True)


if __name__ == "__main__":
    command = sys.argv[1]
    if command == "setup":
        setup(sys.argv[2], sys.argv[3], sys.argv[4])
    else:
        base, state, seconds, label = sys.argv[2], sys.argv[3], float(sys.argv[4]), sys.argv[5]
        orgs = json.load(open(f"{state}/orgs.json"))
        if command == "mix":
            record(state, label, run(base, orgs[label.split(":")[0]], seconds, mix_op))
        elif command == "hot":
            record(state, label, run(base, orgs["hot"], seconds, hot_op))

"""The `bulk` workload (docs/bulk.md): one org's directory, 1,000 users and 20 groups of 50
members, loaded once as single requests and once as one Bulk request; prints wall time and
the D1 round trips the worker reports (Server-Timing) for each. Loopback only."""

import json
import sys
import time
import urllib.error
import urllib.request

USERS, GROUPS, MEMBERS = 1000, 20, 50
BULK_REQUEST = "urn:ietf:params:scim:api:messages:2.0:BulkRequest"


def send(base, org, token, method, path, body):
    request = urllib.request.Request(
        f"{base}/scim/v2/{org}{path}",
        method=method,
        data=json.dumps(body).encode(),
        headers={"authorization": f"Bearer {token}", "content-type": "application/scim+json"},
    )
    try:
        with urllib.request.urlopen(request) as reply:
            return reply.status, reply.headers.get("server-timing", ""), reply.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers.get("server-timing", ""), error.read()


def round_trips(server_timing):
    return int(server_timing.split("queries=")[1].strip('"'))


def singles(base, org, token):
    trips, ids = 0, []
    for i in range(USERS):
        status, timing, body = send(base, org, token, "POST", "/Users", {"userName": f"user{i}@example.com"})
        assert status == 201, (status, body[:300])
        trips += round_trips(timing)
        ids.append(json.loads(body)["id"])
    for g in range(GROUPS):
        members = [{"value": ids[g * MEMBERS + m]} for m in range(MEMBERS)]
        status, timing, body = send(base, org, token, "POST", "/Groups", {"displayName": f"group{g}", "members": members})
        assert status == 201, (status, body[:300])
        trips += round_trips(timing)
    return trips


def bulk(base, org, token):
    operations = [
        {"method": "POST", "path": "/Users", "bulkId": f"u{i}", "data": {"userName": f"user{i}@example.com"}}
        for i in range(USERS)
    ] + [
        {"method": "POST", "path": "/Groups", "bulkId": f"g{g}",
         "data": {"displayName": f"group{g}", "members": [{"value": f"bulkId:u{g * MEMBERS + m}"} for m in range(MEMBERS)]}}
        for g in range(GROUPS)
    ]
    status, timing, body = send(base, org, token, "POST", "/Bulk", {"schemas": [BULK_REQUEST], "Operations": operations})
    assert status == 200, (status, body[:300])
    results = json.loads(body)["Operations"]
    assert len(results) == len(operations) and all(r["status"] == "201" for r in results), results[:3]
    return round_trips(timing)


def main():
    base, tokens = sys.argv[1], json.load(open(sys.argv[2]))
    orgs = sorted(tokens)
    for name, load, org in (("single requests", singles, orgs[0]), ("Bulk", bulk, orgs[1])):
        started = time.time()
        trips = load(base, org, tokens[org])
        print(f"{name:16} {USERS} users + {GROUPS} groups x {MEMBERS} members: "
              f"{trips:5} D1 round trips, {time.time() - started:6.2f} s")


if __name__ == "__main__":
    main()

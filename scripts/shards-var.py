"""Helpers for scripts/token.sh.

shards-var.py CONFIG                      prints the SHARDS variable of a wrangler config.
shards-var.py --registry-sql ORG RECORD   prints the SQL that registers ORG (validated by
                                          token.sh) with its token record's metadata and shard.
shards-var.py --d1 CONFIG                 prints one line per [[d1_databases]] block:
                                          binding, database_name and the creation options of
                                          its shard in SHARDS (--jurisdiction/--location), tab-
                                          separated (scripts/deploy.sh).
"""
import json
import sys


def shards_var(path):
    text = open(path).read()
    marker = "SHARDS = '''"
    start = text.find(marker)
    if start < 0:
        return ""
    start += len(marker)
    return text[start:text.find("'''", start)]


def quote(value):
    if value is None:
        return "NULL"
    return "'" + str(value).replace("'", "''") + "'"


def registry_sql(org, record):
    return (
        "INSERT INTO orgs (org, created, token_created, token_last4, shard) "
        "VALUES ({0}, {1}, {1}, {2}, {3}) ON CONFLICT (org) DO UPDATE SET "
        "token_created = excluded.token_created, token_last4 = excluded.token_last4, "
        "shard = excluded.shard"
    ).format(quote(org), quote(record["created"]), quote(record["last4"]), quote(record.get("shard")))


def d1_blocks(path):
    import re
    text = open(path).read()
    shards = {s["binding"]: s for s in json.loads(shards_var(path) or "[]")}
    for block in re.split(r"(?m)^(?=\[)", text):
        if not block.startswith("[[d1_databases]]"):
            continue
        binding = re.search(r'(?m)^binding = "([^"]*)"', block).group(1)
        name = re.search(r'(?m)^database_name = "([^"]*)"', block).group(1)
        shard = shards.get(binding, {})
        options = []
        if shard.get("jurisdiction"):
            options += ["--jurisdiction", shard["jurisdiction"]]
        if shard.get("location"):
            options += ["--location", shard["location"]]
        print("\t".join([binding, name, " ".join(options)]))


if __name__ == "__main__":
    if sys.argv[1] == "--d1":
        d1_blocks(sys.argv[2])
    elif sys.argv[1] == "--registry-sql":
        print(registry_sql(sys.argv[2], json.loads(sys.argv[3])))
    else:
        print(shards_var(sys.argv[1]))

"""Helpers for scripts/token.sh.

shards-var.py CONFIG                      prints the SHARDS variable of a wrangler config.
shards-var.py --registry-sql ORG RECORD   prints the SQL that registers ORG (validated by
                                          token.sh) with its token record's metadata and shard.
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


if __name__ == "__main__":
    if sys.argv[1] == "--registry-sql":
        print(registry_sql(sys.argv[2], json.loads(sys.argv[3])))
    else:
        print(shards_var(sys.argv[1]))

#!/usr/bin/python3
"""The peer people would pick instead: the same scan in Python with boto3 (what Cloud Custodian and
Prowler are built on), written the way a competent engineer would, to be fair to it:

- one boto3 Session, so the service models are loaded and parsed once (a Session per thread costs
  seconds and hundreds of MB); clients are made from it under a lock (a Session is not thread-safe,
  its clients are), per account-region with the account's assumed-role credentials, each role assumed
  once per account;
- the same listing calls as shareguard with boto3's paginators (DescribeImages has neither a
  paginator nor MaxResults in Debian's botocore 1.29, so it asks for everything in one answer: fewer
  requests than shareguard where an account-region has over 1,000 images) and the same page sizes (DescribeImages
  with ExecutableUsers=self and IncludeDeprecated, the by-account listing only when something is shared
  in and only if shareguard makes it; DescribeSnapshots RestorableByUserIds=self; the two RDS listings
  with SnapshotType=shared, IncludeShared);
- account-regions in a ThreadPoolExecutor (16 threads by default), retries in botocore's standard mode.

It prints one JSON object: the untrusted findings' ids (shareguard's id format), the requests sent by
action, wall and CPU time. Run by bench/boto3-peer.ts with Debian's python3-boto3:

    /usr/bin/python3 bench/boto3_peer.py OPTIONS.json
"""

import json
import resource
import sys
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import boto3
import botocore
from botocore.config import Config

opts = json.load(open(sys.argv[1]))
ENDPOINT = opts["endpoint"]
BASE = opts["credentials"]
HOME_REGION = opts["homeRegion"]
THREADS = int(opts.get("threads", 16))
AMI_DIRECT = bool(opts.get("amiDirect", True))
TRUSTED = set(opts["trusted"])
CONFIG = Config(retries={"mode": "standard", "max_attempts": 6}, max_pool_connections=4)

calls = Counter()
calls_lock = threading.Lock()
session = boto3.session.Session()
session_lock = threading.Lock()


def count(model, **_):
    with calls_lock:
        calls[model.name] += 1


session.events.register("before-call", count)


def client(service, region, creds):
    with session_lock:
        return session.client(
            service,
            region_name=region,
            endpoint_url=ENDPOINT,
            aws_access_key_id=creds["accessKeyId"],
            aws_secret_access_key=creds["secretAccessKey"],
            aws_session_token=creds.get("sessionToken"),
            config=CONFIG,
        )


def image_pages(ec2, executable_by):
    """DescribeImages: Debian's botocore 1.29 has no paginator and no MaxResults for it (both came in
    2023), so each listing is one answer with every image, followed by NextToken should one come back."""
    kwargs = {"ExecutableUsers": [executable_by], "IncludeDeprecated": True}
    while True:
        page = ec2.describe_images(**kwargs)
        yield page
        token = page.get("NextToken")
        if not token:
            return
        kwargs["NextToken"] = token


def resolve(account):
    """The account's credentials (its role assumed, once) and its enabled regions."""
    creds = BASE
    if not account["home"]:
        sts = client("sts", HOME_REGION, BASE)
        c = sts.assume_role(
            RoleArn=f"arn:aws:iam::{account['id']}:role/{opts['roleName']}",
            RoleSessionName="shareguard-peer",
        )["Credentials"]
        creds = {
            "accessKeyId": c["AccessKeyId"],
            "secretAccessKey": c["SecretAccessKey"],
            "sessionToken": c["SessionToken"],
        }
    ec2 = client("ec2", HOME_REGION, creds)
    regions = sorted({r["RegionName"] for r in ec2.describe_regions()["Regions"]})
    return account, creds, regions


def finding(kind, account, region, resource_id, owner):
    if owner == account or owner in TRUSTED:
        return None
    return f"{kind}:{account}:{region}:{resource_id}"


def scan_target(account, creds, region):
    ec2 = client("ec2", region, creds)
    rds = client("rds", region, creds)
    out = []
    shared = []
    for page in image_pages(ec2, "self"):
        shared += [i for i in page.get("Images", []) if i.get("OwnerId") and i["OwnerId"] != account]
    if shared and AMI_DIRECT:
        direct = set()
        for page in image_pages(ec2, account):
            direct.update(i["ImageId"] for i in page.get("Images", []))
    for i in shared:
        out.append(finding("ami", account, region, i["ImageId"], i["OwnerId"]))
    for page in ec2.get_paginator("describe_snapshots").paginate(
        RestorableByUserIds=["self"], PaginationConfig={"PageSize": 1000}
    ):
        for s in page.get("Snapshots", []):
            if s.get("OwnerId") and s["OwnerId"] != account:
                out.append(finding("ebs-snapshot", account, region, s["SnapshotId"], s["OwnerId"]))
    for op, key, arn_key, kind in (
        ("describe_db_snapshots", "DBSnapshots", "DBSnapshotArn", "rds-snapshot"),
        (
            "describe_db_cluster_snapshots",
            "DBClusterSnapshots",
            "DBClusterSnapshotArn",
            "rds-cluster-snapshot",
        ),
    ):
        for page in rds.get_paginator(op).paginate(
            SnapshotType="shared", IncludeShared=True, PaginationConfig={"PageSize": 100}
        ):
            for s in page.get(key, []):
                arn = s.get(arn_key)
                if arn:
                    out.append(finding(kind, account, region, arn, arn.split(":")[4]))
    return [f for f in out if f]


def main():
    t0 = time.perf_counter()
    findings = []
    errors = []
    with ThreadPoolExecutor(max_workers=THREADS) as pool:
        resolved = []
        for fut in [pool.submit(resolve, a) for a in opts["accounts"]]:
            try:
                resolved.append(fut.result())
            except botocore.exceptions.BotoCoreError as e:
                errors.append(str(e))
            except botocore.exceptions.ClientError as e:
                errors.append(str(e))
        futures = [
            pool.submit(scan_target, account["id"], creds, region)
            for account, creds, regions in resolved
            for region in regions
        ]
        for fut in futures:
            try:
                findings += fut.result()
            except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError) as e:
                errors.append(str(e))
    wall_ms = (time.perf_counter() - t0) * 1000
    ru = resource.getrusage(resource.RUSAGE_SELF)
    print(
        json.dumps(
            {
                "wallMs": wall_ms,
                "cpuMs": (ru.ru_utime + ru.ru_stime) * 1000,
                "maxRssMiB": ru.ru_maxrss / 1024,
                "findings": sorted(findings),
                "byAction": dict(calls),
                "requests": sum(calls.values()),
                "errors": errors[:5],
                "errorCount": len(errors),
                "threads": THREADS,
                "boto3": boto3.__version__,
                "botocore": botocore.__version__,
                "python": sys.version.split()[0],
            }
        )
    )


main()

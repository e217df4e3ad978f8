"""Runs the same DynamoDB queries against in-process moto, first as moto answers them, then
with the local cloud's repairs (moto_runner.speed_up); prints both answers as JSON."""

from __future__ import annotations

import json
from typing import Any

import boto3
from moto import mock_aws

from infra.localcloud import moto_runner


def _answers() -> list[Any]:
    with mock_aws():
        ddb = boto3.client("dynamodb", region_name="us-east-1")
        ddb.create_table(
            TableName="t",
            KeySchema=[
                {"AttributeName": "pk", "KeyType": "HASH"},
                {"AttributeName": "sk", "KeyType": "RANGE"},
            ],
            AttributeDefinitions=[
                {"AttributeName": "pk", "AttributeType": "S"},
                {"AttributeName": "sk", "AttributeType": "S"},
                {"AttributeName": "g", "AttributeType": "S"},
            ],
            GlobalSecondaryIndexes=[
                {
                    "IndexName": "by-g",
                    "KeySchema": [{"AttributeName": "g", "KeyType": "HASH"}],
                    "Projection": {"ProjectionType": "ALL"},
                }
            ],
            BillingMode="PAY_PER_REQUEST",
        )
        for p in range(3):
            for s in range(30):
                ddb.put_item(
                    TableName="t",
                    Item={"pk": {"S": f"p{p}"}, "sk": {"S": f"{s:03d}"}, "g": {"S": f"g{s % 2}"}},
                )
        every_type = {
            "pk": {"S": "types"},
            "sk": {"S": "all"},
            "m": {"M": {"s": {"S": "x"}, "l": {"L": [{"N": "1.5"}, {"BOOL": True}]}}},
            "n": {"N": "42"},
            "t": {"BOOL": False},
            "z": {"NULL": True},
            "ss": {"SS": ["a", "b"]},
            "ns": {"NS": ["1", "2"]},
            "b": {"B": b"\x00\xff"},
        }
        ddb.put_item(TableName="t", Item=every_type)
        answers: list[Any] = [
            # Every kind of attribute value, as GetItem and Query send it back (bytes as base64).
            json.loads(
                json.dumps(
                    ddb.get_item(TableName="t", Key={k: every_type[k] for k in ("pk", "sk")})[
                        "Item"
                    ],
                    default=repr,
                )
            ),
            json.loads(
                json.dumps(
                    ddb.query(
                        TableName="t",
                        KeyConditionExpression="pk = :p",
                        ExpressionAttributeValues={":p": {"S": "types"}},
                    )["Items"],
                    default=repr,
                )
            ),
        ]
        queries: list[dict[str, Any]] = [
            {"KeyConditionExpression": "pk = :p", "ExpressionAttributeValues": {":p": {"S": "p1"}}},
            {
                "KeyConditionExpression": "pk = :p AND sk <= :s",
                "ExpressionAttributeValues": {":p": {"S": "p2"}, ":s": {"S": "010"}},
                "ScanIndexForward": False,
            },
            {"KeyConditionExpression": "pk = :p", "ExpressionAttributeValues": {":p": {"S": "p9"}}},
            {
                "IndexName": "by-g",
                "KeyConditionExpression": "g = :g",
                "ExpressionAttributeValues": {":g": {"S": "g1"}},
            },
        ]
        for query in queries:
            pages = []
            start: dict[str, Any] = {}
            while True:  # in pages of 7, as a client pages through
                page = ddb.query(TableName="t", Limit=7, **query, **start)
                pages.append([(i["pk"]["S"], i["sk"]["S"]) for i in page["Items"]])
                if "LastEvaluatedKey" not in page:
                    break
                start = {"ExclusiveStartKey": page["LastEvaluatedKey"]}
            answers.append(pages)
        # SQS: the queue's message counts stay right around sends (moto_runner skips them
        # only inside a send).
        sqs = boto3.client("sqs", region_name="us-east-1")
        url = sqs.create_queue(QueueName="q")["QueueUrl"]
        for start in (0, 10):
            sqs.send_message_batch(
                QueueUrl=url,
                Entries=[{"Id": str(n), "MessageBody": str(start + n)} for n in range(10)],
            )
        sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=3)
        counts = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
        names = ["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"]
        some = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=names)["Attributes"]
        answers.append([counts[name] for name in names] + [some[name] for name in names])
        return answers


if __name__ == "__main__":
    before = _answers()
    moto_runner.speed_up(quiet=True)
    print(json.dumps({"moto": before, "repaired": _answers()}))

"""The account's own settings, security mails, export, and deletion that leaves nothing."""

import io
import json
import zipfile

import boto3
import requests

from tests.integration.conftest import (
    call,
    drain_uploads,
    frame_reports,
    mailed_token,
    pair_frame,
    run_job,
    sent_mail,
    signup,
    upload_photo,
)
from tests.integration.test_friends_and_sharing import befriend, body, send


def test_profile_can_be_read_and_changed_and_bad_values_are_refused(client):
    ana = signup(client, "ana@example.com")
    me = body(call(client, "GET", "/me", user=ana))
    assert me["email"] == "ana@example.com" and len(me["friendCode"]) == 9
    changed = call(
        client,
        "PATCH",
        "/me",
        {
            "displayName": "Ana B",
            "timeZone": "Europe/Berlin",
            "notifications": {"friendRequest": True},
        },
        ana,
    )
    assert changed.status_code == 200
    assert body(changed)["displayName"] == "Ana B"
    assert body(changed)["notifications"] == {
        "friendRequest": True,
        "photoDisplayed": False,
        "frameOffline": False,
    }
    for patch, field in (
        ({"timeZone": "Mars/Olympus"}, "timeZone"),
        ({"findable": "yes"}, "findable"),
        ({"notifications": {"spam": True}}, "notifications"),
        ({"role": "admin"}, "role"),
    ):
        response = call(client, "PATCH", "/me", patch, ana)
        assert response.status_code == 400 and body(response)["error"]["field"] == field


def test_changing_the_email_address_needs_the_new_address_confirmed(client):
    ana = signup(client, "ana@example.com")
    assert (
        body(
            call(
                client,
                "PATCH",
                "/me",
                {"email": "ana@new.example", "currentPassword": "correct horse battery"},
                ana,
            )
        )["pendingEmail"]
        == "ana@new.example"
    )
    token = mailed_token("ana@new.example", "/verify")
    assert call(client, "POST", "/auth/verify", {"token": token}).status_code == 200
    assert body(call(client, "GET", "/me", user=ana))["email"] == "ana@new.example"
    assert any(
        "ana@example.com" in m.destinations["ToAddresses"] and "changed" in m.subject
        for m in sent_mail()
    )
    login = call(
        client,
        "POST",
        "/auth/login",
        {"email": "ana@new.example", "password": "correct horse battery"},
    )
    assert login.status_code == 200
    assert call(client, "POST", "/auth/verify", {"token": token}).status_code == 400


def test_changing_the_password_ends_every_other_session_and_mails_the_owner(client):
    ana = signup(client, "ana@example.com")
    other = json.loads(
        call(
            client,
            "POST",
            "/auth/login",
            {"email": "ana@example.com", "password": "correct horse battery"},
        ).body
    )
    wrong = call(
        client,
        "POST",
        "/me/password",
        {"currentPassword": "nope nope nope", "newPassword": "a new long secret"},
        ana,
    )
    assert wrong.status_code == 403
    ok = call(
        client,
        "POST",
        "/me/password",
        {"currentPassword": "correct horse battery", "newPassword": "a new long secret"},
        ana,
    )
    assert ok.status_code == 200
    assert (
        call(client, "POST", "/auth/refresh", {"refreshToken": other["refreshToken"]}).status_code
        == 401
    )
    fresh = body(ok)
    me = client.http.get("/me", headers={"Authorization": f"Bearer {fresh['accessToken']}"})
    assert me.status_code == 200
    assert any("password was changed" in m.subject for m in sent_mail())


def test_a_sign_in_from_a_new_browser_is_mailed(client):
    signup(client, "ana@example.com")
    before = len(sent_mail())
    client.http.post(
        "/auth/login",
        headers={"Content-Type": "application/json", "User-Agent": "NewBrowser/1.0"},
        body=json.dumps({"email": "ana@example.com", "password": "correct horse battery"}),
    )
    mails = sent_mail()[before:]
    assert [m.subject for m in mails] == ["New sign-in to Shareframe"]
    assert "NewBrowser/1.0" in mails[0].body


def test_export_zips_the_originals_and_the_data_and_mails_a_link(client):
    ana = signup(client, "ana@example.com")
    upload_photo(client, ana)
    assert call(client, "POST", "/me/export", None, ana).status_code == 202
    sqs = boto3.client("sqs", region_name="us-east-1")
    url = sqs.get_queue_url(QueueName="shareframe-local-exports")["QueueUrl"]
    message = sqs.receive_message(QueueUrl=url)["Messages"][0]
    client.lambda_.invoke(
        "build_exports",
        client.events.generate_sqs_event(
            queue_name="shareframe-local-exports", message_bodies=[message["Body"]]
        ),
    )
    mail = next(m for m in sent_mail() if "export" in m.subject)
    link = next(line for line in mail.body.splitlines() if line.startswith("http"))
    archive = zipfile.ZipFile(io.BytesIO(requests.get(link, timeout=10).content))
    names = archive.namelist()
    assert "shareframe.json" in names and sum(n.startswith("photos/") for n in names) == 1
    data = json.loads(archive.read("shareframe.json"))
    assert data["profile"]["email"] == "ana@example.com"


def _everything(user_strings):
    """Every item of every table, every object and every IoT thing/certificate that mentions one of the strings."""
    dynamodb = boto3.client("dynamodb", region_name="us-east-1")
    found = []
    for table in dynamodb.list_tables()["TableNames"]:
        for page in dynamodb.get_paginator("scan").paginate(TableName=table):
            for item in page["Items"]:
                text = json.dumps(item)
                if any(s in text for s in user_strings):
                    found.append((table, text[:200]))
    s3 = boto3.client("s3", region_name="us-east-1")
    for obj in s3.list_objects_v2(Bucket="shareframe-local-media").get("Contents", []):
        if any(s in obj["Key"] for s in user_strings):
            found.append(("s3", obj["Key"]))
    iot = boto3.client("iot", region_name="us-east-1")
    for thing in iot.list_things()["things"]:
        if any(s in thing["thingName"] for s in user_strings):
            found.append(("iot-thing", thing["thingName"]))
    return found


def test_deleting_an_account_leaves_nothing_of_it_anywhere(client):
    ana = signup(client, "ana@example.com", name="Ana")
    bob = signup(client, "bob@example.com", name="Bob")
    carl = signup(client, "carl@example.com", name="Carl")
    befriend(client, ana, bob)
    code = body(call(client, "GET", "/me", user=ana))["friendCode"]
    call(client, "POST", "/friends/requests", {"friendCode": code}, carl)  # a pending request
    ana_frame = pair_frame(client, ana, name="Ana's hall")
    bob_frame = pair_frame(client, bob, name="Bob's kitchen")
    photo = upload_photo(client, ana)
    sent = body(send(client, ana, photo, [bob_frame["frameId"], ana_frame["frameId"]]))
    frame_reports(client, bob_frame["frameId"], type="displayed", shareId=sent["shareId"])
    received = body(send(client, bob, upload_photo(client, bob), [ana_frame["frameId"]]))
    cert_ids = [
        c["certificateId"]
        for c in boto3.client("iot", region_name="us-east-1").list_certificates()["certificates"]
    ]
    assert len(cert_ids) == 2

    wrong = call(client, "DELETE", "/me", {"password": "not my password"}, ana)
    assert wrong.status_code == 403
    assert (
        call(client, "DELETE", "/me", {"password": "correct horse battery"}, ana).status_code == 204
    )

    ana_ids = [ana.user_id, "ana@example.com", ana_frame["frameId"], sent["shareId"], photo]
    leftovers = _everything(ana_ids)
    assert leftovers == [], "\n".join(map(str, leftovers))
    assert (
        len(boto3.client("iot", region_name="us-east-1").list_certificates()["certificates"]) == 1
    )
    # her token dies with her; Bob keeps his frame, minus her photo; his share to her frame is gone from it
    assert call(client, "GET", "/me", user=ana).status_code == 401
    assert (
        body(call(client, "GET", f"/frames/{bob_frame['frameId']}/items", user=bob))["items"] == []
    )
    assert call(client, "GET", f"/shares/{received['shareId']}", user=bob).status_code == 404
    assert body(call(client, "GET", "/friends", user=bob))["items"] == []
    login = call(
        client,
        "POST",
        "/auth/login",
        {"email": "ana@example.com", "password": "correct horse battery"},
    )
    assert login.status_code == 401
    drain_uploads(client)


def test_a_deletion_that_failed_halfway_is_finished_by_the_job(client, monkeypatch):
    from chalicelib.services import account_deletion

    ana = signup(client, "ana@example.com")
    upload_photo(client, ana)
    pair_frame(client, ana)
    calls = {"n": 0}
    real = account_deletion.media_store.delete_prefix

    def flaky(prefix):
        calls["n"] += 1
        if calls["n"] == 1:
            raise RuntimeError("S3 went away")
        return real(prefix)

    monkeypatch.setattr(account_deletion.media_store, "delete_prefix", flaky)
    response = call(client, "DELETE", "/me", {"password": "correct horse battery"}, ana)
    assert response.status_code == 500
    monkeypatch.setattr(account_deletion.media_store, "delete_prefix", real)
    assert run_job(client, "finish_account_deletions").changed == 1
    assert _everything([ana.user_id, "ana@example.com"]) == []


def test_an_export_many_times_larger_than_the_disk_limit_streams_to_s3(client, monkeypatch):
    """24 MB of incompressible originals exported while no file may grow past 1 MB: the zip
    goes to S3 part by part (the issue's 500 x 25 MB under 512 MB, scaled down 500 times)."""
    import os
    import resource

    from chalicelib.adapters.tables import ImageRecord
    from chalicelib.domain.timefmt import utcnow
    from chalicelib.services import data_export

    monkeypatch.setenv("MOTO_S3_DEFAULT_KEY_BUFFER_SIZE", str(1 << 30))  # moto: keep in memory
    ana = signup(client, "big@example.com")
    s3 = boto3.client("s3", region_name="us-east-1")
    originals = {}
    for n in range(12):
        image_id = f"img_big{n:02d}"
        originals[image_id] = os.urandom(2 * 1024 * 1024)
        s3.put_object(
            Bucket="shareframe-local-media",
            Key=f"originals/{ana.user_id}/{image_id}",
            Body=originals[image_id],
        )
        ImageRecord(
            ana.user_id,
            image_id,
            state="ready",
            content_type="image/jpeg",
            declared_bytes=len(originals[image_id]),
            created_at=utcnow(),
        ).save()
    soft, hard = resource.getrlimit(resource.RLIMIT_FSIZE)
    resource.setrlimit(resource.RLIMIT_FSIZE, (1024 * 1024, hard))
    try:
        assert data_export.build(ana.user_id, "exp_big")
    finally:
        resource.setrlimit(resource.RLIMIT_FSIZE, (soft, hard))
    body = s3.get_object(Bucket="shareframe-local-media", Key=f"exports/{ana.user_id}/exp_big.zip")
    archive = zipfile.ZipFile(io.BytesIO(body["Body"].read()))
    assert archive.testzip() is None
    for image_id, data in originals.items():
        assert archive.read(f"photos/{image_id}.jpg") == data
    assert "shareframe.json" in archive.namelist()

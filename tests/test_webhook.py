"""The /sms webhook as Twilio sees it: signatures, idempotency, bad input, Redis outages."""

from __future__ import annotations

import threading
import time

import pytest

from cpr_bot import create_app
from cpr_bot.config import ConfigError, Settings

from .conftest import (
    ACCOUNT,
    BASE_URL,
    MONDAY_MORNING,
    Phone,
    make_settings,
    opted_out,
    parse_twiml,
    sign,
)


def form(**extra):
    return {"From": "+12055550100", "To": "+12055550199", "Body": "food 35204",
            "MessageSid": "SM" + "1" * 32, "AccountSid": ACCOUNT, **extra}


def test_twilio_known_answer_signature_vector():
    from twilio.request_validator import RequestValidator

    params = {"CallSid": "CA1234567890ABCDE", "Digits": "1234", "From": "+14158675309",
              "To": "+18005551212", "Caller": "+14158675309"}
    url = "https://mycompany.com/myapp.php?foo=1&bar=2"
    expected = "RSOYDt4T1cUTdK1PDd93/VVr8B8="
    assert RequestValidator("12345").compute_signature(url, params) == expected


@pytest.mark.parametrize("signature", [None, "", "bm90IGEgc2lnbmF0dXJl", "WRONG"])
def test_missing_or_wrong_signature_is_refused_and_writes_nothing(client, redis_client, signature):
    headers = {} if signature is None else {"X-Twilio-Signature": signature}
    response = client.post("/sms", data=form(), headers=headers)
    assert response.status_code == 403
    assert redis_client.dbsize() == 0


def test_signature_for_another_url_or_body_is_refused(client, redis_client):
    good = form()
    response = client.post("/sms", data={**good, "Body": "tampered"},
                           headers={"X-Twilio-Signature": sign(f"{BASE_URL}/sms", good)})
    assert response.status_code == 403
    response = client.post("/sms", data=good,
                           headers={"X-Twilio-Signature": sign("https://evil.example/sms", good)})
    assert response.status_code == 403
    assert redis_client.dbsize() == 0


def test_fields_twilio_adds_later_are_signed_and_accepted(client):
    data = form(FooNew="1", ApiVersion="2010-04-01", SmsStatus="received")
    response = client.post("/sms", data=data,
                           headers={"X-Twilio-Signature": sign(f"{BASE_URL}/sms", data)})
    assert response.status_code == 200
    assert parse_twiml(response.data)[0].startswith("Food near 35204")


def test_query_string_is_part_of_the_signed_url(client):
    data = form()
    url = f"{BASE_URL}/sms?source=shortcode"
    response = client.post("/sms?source=shortcode", data=data,
                           headers={"X-Twilio-Signature": sign(url, data)})
    assert response.status_code == 200


def test_behind_a_tls_proxy_forwarded_headers_rebuild_the_public_url(redis_url, redis_client):
    settings = make_settings(redis_url, public_base_url=None, trusted_proxies=1)
    app = create_app(settings, redis_client)
    data = form()
    signature = sign("https://bot.example.org/sms", data)
    headers = {"X-Twilio-Signature": signature, "X-Forwarded-Proto": "https",
               "X-Forwarded-Host": "bot.example.org"}
    # The app itself is reached over plain http on an internal host, as behind Heroku's router.
    response = app.test_client().post("/sms", data=data, headers=headers,
                                      base_url="http://10.0.0.5:8000")
    assert response.status_code == 200
    without_proxy_headers = app.test_client().post(
        "/sms", data=data, headers={"X-Twilio-Signature": signature},
        base_url="http://10.0.0.5:8000")
    assert without_proxy_headers.status_code == 403


def test_production_refuses_to_start_without_an_auth_token(redis_url):
    with pytest.raises(ConfigError, match="TWILIO_AUTH_TOKEN"):
        Settings.from_env({"REDIS_URL": redis_url})
    development = Settings.from_env({"REDIS_URL": redis_url, "CPR_ENV": "development"})
    assert not development.checks_signatures


def test_development_mode_skips_signatures_only_without_a_token(redis_url, redis_client):
    settings = Settings.from_env({"REDIS_URL": redis_url, "CPR_ENV": "development"})
    app = create_app(settings, redis_client)
    assert app.test_client().post("/sms", data=form()).status_code == 200
    with_token = make_settings(redis_url, env="development")
    app = create_app(with_token, redis_client)
    assert app.test_client().post("/sms", data=form()).status_code == 403


def conversation_of(app, number: str) -> dict:
    return app.extensions["cpr"].runner.conversations.state(number)


def test_same_message_delivered_twice_advances_once_and_replies_the_same(app, phone):
    first = phone.post("food", sid="SM" + "a" * 32)
    assert "what ZIP" in parse_twiml(first.data)[0]
    state_after_first = conversation_of(app, phone.number)
    again = phone.post("food", sid="SM" + "a" * 32)
    assert again.data == first.data
    assert conversation_of(app, phone.number) == state_after_first


def test_concurrent_duplicate_deliveries_have_one_effect(app, redis_client):
    results = []
    phone = Phone(app.test_client())

    def deliver():
        results.append(Phone(app.test_client()).post("STOP", sid="SM" + "b" * 32).data)

    threads = [threading.Thread(target=deliver) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(set(results)) == 1
    assert "unsubscribed" in parse_twiml(results[0])[0]
    assert opted_out(app, phone.number)


def test_concurrent_different_messages_from_one_number_are_all_applied(app):
    from cpr_bot.conversation.dialog import Turn

    conversations = app.extensions["cpr"].runner.conversations

    def append(n):
        def step(state, _opted_out):
            return Turn([], {**state, "seen": [*state.get("seen", []), n]})
        conversations.transact("+12055550100", "+12055550100", f"SM{n:032d}", step,
                               lambda pipe, turn: None)

    threads = [threading.Thread(target=append, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(conversations.state("+12055550100")["seen"]) == list(range(8))


BAD_BODIES = {
    "empty body": {"Body": ""},
    "media without text": {"Body": "", "NumMedia": "1", "MediaUrl0": "https://x.test/a.jpg",
                           "MediaContentType0": "image/jpeg"},
    "1600 characters": {"Body": "food " * 320},
    "emoji only": {"Body": "\U0001f64f\U0001f64f\U0001f525"},
    "control characters": {"Body": "fo\x00od\x07\x1b[31m 352\x0804"},
    "no Body field": {},
}


@pytest.mark.parametrize("fields", BAD_BODIES.values(), ids=BAD_BODIES)
def test_odd_messages_get_a_valid_reply_and_keep_state(app, phone, fields):
    phone.send("food")  # the person is mid-conversation, asked for a place
    before = conversation_of(app, phone.number)
    data = {"From": phone.number, "To": "+12055550199", "MessageSid": "SM" + "c" * 32,
            "AccountSid": ACCOUNT, **fields}
    if "Body" not in fields:
        data.pop("Body", None)
    response = phone.client.post("/sms", data=data,
                                 headers={"X-Twilio-Signature": sign(f"{BASE_URL}/sms", data)})
    assert response.status_code == 200
    texts = parse_twiml(response.data)
    assert texts and all(len(t) <= 1600 for t in texts)
    assert before
    # The person's need was not lost: a place now still answers it.
    assert phone.reply("35204").startswith("Food near 35204")


def test_missing_from_is_a_400(client):
    data = {"Body": "food", "MessageSid": "SM" + "d" * 32, "AccountSid": ACCOUNT}
    response = client.post("/sms", data=data,
                           headers={"X-Twilio-Signature": sign(f"{BASE_URL}/sms", data)})
    assert response.status_code == 400


def test_get_is_405_and_json_is_refused(client):
    assert client.get("/sms").status_code == 405
    response = client.post("/sms", json={"From": "+12055550100", "Body": "food"},
                           headers={"X-Twilio-Signature": "x"})
    assert 400 <= response.status_code < 500


def test_health_and_readiness(client):
    assert client.get("/healthz").status_code == 200
    assert client.get("/readyz").status_code == 200


def dead_redis():
    from cpr_bot.state.connection import connect

    return connect("redis://127.0.0.1:1/0")  # nothing listens on port 1


def test_redis_down_still_gets_help_fast_and_no_500(redis_url, redis_client):
    settings = make_settings(redis_url)
    client = create_app(settings, dead_redis(), now=lambda: MONDAY_MORNING).test_client()
    started = time.monotonic()
    reply = Phone(client).send("necesito comida")
    assert time.monotonic() - started < 2
    assert "211" in reply[0] and "988" in reply[0]
    assert "988" in Phone(client).reply("i want to kill myself")  # the crisis lines, at once
    assert client.get("/readyz").status_code == 503
    assert client.get("/healthz").status_code == 200


def test_an_opt_out_during_an_outage_is_confirmed_and_kept_for_every_process(
        redis_url, redis_client):
    settings = make_settings(redis_url)
    down = create_app(settings, dead_redis(), now=lambda: MONDAY_MORNING).test_client()
    assert "unsubscribed" in Phone(down, "+12055550777").reply("STOP")
    assert Phone(down, "+12055550777").send("food") == []  # known from the spool alone
    assert Phone(down, "+12055550778").send("cancelar servicio", OptOutType="STOP") == []
    # Another process, with Redis back, starts: both opt-outs hold from its first moment.
    app = create_app(settings, redis_client, now=lambda: MONDAY_MORNING)
    assert opted_out(app, "+12055550777") and opted_out(app, "+12055550778")
    assert Phone(app.test_client(), "+12055550777").send("food 35204") == []


def test_an_unexpected_error_still_answers_with_twiml(app, phone, monkeypatch):
    def explode(*args, **kwargs):
        raise RuntimeError("bug")

    monkeypatch.setattr(app.extensions["cpr"].runner.dialog, "advance", explode)
    reply = phone.send("food")
    assert "211" in reply[0]


def test_no_message_body_or_full_number_is_logged(phone, caplog):
    caplog.set_level("DEBUG")
    phone.send("my secret story about my kids 35204")
    phone.send("STOP")
    assert "secret story" not in caplog.text
    assert phone.number not in caplog.text
    assert "***0100" in caplog.text

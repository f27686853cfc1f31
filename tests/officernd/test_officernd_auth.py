"""Token handling: client credentials form, caching, the 5-a-minute guard, scope errors."""

from __future__ import annotations

from urllib.parse import parse_qsl

import httpx
import pytest

from orsync.errors import ConfigError, RateLimited
from orsync.officernd import ORSYNC_SCOPES, READ_SCOPES, MissingScope, OfficeRndAuthError

from .fake_api import SECRET, TOKEN_URL, FakeClock, FakeOfficeRnd, invoice, make_client


def test_token_request_is_a_form_post_with_client_credentials_and_only_orsync_scopes() -> None:
    fake = FakeOfficeRnd(collections={"payments": [invoice(1)]})
    list(make_client(fake).invoices())
    (request,) = fake.token_requests
    assert request.method == "POST"
    assert request.headers["content-type"] == "application/x-www-form-urlencoded"
    form = dict(parse_qsl(request.content.decode()))
    assert form["grant_type"] == "client_credentials"
    assert form["client_id"] == "client-1"
    assert form["client_secret"] == SECRET
    assert form["scope"].split() == list(ORSYNC_SCOPES)
    assert not any(s.startswith("flex.settings") for s in ORSYNC_SCOPES)


def test_token_is_reused_until_shortly_before_it_expires() -> None:
    clock = FakeClock()
    fake = FakeOfficeRnd(collections={"payments": [invoice(1)]})
    client = make_client(fake, clock=clock)
    for _ in range(5):
        list(client.invoices())
    assert len(fake.token_requests) == 1
    clock.now += 3599 - 61  # still more than the 60 s margin left
    list(client.invoices())
    assert len(fake.token_requests) == 1
    clock.now += 2  # inside the margin: refresh before the server would refuse it
    list(client.invoices())
    assert len(fake.token_requests) == 2
    auth = {r.headers["authorization"] for r in fake.api_requests}
    assert len(auth) == 2 and all(a.startswith("Bearer tok") for a in auth)


def test_never_more_than_five_token_requests_a_minute() -> None:
    clock = FakeClock()
    fake = FakeOfficeRnd(collections={"payments": [invoice(1)]}, expires_in=2)
    client = make_client(fake, clock=clock)
    for _ in range(5):
        list(client.invoices())
        clock.now += 2
    with pytest.raises(RateLimited) as refused:
        list(client.invoices())
    assert len(fake.token_requests) == 5  # the sixth never left the machine
    assert refused.value.retry_after is not None and 0 < refused.value.retry_after <= 60
    clock.now += 60
    list(client.invoices())
    assert len(fake.token_requests) == 6


def test_a_token_refused_with_401_is_replaced_once() -> None:
    fake = FakeOfficeRnd(collections={"payments": [invoice(1)]})
    fake.hooks.append(
        lambda r: (
            httpx.Response(401, json={"statusCode": 401}) if "payments" in r.url.path else None
        )
    )
    assert [i.id for i in make_client(fake).invoices()] == [invoice(1)["_id"]]
    assert len(fake.token_requests) == 2


def test_refused_scope_at_the_token_endpoint_names_the_scope_and_hides_the_secret() -> None:
    fake = FakeOfficeRnd()
    fake.token_hooks.append(
        lambda r: httpx.Response(
            400,
            json={
                "error": "invalid_scope",
                "error_description": "scope flex.billing.charges.create is not allowed",
            },
        )
    )
    with pytest.raises(MissingScope) as refused:
        list(make_client(fake).charges())
    assert refused.value.scopes == ("flex.billing.charges.create",)
    assert "flex.billing.charges.create" in str(refused.value)
    assert "flex.billing.charges.create" in refused.value.hint
    assert SECRET not in str(refused.value) + refused.value.hint
    assert refused.value.exit_code == 77


def test_a_403_from_the_api_names_the_scope_that_call_needs() -> None:
    fake = FakeOfficeRnd(collections={"charges": []})
    fake.hooks.append(
        lambda r: (
            httpx.Response(
                403, json={"statusCode": 403, "message": "Forbidden resource", "error": "Forbidden"}
            )
            if "charges" in r.url.path
            else None
        )
    )
    with pytest.raises(MissingScope) as refused:
        list(make_client(fake).charges())
    assert refused.value.scopes == ("flex.billing.charges.read",)


def test_a_token_granted_fewer_scopes_than_asked_is_refused_by_name() -> None:
    fake = FakeOfficeRnd(granted=" ".join(s for s in READ_SCOPES if "charges" not in s))
    with pytest.raises(MissingScope) as refused:
        list(make_client(fake, scopes=READ_SCOPES).charges())
    assert refused.value.scopes == ("flex.billing.charges.read",)


def test_wrong_client_secret_is_an_auth_error_without_the_secret() -> None:
    fake = FakeOfficeRnd()
    fake.token_hooks.append(lambda r: httpx.Response(401, json={"error": "invalid_client"}))
    with pytest.raises(OfficeRndAuthError) as refused:
        list(make_client(fake).invoices())
    assert not isinstance(refused.value, MissingScope)
    assert "invalid_client" in str(refused.value)
    assert SECRET not in repr(refused.value)


def test_credentials_repr_never_shows_the_secret() -> None:
    from orsync.officernd import ClientCredentials

    assert SECRET not in repr(ClientCredentials("client-1", SECRET))


def test_token_requests_that_never_connected_do_not_count_against_the_limit() -> None:
    """An unreachable endpoint is reported at once, each time: no minute-long wait for a limit
    that only requests OfficeRnD received count against."""
    fake = FakeOfficeRnd()

    def refused(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("connection refused", request=request)

    fake.token_hooks.extend([refused] * 8)
    sleeps: list[float] = []
    client = make_client(fake, sleeps=sleeps, token_rate_limit_wait=65.0)
    for _ in range(8):  # never reached before: a wrong URL (78), named at once each time
        with pytest.raises(ConfigError, match=r"https://identity\.test/oauth/token"):
            client.tokens.token()
    assert sleeps == []
    assert client.tokens.token().value  # reachable again: no wait either
    assert sleeps == []


def test_a_command_line_client_waits_once_for_the_token_limit_then_carries_on() -> None:
    fake = FakeOfficeRnd()
    fake.token_hooks.append(
        lambda r: httpx.Response(429, headers={"Retry-After": "30"}, text="Too many requests")
    )
    sleeps: list[float] = []
    client = make_client(fake, sleeps=sleeps, token_rate_limit_wait=65.0)
    assert client.tokens.token().value
    assert sleeps == [30.0]
    assert len(fake.token_requests) == 2


def test_a_token_limit_longer_than_the_allowed_wait_is_not_waited_for() -> None:
    fake = FakeOfficeRnd()
    fake.token_hooks.append(
        lambda r: httpx.Response(429, headers={"Retry-After": "600"}, text="Too many requests")
    )
    sleeps: list[float] = []
    with pytest.raises(RateLimited):
        make_client(fake, sleeps=sleeps, token_rate_limit_wait=65.0).tokens.token()
    assert sleeps == []


def test_token_endpoint_429_is_rate_limited() -> None:
    fake = FakeOfficeRnd()
    fake.token_hooks.append(
        lambda r: httpx.Response(429, text="Too many requests, please try again later")
    )
    with pytest.raises(RateLimited) as refused:
        list(make_client(fake).invoices())
    assert refused.value.retry_after == 60.0


class DictStore:
    """A TokenStore in memory: what the keyring entry holds between two runs."""

    def __init__(self) -> None:
        self.text: str | None = None

    def read(self) -> str | None:
        return self.text

    def write(self, text: str) -> None:
        self.text = text

    def clear(self) -> None:
        self.text = None


class BrokenStore:
    def read(self) -> str | None:
        raise RuntimeError("keyring locked")

    def write(self, text: str) -> None:
        raise RuntimeError("keyring locked")

    def clear(self) -> None:
        raise RuntimeError("keyring locked")


def test_a_second_run_reuses_the_token_the_first_one_kept() -> None:
    fake = FakeOfficeRnd(collections={"payments": [invoice(1)]})
    store = DictStore()
    list(make_client(fake, token_store=store).invoices())
    list(make_client(fake, token_store=store).invoices())  # a new process, the same keyring
    assert len(fake.token_requests) == 1
    assert store.text is not None and SECRET not in store.text  # the token, never the secret
    assert len({r.headers["authorization"] for r in fake.api_requests}) == 1


def test_a_kept_token_is_not_reused_once_it_is_near_its_expiry() -> None:
    from orsync.officernd.auth import ClientCredentials, TokenProvider

    fake = FakeOfficeRnd()
    store, wall = DictStore(), FakeClock(now=1_800_000_000.0)
    http = httpx.Client(transport=httpx.MockTransport(fake.handler))

    def provider() -> TokenProvider:
        credentials = ClientCredentials("client-1", SECRET)
        return TokenProvider(
            http, credentials, token_url=TOKEN_URL, clock=FakeClock(), store=store, wall_clock=wall
        )

    first = provider().token()
    wall.now += 3599 - 61  # the next run, still outside the refresh margin
    assert provider().token().value == first.value
    wall.now += 2  # inside the margin
    assert provider().token().value != first.value
    assert len(fake.token_requests) == 2


def test_a_token_kept_for_other_scopes_is_not_reused() -> None:
    fake = FakeOfficeRnd(collections={"payments": [invoice(1)]})
    store = DictStore()
    list(make_client(fake, token_store=store).invoices())
    list(make_client(fake, token_store=store, scopes=READ_SCOPES).invoices())
    assert len(fake.token_requests) == 2


def test_the_read_and_write_tokens_are_kept_side_by_side_and_each_asked_for_once() -> None:
    fake = FakeOfficeRnd(collections={"payments": [invoice(1)]})
    store = DictStore()
    for _run in range(3):  # three runs that read, then write: two scope sets each
        list(make_client(fake, token_store=store, scopes=READ_SCOPES).invoices())
        list(make_client(fake, token_store=store, scopes=ORSYNC_SCOPES).invoices())
    assert len(fake.token_requests) == 2
    assert len({r.headers["authorization"] for r in fake.api_requests}) == 2


def test_a_token_kept_before_tokens_were_kept_per_scope_set_is_still_reused() -> None:
    import json

    fake = FakeOfficeRnd(collections={"payments": [invoice(1)]})
    store = DictStore()
    list(make_client(fake, token_store=store).invoices())
    assert store.text is not None
    ((owner, entry),) = json.loads(store.text)["tokens"].items()
    store.text = json.dumps({"owner": owner, **entry})  # the single-token format
    list(make_client(fake, token_store=store).invoices())
    assert len(fake.token_requests) == 1


def test_a_kept_token_the_api_refuses_is_replaced_and_the_store_updated() -> None:
    fake = FakeOfficeRnd(collections={"payments": [invoice(1)]})
    store = DictStore()
    list(make_client(fake, token_store=store).invoices())
    kept = store.text
    refused = [True]

    def revoke_once(request: httpx.Request) -> httpx.Response | None:
        if "payments" in request.url.path and refused:
            refused.clear()
            return httpx.Response(401, json={"statusCode": 401})
        return None

    fake.hooks.append(revoke_once)
    assert [i.id for i in make_client(fake, token_store=store).invoices()] == [invoice(1)["_id"]]
    assert len(fake.token_requests) == 2
    assert store.text is not None and store.text != kept


def test_a_failing_token_store_never_fails_the_run() -> None:
    fake = FakeOfficeRnd(collections={"payments": [invoice(1)]})
    assert [i.id for i in make_client(fake, token_store=BrokenStore()).invoices()] == [
        invoice(1)["_id"]
    ]
    assert len(fake.token_requests) == 1


def test_a_profile_asks_for_the_scopes_of_the_features_it_uses() -> None:
    from orsync.officernd import FEATURE_SCOPES, WRITE_SCOPES, scopes_needed

    assert scopes_needed() == READ_SCOPES  # today's flows write nothing to OfficeRnD
    payments = scopes_needed(("payments",))
    assert payments[: len(READ_SCOPES)] == READ_SCOPES
    assert set(payments) - set(READ_SCOPES) == set(FEATURE_SCOPES["payments"])
    everything = scopes_needed(tuple(FEATURE_SCOPES))
    assert set(everything) == set(ORSYNC_SCOPES) and len(everything) == len(
        READ_SCOPES + WRITE_SCOPES
    )


def test_tokens_for_two_scope_sets_are_both_kept_so_a_restart_reuses_each() -> None:
    # `orsync listen` (and a sync whose mapping has payment_methods) holds a read token and a
    # charge-writing one: keeping only the last one made every restart ask for a token again,
    # so a listener restarted twice in a minute waited for OfficeRnD's 5-a-minute limit.
    fake = FakeOfficeRnd(collections={"payments": [invoice(1)]})
    store = DictStore()
    list(make_client(fake, token_store=store, scopes=READ_SCOPES).invoices())
    list(make_client(fake, token_store=store).invoices())
    assert len(fake.token_requests) == 2
    list(make_client(fake, token_store=store, scopes=READ_SCOPES).invoices())  # a restart
    list(make_client(fake, token_store=store).invoices())
    assert len(fake.token_requests) == 2

"""`orsync connect`: create or edit a profile, prompting on a terminal, flags for scripts."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any

import typer

from orsync.cli.context import AppContext

if TYPE_CHECKING:
    from rich.console import Console

    from orsync.config import Profile
    from orsync.services.setup import ConnectRequest, ConnectResult

DEFAULT_PROFILE = "default"


def connect_command(
    ctx: typer.Context,
    intacct_url: Annotated[
        str | None, typer.Option(help="Intacct XML gateway URL (default: api.intacct.com).")
    ] = None,
    sender_id: Annotated[str | None, typer.Option(help="Intacct Web Services sender ID.")] = None,
    company_id: Annotated[str | None, typer.Option(help="Intacct company ID.")] = None,
    user_id: Annotated[str | None, typer.Option(help="Intacct Web Services user ID.")] = None,
    entity: Annotated[
        str | None, typer.Option(help="Intacct entity to sign in to ('' for top level).")
    ] = None,
    invoice_type: Annotated[
        str | None, typer.Option(metavar="ar|sales", help="AR invoices or Sales invoices.")
    ] = None,
    transaction_definition: Annotated[
        str | None, typer.Option(help="Order Entry transaction definition (sales).")
    ] = None,
    entity_level: Annotated[
        str | None,
        typer.Option(metavar="top|subsidiary", help="Post at the top level or per location."),
    ] = None,
    numbering: Annotated[
        str | None,
        typer.Option(metavar="officernd|intacct", help="Who numbers invoices."),
    ] = None,
    overpayment_account: Annotated[
        str | None, typer.Option(help="GL account for overpayments ('' for none).")
    ] = None,
    officernd_org: Annotated[str | None, typer.Option(help="OfficeRnD organization slug.")] = None,
    officernd_client_id: Annotated[
        str | None, typer.Option(help="OfficeRnD application client ID.")
    ] = None,
    officernd_api_url: Annotated[
        str | None, typer.Option(help="OfficeRnD API host (other regions, the sandbox).")
    ] = None,
    officernd_token_url: Annotated[
        str | None, typer.Option(help="OfficeRnD OAuth token URL.")
    ] = None,
    mapping: Annotated[
        str | None, typer.Option("--mapping", metavar="FILE", help="Mapping file of this profile.")
    ] = None,
    yes: Annotated[
        bool, typer.Option("--yes", "-y", help="Confirm switching the invoice type.")
    ] = False,
    json_output: Annotated[bool, typer.Option("--json", help="Print the result as JSON.")] = False,
) -> None:
    """Create or edit a profile and test both connections before saving anything.

    \b
    Secrets come from a hidden prompt, or (scripts, --no-input) from
    ORSYNC_INTACCT_SENDER_PASSWORD, ORSYNC_INTACCT_USER_PASSWORD and
    ORSYNC_OFFICERND_CLIENT_SECRET. They go to the OS keyring when it has a backend,
    never to a file. Exit codes: 0 saved; 2 missing or wrong input (the list of what is
    missing), or an unconfirmed invoice-type switch; 69 a service is unreachable;
    77 credentials or permissions refused; 78 configuration, mapping or keyring problem.
    """
    from orsync.services.setup import (
        ConnectRequest,
        NeedsConfirmation,
        connect_profile,
        existing_profile,
        secrets_can_be_asked,
        writable_config_path,
    )

    state: AppContext = ctx.obj
    state.request_json(json_output)
    request = ConnectRequest(
        profile=state.profile or DEFAULT_PROFILE,
        intacct_url=intacct_url,
        sender_id=sender_id,
        company_id=company_id,
        user_id=user_id,
        entity=entity,
        invoice_type=_choice("--invoice-type", invoice_type, ("ar", "sales")),
        transaction_definition=transaction_definition,
        entity_level=_choice("--entity-level", entity_level, ("top", "subsidiary")),
        numbering=_choice("--numbering", numbering, ("officernd", "intacct")),
        overpayment_account=overpayment_account,
        officernd_org=officernd_org,
        officernd_client_id=officernd_client_id,
        officernd_api_url=officernd_api_url,
        officernd_token_url=officernd_token_url,
        mapping=mapping,
        confirm_invoice_type_change=yes,
        config_path=state.config_path,
    )
    writable_config_path(request)
    if not state.no_input:
        old = existing_profile(request)
        secrets_can_be_asked(request, old)
        request = _prompt(request, old, state.output.stderr)
    try:
        result = connect_profile(request)
    except NeedsConfirmation as question:
        if state.no_input:
            raise
        from dataclasses import replace

        from rich.prompt import Confirm

        console = state.output.stderr
        console.print(question.message, markup=False)
        console.print(question.hint, markup=False)
        if not Confirm.ask("Switch the invoice type?", default=False, console=console):
            raise typer.Exit(1) from None
        result = connect_profile(replace(request, confirm_invoice_type_change=True))
    _render(state, result)


def _choice(flag: str, value: str | None, allowed: tuple[str, ...]) -> Any:
    """The lower-cased value if allowed (typed as the Literal the request expects)."""
    from orsync.errors import UsageError

    if value is None:
        return None
    normalised = value.strip().lower()
    if normalised not in allowed:
        raise UsageError(f"{flag} {value!r} is not one of: {', '.join(allowed)}")
    return normalised


def _render(state: AppContext, result: ConnectResult) -> None:
    if state.json:
        state.output.json(result.to_dict())
        return
    out = state.output
    verb = "Created" if result.created else "Updated"
    out.line(f"{verb} profile {result.profile!r} in {result.config_path}.")
    out.line("Both connections were tested: Intacct signed in, OfficeRnD token and read OK.")
    if result.changed:
        out.line("Changed: " + ", ".join(result.changed))
    if result.invoice_type_change is not None:
        change = result.invoice_type_change
        out.line(
            f"Invoice type switched from {change.from_type.upper()} to "
            f"{change.to_type.upper()} on {change.changed_at:%Y-%m-%d} (recorded)."
        )
    if result.secrets_storage == "keyring":
        out.line("Secrets are in the OS keyring (never in a file).")
    if result.notice:
        out.warn(result.notice)
    if result.settings.sync.mapping is None:
        out.line("Next: `orsync map init` writes a mapping file, then `orsync test`.")
    else:
        out.line("Next: `orsync test` checks the connections, permissions and the mapping.")


# -- interactive prompts ---------------------------------------------------------------------


def _prompt(request: ConnectRequest, old: Profile | None, console: Console) -> ConnectRequest:
    """Ask for every setting the flags left out, old values (or defaults) offered as default."""
    from dataclasses import replace

    from orsync.config import (
        DEFAULT_INTACCT_URL,
        DEFAULT_OFFICERND_API_URL,
        DEFAULT_OFFICERND_TOKEN_URL,
    )
    from orsync.secrets import Secret
    from orsync.services.setup import find_secrets

    ask = _Asker(console)
    have_secret = find_secrets(request, old)
    values: dict[str, Any] = {}
    typed: dict[Secret, str] = dict(request.secrets)

    def text(name: str, label: str, current: str | None, *, optional: bool = False) -> None:
        if getattr(request, name) is None:
            values[name] = ask.text(label, current, optional=optional)

    def secret(which: Secret, label: str) -> None:
        if which in typed:
            return
        value = ask.secret(label, keep=which in have_secret)
        if value:
            typed[which] = value

    console.print(
        f"Setting up profile {request.profile!r}. Secrets are typed hidden and go to the OS "
        "keyring; press Enter to keep a value shown in brackets.",
        markup=False,
    )
    console.print("Sage Intacct (Web Services)", style="bold", markup=False)
    text("intacct_url", "Gateway URL", old.intacct.url if old else DEFAULT_INTACCT_URL)
    text("sender_id", "Sender ID", old.intacct.sender_id if old else None)
    secret(Secret.INTACCT_SENDER_PASSWORD, "Sender password")
    text("company_id", "Company ID", old.intacct.company_id if old else None)
    text("user_id", "User ID", old.intacct.user_id if old else None)
    secret(Secret.INTACCT_USER_PASSWORD, "User password")
    text(
        "entity",
        "Entity ID (empty: top level)",
        old.intacct.entity if old else None,
        optional=True,
    )
    console.print("OfficeRnD Flex", style="bold", markup=False)
    text("officernd_org", "Organization slug", old.officernd.org if old else None)
    text("officernd_client_id", "Client ID", old.officernd.client_id if old else None)
    secret(Secret.OFFICERND_CLIENT_SECRET, "Client secret")
    text(
        "officernd_api_url",
        "API URL",
        old.officernd.api_url if old else DEFAULT_OFFICERND_API_URL,
    )
    text(
        "officernd_token_url",
        "Token URL",
        old.officernd.token_url if old else DEFAULT_OFFICERND_TOKEN_URL,
    )
    console.print("How to post", style="bold", markup=False)
    sync = old.sync if old else None
    if request.invoice_type is None:
        values["invoice_type"] = ask.choice(
            "Invoice type: ar (AR invoice) or sales (Sales invoice)",
            ("ar", "sales"),
            sync.invoice_type if sync else "ar",
        )
    invoice_type = values.get("invoice_type") or request.invoice_type
    if invoice_type == "sales":
        text(
            "transaction_definition",
            "Order Entry transaction definition",
            sync.transaction_definition if sync else "Sales Invoice",
        )
    if request.entity_level is None:
        values["entity_level"] = ask.choice(
            "Entity level: top, or subsidiary (the entity of each location)",
            ("top", "subsidiary"),
            sync.entity_level if sync else "top",
        )
    if request.numbering is None:
        values["numbering"] = ask.choice(
            "Invoice numbers owned by: officernd, or intacct (written back)",
            ("officernd", "intacct"),
            sync.numbering if sync else "officernd",
        )
    text(
        "overpayment_account",
        "Overpayment revenue GL account (empty: none)",
        sync.overpayment_account if sync else None,
        optional=True,
    )
    return replace(request, secrets=typed, **values)


class _Asker:
    """Rich prompts on stderr, so that stdout keeps only the result."""

    def __init__(self, console: Console) -> None:
        self.console = console

    def text(self, label: str, current: str | None, *, optional: bool = False) -> str:
        from rich.prompt import Prompt

        while True:
            answer = Prompt.ask(
                label, console=self.console, default=current or "", show_default=bool(current)
            ).strip()
            if answer or optional:
                return answer
            self.console.print("  a value is required", markup=False)

    def secret(self, label: str, *, keep: bool) -> str:
        from rich.prompt import Prompt

        suffix = " (Enter keeps the current one)" if keep else ""
        while True:
            answer = Prompt.ask(
                label + suffix, console=self.console, password=True, default="", show_default=False
            )
            if answer or keep:
                return answer
            self.console.print("  a value is required", markup=False)

    def choice(self, label: str, choices: tuple[str, ...], current: str) -> str:
        from rich.prompt import Prompt

        return Prompt.ask(label, console=self.console, choices=list(choices), default=current)

"""Profiles: list, describe and remove them (secrets included, values never shown)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from orsync import secrets
from orsync.config import Config, Profile, load_config, save_config, select_profile


@dataclass(frozen=True)
class ProfileSummary:
    name: str
    is_default: bool
    officernd_org: str
    intacct_company: str
    intacct_entity: str | None
    invoice_type: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "default": self.is_default,
            "officernd_org": self.officernd_org,
            "intacct_company": self.intacct_company,
            "intacct_entity": self.intacct_entity,
            "invoice_type": self.invoice_type,
        }


def list_profiles(config: Config) -> list[ProfileSummary]:
    return [
        ProfileSummary(
            name=name,
            is_default=name == config.default_profile,
            officernd_org=profile.officernd.org,
            intacct_company=profile.intacct.company_id,
            intacct_entity=profile.intacct.entity,
            invoice_type=profile.sync.invoice_type,
        )
        for name, profile in sorted(config.profiles.items())
    ]


@dataclass(frozen=True)
class ProfileDetails:
    name: str
    profile: Profile
    secrets: list[secrets.SecretStatus]

    def to_dict(self) -> dict[str, Any]:
        return {
            "schema": "orsync.profile/1",
            "name": self.name,
            "settings": self.profile.model_dump(mode="json"),
            "secrets": {
                s.secret.value: {"set": s.is_set, "source": s.source} for s in self.secrets
            },
        }


def describe_profile(config: Config, name: str, path: Path) -> ProfileDetails:
    chosen, profile = select_profile(config, name, path, named_by="orsync profiles show")
    statuses = [secrets.status(chosen, secret) for secret in secrets.Secret]
    return ProfileDetails(chosen, profile, statuses)


@dataclass(frozen=True)
class RemovedProfile:
    name: str
    secrets_removed: list[secrets.Secret]

    def to_dict(self) -> dict[str, Any]:
        return {
            "schema": "orsync.profile-removed/1",
            "removed": self.name,
            "secrets_removed": [s.value for s in self.secrets_removed],
        }


def remove_profile(path: Path, name: str) -> RemovedProfile:
    """Drop the profile from the config file and its secrets from the keyring.

    The profile's ledger (state folder) is kept on purpose: it is the memory of what was
    already posted, and deleting it by accident would invite duplicates on a re-connect.
    """
    config = load_config(path)
    select_profile(config, name, path)
    removed = secrets.forget(name)
    save_config(path, config.without_profile(name))
    return RemovedProfile(name, removed)

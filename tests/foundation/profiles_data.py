"""A profile as `connect` would save it, for tests that need one on disk."""

from __future__ import annotations

from orsync.config import Config, IntacctSettings, OfficeRndSettings, Profile, save_config
from orsync.env import default_config_path


def sample_profile(company: str = "ACME-CO") -> Profile:
    return Profile(
        intacct=IntacctSettings(sender_id="acme-sender", company_id=company, user_id="xml_user"),
        officernd=OfficeRndSettings(org="acme-spaces", client_id="client-123"),
    )


def write_profiles(*names: str) -> Config:
    config = Config()
    for name in names:
        config = config.with_profile(name, sample_profile(company=f"{name.upper()}-CO"))
    save_config(default_config_path(), config)
    return config

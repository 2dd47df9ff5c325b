"""Settings: ``settings.toml`` in the config directory, overridden by ``REMINDER_*`` variables.

Precedence, highest first: environment (``REMINDER_`` prefix, ``__`` for nesting, e.g.
``REMINDER_WEB__BASE_URL``), secret files (``REMINDER_SECRETS_DIR``, one file per variable,
named like the variable in lower case, e.g. ``reminder_secret_key``), then ``settings.toml``.
Secrets are never required in the file, and ``reminder check`` warns when one is written there.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, SecretStr
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
)

from reminder.policy import Policy

SECRET_FIELDS: tuple[tuple[str, ...], ...] = (("secret_key",),)


class WebSettings(BaseModel):
    """Where the web app listens and the public address put into links."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    host: str = "127.0.0.1"
    port: int = 8080
    base_url: str = "http://127.0.0.1:8080"


class Settings(BaseSettings):
    """Every setting of the service; see config/settings.toml for each one in Vietnamese."""

    model_config = SettingsConfigDict(
        env_prefix="REMINDER_",
        env_nested_delimiter="__",
        extra="forbid",
        frozen=True,
    )

    config_dir: Path = Path("config")
    data_dir: Path = Path("data")
    secret_key: SecretStr | None = None
    council: str | None = None
    web: WebSettings = WebSettings()
    policy: Policy = Policy()

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        # The file's values come in as init arguments; the environment must win over them.
        return env_settings, file_secret_settings, init_settings


def build_settings(file_values: dict[str, Any], secrets_dir: Path | None) -> Settings:
    """Settings from the parsed ``settings.toml`` values, the environment and secret files.

    Raises pydantic's ``ValidationError``; the config loader turns it into problems.
    """
    kwargs: dict[str, Any] = dict(file_values)
    if secrets_dir is not None:
        kwargs["_secrets_dir"] = secrets_dir
    return Settings(**kwargs)

"""Settings: ``settings.toml`` in the config directory, overridden by ``REMINDER_*`` variables.

Precedence, highest first: environment (``REMINDER_`` prefix, ``__`` for nesting, e.g.
``REMINDER_WEB__BASE_URL``), secret files (``REMINDER_SECRETS_DIR``, one file per variable,
named like the variable in lower case, e.g. ``reminder_secret_key``), then ``settings.toml``.
Secrets are never required in the file, and ``reminder check`` warns when one is written there.
"""

from __future__ import annotations

from datetime import time
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
)

from reminder.policy import Policy, SendTime

SECRET_FIELDS: tuple[tuple[str, ...], ...] = (
    ("secret_key",),
    ("smtp", "password"),
    ("zalo", "access_token"),
    ("zalo", "refresh_token"),
    ("zalo", "secret_key"),
    ("webhook", "secret"),
    ("zalo", "oa_secret_key"),
    ("web", "admin_password_hash"),
    ("web", "metrics_token"),
    ("zalo_bot", "token"),
    ("zalo_bot", "secret_token"),
)

ChannelName = Literal["email", "zalo_bot", "zalo_oa", "zalo_zns", "webhook", "file"]


class WebSettings(BaseModel):
    """Where the web app listens and the public address put into links."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    host: str = "127.0.0.1"
    port: int = Field(8080, ge=1, le=65535)
    base_url: str = "http://127.0.0.1:8080"
    admin_password_hash: SecretStr | None = None
    session_hours: int = Field(12, ge=1, le=24 * 30)
    bad_token_limit: int = Field(10, ge=1)  # 0 would refuse every valid link
    # Addresses (or networks, "10.0.0.0/8") of reverse proxies whose X-Forwarded-For /
    # X-Forwarded-Proto are believed; empty: the connection's own address is the client.
    trusted_proxies: tuple[str, ...] = ()
    # When set, /metrics answers only "Authorization: Bearer <token>".
    metrics_token: SecretStr | None = None
    # Server limits: a connection must send its request headers within header_timeout_s, an
    # idle keep-alive connection is closed after keep_alive_s, and beyond max_connections
    # connections or requests in progress new requests get 503.
    header_timeout_s: float = Field(default=10.0, gt=0)
    keep_alive_s: int = Field(default=5, ge=1)
    max_connections: int = Field(default=500, ge=1)


class SmtpSettings(BaseModel):
    """Mail server (``REMINDER_SMTP__HOST`` ...). Email is enabled when ``host`` is set."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    host: str | None = None
    port: int = Field(587, ge=1, le=65535)
    security: Literal["none", "starttls", "ssl"] = "starttls"
    username: str | None = None
    password: SecretStr | None = None
    sender: str = "Nhắc việc <nhac-viec@localhost>"
    reply_to: str | None = None
    timeout: float = Field(30.0, gt=0)


class ZaloSettings(BaseModel):
    """Zalo Official Account and ZNS (``REMINDER_ZALO__ACCESS_TOKEN`` ...).

    The OA channel is enabled when an access or refresh token is set; ZNS also needs a
    ``zns_template_id``. Tokens refreshed at run time are kept in the data dir, not here.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    api_base: str = "https://openapi.zalo.me"
    oauth_base: str = "https://oauth.zaloapp.com"
    zns_base: str = "https://business.openapi.zalo.me"
    access_token: SecretStr | None = None
    refresh_token: SecretStr | None = None
    app_id: str | None = None
    secret_key: SecretStr | None = None
    zns_template_id: str | None = None
    oa_secret_key: SecretStr | None = None
    timeout: float = 15.0
    refresh_before_s: int = 3600
    # Consultation messages only this long after the follower's last interaction with the OA
    # (free for 48 hours, paid up to 7 days; Zalo refuses them after that).
    cs_window_h: int = Field(48, ge=1, le=168)
    # Template (ZNS / ZBS) messages only between these local times; the rest wait.
    template_from: SendTime = time(7, 0)
    template_until: SendTime = time(22, 0)


class ZaloBotSettings(BaseModel):
    """The Zalo Bot Platform (``REMINDER_ZALO_BOT__TOKEN`` ...): free chats with linked officers.

    Enabled when ``token`` is set. ``mode = "webhook"`` receives messages at ``POST /zalo/bot``
    (register it with ``reminder zalo-bot set-webhook``); ``"poll"`` makes ``reminder run`` ask
    ``getUpdates`` instead, for a machine without a public address.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    api_base: str = "https://bot-api.zaloplatforms.com"
    token: SecretStr | None = None
    secret_token: SecretStr | None = None
    mode: Literal["webhook", "poll"] = "webhook"
    name: str = "Bot nhắc việc"
    invite_days: int = Field(7, ge=1, le=90)
    poll_timeout_s: int = Field(30, ge=1, le=60)
    timeout: float = 15.0
    #: Wrong invite codes a chat may send in an hour before it must wait for the hour to pass.
    wrong_codes_per_hour: int = Field(5, ge=1, le=100)
    #: Days a handled update is kept (a repeat within them is ignored), then forgotten.
    keep_updates_days: int = Field(30, ge=1, le=3650)


class WebhookSettings(BaseModel):
    """A JSON endpoint that receives every message (``REMINDER_WEBHOOK__URL`` ...)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    url: str | None = None
    secret: SecretStr | None = None
    timeout: float = 15.0


class ChannelSettings(BaseModel):
    """How messages go out: channel order, concurrency and retries."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    order: tuple[ChannelName, ...] = ("zalo_bot", "zalo_oa", "zalo_zns", "email", "webhook")
    concurrency: dict[str, Annotated[int, Field(ge=1, le=64)]] = {
        "email": 4,
        "zalo_bot": 4,
        "zalo_oa": 4,
        "zalo_zns": 4,
        "webhook": 8,
        "file": 4,  # fsynced files: four at a time overlap their disk waits
    }
    retry_first_s: int = Field(120, ge=1)
    retry_max_s: int = Field(7200, ge=1)
    retry_for_h: int = Field(26, ge=1)
    # A pass renews its leases every third of lease_s: 3 s still leaves 2 s for a renewal held
    # up by a lock wait or a slow fsync (tests use it to outlive several lease periods).
    lease_s: int = Field(600, ge=3)
    # How many messages a pass takes at a time. Workers sharing a PostgreSQL database take
    # turns by batches (0: 50 with PostgreSQL, all at once with the TinyDB files, where one
    # process sends).
    lease_batch: int = Field(default=0, ge=0)


class DigestSettings(BaseModel):
    """The weekly digest to the chair: recipients and when (local time)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    to: tuple[str, ...] = ()
    cc: tuple[str, ...] = ()
    day_of_week: Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"] = "mon"
    time: SendTime = time(7, 30)


class ServiceSettings(BaseModel):
    """The long-running service."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    tick_seconds: int = Field(60, ge=1, le=3600)  # 0 would make the scheduler spin
    stop_timeout_s: float = Field(8.0, gt=0)


ENV_PREFIX = "REMINDER_"
ENV_DELIMITER = "__"


def env_name(path: tuple[str | int, ...]) -> str:
    """The environment variable that sets the setting at ``path`` (``("smtp", "sender")`` ->
    ``REMINDER_SMTP__SENDER``)."""
    return ENV_PREFIX + ENV_DELIMITER.join(str(part).upper() for part in path)


class Settings(BaseSettings):
    """Every setting of the service; see config/settings.toml for each one in Vietnamese."""

    model_config = SettingsConfigDict(
        env_prefix=ENV_PREFIX,
        env_nested_delimiter=ENV_DELIMITER,
        extra="forbid",
        frozen=True,
    )

    config_dir: Path = Path("config")
    data_dir: Path = Path("data")
    # Empty: TinyDB files in data_dir (one host). postgresql://user@host:port/db: a database
    # that several workers share (a password is best given by PGPASSWORD or ~/.pgpass).
    store_url: str = ""
    secret_key: SecretStr | None = None
    council: str | None = None
    templates_dir: Path | None = None
    # The admin guide served at /huong-dan; empty: the copy inside the installed package
    # (docs/huong-dan-quan-tri.md of the source tree). Set it to serve an agency's own guide.
    guide_file: Path | None = None
    web: WebSettings = WebSettings()
    policy: Policy = Policy()
    smtp: SmtpSettings = SmtpSettings()
    zalo: ZaloSettings = ZaloSettings()
    zalo_bot: ZaloBotSettings = ZaloBotSettings()
    webhook: WebhookSettings = WebhookSettings()
    channels: ChannelSettings = ChannelSettings()
    digest: DigestSettings = DigestSettings()
    service: ServiceSettings = ServiceSettings()

    @field_validator("store_url")
    @classmethod
    def _store_url(cls, value: str) -> str:
        value = value.strip()
        if value and not value.startswith(("postgresql://", "postgres://")):
            raise ValueError(
                "phải để trống (lưu trong thư mục dữ liệu) hoặc là địa chỉ PostgreSQL dạng"
                " postgresql://người_dùng@máy_chủ:5432/tên_cơ_sở_dữ_liệu"
            )
        return value

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

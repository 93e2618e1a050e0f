"""Application-level encryption of sensitive fields (SECURITY.md R12).

Values are sealed with AES-256-GCM before they reach the database and opened when they are read
back. The stored form is::

    enc1:<key id>:<base64url(nonce | ciphertext | tag)>

The associated data binds each value to its column (``<app_label>.<model>.<field>``): a value
copied into another column, or another row's column of a different field, does not open.

The keys live outside the database, in the setting ``FIELD_ENCRYPTION_KEYS`` (a list of
``"<key id>:<base64 key>"`` entries read from the environment or a key file, see
``field_keys_from_environment``). The first key seals every new value; all of them open values.
Rotation: put a new key first, keep the old ones, run ``manage.py rotate_keys``, and remove an old
key only when the command reports no value left under it.

This module is plain Python and ``cryptography``: settings import it to check the keys at start-up.
"""

from __future__ import annotations

import base64
import binascii
import functools
import hashlib
import os
import re
import secrets
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

PREFIX = "enc1"
KEY_BYTES = 32
NONCE_BYTES = 12
TAG_BYTES = 16
KEY_ID = re.compile(r"^[A-Za-z0-9_-]{1,32}$")

# Development and tests only: a fixed, public key, refused in production.
DEV_KEY_ID = "dev"
DEV_KEY = base64.urlsafe_b64encode(hashlib.sha256(b"intreccio dev-only field encryption key").digest()).decode()
DEV_KEY_ENTRY = f"{DEV_KEY_ID}:{DEV_KEY}"

ENV_KEYS = "INTRECCIO_FIELD_KEYS"
ENV_KEYS_FILE = "INTRECCIO_FIELD_KEYS_FILE"


class KeyringError(ValueError):
    """The configured keys are malformed (the message never contains key material)."""


class DecryptionError(Exception):
    """A stored value does not open: unknown key, wrong column, tampered or not encrypted at all."""

    def __init__(self, reason: str, *, context: str, key_id: str | None = None) -> None:
        self.reason = reason
        self.context = context
        self.key_id = key_id
        where = f"{context} (key {key_id!r})" if key_id else context
        super().__init__(f"Cannot decrypt a value of {where}: {reason}")


@dataclass(frozen=True)
class Keyring:
    """Key ids and keys in order; the first seals new values. Keys never appear in a repr."""

    entries: tuple[tuple[str, bytes], ...] = field(repr=False)

    @property
    def active_id(self) -> str:
        return self.entries[0][0]

    @property
    def key_ids(self) -> tuple[str, ...]:
        return tuple(kid for kid, _key in self.entries)

    def key(self, key_id: str) -> bytes | None:
        for kid, key in self.entries:
            if kid == key_id:
                return key
        return None

    def __repr__(self) -> str:
        return f"Keyring(key_ids={self.key_ids!r})"


def _decode_key(text: str) -> bytes:
    text = text.strip()
    padded = text + "=" * (-len(text) % 4)
    try:
        return base64.b64decode(padded.replace("-", "+").replace("_", "/"), validate=True)
    except (binascii.Error, ValueError) as exc:
        raise KeyringError("a field encryption key is not valid base64") from exc


def parse_keyring(entries: Iterable[str]) -> Keyring:
    """``["kid2:base64key", "kid1:base64key"]`` → a Keyring; KeyringError on anything malformed."""
    parsed: list[tuple[str, bytes]] = []
    seen: set[str] = set()
    for raw in entries:
        entry = raw.strip()
        if not entry:
            continue
        kid, sep, encoded = entry.partition(":")
        kid = kid.strip()
        if not sep or not KEY_ID.match(kid):
            raise KeyringError(
                "each field encryption key must be written <key id>:<base64 key>, the key id made of "
                "letters, digits, '-' or '_' (at most 32)"
            )
        if kid.lower() in seen:
            raise KeyringError(f"the key id {kid!r} appears twice among the field encryption keys")
        key = _decode_key(encoded)
        if len(key) != KEY_BYTES:
            raise KeyringError(f"the field encryption key {kid!r} must be {KEY_BYTES} bytes (AES-256)")
        seen.add(kid.lower())
        parsed.append((kid, key))
    if not parsed:
        raise KeyringError("no field encryption key is configured")
    return Keyring(tuple(parsed))


def _split_entries(text: str) -> list[str]:
    """Entries separated by commas or new lines; ``#`` starts a comment line in a key file."""
    lines = [line for line in text.splitlines() if not line.strip().startswith("#")]
    return [item.strip() for item in ",".join(lines).split(",") if item.strip()]


def field_keys_from_environment(environ: Mapping[str, str], *, production: bool) -> list[str]:
    """The keyring entries for the settings, from ``INTRECCIO_FIELD_KEYS`` or ``INTRECCIO_FIELD_KEYS_FILE``.

    Production must set one of them (RuntimeError otherwise, like the other keys) and may not use
    the public development key; elsewhere the development key is the default.
    """
    inline = environ.get(ENV_KEYS, "").strip()
    path = environ.get(ENV_KEYS_FILE, "").strip()
    if inline and path:
        raise RuntimeError(f"Set either {ENV_KEYS} or {ENV_KEYS_FILE}, not both.")
    if path:
        try:
            entries = _split_entries(Path(path).read_text(encoding="utf-8"))
        except OSError as exc:
            raise RuntimeError(f"{ENV_KEYS_FILE} points to a file that cannot be read: {exc.strerror}") from exc
    else:
        entries = _split_entries(inline)
    if not entries:
        if production:
            raise RuntimeError(f"{ENV_KEYS} (or {ENV_KEYS_FILE}) must be set in production: the field encryption keys.")
        return [DEV_KEY_ENTRY]
    try:
        keyring = parse_keyring(entries)
    except KeyringError as exc:
        raise RuntimeError(f"{ENV_KEYS}: {exc}.") from exc
    if production and any(key == _decode_key(DEV_KEY) for _kid, key in keyring.entries):
        raise RuntimeError("The development field encryption key is public: production needs its own keys.")
    return entries


@functools.lru_cache(maxsize=8)
def _keyring_for(entries: tuple[str, ...]) -> Keyring:
    return parse_keyring(entries)


def current_keyring() -> Keyring:
    """The keyring of the settings (cached per configuration, so ``override_settings`` works)."""
    from django.conf import settings

    return _keyring_for(tuple(settings.FIELD_ENCRYPTION_KEYS))


def _b64encode(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _b64decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _associated_data(context: str) -> bytes:
    return f"intreccio:{PREFIX}:{context}".encode()


def is_token(value: str) -> bool:
    """Whether a stored value has the form of an encrypted one (it may still fail to open)."""
    return value.startswith(PREFIX + ":")


def token_key_id(value: str) -> str | None:
    """The key id a stored value names, or None for a value that is not encrypted."""
    if not is_token(value):
        return None
    parts = value.split(":", 2)
    return parts[1] if len(parts) == 3 else None


def encrypt(plaintext: str, *, context: str, keyring: Keyring | None = None) -> str:
    """Seal ``plaintext`` for the column ``context`` with the active key. Empty stays empty."""
    if plaintext == "":
        return ""
    ring = keyring or current_keyring()
    kid, key = ring.entries[0]
    nonce = os.urandom(NONCE_BYTES)
    sealed = AESGCM(key).encrypt(nonce, plaintext.encode("utf-8"), _associated_data(context))
    return f"{PREFIX}:{kid}:{_b64encode(nonce + sealed)}"


def decrypt(token: str, *, context: str, keyring: Keyring | None = None) -> str:
    """Open a stored value of the column ``context``. Empty stays empty; DecryptionError otherwise."""
    if token == "":  # nosec B105
        return ""
    if not is_token(token):
        raise DecryptionError("the stored value is not encrypted", context=context)
    parts = token.split(":", 2)
    if len(parts) != 3:
        raise DecryptionError("the stored value is malformed", context=context)
    kid = parts[1]
    ring = keyring or current_keyring()
    key = ring.key(kid)
    if key is None:
        raise DecryptionError("its key is not in the keyring", context=context, key_id=kid)
    try:
        blob = _b64decode(parts[2])
    except (binascii.Error, ValueError) as exc:
        raise DecryptionError("the stored value is malformed", context=context, key_id=kid) from exc
    if len(blob) < NONCE_BYTES + TAG_BYTES:
        raise DecryptionError("the stored value is truncated", context=context, key_id=kid)
    try:
        plain = AESGCM(key).decrypt(blob[:NONCE_BYTES], blob[NONCE_BYTES:], _associated_data(context))
    except InvalidTag as exc:
        raise DecryptionError(
            "authentication failed (wrong key, another column's value, or altered)", context=context, key_id=kid
        ) from exc
    return plain.decode("utf-8")


def generate_key_entry(key_id: str) -> str:
    """A new ``<key id>:<base64 key>`` entry with 32 random bytes."""
    if not KEY_ID.match(key_id):
        raise KeyringError("a key id is made of letters, digits, '-' or '_' (at most 32)")
    return f"{key_id}:{_b64encode(secrets.token_bytes(KEY_BYTES))}"

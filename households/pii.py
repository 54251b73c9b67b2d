"""Encryption at rest of ID and phone numbers: the cipher, the keys and the keyed hashes (PIPL 个人敏感信息).

The columns of ID and phone numbers hold `encrypt_value(...)` tokens (households/pii_fields.py:
EncryptedCharField), and keyed-hash columns on Member hold the hashes of an ID number for what the app must
still do with a number it cannot read in SQL — uniqueness (the `full` hash, a unique column), exact search,
search by the first 6 and by the last 4 or 6 digits (`households.selectors.members_matching_id`). The
`rotate_data_key` command moves every row to the current key (households/pii_rows.py).

Keys come from the environment, `RELIEF_DATA_KEY` = `<version>:<urlsafe base64 of 32 bytes>`, several
comma-separated while a rotation runs, the first the current one. Every token and every hash starts with the
version of the key that made it (`k2$...`), so a rotation re-encrypts and re-hashes row by row and can stop
and resume; look-ups hash the term under every configured key. Without the variable a fixed development key
is used, and refused under RELIEF_PRODUCTION. The cipher is a setting (`RELIEF_PII_CIPHER`, a dotted path to
a class with `encrypt(key, plaintext, aad)` / `decrypt(key, data, aad)`), so a deployment that must use SM4
plugs in its own; the default is AES-256-GCM from the `cryptography` package (authenticated: a changed
token fails to decrypt instead of decoding to another number).
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import os
from dataclasses import dataclass
from functools import lru_cache

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils.module_loading import import_string

# Development and tests only: a production start without RELIEF_DATA_KEY is refused (keys()).
DEV_KEY = "1:" + base64.urlsafe_b64encode(hashlib.sha256(b"relief development data key").digest()).decode()
SEPARATOR = "$"


class AesGcmCipher:
    """AES-256-GCM with a random 96-bit nonce per value; the nonce travels in front of the ciphertext."""

    NONCE = 12

    def encrypt(self, key: bytes, plaintext: bytes, aad: bytes) -> bytes:
        nonce = os.urandom(self.NONCE)
        return nonce + _aes_gcm(key).encrypt(nonce, plaintext, aad)

    def decrypt(self, key: bytes, data: bytes, aad: bytes) -> bytes:
        return _aes_gcm(key).decrypt(data[:self.NONCE], data[self.NONCE:], aad)


@lru_cache(maxsize=8)
def _aes_gcm(key: bytes):
    # Set up once per key: every row of a ledger or a list decrypts with the same one.
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    return AESGCM(key)


@dataclass(frozen=True)
class DataKey:
    version: str
    encryption: bytes  # derived, never the master key itself: one key per purpose
    hashing: bytes


def _derive(master: bytes, purpose: bytes) -> bytes:
    return hmac.new(master, b"relief-pii:" + purpose, hashlib.sha256).digest()


def _parse(spec: str) -> list[DataKey]:
    result = []
    for part in (p.strip() for p in spec.split(",") if p.strip()):
        version, sep, encoded = part.partition(":")
        if not sep or not version.isalnum():
            raise ImproperlyConfigured("RELIEF_DATA_KEY: 每个密钥写作 <版本>:<base64>，多个以逗号分隔。")
        try:
            master = base64.urlsafe_b64decode(encoded + "=" * (-len(encoded) % 4))
        except ValueError as exc:
            raise ImproperlyConfigured("RELIEF_DATA_KEY: 密钥不是有效的 base64。") from exc
        if len(master) != 32:
            raise ImproperlyConfigured("RELIEF_DATA_KEY: 每个密钥须为 32 字节（256 位）。")
        result.append(DataKey(version, _derive(master, b"encrypt"), _derive(master, b"hash")))
    if not result:
        raise ImproperlyConfigured("RELIEF_DATA_KEY 为空。")
    return result


@lru_cache(maxsize=4)
def _keys_for(spec: str) -> tuple[DataKey, ...]:
    return tuple(_parse(spec))


def keys() -> tuple[DataKey, ...]:
    """The configured keys, the current one first."""
    spec = os.environ.get("RELIEF_DATA_KEY", "")
    if not spec:
        if getattr(settings, "PRODUCTION", False):
            raise ImproperlyConfigured("RELIEF_PRODUCTION=1 requires RELIEF_DATA_KEY in the environment "
                                       "(the key that encrypts ID and phone numbers); never use the development key.")
        spec = DEV_KEY
    return _keys_for(spec)


def key_of(version: str) -> DataKey:
    """The configured key of that version (ImproperlyConfigured when it is not configured)."""
    return _key(version)


def _key(version: str) -> DataKey:
    for key in keys():
        if key.version == version:
            return key
    raise ImproperlyConfigured(f"RELIEF_DATA_KEY 中没有版本 {version} 的密钥，无法解密。")


@lru_cache(maxsize=4)
def _cipher_for(path: str):
    return import_string(path)()


def cipher():
    return _cipher_for(getattr(settings, "RELIEF_PII_CIPHER", "households.pii.AesGcmCipher"))


def encrypt_value(text: str, *, field: str) -> str:
    """A token `k<version>$<base64>`; `field` is bound in (a token copied to another column fails)."""
    if text in (None, ""):
        return ""
    key = keys()[0]
    data = cipher().encrypt(key.encryption, text.encode(), field.encode())
    return f"k{key.version}{SEPARATOR}{base64.urlsafe_b64encode(data).decode()}"


def decrypt_value(token: str, *, field: str) -> str:
    if not token:
        return ""
    version, data = _split(token)
    return cipher().decrypt(_key(version).encryption, base64.urlsafe_b64decode(data), field.encode()).decode()


def token_version(token: str) -> str:
    return _split(token)[0] if token else ""


def _split(token: str) -> tuple[str, str]:
    head, sep, data = token.partition(SEPARATOR)
    if not sep or not head.startswith("k"):
        raise ValueError("not a relief data token")
    return head[1:], data


# ------------------------------------------------------------------ keyed hashes (HMAC-SHA256)
ID_PARTS = {"full": lambda n: n, "head6": lambda n: n[:6], "tail4": lambda n: n[-4:], "tail6": lambda n: n[-6:]}


def keyed_hash(value: str, *, part: str, key: DataKey | None = None) -> str:
    key = key or keys()[0]
    digest = hmac.new(key.hashing, f"{part}:{value}".encode(), hashlib.sha256).hexdigest()
    return f"k{key.version}{SEPARATOR}{digest}"


def id_hashes(number: str, *, key: DataKey | None = None) -> dict[str, str]:
    """The four keyed hashes of an ID number (upper-case X), by the current key unless one is given."""
    number = (number or "").strip().upper()
    return {part: keyed_hash(cut(number), part=part, key=key) for part, cut in ID_PARTS.items()}


def lookup_hashes(value: str, *, part: str) -> list[str]:
    """The hash of a search term under every configured key: rows not yet rotated are found too."""
    return [keyed_hash(value.strip().upper(), part=part, key=key) for key in keys()]

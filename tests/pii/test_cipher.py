"""households/pii.py: authenticated encryption, versioned keys, keyed hashes and the pluggable cipher."""
import base64
import os

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.test import override_settings

from households import pii

NUMBER = "310105195603041390"


def _key(version, seed):
    return f"{version}:" + base64.urlsafe_b64encode(seed * 32).decode()


def test_round_trip_and_no_clear_text_in_the_token():
    token = pii.encrypt_value(NUMBER, field="member.id_number")
    assert NUMBER not in token and token.startswith("k1$")
    assert pii.decrypt_value(token, field="member.id_number") == NUMBER
    assert pii.encrypt_value(NUMBER, field="member.id_number") != token  # a fresh nonce each time


def test_a_changed_or_moved_token_does_not_decrypt():
    token = pii.encrypt_value(NUMBER, field="member.id_number")
    data = bytearray(base64.urlsafe_b64decode(token[3:]))
    data[-1] ^= 1
    with pytest.raises(Exception):
        pii.decrypt_value("k1$" + base64.urlsafe_b64encode(bytes(data)).decode(), field="member.id_number")
    with pytest.raises(Exception):
        pii.decrypt_value(token, field="household.phone")


def test_keyed_hashes_are_stable_per_key_and_cover_search_parts(monkeypatch):
    hashes = pii.id_hashes(NUMBER)
    assert set(hashes) == {"full", "head6", "tail4", "tail6"}
    assert pii.id_hashes(NUMBER.lower()) == hashes
    assert hashes["tail4"] in pii.lookup_hashes(NUMBER[-4:], part="tail4")
    assert hashes["tail4"] != pii.keyed_hash(NUMBER[-4:], part="tail6")  # parts never collide


def test_rotation_keeps_old_values_readable_and_findable(monkeypatch):
    monkeypatch.setenv("RELIEF_DATA_KEY", _key(1, b"a"))
    old_token, old_hashes = pii.encrypt_value(NUMBER, field="f"), pii.id_hashes(NUMBER)
    monkeypatch.setenv("RELIEF_DATA_KEY", _key(2, b"b") + "," + _key(1, b"a"))
    assert pii.token_version(old_token) == "1" and pii.decrypt_value(old_token, field="f") == NUMBER
    new_token = pii.encrypt_value(NUMBER, field="f")
    assert pii.token_version(new_token) == "2"
    assert old_hashes["full"] in pii.lookup_hashes(NUMBER, part="full")
    assert pii.id_hashes(NUMBER)["full"] in pii.lookup_hashes(NUMBER, part="full")


def test_production_refuses_the_development_key(monkeypatch):
    monkeypatch.delenv("RELIEF_DATA_KEY", raising=False)
    with override_settings(PRODUCTION=True), pytest.raises(ImproperlyConfigured):
        pii.keys()
    monkeypatch.setenv("RELIEF_DATA_KEY", "1:short")
    with pytest.raises(ImproperlyConfigured):
        pii.keys()


class ReversingCipher:
    """A stand-in for an SM4 implementation: anything with encrypt/decrypt plugs in."""

    def encrypt(self, key, plaintext, aad):
        return aad + b"|" + plaintext[::-1]

    def decrypt(self, key, data, aad):
        return data.split(b"|", 1)[1][::-1]


def test_the_cipher_is_a_setting():
    with override_settings(RELIEF_PII_CIPHER="tests.pii.test_cipher.ReversingCipher"):
        token = pii.encrypt_value(NUMBER, field="f")
        assert base64.urlsafe_b64decode(token[3:]) == b"f|" + NUMBER[::-1].encode()
        assert pii.decrypt_value(token, field="f") == NUMBER

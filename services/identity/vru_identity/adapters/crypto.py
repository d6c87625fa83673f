"""The cryptography behind the identity service: keys derived from the key-encryption secret,
Ed25519 signing keys sealed at rest, and signed JWTs."""

from __future__ import annotations

import base64
import hashlib
import json
import os
from datetime import datetime
from typing import Any

import jwt
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from vru_identity.domain.signing_keys import ALGORITHM, SigningKey
from vru_identity.domain.tokens import TOKEN_TYPE

# One secret, separate keys for separate purposes: HKDF's `info` keeps them independent.
_SEALING_INFO = b"vru-identity/signing-key-encryption/v1"
_PEPPER_INFO = b"vru-identity/client-secret-pepper/v1"
_NONCE_BYTES = 12


def _derive(secret: bytes, info: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=info).derive(secret)


def client_secret_pepper(key_encryption_secret: bytes) -> bytes:
    return _derive(key_encryption_secret, _PEPPER_INFO)


class KeyVault:
    """Seals private keys with AES-256-GCM. The key id is the associated data, so a sealed key
    moved to another row does not open."""

    def __init__(self, key_encryption_secret: bytes) -> None:
        self._aead = AESGCM(_derive(key_encryption_secret, _SEALING_INFO))

    def seal(self, plaintext: bytes, kid: str) -> bytes:
        nonce = os.urandom(_NONCE_BYTES)
        return nonce + self._aead.encrypt(nonce, plaintext, kid.encode())

    def open(self, sealed: bytes, kid: str) -> bytes:
        return self._aead.decrypt(sealed[:_NONCE_BYTES], sealed[_NONCE_BYTES:], kid.encode())


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _thumbprint(jwk: dict[str, str]) -> str:
    """RFC 7638: the SHA-256 of the key's required members, canonically serialised."""
    required = {name: jwk[name] for name in ("crv", "kty", "x")}
    canonical = json.dumps(required, separators=(",", ":"), sort_keys=True).encode()
    return _b64url(hashlib.sha256(canonical).digest())


def new_signing_key(vault: KeyVault, *, now: datetime, activates_at: datetime) -> SigningKey:
    """A fresh Ed25519 key, its kid the thumbprint of its public key, its private half sealed."""
    private = Ed25519PrivateKey.generate()
    public_raw = private.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    jwk: dict[str, str] = {"kty": "OKP", "crv": "Ed25519", "x": _b64url(public_raw)}
    kid = _thumbprint(jwk)
    jwk.update({"kid": kid, "alg": ALGORITHM, "use": "sig"})
    private_raw = private.private_bytes(
        serialization.Encoding.Raw, serialization.PrivateFormat.Raw, serialization.NoEncryption()
    )
    return SigningKey(
        kid=kid,
        algorithm=ALGORITHM,
        private_key_encrypted=vault.seal(private_raw, kid),
        public_jwk=jwk,
        created_at=now,
        activated_at=activates_at,
    )


def sign(claims: dict[str, Any], key: SigningKey, vault: KeyVault) -> str:
    private = Ed25519PrivateKey.from_private_bytes(vault.open(key.private_key_encrypted, key.kid))
    return jwt.encode(claims, private, algorithm=ALGORITHM, headers={"kid": key.kid, "typ": TOKEN_TYPE})

"""The official Azure SDK for Python (Debian's python3-azure) against `coldvault serve --ephemeral`, with
DefaultAzureCredential and challenge-resource verification left on: no client code changes."""
import hashlib
import os
import sys
import unittest

sys.path.insert(0, os.path.dirname(__file__))
import harness  # noqa: E402  (resolves *.localhost before the SDK imports urllib3)

from azure.core.exceptions import ClientAuthenticationError, ResourceNotFoundError  # noqa: E402
from azure.identity import DefaultAzureCredential, ManagedIdentityCredential  # noqa: E402
from azure.keyvault.certificates import CertificateClient, CertificatePolicy  # noqa: E402
from azure.keyvault.keys import KeyClient  # noqa: E402
from azure.keyvault.keys.crypto import (CryptographyClient, EncryptionAlgorithm, KeyWrapAlgorithm,  # noqa: E402
                                        SignatureAlgorithm)
from azure.keyvault.secrets import SecretClient  # noqa: E402

server = None


def setUpModule():
    global server
    server = harness.Server()


def tearDownModule():
    assert server.stop() == 0, "the server answered 5xx: " + server.stderr


def poll(poller):
    return poller.result()


class Secrets(unittest.TestCase):
    def setUp(self):
        self.client = SecretClient(server.urls["pyvault"], DefaultAzureCredential())

    def test_set_get_list_update(self):
        self.client.set_secret("py-one", "v1")
        v2 = self.client.set_secret("py-one", "v2", content_type="text/plain")
        self.assertEqual(self.client.get_secret("py-one").value, "v2")
        self.assertEqual(v2.properties.content_type, "text/plain")
        self.assertIn("py-one", [p.name for p in self.client.list_properties_of_secrets()])
        self.assertEqual(len(list(self.client.list_properties_of_secret_versions("py-one"))), 2)

    def test_soft_delete_recover_purge(self):
        self.client.set_secret("py-del", "gone soon")
        deleted = poll(self.client.begin_delete_secret("py-del"))
        self.assertEqual(deleted.name, "py-del")
        with self.assertRaises(ResourceNotFoundError):
            self.client.get_secret("py-del")
        self.assertIn("py-del", [d.name for d in self.client.list_deleted_secrets()])
        poll(self.client.begin_recover_deleted_secret("py-del"))
        self.assertEqual(self.client.get_secret("py-del").value, "gone soon")
        poll(self.client.begin_delete_secret("py-del"))
        self.client.purge_deleted_secret("py-del")
        with self.assertRaises(ResourceNotFoundError):
            self.client.get_deleted_secret("py-del")

    def test_backup_restore(self):
        self.client.set_secret("py-bak", "kept")
        blob = self.client.backup_secret("py-bak")
        poll(self.client.begin_delete_secret("py-bak"))
        self.client.purge_deleted_secret("py-bak")
        restored = self.client.restore_secret_backup(blob)
        self.assertEqual(restored.name, "py-bak")
        self.assertEqual(self.client.get_secret("py-bak").value, "kept")

    def test_each_vault_has_its_own_host_and_objects(self):
        other = SecretClient(server.urls["pyother"], DefaultAzureCredential())
        other.set_secret("py-where", "other")
        self.assertEqual(other.get_secret("py-where").value, "other")
        self.assertTrue(other.get_secret("py-where").id.startswith(server.urls["pyother"] + "/secrets/"))
        with self.assertRaises(ResourceNotFoundError):
            self.client.get_secret("py-where")


class Keys(unittest.TestCase):
    def setUp(self):
        self.cred = DefaultAzureCredential()
        self.client = KeyClient(server.urls["pyvault"], self.cred)

    def test_rsa_crypto_through_cryptography_client(self):
        key = self.client.create_rsa_key("py-rsa", size=2048)
        crypto = CryptographyClient(key, self.cred)
        digest = hashlib.sha256(b"signed text").digest()
        sig = crypto.sign(SignatureAlgorithm.rs256, digest)
        self.assertTrue(crypto.verify(SignatureAlgorithm.rs256, digest, sig.signature).is_valid)
        self.assertFalse(crypto.verify(SignatureAlgorithm.rs256, hashlib.sha256(b"other").digest(),
                                       sig.signature).is_valid)
        enc = crypto.encrypt(EncryptionAlgorithm.rsa_oaep_256, b"plain")
        self.assertEqual(crypto.decrypt(EncryptionAlgorithm.rsa_oaep_256, enc.ciphertext).plaintext, b"plain")
        wrapped = crypto.wrap_key(KeyWrapAlgorithm.rsa_oaep, b"k" * 32)
        self.assertEqual(crypto.unwrap_key(KeyWrapAlgorithm.rsa_oaep, wrapped.encrypted_key).key, b"k" * 32)

    def test_ec_sign_verify_by_key_id(self):
        key = self.client.create_ec_key("py-ec", curve="P-256")
        crypto = CryptographyClient(key.id, self.cred)  # remote key: the SDK fetches it first
        digest = hashlib.sha256(b"ec").digest()
        sig = crypto.sign(SignatureAlgorithm.es256, digest)
        self.assertTrue(crypto.verify(SignatureAlgorithm.es256, digest, sig.signature).is_valid)

    def test_backup_restore_and_soft_delete(self):
        self.client.create_rsa_key("py-kbak", size=2048)
        blob = self.client.backup_key("py-kbak")
        poll(self.client.begin_delete_key("py-kbak"))
        self.assertIn("py-kbak", [k.name for k in self.client.list_deleted_keys()])
        self.client.purge_deleted_key("py-kbak")
        self.assertEqual(self.client.restore_key_backup(blob).name, "py-kbak")
        poll(self.client.begin_delete_key("py-kbak"))
        poll(self.client.begin_recover_deleted_key("py-kbak"))
        self.assertEqual(self.client.get_key("py-kbak").name, "py-kbak")


class Certificates(unittest.TestCase):
    def setUp(self):
        self.client = CertificateClient(server.urls["pyvault"], DefaultAzureCredential())

    def test_create_with_the_default_policy_through_the_sync_poller(self):
        poller = self.client.begin_create_certificate("py-cert", CertificatePolicy.get_default())
        cert = poller.result()
        self.assertEqual(cert.name, "py-cert")
        self.assertTrue(cert.cer)
        got = self.client.get_certificate("py-cert")
        self.assertEqual(got.properties.x509_thumbprint, cert.properties.x509_thumbprint)
        self.assertEqual(got.policy.subject.lower(), "cn=defaultpolicy")

    def test_backup_restore(self):
        self.client.begin_create_certificate("py-cbak", CertificatePolicy.get_default()).result()
        blob = self.client.backup_certificate("py-cbak")
        poll(self.client.begin_delete_certificate("py-cbak"))
        self.client.purge_deleted_certificate("py-cbak")
        self.assertEqual(self.client.restore_certificate_backup(blob).name, "py-cbak")


class Identity(unittest.TestCase):
    def test_managed_identity_tokens_expire_and_carry_their_expiry(self):
        import time
        tok = ManagedIdentityCredential().get_token(server.urls["pyvault"].rsplit(":", 1)[0] + "/.default")
        self.assertTrue(tok.token.startswith("cvs1_"))
        self.assertGreater(tok.expires_on, time.time() + 60)
        self.assertLessEqual(tok.expires_on, time.time() + 3700)

    def test_without_the_identity_header_no_token(self):
        saved = os.environ.pop("IDENTITY_HEADER")
        os.environ["IDENTITY_HEADER"] = "wrong"
        try:
            with self.assertRaises(ClientAuthenticationError):
                ManagedIdentityCredential().get_token("https://localhost/.default")
        finally:
            os.environ["IDENTITY_HEADER"] = saved


if __name__ == "__main__":
    unittest.main(verbosity=2)

import pytest

from chalicelib.domain.errors import ValidationFailed
from chalicelib.services import passwords


@pytest.mark.parametrize(
    "password",
    [
        "short",
        "sunshine2024!",
        "2024Sunshine!!",
        "Password12345",
        "qwertyuiop",
        "aaaaaaaaaaaa",
        "x" * 129,
    ],
)
def test_weak_or_common_passwords_are_refused(password):
    with pytest.raises(ValidationFailed):
        passwords.check_strength(password)


@pytest.mark.parametrize(
    "password", ["correct horse battery", "Tr0ub4dor&3xyz", "grandma's kitchen frame"]
)
def test_long_uncommon_passwords_are_accepted(password):
    assert passwords.check_strength(password) == password


def test_hashes_are_argon2id_and_verify_only_the_right_password():
    stored = passwords.hash_password("correct horse battery")
    assert stored.startswith("$argon2id$")
    assert passwords.verify(stored, "correct horse battery")
    assert not passwords.verify(stored, "correct horse batterY")
    assert not passwords.verify(None, "correct horse battery")

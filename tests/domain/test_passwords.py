"""Password policy (length 12 to 128, no composition rule, no common password) and the
temporary passwords the town hall's e-mails carry."""
import pytest

from chalicelib.domain.passwords import (MAX_LENGTH, MIN_LENGTH, WeakPassword,
                                         check_new_password, generate_temporary_password)

CONFUSABLE = set("0O1lI")


@pytest.mark.parametrize("password", [
    "cheval agrafe",                  # an ordinary passphrase, no digit, no capital
    "trousseauvelo",                  # 13 lower-case letters, no composition rule
    "x" * 6 + "y" * 3 + "z" * 3,      # exactly 12 characters
    "lune-" * 25 + "sol",             # exactly 128 characters
    "Élève-ça-où-ß",                  # accented letters count as one character each
    "日本語のパスワードですよね",         # non-Latin scripts are accepted
    "🍎🍐🍊🍋🍌🍉🍇🍓🫐🍈🍒🍑",           # twelve emoji
])
def test_acceptable_passwords_are_returned_unchanged(password):
    assert check_new_password(password) == password


@pytest.mark.parametrize("password", [
    "a" * (MIN_LENGTH - 1),
    "cheval agra",                    # 11 characters
    "",
    "lune-" * 25 + "sole",            # 129 characters
    "é" * 64 + "ü" * 65,              # 129 characters, none of them ASCII
])
def test_passwords_outside_12_to_128_characters_are_weak(password):
    with pytest.raises(WeakPassword) as refused:
        check_new_password(password)
    assert refused.value.code == "weak_password"
    assert refused.value.details == {"field": "password"}
    assert str(MIN_LENGTH if len(password) < MIN_LENGTH else MAX_LENGTH) in refused.value.message


@pytest.mark.parametrize("password", [
    "motdepasse123",
    "Motdepasse123!",
    "MOTDEPASSE1234",
    "azertyuiop12",
    "password1234",
    "iloveyou1234",
    "qwertyuiop123",
    "123456789012",
    "210987654321",
    "aaaaaaaaaaaa",
    "abababababab",
])
def test_common_or_trivial_passwords_are_weak_whatever_their_length(password):
    with pytest.raises(WeakPassword) as refused:
        check_new_password(password)
    assert refused.value.code == "weak_password"
    assert "courant" in refused.value.message


def test_a_password_equal_to_the_context_such_as_the_family_name_is_weak():
    with pytest.raises(WeakPassword):
        check_new_password("Dupont Martin", context=("1002", "DUPONTMARTIN"))
    assert check_new_password("Dupont Martin", context=("1002", "TEST")) == "Dupont Martin"


@pytest.mark.parametrize("value", [None, 123456789012, ["cheval agrafe"]])
def test_a_password_that_is_not_text_is_weak_not_a_crash(value):
    with pytest.raises(WeakPassword):
        check_new_password(value)


def test_the_refusal_names_the_field_it_was_given():
    with pytest.raises(WeakPassword) as refused:
        check_new_password("court", field="new_password")
    assert refused.value.details == {"field": "new_password"}


def test_temporary_passwords_are_16_characters_by_default_and_honour_a_length():
    assert len(generate_temporary_password()) == 16
    assert len(generate_temporary_password(20)) == 20


def test_temporary_passwords_use_letters_and_digits_without_confusable_ones():
    samples = [generate_temporary_password() for _ in range(200)]
    used = set("".join(samples))
    assert all(c.isascii() and c.isalnum() for c in used)
    assert not used & CONFUSABLE
    assert len(set(samples)) == len(samples)  # random, not a fixed sequence


def test_temporary_passwords_pass_the_policy():
    for _ in range(200):
        password = generate_temporary_password()
        assert check_new_password(password) == password


# -- the account's own identifiers, invisible characters, normal form (issue 15) -----------

FAMILY_1005 = ("1005", "CHARLIE", "charlie.dupont@example.org", "papa-charlie@example.org")


@pytest.mark.parametrize("password", [
    "1005CHARLIE1005",                # the example: number and name
    "mon code est 1005 pour lire",    # the number anywhere
    "vive la famille Charlie !",      # the name, any case
    "vive la famille Chàrlie !",      # … with an accent added
    "charlie.dupont@example.org",     # the address
    "dupont et sa cantine",           # a word of the address's local part
])
def test_a_password_containing_the_accounts_number_name_or_address_is_weak(password):
    with pytest.raises(WeakPassword) as refused:
        check_new_password(password, context=FAMILY_1005)
    assert "numéro" in refused.value.message and refused.value.code == "weak_password"


def test_short_words_of_a_name_do_not_count():
    assert check_new_password("de la cantine au jardin",
                              context=("1002", "DE LA FONTAINE")) == "de la cantine au jardin"


@pytest.mark.parametrize("padding", ["\u200b", "\u200c", "\u200d", "\u2060", "\ufeff",
                                     "\u202e", "\u2066", "\u00ad", "\x00", "\x1b"])
def test_a_password_with_an_invisible_character_is_weak(padding):
    with pytest.raises(WeakPassword) as refused:
        check_new_password("cheval agrafe" + padding + "lune")
    assert "invisible" in refused.value.message


def test_a_password_is_returned_in_its_normal_form():
    decomposed = "e\u0301le\u0300ve du cours moyen"    # é, è typed as letter + accent
    assert check_new_password(decomposed) == "élève du cours moyen"
    assert check_new_password("ｃｈｅｖａｌ agrafe lune") == "cheval agrafe lune"


def test_the_same_password_typed_in_another_form_verifies():
    from chalicelib.services.security import hash_password, verify_password
    stored = hash_password("e\u0301le\u0300ve du cours moyen")
    assert verify_password(stored, "élève du cours moyen")
    assert verify_password(stored, "e\u0301le\u0300ve du cours moyen")
    assert not verify_password(stored, "eleve du cours moyen")


def test_a_hash_made_before_normalisation_still_verifies():
    from chalicelib.services.security import _HASHER, verify_password
    legacy = _HASHER.hash("e\u0301le\u0300ve du cours moyen")  # the text as typed
    assert verify_password(legacy, "e\u0301le\u0300ve du cours moyen")

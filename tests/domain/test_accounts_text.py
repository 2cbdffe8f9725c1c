"""Names and free text lose bidi and zero-width control characters (issue 15, point 4)."""
import pytest

from chalicelib.domain.accounts import (Child, apply_child_edit, parse_new_child,
                                        parse_new_family)
from chalicelib.domain.calendar import parse_closure
from chalicelib.domain.text import clean_line, invisible_characters, strip_invisible

HIDDEN = ["\u202e", "\u202d", "\u2066", "\u2067", "\u2069", "\u200e", "\u200f", "\u200b",
          "\u200c", "\u200d", "\u2060", "\ufeff", "\u00ad", "\x00", "\x07", "\x1b"]


@pytest.mark.parametrize("hidden", HIDDEN)
def test_invisible_characters_are_dropped_from_a_line(hidden):
    assert clean_line(f"DU{hidden}PONT  {hidden}") == "DUPONT"
    assert invisible_characters(f"a{hidden}b") == [f"U+{ord(hidden):04X}"]


def test_tabs_and_newlines_are_kept_in_multi_line_text_and_letters_are_composed():
    assert strip_invisible("Arachides\n\u200bGluten\tœufs") == "Arachides\nGluten\tœufs"
    assert strip_invisible("E\u0301lodie") == "Élodie"


def test_visible_text_is_left_alone():
    for text in ["Élodie", "Saint-Just-d'Avray", "François\u00a0Ier", "李小龙", "Zoë 🍎"]:
        assert strip_invisible(text) == text


def test_a_family_name_address_and_children_lose_their_hidden_characters():
    family = parse_new_family({"name": "\u202eTNOPUD", "emails": ["a@example.org"],
                               "address": "3 rue\u200b des Écoles"})
    assert (family.name, family.address) == ("TNOPUD", "3 rue des Écoles")
    assert parse_new_child({"first_name": "To\u200dto", "last_name": "TE\u2066ST"}) == (
        "Toto", "TEST")
    child = apply_child_edit(Child("1", "A", "B"), {
        "school": "École\u202e", "allergies": "PAI\u200b arachides",
        "pickup_people": ["Mamie\u2067 Jo", "\u200b"]})
    assert (child.school, child.allergies, child.pickup_people) == (
        "École", "PAI arachides", ("Mamie Jo",))


def test_a_closure_label_loses_its_hidden_characters():
    closure = parse_closure({"start": "2026-12-07", "end": "2026-12-07",
                             "label": "Grève\u202e"})
    assert closure.label == "Grève"

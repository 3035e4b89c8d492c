"""Bad label text gets one clear sentence (a LabelError), never a traceback or a guess."""

from __future__ import annotations

import pytest

from magnerve.core.labels import MAX_LABEL_BYTES, parse_label
from magnerve.errors import InputError, LabelError
from magnerve.knowledge import Knowledge

BAD = [
    pytest.param("", "empty", id="empty"),
    pytest.param("  \n\t \n", "empty", id="whitespace"),
    pytest.param("Magnesium\x00 200 mg", "binary", id="nul-byte"),
    pytest.param("\x01\x02\x03\x04\x05\x06\x07\x08\x0e\x0f" * 5, "binary", id="control-chars"),
    pytest.param("Magnesium glycinate", "no amount", id="magnesium-without-amount"),
    pytest.param("Vitamin C 500 mg\nZinc 10 mg", "no magnesium", id="no-magnesium"),
    pytest.param("Manganese (as manganese gluconate) 2 mg", "no magnesium", id="manganese-only"),
    pytest.param(
        "Other ingredients: magnesium stearate, rice flour", "no magnesium", id="excipient-only"
    ),
    pytest.param("Do not exceed 350 mg of magnesium a day.", "no magnesium", id="warning-only"),
]


@pytest.mark.parametrize(("text", "kind"), BAD)
def test_bad_text_is_a_label_error(text: str, kind: str, knowledge: Knowledge) -> None:
    """Each bad input raises LabelError (also a ValueError) with a one-sentence message."""
    with pytest.raises(LabelError) as caught:
        parse_label(text, knowledge)
    message = str(caught.value)
    assert "\n" not in message
    assert message.endswith(".")
    assert isinstance(caught.value, ValueError)
    expected = {
        "empty": "empty",
        "binary": "binary",
        "no amount": "no amount",
        "no magnesium": "No magnesium line",
    }[kind]
    assert expected in message


def test_text_over_one_megabyte_is_refused(knowledge: Knowledge) -> None:
    """A label is a few kilobytes; a megabyte of text is something else pasted."""
    text = "Magnesium (as citrate) 200 mg\n" * (MAX_LABEL_BYTES // 30 + 10)
    with pytest.raises(LabelError, match="larger than 1 MB"):
        parse_label(text, knowledge)


def test_multibyte_text_is_measured_in_bytes(knowledge: Knowledge) -> None:
    """The 1 MB limit counts encoded bytes, so 400,000 three-byte characters are refused."""
    with pytest.raises(LabelError, match="1 MB"):
        parse_label("Magnesium 100 mg " + "€" * 400_000, knowledge)


def test_not_text_is_refused(knowledge: Knowledge) -> None:
    """Bytes from a careless caller are an error, not a crash."""
    with pytest.raises(LabelError, match="must be text"):
        parse_label(b"Magnesium 100 mg", knowledge)  # type: ignore[arg-type]


def test_error_carries_data_for_json_surfaces(knowledge: Knowledge) -> None:
    """Errors expose field/expected for the REST API and the CLI alike."""
    with pytest.raises(InputError) as caught:
        parse_label("Magnesium citrate", knowledge)
    data = caught.value.to_dict()
    assert data["field"] == "label"
    assert data["expected"] == "a magnesium line with an amount"

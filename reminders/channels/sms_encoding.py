"""How many messages a text costs. A text goes as GSM-7 (the 7-bit SMS alphabet: 160 characters, a character of its
extension table costing two) when every character is in that alphabet, else as UCS-2 (70 UTF-16 code units, so an
emoji costs two). A longer text is sent in parts that each carry a header: 153 septets or 67 code units a part,
and a part never splits an extension character's two septets or an emoji's two code units.

Welsh ŵ and ŷ, Polish ą and ł, and every Urdu letter are outside GSM-7: such a text costs more than twice as many
parts as the same length in English."""

from __future__ import annotations

from typing import NamedTuple

GSM7 = "GSM-7"
UCS2 = "UCS-2"

GSM7_BASIC = (
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM7_EXTENDED = "\f^{}\\[~]|€"  # each goes as an escape and the character: two septets

# (one message alone, each part of a concatenated message), in the encoding's units.
PER_SEGMENT = {GSM7: (160, 153), UCS2: (70, 67)}


class SmsSize(NamedTuple):
    """A text's cost: its encoding, its length in that encoding's units (GSM-7 septets or UTF-16 code units), and
    how many segments (messages billed) it goes as."""

    encoding: str
    units: int
    segments: int


def gsm7_length(text: str) -> int | None:
    """Length in GSM-7 septets, or None when the text needs UCS-2."""
    costs = _gsm7_costs(text)
    return None if costs is None else sum(costs)


def _gsm7_costs(text: str) -> list[int] | None:
    costs = []
    for char in text:
        if char in GSM7_BASIC:
            costs.append(1)
        elif char in GSM7_EXTENDED:
            costs.append(2)
        else:
            return None
    return costs


def _ucs2_costs(text: str) -> list[int]:
    return [2 if ord(char) > 0xFFFF else 1 for char in text]


def measure(text: str) -> SmsSize:
    """The encoding the text goes in, its length in that encoding's units, and its segments."""
    costs = _gsm7_costs(text)
    encoding = GSM7
    if costs is None:
        encoding, costs = UCS2, _ucs2_costs(text)
    return SmsSize(encoding, sum(costs), _segments(costs, *PER_SEGMENT[encoding]))


def _segments(costs: list[int], single: int, per_part: int) -> int:
    if sum(costs) <= single:
        return 1
    parts, used = 1, 0
    for cost in costs:  # a character's units never straddle two parts
        if used + cost > per_part:
            parts, used = parts + 1, 0
        used += cost
    return parts

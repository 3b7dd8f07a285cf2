"""What a patient reads on a page, as text, for the language tests: every text node and the attributes a screen
reader says (alt, aria-label, title, placeholder), leaving out the language switch's options (each language in its
own name, by design). The FAQ and the preparation list are read too: the shipped ones are translated as data."""

from __future__ import annotations

import re
from html.parser import HTMLParser

SKIPPED = {"script", "style"}
SPOKEN_ATTRIBUTES = ("alt", "aria-label", "title", "placeholder")


class _Text(HTMLParser):
    def __init__(self, leave_out: tuple[str, ...]):
        super().__init__()
        self.leave_out = leave_out  # CSS-like keys: "section#faq", "ul.preparation", "select"
        self.stack: list[bool] = []  # whether each open element is left out
        self.nodes: list[str] = []

    def _left_out(self, tag: str, attrs: dict) -> bool:
        classes = (attrs.get("class") or "").split()
        for key in self.leave_out:
            name, _, rest = key.partition("#") if "#" in key else key.partition(".")
            if name != tag:
                continue
            if not rest or attrs.get("id") == rest or rest in classes:
                return True
        return tag in SKIPPED

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        hidden = (bool(self.stack) and self.stack[-1]) or self._left_out(tag, attrs)
        if not hidden:
            self.nodes.extend(attrs[name] for name in SPOKEN_ATTRIBUTES if attrs.get(name))
        if tag not in {"meta", "link", "br", "input", "img", "hr"}:
            self.stack.append(hidden)

    def handle_endtag(self, tag):
        if tag not in {"meta", "link", "br", "input", "img", "hr"} and self.stack:
            self.stack.pop()

    def handle_data(self, data):
        if not (self.stack and self.stack[-1]) and data.strip():
            self.nodes.append(" ".join(data.split()))


def text_nodes(html: str, leave_out: tuple[str, ...] = ("select",)) -> list[str]:
    parser = _Text(leave_out)
    parser.feed(html)
    return parser.nodes


def without_data(node: str, data: list[str]) -> str:
    """A text node with the clinic's own data (names, places, numbers) taken out: what is left is our wording."""
    for item in sorted(data, key=len, reverse=True):
        if item:
            node = node.replace(item, " ")
    node = re.sub(r"[\d:+().,;“”\"'’·\-–]+", " ", node)
    return " ".join(node.split())


# Words that are English and neither Welsh, Polish nor Urdu ("a", "i", "to", "is" are Welsh or Polish words too).
ENGLISH_WORDS = frozenset(
    "the your you please and we will with this that our have not are appointment reminders reminder thank "
    "when where what would could should there here page".split()
)


def english_words(node: str) -> set[str]:
    # Whole words in any script: Polish "weźmie" is one word, not English "we" and "mie".
    return {word for word in re.findall(r"[^\W\d_]+", node.lower()) if word in ENGLISH_WORDS}

"""Tables, error types and the parse-tree shape for the Go regexp syntax check (private).

Split from :mod:`tagpilot.golang._re2_parser`, which walks the pattern: here are Go's limits
(nesting height, repeat count), the escapes, POSIX and Unicode class names Go knows, Go's error
texts, and :class:`_Frame`, the shape of one open group as Go's parse tree will have it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from tagpilot.errors import TagpilotError

_MAX_RUNE = 0x10FFFF
#: Go's ``maxHeight``: the deepest parse tree ``regexp.Compile`` accepts.
MAX_HEIGHT = 1000
#: Go's limit on a repetition count, and on nested counts multiplied together.
MAX_REPEAT = 1000

_POSIX = frozenset(
    "alnum alpha ascii blank cntrl digit graph lower print punct space upper word xdigit".split()  # noqa: SIM905
)
_PERL_CLASSES = "dswDSW"
_SIMPLE_ESCAPES = {"a": 7, "f": 12, "t": 9, "n": 10, "r": 13, "v": 11}
_ASSERTIONS = "AzbB"
# Go's unicode.Scripts names (all known to RE2 as well).
_SCRIPT_NAMES = (
    "Adlam Ahom Anatolian_Hieroglyphs Arabic Armenian Avestan Balinese Bamum Bassa_Vah Batak "
    "Bengali Bhaiksuki Bopomofo Brahmi Braille Buginese Buhid Canadian_Aboriginal Carian "
    "Caucasian_Albanian Chakma Cham Cherokee Chorasmian Common Coptic Cuneiform Cypriot "
    "Cypro_Minoan Cyrillic Deseret Devanagari Dives_Akuru Dogra Duployan Egyptian_Hieroglyphs "
    "Elbasan Elymaic Ethiopic Georgian Glagolitic Gothic Grantha Greek Gujarati Gunjala_Gondi "
    "Gurmukhi Han Hangul Hanifi_Rohingya Hanunoo Hatran Hebrew Hiragana Imperial_Aramaic "
    "Inherited Inscriptional_Pahlavi Inscriptional_Parthian Javanese Kaithi Kannada Katakana "
    "Kawi Kayah_Li Kharoshthi Khitan_Small_Script Khmer Khojki Khudawadi Lao Latin Lepcha Limbu "
    "Linear_A Linear_B Lisu Lycian Lydian Mahajani Makasar Malayalam Mandaic Manichaean Marchen "
    "Masaram_Gondi Medefaidrin Meetei_Mayek Mende_Kikakui Meroitic_Cursive Meroitic_Hieroglyphs "
    "Miao Modi Mongolian Mro Multani Myanmar Nabataean Nag_Mundari Nandinagari New_Tai_Lue Newa "
    "Nko Nushu Nyiakeng_Puachue_Hmong Ogham Ol_Chiki Old_Hungarian Old_Italic Old_North_Arabian "
    "Old_Permic Old_Persian Old_Sogdian Old_South_Arabian Old_Turkic Old_Uyghur Oriya Osage "
    "Osmanya Pahawh_Hmong Palmyrene Pau_Cin_Hau Phags_Pa Phoenician Psalter_Pahlavi Rejang Runic "
    "Samaritan Saurashtra Sharada Shavian Siddham SignWriting Sinhala Sogdian Sora_Sompeng "
    "Soyombo Sundanese Syloti_Nagri Syriac Tagalog Tagbanwa Tai_Le Tai_Tham Tai_Viet Takri Tamil "
    "Tangsa Tangut Telugu Thaana Thai Tibetan Tifinagh Tirhuta Toto Ugaritic Vai Vithkuqi Wancho "
    "Warang_Citi Yezidi Yi Zanabazar_Square"
)
_CATEGORY_NAMES = (
    "C Cc Cf Co Cs L Ll Lm Lo Lt Lu M Mc Me Mn N Nd Nl No P Pc Pd Pe Pf Pi Po Ps "
    "S Sc Sk Sm So Z Zl Zp Zs"
)
_UNICODE_CLASSES = frozenset(_SCRIPT_NAMES.split()) | frozenset(_CATEGORY_NAMES.split()) | {"Any"}
# Go's parseRepeat: numbers without leading zeros; anything else makes "{" a literal.
_REPEAT = re.compile(r"\{(0|[1-9][0-9]*)(?:(,)(0|[1-9][0-9]*)?)?\}")
_HEX = frozenset("0123456789abcdefABCDEF")


class RegexpSyntaxError(TagpilotError):
    """A pattern Go's ``regexp.Compile`` refuses; the message is Go's error text."""


class RegexpUnsupportedError(RegexpSyntaxError):
    """Valid Go syntax that the RE2 library refuses (e.g. a program over its memory budget)."""


def go_error(code: str, expr: str) -> RegexpSyntaxError:
    """Go's ``*syntax.Error`` text: ``error parsing regexp: <code>: `<expr>```."""
    return RegexpSyntaxError(f"error parsing regexp: {code}: `{expr}`")


def _repeat_number(digits: str | None) -> int:
    # Go's parseInt gives -1 past 1e8 (then "invalid repeat count").
    if digits is None:
        return -1
    return int(digits) if len(digits) <= 9 else -1


@dataclass(slots=True)
class _Frame:
    """One open group: the shape of what it holds so far, as Go's parse tree will be.

    An item is ``(height, in_concat, in_alternation)``: its height, and the height it adds when
    Go flattens it into an enclosing concatenation or alternation (a non-capturing group holding
    a concatenation or an alternation is merged into its parent's, without a level of its own).
    """

    capture: bool
    branches: int = 0  # finished alternatives ("|" seen)
    branch_max: int = 0  # tallest finished alternative, as flattened into an alternation
    items: int = 0  # items in the current alternative (a literal run is one item)
    item_max: int = 0  # tallest item, as flattened into a concatenation
    last: tuple[int, int, int] = (0, 0, 0)  # the item a repetition applies to
    last_need: int = 0
    literal_run: int = 0  # length of the literal run that is the last item
    need: int = 0  # repeat budget needed by anything inside (Go's repeatIsValid)
    last_rune: bool = False  # the last item matches one character (literal, class, ".")
    runes_only: bool = True  # every finished alternative is one such item

    def add(
        self,
        item: tuple[int, int, int],
        need: int = 0,
        literal: bool = False,
        rune: bool = False,
    ) -> None:
        if literal and self.literal_run:
            self.literal_run += 1  # Go merges adjacent literals into one node
            return
        self.items += 1
        self.item_max = max(self.item_max, item[1])
        self.last, self.last_need, self.last_rune = item, need, rune or literal
        self.literal_run = 1 if literal else 0
        self.need = max(self.need, need)

    def repeated(self, need: int) -> int:
        if self.literal_run > 1:
            self.items += 1  # "ab*": the repetition takes the last literal only
        self.literal_run = 0
        height = self.last[0] + 1
        self.last, self.last_need, self.last_rune = (height, height, height), need, False
        self.item_max = max(self.item_max, height)
        self.need = max(self.need, need)
        return height

    def _branch(self) -> tuple[int, int, int]:
        if self.items == 0:
            return 1, 1, 1  # Go's OpEmptyMatch
        if self.items == 1:
            return self.last
        return 1 + self.item_max, self.item_max, 1 + self.item_max

    def _rune_branch(self) -> bool:
        return self.items == 1 and self.last_rune and self.literal_run <= 1

    def alternative(self) -> None:
        self.branch_max = max(self.branch_max, self._branch()[2])
        self.runes_only = self.runes_only and self._rune_branch()
        self.branches += 1
        self.items = self.item_max = self.literal_run = 0

    def char_class(self) -> bool:
        """Whether this is an alternation of single characters (Go makes it one class)."""
        return self.branches > 0 and self.runes_only and self._rune_branch()

    def height(self) -> int:
        if self.char_class():
            return 1
        branch = self._branch()
        return branch[0] if not self.branches else 1 + max(self.branch_max, branch[2])

    def as_item(self) -> tuple[int, int, int]:
        """This group as an item of its parent."""
        if self.capture:
            height = self.height() + 1
            return height, height, height
        branch = self._branch()
        if not self.branches:
            return branch
        if self.char_class():
            return 1, 1, 1
        inner = max(self.branch_max, branch[2])
        return 1 + inner, 1 + inner, inner

"""A person's name as staff type it in pinyin: every reading of the name, in full (zhangjianguo) and by
initials (zjg), kept on Member.name_pinyin so a search is one indexed `contains`.

Characters with several readings (多音字) are where a search fails a user: 曾 is zēng as a surname and céng
elsewhere, 单 shàn (surname) / dān, 解 xiè (surname) / jiě. We keep every reading pypinyin knows for each
character (heteronym=True), put the surname's reading first for the first character (pypinyin has no
surname mode: SURNAME_READINGS and COMPOUND_SURNAMES say how the common ones are read as surnames), and
combine them, capped at MAX_ALTERNATIVES full spellings so a long name cannot grow without bound.

The stored value is the alternatives joined by spaces, e.g. "zengjianguo cengjianguo zjg cjg": a term
without spaces matches inside one alternative only.
"""
from __future__ import annotations

import functools
import itertools
import re

from pypinyin import Style, pinyin

MAX_ALTERNATIVES = 16
MAX_LENGTH = 500  # the column's max_length
# Past this many combinations we stop varying the later characters (a 50-character name would otherwise
# be billions of combinations): they keep their usual reading.
MAX_COMBINATIONS = 4096

# How the first character is read as a surname, where that differs from (or is not first among)
# its ordinary readings. The ordinary readings stay too: people do type "ceng" for 曾.
SURNAME_READINGS = {
    "曾": "zeng", "单": "shan", "解": "xie", "仇": "qiu", "朴": "piao", "区": "ou", "查": "zha", "盖": "ge",
    "乐": "yue", "覃": "qin", "尉": "wei", "翟": "zhai", "缪": "miao", "秘": "bi", "繁": "po", "种": "chong",
    "折": "she", "员": "yun", "召": "shao", "冼": "xian", "纪": "ji", "宁": "ning", "任": "ren", "华": "hua",
    "过": "guo", "句": "gou", "长": "chang", "沈": "shen", "燕": "yan", "柏": "bai", "薄": "bo", "舍": "she",
    "贲": "ben", "隗": "wei", "番": "pan", "洗": "xian", "能": "nai", "相": "xiang", "万": "wan", "阚": "kan",
    "黑": "he", "都": "du", "重": "chong",
}
COMPOUND_SURNAMES = {
    "万俟": ("mo", "qi"), "尉迟": ("yu", "chi"), "单于": ("chan", "yu"), "长孙": ("zhang", "sun"),
    "澹台": ("tan", "tai"), "令狐": ("ling", "hu"), "乐正": ("yue", "zheng"), "宰父": ("zai", "fu"),
    "亓官": ("qi", "guan"), "子车": ("zi", "ju"), "中行": ("zhong", "hang"), "召南": ("shao", "nan"),
}

_LATIN = re.compile(r"[a-z0-9]")


@functools.lru_cache(maxsize=20_000)
def _char_readings(char: str) -> tuple[str, ...]:
    """Every toneless reading of one character, the most usual first; a Latin letter or digit as itself;
    nothing for punctuation such as the middle dot of 阿依·买买提."""
    lower = char.lower()
    if _LATIN.fullmatch(lower):
        return (lower,)
    readings = pinyin(char, style=Style.NORMAL, heteronym=True, errors="ignore", v_to_u=False)
    out: list[str] = []
    for reading in (readings[0] if readings else []):
        reading = re.sub(r"[^a-z]", "", reading.lower())
        if reading and reading not in out:
            out.append(reading)
    return tuple(out)


def readings_of(name: str) -> list[list[str]]:
    """Per character of the name, its readings (surname reading first for the surname)."""
    name = "".join((name or "").split())
    per_char = [list(_char_readings(c)) for c in name]
    compound = COMPOUND_SURNAMES.get(name[:2])
    if compound:
        for i, reading in enumerate(compound):
            per_char[i] = [reading] + [r for r in per_char[i] if r != reading]
    elif name and name[0] in SURNAME_READINGS:
        reading = SURNAME_READINGS[name[0]]
        per_char[0] = [reading] + [r for r in per_char[0] if r != reading]
    return [r for r in per_char if r]


def combinations(name: str) -> list[tuple[str, ...]]:
    """The name's readings as syllables, the likeliest first, at most MAX_ALTERNATIVES; each reading of
    the surname is in one of them even when the cap cuts the rest."""
    per_char = readings_of(name)
    if not per_char:
        return []
    # Trim the later characters to their usual reading until the product is small enough.
    total = 1
    for options in per_char:
        total *= len(options)
    i = len(per_char) - 1
    while total > MAX_COMBINATIONS and i > 0:
        total //= len(per_char[i])
        per_char[i] = per_char[i][:1]
        i -= 1
    usual = tuple(options[0] for options in per_char)
    first = [(reading, *usual[1:]) for reading in per_char[0]]
    ranked = sorted(itertools.product(*[range(len(options)) for options in per_char]),
                    key=lambda idx: (sum(idx), idx))
    out: list[tuple[str, ...]] = []
    spelled: set[str] = set()
    for combo in itertools.chain(first, (tuple(per_char[c][k] for c, k in enumerate(idx)) for idx in ranked)):
        word = "".join(combo)
        if word not in spelled:
            spelled.add(word)
            out.append(combo)
        if len(out) >= MAX_ALTERNATIVES:
            break
    return out


@functools.lru_cache(maxsize=50_000)
def name_pinyin(name: str) -> str:
    """What Member.name_pinyin holds: the full spellings, then their initials, space-separated, within
    MAX_LENGTH (the likeliest first, so a cut drops the unlikely ones)."""
    combos = combinations(name)
    words: list[str] = []
    for word in ["".join(c) for c in combos] + ["".join(s[0] for s in c) for c in combos]:
        if word not in words:
            words.append(word)
    value = ""
    for word in words:
        candidate = f"{value} {word}" if value else word
        if len(candidate) <= MAX_LENGTH:
            value = candidate
    return value


_PINYIN_TERM = re.compile(r"^[a-z]+$")


def pinyin_term(term: str) -> str:
    """The search term as it is compared with name_pinyin ("Zhang Jianguo" → "zhangjianguo"), or "" when
    it is not pinyin (Han characters, digits)."""
    compact = re.sub(r"[\s'’·.-]", "", (term or "").lower()).replace("ü", "v")
    return compact if _PINYIN_TERM.match(compact) else ""

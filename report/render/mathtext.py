"""TeX math as plain Unicode text: what an equation says, for readers who
do not see its picture (a screen reader, ``pdftotext``, a text diff).

The text is written the way one types mathematics in an e-mail:
``ŷ_c = e^(z_c − m) / Σ_k e^(z_k − m), m = max_k z_k``.  A layer index in
brackets stays on its symbol (``dW[l] = dz[l] a[l−1]ᵀ``), a prime is ``′``,
digits in scripts are Unicode super- and subscripts (``10⁻⁶``), and
anything else in a script is written ``x_i``, ``x^k`` or ``x^(…)``.

Covered: the TeX subset the lab templates use (Greek, ``\\frac``, ``\\sqrt``,
sums and functions with limits, accents, ``\\mathcal`` and friends,
``\\left``/``\\right``, the spacing commands) and the common operators and
relations.  Everything else degrades instead of failing: an unknown command
reads as its name without the backslash, an unbalanced brace is ignored.
``plain_text`` never raises; whether TeX can be typeset at all is
report.render.mathml's business.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

TOKEN = re.compile(r"\\[A-Za-z]+|\\.|\s+|.", re.DOTALL)

GREEK = {name: chr(code) for name, code in (
    ("alpha", 0x3B1), ("beta", 0x3B2), ("gamma", 0x3B3), ("delta", 0x3B4),
    ("epsilon", 0x3F5), ("varepsilon", 0x3B5), ("zeta", 0x3B6), ("eta", 0x3B7),
    ("theta", 0x3B8), ("vartheta", 0x3D1), ("iota", 0x3B9), ("kappa", 0x3BA),
    ("lambda", 0x3BB), ("mu", 0x3BC), ("nu", 0x3BD), ("xi", 0x3BE), ("pi", 0x3C0),
    ("rho", 0x3C1), ("sigma", 0x3C3), ("tau", 0x3C4), ("upsilon", 0x3C5),
    ("phi", 0x3D5), ("varphi", 0x3C6), ("chi", 0x3C7), ("psi", 0x3C8),
    ("omega", 0x3C9), ("Gamma", 0x393), ("Delta", 0x394), ("Theta", 0x398),
    ("Lambda", 0x39B), ("Xi", 0x39E), ("Pi", 0x3A0), ("Sigma", 0x3A3),
    ("Upsilon", 0x3A5), ("Phi", 0x3A6), ("Psi", 0x3A8), ("Omega", 0x3A9))}
SYMBOLS = {"ldots": "…", "cdots": "⋯", "dots": "…", "infty": "∞", "partial": "∂",
           "nabla": "∇", "prime": "′", "top": "⊤", "bot": "⊥", "ell": "ℓ",
           "forall": "∀", "exists": "∃", "emptyset": "∅", "neg": "¬", "lnot": "¬",
           "langle": "⟨", "rangle": "⟩", "lvert": "|", "rvert": "|", "vert": "|",
           "Vert": "‖", "|": "‖", "{": "{", "}": "}", "%": "%", "$": "$", "#": "#",
           "&": "&", "_": "_"}
BINARY = {"pm": "±", "mp": "∓", "times": "×", "cdot": "·", "odot": "⊙", "otimes": "⊗",
          "oplus": "⊕", "circ": "∘", "ast": "∗", "div": "÷", "cup": "∪", "cap": "∩",
          "setminus": "∖", "wedge": "∧", "vee": "∨", "land": "∧", "lor": "∨"}
RELATIONS = {"leftarrow": "←", "rightarrow": "→", "to": "→", "gets": "←",
             "Leftarrow": "⇐", "Rightarrow": "⇒", "iff": "⇔", "implies": "⇒",
             "leftrightarrow": "↔", "mapsto": "↦", "le": "≤", "leq": "≤", "ge": "≥",
             "geq": "≥", "neq": "≠", "ne": "≠", "approx": "≈", "sim": "∼",
             "simeq": "≃", "equiv": "≡", "propto": "∝", "in": "∈", "notin": "∉",
             "subset": "⊂", "subseteq": "⊆", "ll": "≪", "gg": "≫", "coloneqq": "≔"}
LARGE = {"sum": "Σ", "prod": "∏", "int": "∫", "oint": "∮", "bigcup": "⋃", "bigcap": "⋂"}
FUNCTIONS = frozenset("""arg argmax argmin cos cosh cot det dim exp inf lim liminf limsup
                         ln log max min sgn sin sinh sup tan tanh""".split())
ACCENTS = {"hat": "\u0302", "widehat": "\u0302", "tilde": "\u0303", "widetilde": "\u0303",
           "bar": "\u0304", "overline": "\u0305", "vec": "\u20d7", "dot": "\u0307",
           "ddot": "\u0308"}
PLAIN_FONTS = frozenset("""mathrm mathit mathbf mathsf mathtt boldsymbol bm text textrm
                           textit textbf mbox""".split())
LETTER_FONTS = {"mathcal": "SCRIPT", "mathscr": "SCRIPT", "mathbb": "DOUBLE-STRUCK",
                "mathfrak": "FRAKTUR"}
SPACES = frozenset([",", ";", ":", " ", "quad", "qquad", "enspace", "thinspace",
                    "medspace", "thickspace"])
IGNORED = frozenset("""! displaystyle textstyle scriptstyle limits nolimits
                       big Big bigg Bigg bigl bigr Bigl Bigr biggl biggr""".split())
FRACTIONS = frozenset(("frac", "dfrac", "tfrac", "cfrac"))
ASCII = {"-": ("bin", "−"), "+": ("bin", "+"), "*": ("bin", "∗"), "=": ("rel", "="),
         "<": ("rel", "<"), ">": ("rel", ">"), ",": ("punct", ","), ";": ("punct", ";"),
         "(": ("open", "("), "[": ("open", "["), ")": ("close", ")"),
         "]": ("close", "]"), "&": ("space", " "), "~": ("space", " ")}

SUPERSCRIPT = str.maketrans("0123456789+−=()", "⁰¹²³⁴⁵⁶⁷⁸⁹⁺⁻⁼⁽⁾")
SUBSCRIPT = str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉")
ON_THE_SYMBOL = set("′″‴ᵀ")  # superscripts read as part of the symbol: g′, Wᵀ


@dataclass
class Item:
    """One piece of a formula: ``kind`` is TeX's atom class (ord, op, bin,
    rel, punct, open, close) or space, frac (a fraction; parts in ``parts``)."""
    kind: str
    text: str
    scripted: bool = False
    parts: tuple[str, ...] = ()  # a fraction's (numerator, denominator)


def plain_text(tex: str) -> str:
    """The TeX math ``tex`` as one line of plain Unicode text."""
    parser = _Parser(TOKEN.findall(str(tex)))
    items: list[Item] = []
    while parser.position < len(parser.tokens):
        items += parser.sequence(in_script=False)
        parser.position += 1  # a stray "}": skip it, read on
    return _join(items, in_script=False)


class _Parser:
    """A recursive-descent reader of TeX tokens into Items."""

    def __init__(self, tokens: list[str]) -> None:
        self.tokens = tokens
        self.position = 0

    def next(self) -> str:
        token = self.tokens[self.position] if self.position < len(self.tokens) else ""
        self.position += 1
        return token

    def sequence(self, in_script: bool) -> list[Item]:
        """Items up to the "}" closing this group (left unread) or the end."""
        items: list[Item] = []
        while self.position < len(self.tokens) and self.tokens[self.position] != "}":
            token = self.next()
            if token in ("^", "_"):
                base = items.pop() if items and items[-1].kind != "space" else Item("ord", "")
                items.append(_attach(base, token, self.argument(in_script=True)))
            elif token == "'":
                base = items.pop() if items else Item("ord", "")
                items.append(_attach(base, "^", "′"))
            elif not token.isspace():
                items += self.command(token[1:], in_script) if token.startswith("\\") \
                    else [self.symbol(token, in_script)]
        return items

    def symbol(self, token: str, in_script: bool) -> Item:
        if token == "{":
            inner = self.sequence(in_script)
            self.next()  # the closing "}", or nothing at the end
            return Item("ord", _join(inner, in_script))
        kind, text = ASCII.get(token, ("ord", token))
        return Item(kind, text)

    def argument(self, in_script: bool) -> str:
        """A command's argument, as text: a {group} or a single token."""
        while self.position < len(self.tokens) and self.tokens[self.position].isspace():
            self.position += 1
        token = self.next()
        if token == "{":
            inner = self.sequence(in_script)
            self.next()
            return _join(inner, in_script)
        if token.startswith("\\"):
            return _join(self.command(token[1:], in_script), in_script)
        return "" if token == "}" else ASCII.get(token, ("ord", token))[1]

    def raw_argument(self) -> str:
        """An argument's characters as written, for \\text{...}."""
        start = self.position
        if self.next() != "{":
            return "".join(self.tokens[start:self.position])
        depth = 1
        pieces: list[str] = []
        while self.position < len(self.tokens):
            token = self.next()
            depth += (token == "{") - (token == "}")
            if depth == 0:
                break
            pieces.append(token[1:] if token.startswith("\\") and len(token) == 2 else token)
        return re.sub(r"\s+", " ", "".join(pieces))

    def command(self, name: str, in_script: bool) -> list[Item]:
        """The Items of ``\\name`` and its arguments."""
        if name in ("top", "intercal") and in_script:
            return [Item("ord", "ᵀ")]  # a transpose: Wᵀ
        if name in GREEK or name in SYMBOLS:
            return [Item("ord", GREEK.get(name) or SYMBOLS[name])]
        if name in BINARY:
            return [Item("bin", BINARY[name])]
        if name in RELATIONS:
            return [Item("rel", RELATIONS[name])]
        if name in LARGE or name in FUNCTIONS:
            return [Item("op", LARGE.get(name, name))]
        if name in SPACES:
            return [Item("space", " ")]
        if name in IGNORED:
            return []
        if name in ("left", "right"):
            delimiter = self._delimiter()  # "" for \left. and \right.
            return [Item("open" if name == "left" else "close", delimiter)] if delimiter else []
        if name in FRACTIONS:
            numerator = self.argument(in_script)
            return [Item("frac", "", parts=(numerator, self.argument(in_script)))]
        if name == "sqrt":
            return [Item("ord", _root(self._optional(), self.argument(in_script)))]
        if name in ACCENTS:
            return [Item("ord", _accent(self.argument(in_script), ACCENTS[name]))]
        if name in PLAIN_FONTS:
            return [Item("ord", self.raw_argument() if name.startswith(("text", "mbox"))
                         else self.argument(in_script))]
        if name in LETTER_FONTS:
            return [Item("ord", _letters(self.argument(in_script), LETTER_FONTS[name]))]
        if name == "operatorname":
            return [Item("op", self.raw_argument())]
        if name == "\\":
            return [Item("punct", ";")]
        return [Item("op", name)]  # unknown: its name, read like a function's

    def _delimiter(self) -> str:
        """The delimiter after \\left or \\right, as text."""
        token = self.next()
        while token and token.isspace():
            token = self.next()
        if token.startswith("\\"):
            return SYMBOLS.get(token[1:], token[1:])
        return "" if token == "." else token

    def _optional(self) -> str:
        """The [optional] argument of \\sqrt[n]{x}, or ""."""
        if self.position < len(self.tokens) and self.tokens[self.position] == "[":
            end = self.tokens.index("]", self.position) if "]" in self.tokens[self.position:] \
                else len(self.tokens)
            inner, self.position = self.tokens[self.position + 1:end], end + 1
            return plain_text("".join(inner))
        return ""


def _attach(base: Item, which: str, script: str) -> Item:
    """``base`` with a super- (``which`` "^") or subscript, written as it reads."""
    if not script:
        return base
    if which == "^":
        if set(script) <= ON_THE_SYMBOL or script.startswith("["):
            written = script                      # g′, a[l−1]ᵀ
        elif set(script) <= set("0123456789+−=()"):
            written = script.translate(SUPERSCRIPT)  # 10⁻⁶
        else:
            written = "^" + _group(script)
    elif script.isdigit():
        written = script.translate(SUBSCRIPT)
    else:
        written = "_" + _group(script)
    body = base.text
    if " " in body.strip() and base.kind == "ord" and not base.scripted:
        body = f"({body.strip()})"  # {a+b}^2 -> (a + b)²
    text = (body + written).replace("′′′", "‴").replace("′′", "″")
    return Item(base.kind if base.kind != "space" else "ord", text, scripted=True,
                parts=base.parts)


def _group(script: str) -> str:
    """A script as it can follow "^" or "_": alone if it is one word."""
    if re.fullmatch(r"\w+|\(.*\)", script) and _balanced(script):
        return script
    return f"({script})"


def _balanced(text: str) -> bool:
    depth = 0
    for character in text:
        depth += (character == "(") - (character == ")")
        if depth < 0:
            return False
    return depth == 0


def _root(index: str, radicand: str) -> str:
    inner = radicand if re.fullmatch(r"\w", radicand) else f"({radicand})"
    return {"": "√", "2": "√", "3": "∛", "4": "∜"}.get(index, f"{index}√") + inner


def _accent(text: str, mark: str) -> str:
    """``text`` with the combining ``mark`` on each letter (ŷ), composed
    into one character where Unicode has one."""
    return unicodedata.normalize("NFC", "".join(
        c + mark if c.isalnum() else c for c in text))


def _letters(text: str, style: str) -> str:
    """``text`` in a mathematical alphabet: \\mathcal{L} -> ℒ."""
    out: list[str] = []
    for c in text:
        kind = "CAPITAL" if c.isupper() else "SMALL"
        for name in (f"{style} {kind} {c}", f"MATHEMATICAL {style} {kind} {c}",
                     f"BLACK-LETTER {kind} {c}" if style == "FRAKTUR" else ""):
            try:
                out.append(unicodedata.lookup(name))
                break
            except KeyError:
                continue
        else:
            out.append(c)
    return "".join(out)


# --- joining Items into a line ----------------------------------------------------

SIGN_AFTER = frozenset(("bin", "rel", "punct", "open", "op"))  # a + or − here is a sign
OPERAND = frozenset(("ord", "close", "frac", "op"))


def _join(items: list[Item], in_script: bool) -> str:
    """Items as text, spaced as a reader expects: "a = b + c", "−x",
    "Σ_k e", "W[l] a[l−1]"; in scripts, "l−1" between single letters."""
    items = [item for item in items if item.text or item.kind == "frac"]
    pieces: list[str] = []
    for i, item in enumerate(items):
        before = items[i - 1] if i else None
        after = items[i + 1] if i + 1 < len(items) else None
        text = item.text
        if item.kind == "frac":  # its scripts, if any, are in item.text
            numerator, denominator = item.parts
            text = _fraction(numerator, denominator, before, after) + item.text
        if item.kind == "bin" and (before is None or before.kind in SIGN_AFTER):
            pieces.append(text)  # a sign: −x, ±h
        elif item.kind in ("bin", "rel"):
            tight = in_script and _simple(before) and _simple(after)
            pieces.append(text if tight else f" {text} ")
        elif item.kind == "punct":
            pieces.append(text + " ")
        elif item.kind == "op":
            pieces.append((" " if before and before.kind in OPERAND else "") + text
                          + (" " if after and after.kind in ("ord", "op", "frac") else ""))
        elif item.kind == "ord" and before and before.kind in OPERAND \
                and (before.scripted or before.kind == "frac") and text[:1].isalnum():
            pieces.append(" " + text)  # W[l] a[l−1]: two symbols, each with a script
        else:
            pieces.append(text)
    line = " ".join("".join(pieces).split())
    return re.sub(r"([(\[]) | (?=[)\],;])", r"\1", line)


def _simple(item: Item | None) -> bool:
    return item is not None and item.kind == "ord" and len(item.text) == 1


def _fraction(numerator: str, denominator: str, before: Item | None,
              after: Item | None) -> str:
    """``a/b`` as one reads it: ``num / den`` when the parts are long, in
    parentheses when a neighbour would bind to a part: −(1/N) Σ."""
    spaced = " " in numerator or " " in denominator
    text = (" / " if spaced else "/").join((_operand(numerator), _operand(denominator)))
    alone = all(x is None or x.kind in ("rel", "punct", "bin") for x in (before, after))
    return text if alone else f"({text})"


def _operand(part: str) -> str:
    """A fraction's part, in parentheses if a + or − at its top level
    would otherwise bind wrongly."""
    depth = 0
    for i, character in enumerate(part):
        depth += (character in "([") - (character in ")]")
        if depth == 0 and part[i - 1:i + 2] in (" + ", " − ", " ± ", " = "):
            return f"({part})"
    return part

"""The BERT WordPiece tokenizer in pure Python, matching Hugging Face `tokenizers` id for id.

Steps, in the order the Rust implementation runs them:
1. special tokens (`[CLS]`, `[MASK]`, ...) written literally in the text are split out first;
2. BertNormalizer: drop control characters, map whitespace to spaces, pad CJK ideographs with spaces,
   strip accents (NFD, drop combining marks), lowercase (character by character);
3. BertPreTokenizer: split on whitespace, and every punctuation character becomes its own word;
4. WordPiece: greedy longest-match-first with `##` continuations; a word longer than
   `max_input_chars_per_word`, or with no full cover, becomes `[UNK]`;
5. `[CLS] ... [SEP]`, truncated so the whole sequence fits `max_length`.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from llmquiz.errors import ModelError

# Rust's char::is_whitespace (the Unicode White_Space property); Python's str.isspace differs slightly.
_WHITESPACE = frozenset(
    "\t\n\x0b\x0c\r \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a"
    "\u2028\u2029\u202f\u205f\u3000"
)
# Unassigned code points (Cn) are kept, as the Rust implementation keeps them.
_OTHER = frozenset(("Cc", "Cf", "Cs", "Co"))
# The CJK ideograph blocks BertNormalizer pads with spaces (the ranges of tokenizers' is_chinese_char).
_CJK = ((0x4E00, 0x9FFF), (0x3400, 0x4DBF), (0x20000, 0x2A6DF), (0x2A700, 0x2B73F), (0x2B740, 0x2B81F),
        (0x2B920, 0x2CEAF), (0xF900, 0xFAFF), (0x2F800, 0x2FA1F))
# ASCII punctuation (Rust's is_ascii_punctuation, which includes symbols such as $ + < = > ^ ` | ~).
_ASCII_PUNCT = "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~"
_ASCII_WORDS = re.compile("[^\\s" + re.escape(_ASCII_PUNCT) + "]+|[" + re.escape(_ASCII_PUNCT) + "]")
# ASCII control characters removed by clean_text (tab, newline and carriage return are whitespace).
_ASCII_CLEAN = {c: None for c in (*range(0, 9), 11, 12, *range(14, 32), 127)}
_ASCII_CLEAN.update({9: 32, 10: 32, 13: 32})
_PIECE_END = re.compile("[ \t\n\r]")


def _is_cjk(cp: int) -> bool:
    return any(lo <= cp <= hi for lo, hi in _CJK)


def _is_punct(ch: str) -> bool:
    return ch in _ASCII_PUNCT or unicodedata.category(ch).startswith("P")


@dataclass
class WordPieceTokenizer:
    """Turns text into BERT input ids.

    Example:
        >>> tok = WordPieceTokenizer.from_folder(model_dir)
        >>> tok.encode("Attention is all you need.")
        [101, 3086, 2003, 2035, 2017, 2342, 1012, 102]
    """

    vocab: dict[str, int]
    lowercase: bool = True
    strip_accents: bool | None = None  # None: follow `lowercase`, as BertNormalizer does
    handle_chinese_chars: bool = True
    clean_text: bool = True
    unk_token: str = "[UNK]"
    cls_token: str = "[CLS]"
    sep_token: str = "[SEP]"
    prefix: str = "##"
    max_input_chars_per_word: int = 100
    special_tokens: dict[str, int] = field(default_factory=dict)
    _cache: dict[str, tuple[int, ...]] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        for tok in (self.unk_token, self.cls_token, self.sep_token):
            if tok not in self.vocab:
                raise ModelError(f"The tokenizer vocabulary has no {tok} token; is this a BERT model folder?")
        self.unk_id = self.vocab[self.unk_token]
        self.cls_id = self.vocab[self.cls_token]
        self.sep_id = self.vocab[self.sep_token]
        names = sorted(self.special_tokens, key=len, reverse=True)  # longest first, as tokenizers does
        self._special_re = re.compile("|".join(map(re.escape, names))) if names else None

    @classmethod
    def from_folder(cls, folder: str | Path) -> WordPieceTokenizer:
        """Build from `tokenizer.json` when present, else `vocab.txt` (+ `tokenizer_config.json`)."""
        folder = Path(folder)
        tj = folder / "tokenizer.json"
        if tj.is_file():
            try:
                return cls.from_tokenizer_json(json.loads(tj.read_text(encoding="utf-8")))
            except (KeyError, TypeError, ValueError) as e:
                raise ModelError(f"{tj}: not a BERT WordPiece tokenizer llmquiz can read ({e}).") from e
        vt = folder / "vocab.txt"
        if not vt.is_file():
            raise ModelError(f"{folder}: no tokenizer.json or vocab.txt; the model folder is incomplete.")
        vocab = {line.rstrip("\n"): i for i, line in enumerate(vt.read_text(encoding="utf-8").split("\n"))
                 if line}
        conf_path = folder / "tokenizer_config.json"
        conf = json.loads(conf_path.read_text(encoding="utf-8")) if conf_path.is_file() else {}
        special = {t: vocab[t] for t in ("[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]") if t in vocab}
        return cls(vocab, lowercase=bool(conf.get("do_lower_case", True)),
                   strip_accents=conf.get("strip_accents"),
                   handle_chinese_chars=bool(conf.get("tokenize_chinese_chars", True)),
                   special_tokens=special)

    @classmethod
    def from_tokenizer_json(cls, data: dict) -> WordPieceTokenizer:
        """Build from the parsed `tokenizer.json` of a Hugging Face fast BERT tokenizer."""
        model = data["model"]
        if model.get("type") != "WordPiece":
            raise ValueError(f"model type is {model.get('type')!r}, not WordPiece")
        norm = data.get("normalizer") or {}
        if norm and norm.get("type") != "BertNormalizer":
            raise ValueError(f"normalizer is {norm.get('type')!r}, not BertNormalizer")
        special = {t["content"]: int(t["id"]) for t in data.get("added_tokens", [])
                   if t.get("special") and not t.get("normalized")}
        return cls(
            dict(model["vocab"]),
            lowercase=bool(norm.get("lowercase", True)),
            strip_accents=norm.get("strip_accents"),
            handle_chinese_chars=bool(norm.get("handle_chinese_chars", True)),
            clean_text=bool(norm.get("clean_text", True)),
            unk_token=model.get("unk_token", "[UNK]"),
            prefix=model.get("continuing_subword_prefix", "##"),
            max_input_chars_per_word=int(model.get("max_input_chars_per_word", 100)),
            special_tokens=special,
        )

    # -- the pipeline -------------------------------------------------------------------------------

    def normalize(self, text: str) -> str:
        """BertNormalizer: clean, pad CJK, strip accents, lowercase."""
        strip = self.lowercase if self.strip_accents is None else self.strip_accents
        if text.isascii():  # the common case, done with C-speed string methods
            if self.clean_text:
                text = text.translate(_ASCII_CLEAN)
            return text.lower() if self.lowercase else text
        chars: list[str] = []
        for ch in text:
            if self.clean_text:
                if ch in "\0\ufffd" or (ch not in "\t\n\r" and unicodedata.category(ch) in _OTHER):
                    continue
                if ch in _WHITESPACE:
                    ch = " "
            if self.handle_chinese_chars and _is_cjk(ord(ch)):
                chars.extend((" ", ch, " "))
            else:
                chars.append(ch)
        text = "".join(chars)
        if strip:
            text = "".join(c for c in unicodedata.normalize("NFD", text) if unicodedata.category(c) != "Mn")
        if self.lowercase:
            # Character by character, as Rust's char::to_lowercase (no final-sigma context rule).
            text = "".join(c.lower() for c in text)
        return text

    @staticmethod
    def pre_tokenize(text: str) -> list[str]:
        """BertPreTokenizer: whitespace-separated words, each punctuation character on its own."""
        if text.isascii():
            return _ASCII_WORDS.findall(text)
        words: list[str] = []
        current: list[str] = []
        for ch in text:
            if ch in _WHITESPACE:
                if current:
                    words.append("".join(current))
                    current = []
            elif _is_punct(ch):
                if current:
                    words.append("".join(current))
                    current = []
                words.append(ch)
            else:
                current.append(ch)
        if current:
            words.append("".join(current))
        return words

    def word_ids(self, word: str) -> tuple[int, ...]:
        """WordPiece ids of one pre-tokenized word (cached: answers repeat words a lot)."""
        hit = self._cache.get(word)
        if hit is not None:
            return hit
        ids = self._wordpiece(word)
        if len(self._cache) < 100_000:
            self._cache[word] = ids
        return ids

    def _wordpiece(self, word: str) -> tuple[int, ...]:
        if len(word) > self.max_input_chars_per_word:
            return (self.unk_id,)
        vocab, ids, start, n = self.vocab, [], 0, len(word)
        while start < n:
            end, found = n, None
            while start < end:
                piece = word[start:end] if start == 0 else self.prefix + word[start:end]
                found = vocab.get(piece)
                if found is not None:
                    break
                end -= 1
            if found is None:
                return (self.unk_id,)
            ids.append(found)
            start = end
        return tuple(ids)

    def _segments(self, text: str) -> Iterator[tuple[str, int | None]]:
        # Literal special tokens are matched on the raw text before any normalisation.
        pos = 0
        if self._special_re is not None:
            for m in self._special_re.finditer(text):
                yield text[pos : m.start()], None
                yield m.group(), self.special_tokens[m.group()]
                pos = m.end()
        yield text[pos:], None

    def tokenize_ids(self, text: str, limit: int | None = None) -> list[int]:
        """The ids of `text` without [CLS]/[SEP]; at most `limit` of them (the first ones).

        The text is read in pieces cut at spaces, tabs and newlines (which no word, special token or
        accent spans), so a pasted book stops costing anything once `limit` ids are found.
        """
        ids: list[int] = []
        for piece in _pieces(text):
            for segment, special in self._segments(piece):
                if special is not None:
                    ids.append(special)
                    continue
                for word in self.pre_tokenize(self.normalize(segment)):
                    ids.extend(self.word_ids(word))
            if limit is not None and len(ids) >= limit:
                return ids[:limit]
        return ids

    def encode(self, text: str, max_length: int = 512) -> list[int]:
        """`[CLS] ids [SEP]`, truncated on the right so the whole fits in `max_length`."""
        ids = self.tokenize_ids(text, max(max_length - 2, 0))
        return [self.cls_id, *ids, self.sep_id]


def _pieces(text: str, size: int = 2048) -> Iterator[str]:
    # Consecutive slices of about `size` characters, each ending just before a space, tab or newline.
    start, n = 0, len(text)
    while start < n:
        cut = _PIECE_END.search(text, start + size) if start + size < n else None
        end = cut.start() if cut else n
        yield text[start:end]
        start = end

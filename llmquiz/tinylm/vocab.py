"""The tiny model's compact vocabulary: the cl100k_base tokens its corpus uses, renumbered.

A real tokenizer has ~100k tokens; a model trained on a few hundred answers only ever sees a few
thousand of them. So the model keeps tiktoken's BPE (text -> cl100k ids) and maps each id it saw
at least `min_count` times to a compact id. The 256 single-byte tokens are always in the
vocabulary, so a rarer token is spelled with the longest known tokens its bytes start with (a
byte fallback, as in SentencePiece): text never needs `<unk>`, which stays reserved. The
vocabulary is stored with the weights (each token's cl100k id and bytes), so decoding needs no
tokenizer.
"""

from __future__ import annotations

import itertools
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

UNK, BOS, EOS = "<unk>", "<bos>", "<eos>"
SPECIALS: tuple[str, ...] = (UNK, BOS, EOS)
UNK_ID, BOS_ID, EOS_ID = 0, 1, 2


@dataclass
class Vocab:
    """Compact id i <-> cl100k id `tiktoken_ids[i]` (-1 for the specials) and its bytes."""

    tiktoken_ids: list[int]
    token_bytes: list[bytes]
    _to_compact: dict[int, int] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self._to_compact = {t: i for i, t in enumerate(self.tiktoken_ids) if t >= 0}
        self._by_bytes = {b: i for i, (b, t) in enumerate(zip(self.token_bytes, self.tiktoken_ids, strict=True))
                          if t >= 0}
        self._longest = max((len(b) for b in self._by_bytes), default=1)

    @classmethod
    def from_counts(cls, counts: Counter[int], min_count: int, enc) -> Vocab:
        """Keep tokens seen at least `min_count` times, most frequent first (ties by cl100k id),
        then every single-byte token not already kept. `enc` is the tiktoken Encoding."""
        kept = sorted((t for t, c in counts.items() if c >= min_count), key=lambda t: (-counts[t], t))
        byte_tokens = [enc.encode_single_token(bytes([b])) for b in range(256)]
        seen = set(kept)
        kept += [t for t in byte_tokens if t not in seen]
        return cls(tiktoken_ids=[-1] * len(SPECIALS) + kept,
                   token_bytes=[s.encode() for s in SPECIALS] + [enc.decode_single_token_bytes(t) for t in kept])

    def _spell(self, token: bytes) -> list[int]:
        # greedy longest match over the known tokens; single bytes guarantee progress
        out, i = [], 0
        while i < len(token):
            for n in range(min(self._longest, len(token) - i), 0, -1):
                j = self._by_bytes.get(token[i:i + n])
                if j is not None:
                    out.append(j)
                    i += n
                    break
            else:  # only for a vocabulary stored without its byte tokens
                out.append(UNK_ID)
                i += 1
        return out

    def __len__(self) -> int:
        return len(self.tiktoken_ids)

    def from_tiktoken(self, ids: Iterable[int], enc) -> list[int]:
        """cl100k ids -> compact ids; a token outside the vocabulary is spelled with smaller known ones.

        `enc` (the tiktoken Encoding) gives an unknown token's bytes.
        """
        out: list[int] = []
        for t in ids:
            j = self._to_compact.get(t)
            if j is not None:
                out.append(j)
            else:
                out += self._spell(enc.decode_single_token_bytes(t))
        return out

    def token_text(self, i: int) -> str:
        """One token as text (a token that is part of a multi-byte character shows as '�')."""
        return self.token_bytes[i].decode("utf-8", errors="replace")

    def decode(self, ids: Sequence[int]) -> str:
        """Compact ids -> text; `<bos>`/`<eos>` are dropped, `<unk>` shows as '<unk>'."""
        chunks = [self.token_bytes[i] for i in ids if i not in (BOS_ID, EOS_ID)]
        return b"".join(chunks).decode("utf-8", errors="replace")

    # -- storage as plain arrays (no pickle in the weights file)

    def to_arrays(self) -> dict:
        import numpy as np

        lengths = [len(b) for b in self.token_bytes]
        return {
            "vocab_tiktoken_ids": np.asarray(self.tiktoken_ids, dtype=np.int64),
            "vocab_bytes": np.frombuffer(b"".join(self.token_bytes), dtype=np.uint8),
            "vocab_offsets": np.concatenate([[0], np.cumsum(lengths)]).astype(np.int64),
        }

    @classmethod
    def from_arrays(cls, arrays) -> Vocab:
        blob = arrays["vocab_bytes"].tobytes()
        offsets = arrays["vocab_offsets"].tolist()
        return cls(tiktoken_ids=arrays["vocab_tiktoken_ids"].tolist(),
                   token_bytes=[blob[a:b] for a, b in itertools.pairwise(offsets)])

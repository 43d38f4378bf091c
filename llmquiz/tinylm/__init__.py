"""A tiny GPT written in NumPy (forward, backward, AdamW), trained on the decks' model answers.

It backs the teaching demos (temperature, top-p, decoding, attention maps, loss). Importing this
package is cheap (NumPy comes in with its names); `load_model()` reads the weights once.

Example:
    >>> from llmquiz.tinylm import load_model
    >>> m = load_model()
    >>> m.next_logits("Attention").shape == (m.vocab_size,)
    True
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from llmquiz.tinylm.lm import LanguageModel, ModelInfo, load_model

__all__ = ["LanguageModel", "ModelInfo", "load_model"]


def __getattr__(name: str) -> Any:
    # Lazy: `from llmquiz.tinylm import load_model` costs nothing until the model is used.
    if name in __all__:
        from llmquiz.tinylm import lm

        return getattr(lm, name)
    raise AttributeError(name)

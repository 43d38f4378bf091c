"""The demos llmquiz ships: name, one-line summary, module and parameters. Cheap to import.

Each demo's module (`llmquiz.demos.<module>`) has `compute(args, rng) -> DemoResult`; it is imported
only when the demo runs. A demo whose time or memory grows with its inputs has a cost function: seconds
and bytes for one run, measured on one core (OPENBLAS_NUM_THREADS=1) and rounded up, with the
parameters that drive them. Demos without one stay small at every value their ranges allow.
"""

from __future__ import annotations

from typing import Any

from llmquiz.demos.spec import Cost, DemoSpec, Param

_PROMPT = "The KV cache stores"  # the tiny model knows the decks' answers, so prompts come from them

# The three sampling demos read a next-token distribution from one of these.
_SOURCE = (
    Param("prompt", "str", _PROMPT, "Prompt for the tiny model's next-token distribution.", min_len=1),
    Param("logits", "floats", None, "Use these logits instead of the tiny model, e.g. 2,1,0.5,0.",
          min_len=1, max_len=64),
    Param("probs", "floats", None, "Use these probabilities instead (taken as logits = log p).",
          lo=0, min_len=1, max_len=64),
)

_MODEL_LOAD = 0.4  # seconds to load the tiny model
_SMALL = 16 * 2**20  # bytes of the small arrays and objects any run makes besides its big ones


def _bpe_cost(v: dict[str, Any]) -> Cost:
    # Each merge rescans every byte of the text in Python; drawing one span per token follows.
    n = len(v["text"].encode("utf-8"))
    return Cost(1.2e-6 * n * v["merges"] + 2e-5 * n, 200.0 * n, ("text", "merges"))


def _tokens_cost(v: dict[str, Any]) -> Cost:
    return Cost(0.3 + 1.2e-5 * len(v["text"]), 400.0 * len(v["text"]), ("text",))


def _decoding_cost(v: dict[str, Any]) -> Cost:
    # One forward pass per generated token of every beam, every sample and the greedy run.
    forwards = v["new_tokens"] * (v["beam"] + v["samples"] + 1)
    return Cost(_MODEL_LOAD + 3e-3 * forwards, 2e5 * forwards, ("beam", "new_tokens", "samples"))


def _loss_cost(v: dict[str, Any]) -> Cost:
    if v["probs"] is not None:
        return Cost(0.1, 0.0, ("probs",))
    # Past the model's context every token is scored by its own window; each token is a table row.
    return Cost(_MODEL_LOAD + 1.3e-3 * len(v["text"]), 2e4 * len(v["text"]), ("text",))


def _attention_cost(v: dict[str, Any]) -> Cost:
    # The scaling table draws 200 queries over 16 keys of width d_k: two (200, 16, d_k) float arrays.
    return Cost(_MODEL_LOAD + 2.5e-4 * v["d_k"], _SMALL + 2 * 200 * 16 * 8 * v["d_k"], ("d_k",))


def _quantize_cost(v: dict[str, Any]) -> Cost:
    size = v["rows"] * v["cols"]
    # About seven float64 copies of the matrix live at once (weights, padded blocks, scaled, rounded, back).
    return Cost(0.2 + 2.5e-7 * size, _SMALL + 7 * 8 * size, ("rows", "cols"))


def _moe_cost(v: dict[str, Any]) -> Cost:
    tokens, experts, d = v["tokens"], v["experts"], v["d_model"]
    # x @ W_router, then an argsort of the (tokens, experts) logits; one bar per expert to draw.
    seconds = 0.3 + 3e-10 * tokens * d * experts + 1.5e-7 * tokens * experts + 1.2e-3 * experts
    arrays = 8 * (tokens * d + 3 * tokens * experts + d * experts)
    return Cost(seconds, _SMALL + arrays, ("tokens", "experts", "d_model"))


SPECS: tuple[DemoSpec, ...] = (
    DemoSpec("tokens", "Count and colour the tokens of a text with tiktoken (cl100k_base, o200k_base).",
             "tokens", (
                 Param("text", "str", "Tokenization isn't free: count the r's in strawberry.",
                       "Text to tokenize.", min_len=1),
                 Param("encoding", "choice", "o200k_base", "Encoding to colour and price.",
                       choices=("cl100k_base", "o200k_base")),
                 Param("price", "float", 2.5, "Price in USD per million input tokens.", lo=0),
             ), cost=_tokens_cost),
    DemoSpec("bpe", "Train byte-pair merges on a small text and watch the segmentation shrink.", "bpe", (
        Param("text", "str", "low lower lowest newer newest wider widest", "Training text.", min_len=1),
        Param("merges", "int", 10, "Number of merges to learn.", lo=1, hi=500),
    ), cost=_bpe_cost),
    DemoSpec("temperature", "softmax(logits / T) for several temperatures: probabilities, entropy, samples.",
             "sampling", (
                 *_SOURCE,
                 Param("temperatures", "floats", (0.0, 0.5, 1.0, 2.0),
                       "Temperatures to compare (0 means greedy).", lo=0, hi=100, min_len=1, max_len=8),
                 Param("samples", "int", 20, "Seeded draws per temperature.", lo=0, hi=1000),
             )),
    DemoSpec("top-p", "Nucleus sampling: the smallest set of tokens whose probability reaches p.",
             "sampling", (
                 *_SOURCE,
                 Param("p", "float", 0.9, "Probability mass to keep.", lo=0, hi=1, lo_open=True),
                 Param("temperature", "float", 1.0, "Temperature applied first (0 means greedy).",
                       lo=0, hi=100),
                 Param("draws", "int", 1000, "Seeded draws for the empirical frequencies.", lo=1, hi=100000),
             )),
    DemoSpec("top-k", "Top-k sampling: keep the k most likely tokens and renormalise.", "sampling", (
        *_SOURCE,
        Param("k", "int", 3, "How many tokens to keep.", lo=1),
        Param("temperature", "float", 1.0, "Temperature applied first (0 means greedy).", lo=0, hi=100),
        Param("draws", "int", 1000, "Seeded draws for the empirical frequencies.", lo=1, hi=100000),
    )),
    DemoSpec("decoding", "Greedy vs beam search vs sampling continuations, with sequence log-probabilities.",
             "decoding", (
                 Param("prompt", "str", _PROMPT, "Prompt to continue.", min_len=1),
                 Param("beam", "int", 3, "Beam width B (1 is greedy).", lo=1, hi=16),
                 Param("new_tokens", "int", 8, "Tokens to generate.", lo=1, hi=48),
                 Param("temperature", "float", 1.0, "Temperature for the sampled continuations.", lo=0,
                       hi=100),
                 Param("samples", "int", 3, "Sampled continuations (seeded).", lo=0, hi=10),
             ), cost=_decoding_cost),
    DemoSpec("attention", "Scaled dot-product attention step by step, why divide by √d_k, the causal mask.",
             "attention", (
                 Param("d_k", "int", 8, "Key/query dimension for the worked example and the scaling table.",
                       lo=1, hi=4096),
                 Param("seq", "int", 4, "Tokens in the worked example.", lo=2, hi=8),
                 Param("prompt", "str", "Beam search keeps the most likely sequences",
                       "Prompt for the tiny model's attention map.", min_len=1),
                 Param("layer", "int", -1, "Tiny-model layer to show (-1: the last).", lo=-64),
                 Param("head", "int", 0, "Tiny-model head to show.", lo=0),
             ), cost=_attention_cost),
    DemoSpec("positions", "Sinusoidal position encodings, and RoPE's scores depending only on the offset.",
             "positions", (
                 Param("d_model", "int", 16, "Embedding width (even).", lo=2, hi=8192),
                 Param("positions", "int", 8, "Positions to tabulate.", lo=2, hi=64),
                 Param("base", "float", 10000.0, "Frequency base (10000 in the original paper).", lo=1,
                       lo_open=True),
                 Param("offset", "int", 3, "Offset between query and key positions for the RoPE check.",
                       lo=0, hi=100000),
             )),
    DemoSpec("loss", "Cross-entropy and perplexity token by token; KL divergence between two distributions.",
             "loss", (
                 Param("text", "str", "The KV cache stores the keys and values of every past token.",
                       "Sentence scored by the tiny model.",
                       min_len=1),
                 Param("probs", "floats", None,
                       "Score these per-token probabilities of the right token instead, e.g. 0.5,0.25.",
                       lo=0, hi=1, lo_open=True, min_len=1, max_len=256),
                 Param("p_dist", "floats", (0.5, 0.3, 0.2), "Distribution P for the KL divergence.", lo=0,
                       min_len=2, max_len=64),
                 Param("q_dist", "floats", (0.8, 0.15, 0.05), "Distribution Q for the KL divergence.", lo=0,
                       min_len=2, max_len=64),
             ), cost=_loss_cost),
    DemoSpec("embeddings", "Cosine similarity between sentences with the grader's sentence encoder.",
             "embeddings", (
                 Param("sentences", "strs", (
                     "The cat sat on the mat.", "A kitten was resting on the rug.",
                     "Quarterly revenue grew by eight percent.", "The company's sales rose this quarter.",
                 ), "Sentences to compare, separated by | on the command line.", min_len=2, max_len=12),
             )),
    DemoSpec("lora", "LoRA trainable parameters vs full fine-tuning, and merging W + BA changes nothing.",
             "lora", (
                 Param("d_in", "int", 4096, "Input width of the adapted weight matrix.", lo=1, hi=1 << 20),
                 Param("d_out", "int", 4096, "Output width of the adapted weight matrix.", lo=1, hi=1 << 20),
                 Param("rank", "int", 8, "LoRA rank r.", lo=1, hi=1 << 16),
                 Param("alpha", "float", 16.0, "LoRA alpha; the update is scaled by alpha / r.", lo=0,
                       lo_open=True),
                 Param("matrices", "int", 1, "How many such matrices are adapted (e.g. layers × 4).", lo=1,
                       hi=100000),
             )),
    DemoSpec("kvcache", "KV-cache memory for a model shape, sequence length and batch; MHA vs GQA vs MQA.",
             "kvcache", (
                 Param("layers", "int", 32, "Transformer layers.", lo=1, hi=1000),
                 Param("heads", "int", 32, "Query heads (what MHA would cache).", lo=1, hi=1024),
                 Param("kv_heads", "int", 8, "Key/value heads (GQA; = heads is MHA, 1 is MQA).", lo=1,
                       hi=1024),
                 Param("head_dim", "int", 128, "Dimension per head.", lo=1, hi=4096),
                 Param("seq_len", "int", 8192, "Tokens in the context.", lo=1, hi=100_000_000),
                 Param("batch", "int", 1, "Sequences served at once.", lo=1, hi=100_000),
                 Param("bytes", "float", 2.0, "Bytes per cached value (2 for fp16/bf16, 1 for fp8).", lo=0,
                       lo_open=True, hi=8),
             )),
    DemoSpec("quantize", "int8 / int4 absmax quantization: round-trip error and memory of a weight matrix.",
             "quantize", (
                 Param("bits", "int", 8, "Bits per weight (symmetric absmax).", lo=2, hi=8),
                 Param("group_size", "int", 128, "Weights sharing one scale in the per-group scheme.", lo=1),
                 Param("rows", "int", 256, "Rows (output channels) of the random weight matrix.", lo=1,
                       hi=2048),
                 Param("cols", "int", 1024, "Columns (input features) of the random weight matrix.", lo=1,
                       hi=2048),
                 Param("params_b", "float", 7.0, "Model size in billions of parameters for the memory table.",
                       lo=0, lo_open=True, hi=100000),
             ), cost=_quantize_cost),
    DemoSpec("moe", "Mixture-of-experts top-k routing: load per expert, total vs active parameters.", "moe", (
        Param("experts", "int", 8, "Experts per MoE layer.", lo=1, hi=1024),
        Param("top_k", "int", 2, "Experts each token is routed to.", lo=1),
        Param("tokens", "int", 64, "Tokens routed (seeded random hidden states).", lo=1, hi=10000),
        Param("d_model", "int", 16, "Hidden size of the toy router.", lo=1, hi=1024),
        Param("expert_params_b", "float", 5.63,
              "Parameters of one expert summed over layers, in billions (Mixtral 8x7B: ~5.63).", lo=0),
        Param("shared_params_b", "float", 1.63,
              "Parameters every token uses (attention, embeddings), in billions (Mixtral: ~1.63).", lo=0),
    ), cost=_moe_cost),
)

BY_NAME: dict[str, DemoSpec] = {s.name: s for s in SPECS}

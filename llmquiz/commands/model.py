"""`llmquiz model`: train the tiny language model behind the demos, and describe it.

Thin: options are parsed here, `llmquiz.tinylm` does the work, Rich draws the result. Nothing heavy
(numpy, tiktoken) is imported until a command runs.
"""

import math
from pathlib import Path
from typing import Annotated, Any

import typer

from llmquiz.commands import ErrorGroup, JsonOpt, print_json

app = typer.Typer(cls=ErrorGroup, help="Train or describe the tiny language model behind the demos.",
                  no_args_is_help=True, add_completion=False,
                  context_settings={"help_option_names": ["-h", "--help"]})



def _info_table(info: dict[str, Any], title: str) -> Any:
    from rich.table import Table

    table = Table(title=title, show_header=False, title_justify="left")
    table.add_column(style="bold")
    table.add_column()
    rows = [
        ("file", f"{info['path']} ({info['source']})"),
        ("parameters", f"{info['n_params']:,}"),
        ("vocabulary", f"{info['vocab_size']:,} tokens ({info['encoding']} tokens seen ≥ {info['min_count']}x, "
                       "all 256 single bytes, <unk> <bos> <eos>)"),
        ("shape", f"{info['n_layer']} layers, d_model {info['d_model']}, {info['n_head']} heads, "
                  f"MLP {info['d_ff']}, context {info['context']} tokens"),
        ("training", f"{info['steps']:,} steps of {info['batch_size']} x {info['context']} tokens, "
                     f"seed {info['seed']}"),
        ("train loss", f"{info['train_loss']:.3f} nats/token (perplexity {info['train_perplexity']:.1f})"),
        ("held-out loss", f"{info['heldout_loss']:.3f} nats/token (perplexity {info['heldout_perplexity']:.1f})"),
        ("corpus", f"{info['corpus_cards']} card answers from {len(info['corpus_files'])} decks: "
                   f"{info['corpus_train_cards']} to train ({info['corpus_train_tokens']:,} tokens), "
                   f"{info['corpus_heldout_cards']} held out ({info['corpus_heldout_tokens']:,} tokens)"),
        ("corpus sha256", info["corpus_sha256"][:16]),
    ]
    for key, value in rows:
        table.add_row(key, value)
    return table


def _clean(d: dict[str, Any]) -> dict[str, Any]:
    # JSON has no NaN: a file without training figures reports null
    return {k: (None if isinstance(v, float) and math.isnan(v) else v) for k, v in d.items()}


@app.command()
def info(
    path: Annotated[Path | None, typer.Option("--path", help="A weights file to describe instead of the one "
                                              "the demos use.", show_default=False)] = None,
    as_json: JsonOpt = False,
) -> None:
    """Describe the tiny model: size, shape, training run, losses and corpus."""
    from llmquiz.tinylm import load_model

    data = _clean(load_model(path).info().to_dict())
    if as_json:
        print_json(data)
        return
    from llmquiz import render

    render.console().print(_info_table(data, "Tiny language model"))


@app.command()
def train(
    output: Annotated[Path | None, typer.Option("--output", "-o", help="Where to write the weights "
                                                "(default: your cache, which the demos then prefer).",
                                                show_default=False)] = None,
    decks: Annotated[Path | None, typer.Option("--decks", help="Folder of decks to train on "
                                               "(default: the shipped decks).", show_default=False)] = None,
    steps: Annotated[int | None, typer.Option("--steps", min=1, help="Optimizer steps (default: as shipped).",
                                              show_default=False)] = None,
    seed: Annotated[int, typer.Option("--seed", help="Random seed for initialisation and batches.")] = 0,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress lines.")] = False,
    as_json: JsonOpt = False,
) -> None:
    """Train the tiny model on the decks' model answers (seeded: same decks, same weights).

    With the defaults this reproduces the shipped model; maintainers regenerate the shipped file with
    `llmquiz model train --output llmquiz/data/tinylm.npz`.
    """
    import dataclasses

    from llmquiz import render
    from llmquiz.paths import shipped_decks_dir
    from llmquiz.tinylm.lm import user_path
    from llmquiz.tinylm.train import TrainConfig, train_and_save

    target = output or user_path()
    tc = TrainConfig(seed=seed)
    if steps is not None:
        tc = dataclasses.replace(tc, steps=steps)
    err = render.console(stderr=True)

    def progress(step: int, loss: float, heldout: float) -> None:
        if not quiet and not as_json:
            err.print(f"step {step + 1:>5}/{tc.steps}  batch loss {loss:.3f}  held-out loss {heldout:.3f}")

    result = train_and_save(decks or shipped_decks_dir(), target, tc, log_every=100, progress=progress)
    data = _clean(result.model.info().to_dict()) | {"seconds": round(result.seconds, 2)}
    if as_json:
        print_json(data)
        return
    render.console().print(_info_table(data, f"Trained in {result.seconds:.1f} s"))

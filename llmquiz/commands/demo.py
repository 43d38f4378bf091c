"""`llmquiz demo`: list the micro-demos, or run one with its inputs as options.

Thin: the options are generated from each demo's parameter table (`llmquiz.demos.registry`), values
are parsed and checked by the core (`llmquiz.demos.run`), and `llmquiz.demos.render` draws the result.
Every option is read as text and parsed by the core, so a bad value gets one clear sentence rather
than a usage box. Nothing heavy (numpy, tiktoken, models) is imported until a demo runs, and a demo's
command is built only when it is named: `llmquiz --help` and `llmquiz study` never pay for the
fourteen option tables.
"""

from typing import Annotated, Any

import typer

from llmquiz import demos
from llmquiz.commands import ErrorGroup, print_json

# A worked example per demo for its --help.
EXAMPLES: dict[str, str] = {
    "tokens": '--text "How many r\'s in strawberry?" --encoding cl100k_base',
    "bpe": '--text "aaabdaaabac" --merges 3',
    "temperature": "--logits 2,1,0.5,0 --temperatures 0,0.5,1,2",
    "top-p": "--probs 0.5,0.2,0.15,0.1,0.05 --p 0.8",
    "top-k": "--logits 3,2,1,0 --k 2",
    "decoding": '--prompt "Quantization reduces" --beam 3',
    "attention": "--d-k 64",
    "positions": "--d-model 64 --offset 5",
    "loss": "--probs 0.5,0.25,0.125",
    "embeddings": '--sentences "I love cats|Felines are great|Stocks fell"',
    "lora": "--d-in 4096 --d-out 4096 --rank 16",
    "kvcache": "--layers 80 --heads 64 --kv-heads 8 --head-dim 128 --seq-len 32768",
    "quantize": "--bits 4 --group-size 64",
    "moe": "--experts 64 --top-k 8",
}


class DemoGroup(ErrorGroup):
    """The `demo` group: lists every demo by name, builds a demo's command the first time it is asked for."""

    def list_commands(self, ctx: typer.Context) -> list[str]:
        return list(demos.demo_names())

    def get_command(self, ctx: typer.Context, cmd_name: str) -> Any:
        if cmd_name not in self.commands and cmd_name in demos.demo_names():
            single = typer.Typer(add_completion=False, context_settings={"help_option_names": ["-h", "--help"]})
            single.command(name=cmd_name)(_command(cmd_name))
            self.commands[cmd_name] = typer.main.get_command(single)
        return self.commands.get(cmd_name)


app = typer.Typer(cls=DemoGroup, help="Run micro-demos of LLM concepts (`llmquiz demo` lists them).",
                  invoke_without_command=True, add_completion=False,
                  context_settings={"help_option_names": ["-h", "--help"]})


@app.callback()
def listing(ctx: typer.Context,
            as_json: Annotated[bool, typer.Option("--json", help="Print the list as JSON.")] = False) -> None:
    """Run micro-demos of LLM concepts; with no demo name, list them.

    Example: llmquiz demo top-p --probs 0.5,0.2,0.15,0.1,0.05 --p 0.8
    """
    if ctx.invoked_subcommand is not None:
        return
    rows = demos.describe()
    if as_json:
        print_json(rows)
        return
    width = max(len(r["name"]) for r in rows)
    for row in rows:
        typer.echo(f"{row['name']:<{width}}  {row['summary']}")
    typer.echo("\nRun one with `llmquiz demo NAME`; `llmquiz demo NAME --help` shows its options.")


def _run(name: str, options: dict[str, Any], seed: str | None, as_json: bool) -> None:
    from llmquiz.demos.spec import Param, coerce
    from llmquiz.errors import UsageError

    try:
        rng_seed = coerce(Param("seed", "int", 0, "", lo=0), seed) if seed is not None else 0
    except ValueError as exc:
        raise UsageError(f"--seed {seed}: {exc}.") from None
    result = demos.run(name, {k: v for k, v in options.items() if v is not None}, rng_seed=rng_seed)
    if as_json:
        print_json(result.to_dict())
        return
    from llmquiz import render

    demos.render(result, render.console())


def _command(name: str) -> Any:
    """A Typer command for demo `name` whose options are its parameters (all parsed by the core)."""
    import inspect

    from llmquiz.demos.registry import BY_NAME

    spec = BY_NAME[name]

    def command(**kwargs: Any) -> None:
        seed, as_json = kwargs.pop("seed"), kwargs.pop("as_json")
        _run(name, kwargs, seed, as_json)

    params = []
    for p in spec.params:
        default = ",".join(f"{x:g}" if isinstance(x, float) else str(x) for x in p.default) if isinstance(
            p.default, tuple) else p.default
        if p.kind == "strs" and isinstance(p.default, tuple):
            default = f"{len(p.default)} sample sentences"
        shown = f" [default: {default}]" if default is not None else ""
        params.append(inspect.Parameter(p.name, inspect.Parameter.KEYWORD_ONLY, annotation=str | None,
                                        default=typer.Option(None, p.flag, help=p.help + shown, metavar=p.metavar,
                                                             show_default=False)))
    params.append(inspect.Parameter("seed", inspect.Parameter.KEYWORD_ONLY, annotation=str | None,
                                    default=typer.Option(None, "--seed", metavar="INT", show_default=False,
                                                         help="Seed for every random draw. [default: 0]")))
    params.append(inspect.Parameter("as_json", inspect.Parameter.KEYWORD_ONLY, annotation=bool,
                                    default=typer.Option(False, "--json", help="Print the numbers as JSON.")))
    command.__signature__ = inspect.Signature(params)  # type: ignore[attr-defined]
    command.__annotations__ = {p.name: p.annotation for p in params}
    command.__name__ = name.replace("-", "_")
    command.__doc__ = f"{spec.summary}\n\nExample: llmquiz demo {name} {EXAMPLES.get(name, '')}".rstrip()
    return command

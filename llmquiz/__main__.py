"""`python -m llmquiz` runs the command line."""

from llmquiz.cli import main

main()

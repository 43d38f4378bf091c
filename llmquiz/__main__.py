"""`python -m llmquiz` runs the command line."""

from llmquiz.launch import main

main()

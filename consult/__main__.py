"""`python -m consult`: the same as the `consult` command."""

from consult.cli import main

main()

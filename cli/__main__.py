"""``python -m cli`` runs the command line."""

from cli import main

main()

"""``python -m slate`` runs the command line."""

from slate.cli import main

main()

"""``python -I -m pyrunc`` runs the CLI (the installed launcher is pyrunc/cli/pyrunc)."""
import sys

from pyrunc.cli.main import main

sys.exit(main(sys.argv[1:]))

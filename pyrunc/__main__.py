"""``python -I -m pyrunc`` runs the CLI (the installed command is the C
launcher of csrc/launcher/, which runs the same function)."""
from pyrunc.cli.main import run_cli

run_cli()

"""The Go-style flag parser: the spellings engines send, and runc's reordering."""
import pytest

from pyrunc.cli.args import Flag, parse, reorder
from pyrunc.errors import UsageError

FLAGS = [Flag(("bundle", "b"), "str", ""), Flag(("detach", "d"), "bool", False),
         Flag(("preserve-fds",), "int", 0), Flag(("env", "e"), "list", ())]


@pytest.mark.parametrize("argv", [
    ["--bundle", "/b", "id"], ["-bundle", "/b", "id"], ["--bundle=/b", "id"], ["-b", "/b", "id"], ["-b=/b", "id"]])
def test_value_spellings(argv):
    opts, args = parse(FLAGS, argv)
    assert opts.bundle == "/b" and args == ["id"]


def test_bools_ints_lists():
    opts, args = parse(FLAGS, ["-d=false", "--preserve-fds", "0x2", "-e", "A=1", "--env=B=2", "id", "x"])
    assert (opts.detach, opts.preserve_fds, opts.env, args) == (False, 2, ["A=1", "B=2"], ["id", "x"])


def test_flags_stop_at_the_first_positional_and_at_double_dash():
    assert parse(FLAGS, ["id", "-d"])[1] == ["id", "-d"]
    assert parse(FLAGS, ["--", "-d"])[1] == ["-d"]


@pytest.mark.parametrize("argv, message", [
    (["--nope", "id"], "flag provided but not defined: -nope"),
    (["--bundle"], "flag needs an argument: -bundle"),
    (["--preserve-fds", "x"], "expected an integer"),
    (["-d=maybe"], "invalid boolean value")])
def test_errors_name_the_flag(argv, message):
    with pytest.raises(UsageError, match=message):
        parse(FLAGS, argv)


def test_reorder_moves_flags_after_the_id_in_front_like_urfave_cli():
    assert reorder(FLAGS, ["id", "--bundle", "/b", "-d"]) == ["--bundle", "/b", "-d", "id"]
    assert reorder(FLAGS, ["id", "--bundle=/b"]) == ["--bundle=/b", "id"]
    assert reorder(FLAGS, ["id", "--", "-d"]) == ["id", "--", "-d"]
    opts, args = parse(FLAGS, reorder(FLAGS, ["id", "SIGKILL", "-d"]))
    assert opts.detach and args == ["id", "SIGKILL"]

"""The `magnerve` command line (typer). Commands live in one module per group.

``run(argv)`` is the single place errors become exit codes, so no command ever shows a
traceback to a person:

- 0  success
- 1  bad input or a refused request (one sentence on stderr naming the input and field)
- 2  bad usage (unknown option, missing argument): click's message
- 70 internal error (a bug): one sentence asking for a report
- 130 interrupted
"""

from __future__ import annotations

import sys
from collections.abc import Sequence

import typer

from magnerve.cli.knowledge_cmd import forms_command, interactions_command, sources_command
from magnerve.cli.plan_cmd import plan_command
from magnerve.errors import MagnerveError

__all__ = ["EXIT_INPUT", "EXIT_INTERNAL", "EXIT_USAGE", "app", "main", "run"]

EXIT_INPUT = 1
EXIT_USAGE = 2
EXIT_INTERNAL = 70
EXIT_INTERRUPTED = 130

app = typer.Typer(
    name="magnerve",
    help=(
        "Plan and track magnesium for nerve pain: safe, cited plans; supplement labels; food "
        "magnesium; a private journal; honest answers to 'is it helping?'.\n\n"
        "Not medical advice: check every plan with your doctor or pharmacist."
    ),
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)
app.command("plan")(plan_command)
app.command("forms")(forms_command)
app.command("interactions")(interactions_command)
app.command("sources")(sources_command)


def _register_optional() -> None:
    """Command groups added by later modules register here (kept import-light)."""
    from magnerve.cli import extra_commands

    extra_commands.register(app)


_register_optional()


def run(argv: Sequence[str] | None = None) -> int:
    """Run the CLI and return its exit code; never raises, never prints a traceback."""
    args = list(sys.argv[1:] if argv is None else argv)
    command = typer.main.get_command(app)
    try:
        result = command.main(args=args, prog_name="magnerve", standalone_mode=False)
    except MagnerveError as exc:
        sys.stderr.write(f"magnerve: error: {exc}\n")
        return EXIT_INPUT
    except KeyboardInterrupt:
        sys.stderr.write("magnerve: interrupted\n")
        return EXIT_INTERRUPTED
    except BrokenPipeError:
        return 0
    # Last-resort translations: these come from input the commands did not foresee (a file
    # name the OS refuses, text that is not UTF-8, a number or date out of range). They are
    # input problems, not bugs, so they get one sentence and exit 1, never a traceback.
    except OSError as exc:
        where = f" {exc.filename}" if getattr(exc, "filename", None) else ""
        sys.stderr.write(f"magnerve: error: cannot use{where}: {exc.strerror or exc}.\n")
        return EXIT_INPUT
    except UnicodeError:
        sys.stderr.write("magnerve: error: the input holds text that is not valid UTF-8 or "
                         "Unicode; retype it or save the file as UTF-8.\n")
        return EXIT_INPUT
    except (OverflowError, RecursionError):
        sys.stderr.write("magnerve: error: a number or date in the input is out of range, or "
                         "the input is nested too deeply.\n")
        return EXIT_INPUT
    except Exception as exc:
        show = getattr(exc, "show", None)
        code = getattr(exc, "exit_code", None)
        if callable(show) and isinstance(code, int):  # click's usage and parameter errors
            show()
            return code
        if type(exc).__name__ == "Abort":
            sys.stderr.write("magnerve: aborted\n")
            return EXIT_INPUT
        sys.stderr.write(
            f"magnerve: internal error ({type(exc).__name__}: {exc}). This is a bug in "
            "magnerve; please report it with the command you ran.\n"
        )
        return EXIT_INTERNAL
    return result if isinstance(result, int) else 0


def main() -> None:
    """Console-script entry point."""
    sys.exit(run())

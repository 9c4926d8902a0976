"""The Jinja setup the emails and the briefing pack share: overridable folders, strict, escaped.

    env = environment(BUILT_IN / "email", overrides=workspace / "templates" / "email")
    text = render(env, "en/invitation.txt.j2", variables, TemplateError)

A template in the overrides folder wins over the built-in one of the same path.
Undefined variables are errors (StrictUndefined); `*.html.j2` and `*.svg.j2` are
autoescaped (the default `select_autoescape()` misses the `.j2` suffix). A fault
is raised as the caller's error class, naming the template, its line and the fault.

Every template, built-in or a workspace's override, renders in Jinja's immutable
sandbox: a workspace is edited by people who must not be able to run commands on
the machine that sends the mail, so attributes starting with `_` (the way out to
`__globals__` and `os`) and methods that change a list, dict or set are refused;
`*` and `**` are bounded (`LONGEST`, `LARGEST_POWER`) so that no template can
exhaust the machine's memory.
"""

from __future__ import annotations

import traceback
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Final

import jinja2
import jinja2.sandbox

from consult.errors import ConsultError

BUILT_IN: Final = Path(__file__).resolve().parent / "templates"
"""consult's own templates (email/<lang>/, briefing/), shipped inside the package."""
AUTOESCAPED = ("html", "html.j2", "svg.j2")
LONGEST = 1_000_000
"""The most characters or items a `*` in a template may make: no message needs more."""
LARGEST_POWER = 1_000
"""The largest exponent a `**` in a template may take."""


class _Sandbox(jinja2.sandbox.ImmutableSandboxedEnvironment):
    """The immutable sandbox, with `*` and `**` bounded so a template cannot exhaust memory."""

    intercepted_binops = frozenset(("*", "**"))

    def call_binop(
        self, context: jinja2.runtime.Context, operator: str, left: Any, right: Any
    ) -> Any:
        if operator == "**" and isinstance(right, int) and abs(right) > LARGEST_POWER:
            raise jinja2.exceptions.SecurityError(f"a power of {right} is unsafe")
        if operator == "*":
            size = next((len(x) for x in (left, right) if isinstance(x, str | list | tuple)), 0)
            times = next((x for x in (left, right) if isinstance(x, int)), 1)
            if size and size * times > LONGEST:
                raise jinja2.exceptions.SecurityError(
                    f"a result of {size * times:,} characters or items is unsafe"
                )
        return super().call_binop(context, operator, left, right)


def environment(built_in: Path, overrides: Path | None = None) -> jinja2.Environment:
    """Return a strict, sandboxed environment that looks in `overrides` first, then `built_in`."""
    loaders: list[jinja2.BaseLoader] = []
    if overrides is not None:
        loaders.append(jinja2.FileSystemLoader(overrides))
    loaders.append(jinja2.FileSystemLoader(built_in))
    return _Sandbox(
        loader=jinja2.ChoiceLoader(loaders),
        autoescape=jinja2.select_autoescape(enabled_extensions=AUTOESCAPED),
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
    )


def render(
    env: jinja2.Environment,
    name: str,
    variables: Mapping[str, Any],
    error: type[ConsultError],
) -> str:
    """Return template `name` rendered, or raise `error` naming the template and the fault."""
    try:
        return env.get_template(name).render(variables)
    except jinja2.TemplateNotFound as exc:
        raise error(f"{name}: template {exc.name!r} not found") from None
    except jinja2.exceptions.SecurityError as exc:
        what = (exc.message or "").rstrip(".").removesuffix(" is unsafe")
        raise error(f"{name}: {what} is not allowed in a template (sandbox){_where(exc)}") from None
    except jinja2.TemplateSyntaxError as exc:
        raise error(
            f"{name}: {exc.filename or exc.name}, line {exc.lineno}: {exc.message}"
        ) from None
    except jinja2.TemplateError as exc:
        raise error(f"{name}: {exc.message}{_where(exc)}") from None
    except (ArithmeticError, LookupError, TypeError, ValueError) as exc:
        # A workspace's template that divides by zero or indexes past a list is bad input.
        raise error(f"{name}: {type(exc).__name__}: {exc}{_where(exc)}") from None


def _where(exc: BaseException) -> str:
    """Return " (file, line N)" for the template line that raised `exc`, or ""."""
    frames = [f for f in traceback.extract_tb(exc.__traceback__) if f.filename.endswith(".j2")]
    return f" ({frames[-1].filename}, line {frames[-1].lineno})" if frames else ""

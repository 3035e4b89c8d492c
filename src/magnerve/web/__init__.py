"""magnerve's local web app and REST API (``magnerve serve``).

The web layer only translates: HTTP requests become the same core calls the CLI makes
(``parse_profile`` -> ``plan`` -> ``Plan.to_dict``), and the answers become JSON or
server-rendered pages. :func:`create_app` builds a fresh application with no module-level
state, so tests, the ``serve`` command and benchmark workers each get their own.
"""

from magnerve.web.app import create_app

__all__ = ["create_app"]

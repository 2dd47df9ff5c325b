"""Importing a plan document (.docx, PDF, or a text conversion) into editable configuration.

The steps, each a module:

- ``read`` (with ``docx``, ``pdf``, ``text_cells``): the file becomes a ``Document`` — lines
  of text and tables, in order; the format is told by the file's bytes;
- ``header``: title, issuer and year from the lines (or header table) before the plan table;
- ``layout``: which column holds what (header names or ``--columns``), which rows are headings
  and the period each opens; ``rows``: tables to raw tasks;
- ``cells``: unit cells to names and roles; ``resolve``: names to unit ids, creating units and
  groups (with the directory of public bodies, ``reminder.directory``);
- ``build``: periods, ids, warnings; ``write``: ``plan-<year>.toml`` and ``units.toml``.
"""

from reminder.importer.build import import_plan
from reminder.importer.cells import Roles, split_column, split_names, split_roles
from reminder.importer.model import (
    Decision,
    Document,
    ImportedTask,
    ImportResult,
    NewUnit,
    Table,
    TaskEntry,
)
from reminder.importer.read import clean_text, read_document, read_text
from reminder.importer.rows import parse_tasks
from reminder.importer.write import add_units, plan_toml, write_atomic

__all__ = [
    "Decision",
    "Document",
    "ImportResult",
    "ImportedTask",
    "NewUnit",
    "Roles",
    "Table",
    "TaskEntry",
    "add_units",
    "clean_text",
    "import_plan",
    "parse_tasks",
    "plan_toml",
    "read_document",
    "read_text",
    "split_column",
    "split_names",
    "split_roles",
    "write_atomic",
]

"""The whole dataset as NDJSON files with a manifest, and back.

`dataset_export` writes one file per table (every model of the dataset apps, their
many-to-many tables, and the users and groups that review history names) and a
manifest.json with each file's row count and SHA-256. `dataset_import` checks the
manifest first, then loads every file into an empty database in one transaction,
keeping primary keys, so ids in URLs, API cursors and history survive.

Tables are read and written generically from model _meta (concrete fields, foreign
keys as ids, auto-created many-to-many tables), so a model added later is covered
without code here; a model left out on purpose is named in EXCLUDED with the reason,
and the manifest repeats it. Rows are streamed (a server-side cursor out, COPY in),
so memory stays flat however big the dataset.

A row is one JSON object per line, keys in field order, ordered by primary key, so
the same data always gives the same bytes: a round trip gives identical files.
"""

from __future__ import annotations

import base64
import datetime as dt
import decimal
import hashlib
import json
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.apps import apps
from django.contrib.auth.hashers import make_password
from django.core.management.color import no_style
from django.db import connection, models, transaction
from django.utils import timezone

FORMAT = "tidemark-dataset"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
CHUNK_SIZE = 2000
PROGRESS_EVERY = 50_000

# Every model of these apps is part of the dataset, with its many-to-many tables.
DATASET_APPS = ("conflict", "reports", "operations")

# Accounts are kept only so review history stays attributed (Event.reviewed_by,
# Claim.created_by, ChangeRecord.user, TaggerProposal.resolved_by) and editors keep
# their groups. No password hash, e-mail or name leaves the database unless asked
# (--include-password-hashes); restored users get an unusable password and set a new
# one (manage.py changepassword).
USER_FIELDS = ("id", "username", "is_active", "is_staff", "is_superuser", "date_joined")
USER_SECRET_FIELDS = ("password",)

# Models of the dataset apps left out on purpose: live state, not data.
EXCLUDED_MODELS = {
    "operations.workerheartbeat": "which Celery workers are alive now; each worker writes its own",
}

# Left out on purpose, with the reason (also written to the manifest).
EXCLUDED = {
    **EXCLUDED_MODELS,
    "auth.Permission, contenttypes.ContentType": "made by `migrate`; their ids differ between databases",
    "auth.Group.permissions, auth.User.user_permissions": "Tidemark grants rights by group name, not permissions",
    "authtoken.Token": "API credentials: clients are issued new tokens after a restore",
    "sessions.Session": "logins are not carried over",
    "axes.*": "failed-login records are transient security state",
    "admin.LogEntry": "the Django admin's own log; Tidemark's review history is ChangeRecord",
}

# Values rewritten on export, with the reason.
#  EventChange.txid marks rows whose transaction may still be running, for readers of
#  the live database (conflict.selectors.changes). Every row of a dump is committed, and
#  a transaction id of another PostgreSQL cluster would hold the change feed back.
NULLED_ON_EXPORT = {("conflict", "eventchange", "txid")}


class DatasetError(Exception):
    """A dump that cannot be written or restored; the message says why, for a person."""


@dataclass
class Table:
    """One file of the dump: a model (or an auto-created many-to-many table) and the
    fields written for it."""

    model: type[models.Model]
    fields: list[models.Field]
    # Columns not in the dump that the table needs on import: name -> row -> value.
    fill: dict[str, Callable[[], Any]] = field(default_factory=dict)

    @property
    def label(self) -> str:
        return self.model._meta.label_lower

    @property
    def file_name(self) -> str:
        return f"{self.label}.ndjson"

    @property
    def field_names(self) -> list[str]:
        return [f.attname for f in self.fields]


Progress = Callable[[str], None]


def _quiet(message: str) -> None:
    pass


# --- which tables, in which order ----------------------------------------------------


def dataset_tables(*, include_password_hashes: bool = False) -> list[Table]:
    """Every table of the dump, each after the tables its foreign keys point at."""
    from django.contrib.auth.models import Group, User

    tables: list[Table] = []
    for label in DATASET_APPS:
        try:
            config = apps.get_app_config(label)
        except LookupError:
            continue
        for model in config.get_models(include_auto_created=True):
            if model._meta.proxy or not model._meta.managed or model._meta.label_lower in EXCLUDED_MODELS:
                continue
            tables.append(Table(model, list(model._meta.concrete_fields)))

    user_fields = USER_FIELDS + (USER_SECRET_FIELDS if include_password_hashes else ())
    user_fill = {} if include_password_hashes else {"password": lambda: make_password(None)}
    user_fill.update({"first_name": str, "last_name": str, "email": str, "last_login": lambda: None})
    tables.append(Table(User, [User._meta.get_field(name) for name in user_fields], user_fill))
    tables.append(Table(Group, [Group._meta.get_field("id"), Group._meta.get_field("name")]))
    user_groups = User.groups.through
    tables.append(Table(user_groups, list(user_groups._meta.concrete_fields)))
    return _dependency_order(tables)


def _dependency_order(tables: list[Table]) -> list[Table]:
    """Tables sorted so that each comes after those it references (self-references and
    cycles aside: PostgreSQL checks Django's foreign keys at commit anyway)."""
    by_model = {t.model: t for t in tables}
    needs: dict[str, set[str]] = {}
    for t in tables:
        needs[t.label] = {
            by_model[f.related_model].label
            for f in t.fields
            if f.is_relation and f.related_model in by_model and f.related_model is not t.model
        }
    ordered: list[Table] = []
    done: set[str] = set()
    remaining = sorted(tables, key=lambda t: t.label)
    while remaining:
        ready = [t for t in remaining if needs[t.label] <= done] or remaining[:1]
        for t in ready:
            ordered.append(t)
            done.add(t.label)
        remaining = [t for t in remaining if t.label not in done]
    return ordered


# --- values -------------------------------------------------------------------------


def _to_json(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.UTC).isoformat() if timezone.is_aware(value) else value.isoformat()
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, decimal.Decimal | uuid.UUID):
        return str(value)
    if isinstance(value, dt.timedelta):
        return value.total_seconds()
    if isinstance(value, bytes | memoryview):
        return base64.b64encode(bytes(value)).decode("ascii")
    return value


def _from_json(f: models.Field, value: Any) -> Any:
    """The Python value of a field from its JSON form, ready for the database adapter."""
    if value is None:
        return None
    internal = f.get_internal_type()
    if internal == "DateTimeField":
        value = dt.datetime.fromisoformat(value)
    elif internal == "DateField":
        value = dt.date.fromisoformat(value)
    elif internal == "TimeField":
        value = dt.time.fromisoformat(value)
    elif internal == "DecimalField":
        value = decimal.Decimal(value)
    elif internal == "UUIDField":
        value = uuid.UUID(value)
    elif internal == "DurationField":
        value = dt.timedelta(seconds=value)
    elif internal == "BinaryField":
        value = base64.b64decode(value)
    return f.get_db_prep_save(value, connection)


def _line(values: dict[str, Any]) -> bytes:
    return json.dumps(values, ensure_ascii=False, separators=(",", ":")).encode("utf-8") + b"\n"


# --- export ---------------------------------------------------------------------------


def dataset_export(*, directory: Path, include_password_hashes: bool = False,
                   progress: Progress = _quiet) -> dict[str, Any]:
    """Write the dataset to `directory` (new or empty) and return the manifest.

    Every table is read in one repeatable-read transaction, so the files agree with
    each other even while workers and editors keep writing."""
    directory = Path(directory)
    if directory.exists() and any(directory.iterdir()):
        raise DatasetError(f"{directory} is not empty; export into a new or empty folder")
    directory.mkdir(parents=True, exist_ok=True)
    tables = dataset_tables(include_password_hashes=include_password_hashes)
    files: list[dict[str, Any]] = []
    outermost = not connection.in_atomic_block
    with transaction.atomic():
        if outermost:
            # One snapshot for every table. (Inside a caller's transaction, a test's,
            # that transaction's snapshot stands.)
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        for table in tables:
            rows, digest = _export_table(table, directory / table.file_name, progress)
            files.append({"name": table.file_name, "model": table.model._meta.label,
                          "table": table.model._meta.db_table, "fields": table.field_names,
                          "rows": rows, "sha256": digest})
            progress(f"{table.file_name}: {rows} rows")
        manifest = _manifest(files, include_password_hashes=include_password_hashes)
    (directory / MANIFEST).write_text(json.dumps(manifest, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return manifest


def _export_table(table: Table, path: Path, progress: Progress) -> tuple[int, str]:
    opts = table.model._meta
    nulled = {name for app, model, name in NULLED_ON_EXPORT if (app, model) == (opts.app_label, opts.model_name)}
    names = table.field_names
    digest = hashlib.sha256()
    rows = 0
    queryset = table.model._base_manager.order_by("pk").values_list(*names)
    with path.open("wb") as out:
        for values in queryset.iterator(chunk_size=CHUNK_SIZE):
            record = {name: (None if name in nulled else _to_json(v)) for name, v in zip(names, values, strict=True)}
            line = _line(record)
            out.write(line)
            digest.update(line)
            rows += 1
            if rows % PROGRESS_EVERY == 0:
                progress(f"{table.file_name}: {rows} rows...")
    return rows, digest.hexdigest()


def _manifest(files: list[dict[str, Any]], *, include_password_hashes: bool) -> dict[str, Any]:
    from django.db.migrations.recorder import MigrationRecorder

    from conflict.models import ReferenceDataVersion
    from reports.tagging import TAGGER_VERSION

    applied = MigrationRecorder.Migration.objects.filter(app__in=[*DATASET_APPS, "auth"]).order_by("app", "name")
    migrations: dict[str, list[str]] = {}
    for app, name in applied.values_list("app", "name"):
        migrations.setdefault(app, []).append(name)
    return {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "created_at": timezone.now().astimezone(dt.UTC).isoformat(),
        "app_version": _app_version(),
        "tagger_version": TAGGER_VERSION,
        "reference_data": dict(ReferenceDataVersion.objects.order_by("name").values_list("name", "version")),
        "migrations": migrations,
        "password_hashes": include_password_hashes,
        "excluded": EXCLUDED,
        "nulled_on_export": {f"{a}.{m}.{f}": "committed rows need no transaction id" for a, m, f in NULLED_ON_EXPORT},
        "files": files,
    }


def _app_version() -> str:
    from django.conf import settings

    return str(getattr(settings, "SPECTACULAR_SETTINGS", {}).get("VERSION", ""))


# --- verify and import ------------------------------------------------------------------


def dataset_verify(*, directory: Path) -> dict[str, Any]:
    """The manifest of a dump, once every file it names is present with its row count and
    SHA-256, and its tables are this schema's. Raises DatasetError naming the file."""
    directory = Path(directory)
    manifest_path = directory / MANIFEST
    if not manifest_path.is_file():
        raise DatasetError(f"{manifest_path} is missing: not a Tidemark dataset export")
    try:
        manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    except (ValueError, UnicodeDecodeError) as exc:
        raise DatasetError(f"{manifest_path} is not valid JSON ({exc})") from None
    if manifest.get("format") != FORMAT or manifest.get("format_version") != FORMAT_VERSION:
        raise DatasetError(f"{manifest_path}: format {manifest.get('format')!r} version "
                           f"{manifest.get('format_version')!r} is not {FORMAT!r} version {FORMAT_VERSION}")
    files = manifest.get("files") or []
    expected = {t.file_name: t for t in dataset_tables(include_password_hashes=bool(manifest.get("password_hashes")))}
    listed = {f.get("name") for f in files}
    missing = sorted(set(expected) - listed)
    if missing:
        raise DatasetError(f"the manifest lists no {', '.join(missing)}: incomplete dump, or one from another "
                           "version of Tidemark")
    for entry in files:
        name = entry.get("name")
        table = expected.get(name)
        if table is None:
            raise DatasetError(f"{name}: no such table in this version of Tidemark")
        if entry.get("fields") != table.field_names:
            raise DatasetError(f"{name}: its fields {entry.get('fields')} are not this schema's {table.field_names}")
        path = directory / name
        if not path.is_file():
            raise DatasetError(f"{name} is missing")
        rows, digest = _count_and_hash(path)
        if digest != entry.get("sha256"):
            raise DatasetError(f"{name}: SHA-256 {digest} does not match the manifest's {entry.get('sha256')}: "
                               "the file was changed or damaged")
        if rows != entry.get("rows"):
            raise DatasetError(f"{name}: {rows} rows, the manifest says {entry.get('rows')}")
    return manifest


def _count_and_hash(path: Path) -> tuple[int, str]:
    digest = hashlib.sha256()
    rows = 0
    with path.open("rb") as f:
        for line in f:
            digest.update(line)
            rows += 1
    return rows, digest.hexdigest()


def dataset_rows_present(*, tables: list[Table] | None = None) -> dict[str, int]:
    """Tables of the dataset that hold rows, with their counts. Groups are left out:
    `migrate` creates them (conflict 0003) and an import replaces them."""
    from django.contrib.auth.models import Group

    present: dict[str, int] = {}
    for table in tables or dataset_tables():
        if table.model is Group:
            continue
        count = table.model._base_manager.count()
        if count:
            present[table.model._meta.label] = count
    return present


def dataset_import(*, directory: Path, progress: Progress = _quiet) -> dict[str, int]:
    """Restore a dump into an empty database, all in one transaction; returns rows per file.

    Primary keys are kept and the sequences moved past them, so new rows get new ids."""
    from django.contrib.auth.models import Group

    directory = Path(directory)
    progress("checking the manifest, row counts and hashes...")
    manifest = dataset_verify(directory=directory)
    tables = {t.file_name: t for t in dataset_tables(include_password_hashes=bool(manifest.get("password_hashes")))}
    loaded: dict[str, int] = {}
    with transaction.atomic():
        present = dataset_rows_present(tables=list(tables.values()))
        if present:
            listing = ", ".join(f"{label}: {n}" for label, n in present.items())
            raise DatasetError(f"the database is not empty ({listing}); import_dataset restores into an empty "
                               "database: create one and run `manage.py migrate` (not `setup`), or flush this one")
        # The groups `migrate` made have no members yet (there are no users); the dump's
        # groups replace them with their own ids.
        Group.objects.all().delete()
        for entry in manifest["files"]:
            table = tables[entry["name"]]
            loaded[table.file_name] = _import_table(table, directory / table.file_name, entry["rows"], progress)
            progress(f"{table.file_name}: {loaded[table.file_name]} rows")
        _reset_sequences([t.model for t in tables.values()])
        with connection.cursor() as cursor:
            # Foreign keys are deferred to commit; check them here, so a broken dump fails
            # with its message inside this function rather than at the caller's commit.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    from reports.lexicon import lexicon_reset

    lexicon_reset()  # this process's lookup tables named the ids of the database before
    return loaded


def _import_table(table: Table, path: Path, total: int, progress: Progress) -> int:
    opts = table.model._meta
    fields = table.fields
    names = table.field_names
    fill = list(table.fill.items())
    columns = [f.column for f in fields] + [opts.get_field(name).column for name, _ in fill]
    sql = "COPY {} ({}) FROM STDIN".format(
        connection.ops.quote_name(opts.db_table), ", ".join(connection.ops.quote_name(c) for c in columns)
    )
    rows = 0
    with path.open("rb") as f, connection.cursor() as cursor, cursor.cursor.copy(sql) as copy:
        for number, line in enumerate(f, start=1):
            try:
                record = json.loads(line)
                values = [_from_json(fd, record[name]) for fd, name in zip(fields, names, strict=True)]
            except (ValueError, KeyError, TypeError) as exc:
                raise DatasetError(f"{path.name} line {number}: {exc.__class__.__name__}: {exc}") from None
            copy.write_row(values + [make() for _, make in fill])
            rows += 1
            if rows % PROGRESS_EVERY == 0:
                progress(f"{path.name}: {rows} of {total} rows...")
    return rows


def _reset_sequences(model_list: list[type[models.Model]]) -> None:
    statements = connection.ops.sequence_reset_sql(no_style(), model_list)
    with connection.cursor() as cursor:
        for sql in statements:
            cursor.execute(sql)

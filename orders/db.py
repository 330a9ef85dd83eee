"""ORM plumbing the list's queries need beyond Django's own: an index for case-insensitive
prefixes, a column the planner must not drive by, and row-value comparisons."""

from django.db import models
from django.db.models import Func
from django.db.models.functions import Collate


class CaseInsensitiveIndex(models.Index):
    """An index on one text column that serves Django's `istartswith` and `iexact` on it.

    SQLite runs both as LIKE, which uses an index only if it has the NOCASE collation;
    PostgreSQL runs UPPER(column::text) LIKE UPPER('abc%') (or =), which needs that
    expression indexed with text_pattern_ops whatever the database collation
    (https://www.postgresql.org/docs/current/indexes-opclass.html). The expression index
    also gives PostgreSQL statistics on UPPER(column), so it estimates a filter's rows
    right. Elsewhere: a plain index.
    """

    def create_sql(self, model, schema_editor, using="", **kwargs):
        vendor = schema_editor.connection.vendor
        [field_name] = self.fields
        if vendor == "sqlite":
            index = models.Index(Collate(models.F(field_name), "NOCASE"), name=self.name)
            return index.create_sql(model, schema_editor, using, **kwargs)
        if vendor == "postgresql":
            quote = schema_editor.quote_name
            column = quote(model._meta.get_field(field_name).column)
            return (
                f"CREATE INDEX {quote(self.name)} ON {quote(model._meta.db_table)} "
                f"((UPPER({column}::text)) text_pattern_ops)"
            )
        return super().create_sql(model, schema_editor, using, **kwargs)


class Unindexed(Func):
    """A column the query planner should not drive the query by (SQLite's unary +).

    SQLite without statistics takes an equality on an indexed column (state, account) to
    be very selective and prefers it over the search's prefix indexes, then scans every
    pending order. https://sqlite.org/optoverview.html#disqualifying_where_clause_terms_using_unary_
    PostgreSQL plans from statistics and gets the plain column.
    """

    template = "%(expressions)s"

    def as_sqlite(self, compiler, connection, **extra_context):
        return self.as_sql(compiler, connection, template="+%(expressions)s", **extra_context)


class RowValue(Func):
    """(a, b, c): compared as a whole, so a keyset condition is one index range."""

    function = ""
    output_field = models.Field()

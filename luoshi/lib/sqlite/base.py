"""Django's SQLite backend, reading a decimal the column cannot hold as it is.

SQLite stores whatever a row was given: a margin of 1000 in a DECIMAL(5, 2) column, or a
value with more places than declared. Django's converter quantizes each value to the
field's precision and raises InvalidOperation when it does not fit — while fetching, so
one such row made every list that reads it a 500 for everyone. PostgreSQL refuses such
values when they are written, so only SQLite needs this. Writes are bounded where they
enter (luoshi.lib.numbers); this is the reader's side: the value comes back unrounded and
the page that shows it decides what to say.
"""

from __future__ import annotations

import decimal
import logging

from django.db.backends.sqlite3 import base, operations

logger = logging.getLogger("luoshi.database")


class DatabaseOperations(operations.DatabaseOperations):
    def get_decimalfield_converter(self, expression):
        strict = super().get_decimalfield_converter(expression)

        def converter(value, expression, connection):
            try:
                return strict(value, expression, connection)
            except decimal.InvalidOperation:
                field = getattr(expression, "target", None) or expression.output_field
                logger.warning("Stored value out of range: %s = %r", field, value)
                return (
                    decimal.Context(prec=15).create_decimal_from_float(value)  # as Django does
                    if isinstance(value, float)
                    else decimal.Decimal(str(value))
                )

        return converter


class DatabaseWrapper(base.DatabaseWrapper):
    ops_class = DatabaseOperations

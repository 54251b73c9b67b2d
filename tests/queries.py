"""Counting the queries a page runs."""


def app_queries(captured: list[dict]) -> list[str]:
    """The SQL the app itself ran: without the database cache's own round trips (the cache is Redis in CI and
    costs no query there) and the savepoint each cache write wraps itself in, so a count means the same on
    SQLite as on PostgreSQL."""
    sqls = [q["sql"] for q in captured]
    of_cache = ['"relief_cache"' in sql for sql in sqls]
    for i, sql in enumerate(sqls):
        if sql.startswith("SAVEPOINT ") and i + 1 < len(sqls) and of_cache[i + 1]:
            of_cache[i] = True
        elif sql.startswith("RELEASE SAVEPOINT ") and i and of_cache[i - 1]:
            of_cache[i] = True
    return [sql for sql, cache in zip(sqls, of_cache) if not cache]

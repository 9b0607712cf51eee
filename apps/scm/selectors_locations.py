"""Read queries over the location tree (zone → bins), by a recursive CTE on `Location.parent`."""

from django.db import connection

# every (ancestor, location) pair of a company's tree, a location being its own ancestor
_TREE = """
    WITH RECURSIVE tree(ancestor_id, location_id, depth) AS (
        SELECT id, id, 0 FROM scm_location WHERE company_id = ANY(%s)
        UNION ALL
        SELECT t.ancestor_id, l.id, t.depth + 1 FROM tree t JOIN scm_location l ON l.parent_id = t.location_id
         WHERE t.depth < 50
    )
"""


def location_subtree_ids(*, location) -> list[int]:
    """The ids of `location` and of every location below it (its zones, their bins, ...)."""
    with connection.cursor() as cursor:
        cursor.execute(_TREE + " SELECT location_id FROM tree WHERE ancestor_id = %s ORDER BY location_id",
                       [[location.company_id], location.pk])
        return [row[0] for row in cursor.fetchall()]


def stock_totals_by_location_tree(*, company_ids: list[int], term: str = "", limit: int = 500) -> list[dict]:
    """On hand / reserved / available per location including the stock of its child locations (a zone
    totals its bins); same row keys as `stock_totals(by="location")`. `term` filters on item number or
    (ancestor) location code."""
    condition, params = "", [company_ids]
    if term:
        condition = " AND (i.number ILIKE %s OR a.code ILIKE %s)"
        params += [f"%{term}%", f"%{term}%"]
    sql = _TREE + f"""
        SELECT a.id, a.code, a.name, SUM(q.on_hand), SUM(q.reserved), SUM(q.on_hand - q.reserved), COUNT(*)
          FROM tree t
          JOIN scm_stockquant q ON q.location_id = t.location_id
          JOIN scm_location a ON a.id = t.ancestor_id
          JOIN plm_item i ON i.id = q.item_id
         WHERE (q.on_hand > 0 OR q.reserved > 0){condition}
         GROUP BY a.id, a.code, a.name
         ORDER BY a.code
         LIMIT %s
    """
    with connection.cursor() as cursor:
        cursor.execute(sql, [*params, limit])
        return [{"location_id": r[0], "location__code": r[1], "location__name": r[2], "on_hand_total": r[3],
                 "reserved_total": r[4], "available_total": r[5], "lines": r[6]} for r in cursor.fetchall()]

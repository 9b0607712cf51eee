"""Read queries over the product structure: explosion, where-used, comparison, cost roll-up.

The effective BOM of an item (the rule every structure query here uses): the BOM of its current
**released** revision (`Item.current_revision`, set when an ECO releases it); when it has none,
the BOM of its **open** revision (the one draft or in-review revision an item may have at a
time, i.e. its latest draft); an item with neither is a leaf. The explosion
and where-used each run as ONE recursive CTE in PostgreSQL, whatever the depth. Both also
guard against cycles by the path (the services reject every cycle, so the guard never fires
on data written through them).
"""

from collections import OrderedDict
from decimal import Decimal

from django.db import connection

from apps.core.models import UnitOfMeasure
from apps.plm.choices import RevisionStatus
from apps.plm.models import BomLine, Item, Revision

FOUR_PLACES = Decimal("0.0001")
MAX_DEPTH = 64

# The revision whose BOM is in force for the item row `{item}`: the released one it points to
# (`current_revision`, set by the ECO release), else its one open (draft/in-review) revision.
_EFFECTIVE_REVISION = """
    COALESCE({item}.current_revision_id,
              (SELECT r.id FROM plm_revision r WHERE r.item_id = {item}.id AND r.status IN ('draft', 'in_review')))
"""

# Quantities are kept to 10 decimals per level (units and scrap would otherwise grow the scale at
# every level); the result is rounded to the 4 decimals of a stored quantity.
_LINE_TOTAL = """
    ROUND({parent} * l.quantity * (100 + l.scrap_percent) / 100
          * CASE WHEN l.uom_id = c.uom_id THEN 1 ELSE (
                SELECT lu.factor / cu.factor FROM core_unitofmeasure lu, core_unitofmeasure cu
                 WHERE lu.id = l.uom_id AND cu.id = c.uom_id) END, 10)
"""

EXPLODE_SQL = f"""
WITH RECURSIVE tree AS (
    SELECT l.id AS line_id, 1 AS level, l.component_id, l.quantity, l.uom_id, l.scrap_percent, l.position,
           l.reference_designators, {_LINE_TOTAL.format(parent="%(quantity)s::numeric")} AS total,
           {_EFFECTIVE_REVISION.format(item="c")} AS bom_revision_id,
           ARRAY[%(root)s::bigint, l.component_id] AS path,
           ARRAY[l.position::bigint, l.id] AS sort_key
      FROM plm_bomline l
      JOIN plm_item c ON c.id = l.component_id
     WHERE l.revision_id = COALESCE(%(revision)s::bigint, (
               SELECT {_EFFECTIVE_REVISION.format(item="root")} FROM plm_item root WHERE root.id = %(root)s))
    UNION ALL
    SELECT l.id, t.level + 1, l.component_id, l.quantity, l.uom_id, l.scrap_percent, l.position,
           l.reference_designators, {_LINE_TOTAL.format(parent="t.total")},
           {_EFFECTIVE_REVISION.format(item="c")},
           t.path || l.component_id,
           t.sort_key || ARRAY[l.position::bigint, l.id]
      FROM tree t
      JOIN plm_bomline l ON l.revision_id = t.bom_revision_id
      JOIN plm_item c ON c.id = l.component_id
     WHERE t.level < {MAX_DEPTH} AND NOT l.component_id = ANY(t.path)
)
SELECT t.level, t.component_id, i.number, i.name, t.quantity, t.uom_id, t.scrap_percent, t.position,
       t.reference_designators, ROUND(t.total, 4), i.uom_id
  FROM tree t
  JOIN plm_item i ON i.id = t.component_id
 ORDER BY t.sort_key
"""

WHERE_USED_SQL = f"""
WITH RECURSIVE used AS (
    SELECT 1 AS level, p.id AS parent_id, r.id AS revision_id, l.quantity, l.uom_id,
           ARRAY[%(item)s::bigint, p.id] AS path, ARRAY[p.id] AS sort_key
      FROM plm_bomline l
      JOIN plm_revision r ON r.id = l.revision_id
      JOIN plm_item p ON p.id = r.item_id
     WHERE l.component_id = %(item)s AND r.id = {_EFFECTIVE_REVISION.format(item="p")}
    UNION ALL
    SELECT u.level + 1, p.id, r.id, l.quantity, l.uom_id, u.path || p.id, u.sort_key || p.id
      FROM used u
      JOIN plm_bomline l ON l.component_id = u.parent_id
      JOIN plm_revision r ON r.id = l.revision_id
      JOIN plm_item p ON p.id = r.item_id
     WHERE r.id = {_EFFECTIVE_REVISION.format(item="p")}
       AND u.level < {MAX_DEPTH} AND NOT p.id = ANY(u.path)
)
SELECT u.level, u.parent_id, i.number, i.name, r.code, r.status, u.quantity, uom.code, u.path
  FROM used u
  JOIN plm_item i ON i.id = u.parent_id
  JOIN plm_revision r ON r.id = u.revision_id
  JOIN core_unitofmeasure uom ON uom.id = u.uom_id
 ORDER BY u.sort_key
"""

# Every parent→component edge of released, open and obsolete revisions (an obsolete item keeps its last
# BOM in force): the graph a new line must keep acyclic. Checking this union, not only the BOMs in force
# today, keeps every future release cycle-free as well.
REACHES_SQL = """
WITH RECURSIVE edges AS (
    SELECT r.item_id AS parent_id, l.component_id
      FROM plm_bomline l JOIN plm_revision r ON r.id = l.revision_id
     WHERE r.company_id = %(company)s AND r.status IN ('released', 'draft', 'in_review', 'obsolete')
), reach(item_id) AS (
    SELECT %(start)s::bigint
    UNION
    SELECT e.component_id FROM edges e JOIN reach ON e.parent_id = reach.item_id
)
SELECT EXISTS (SELECT 1 FROM reach WHERE item_id = %(target)s)
"""

EDGES_FROM_SQL = """
WITH RECURSIVE edges AS (
    SELECT DISTINCT r.item_id AS parent_id, l.component_id
      FROM plm_bomline l JOIN plm_revision r ON r.id = l.revision_id
     WHERE r.company_id = %(company)s AND r.status IN ('released', 'draft', 'in_review', 'obsolete')
), reach(item_id) AS (
    SELECT %(start)s::bigint
    UNION
    SELECT e.component_id FROM edges e JOIN reach ON e.parent_id = reach.item_id
)
SELECT e.parent_id, e.component_id FROM edges e WHERE e.parent_id IN (SELECT item_id FROM reach)
"""


_uom_codes: dict[int, str] = {}


def uom_code(uom_id: int) -> str:
    """The code of a unit (reference data, cached per process; refreshed when a new unit appears)."""
    code = _uom_codes.get(uom_id)
    if code is None:
        _uom_codes.update(UnitOfMeasure.objects.values_list("pk", "code"))
        code = _uom_codes[uom_id]
    return code


class ExplosionRow:
    """One line of an indented explosion; `total_quantity` is in the component's own unit (`item_uom`)."""

    __slots__ = ("children", "is_leaf", "item", "item_uom_id", "level", "name", "number", "parent", "position",
                 "quantity_per", "reference_designators", "scrap_percent", "total_quantity", "uom_id")

    def __init__(self, row: tuple, parent: "ExplosionRow | None"):
        (self.level, self.item, self.number, self.name, self.quantity_per, self.uom_id, self.scrap_percent,
         self.position, self.reference_designators, self.total_quantity, self.item_uom_id) = row
        self.parent = parent
        self.is_leaf = True
        self.children: list[ExplosionRow] = []

    @property
    def uom(self) -> str:
        return uom_code(self.uom_id)

    @property
    def item_uom(self) -> str:
        return uom_code(self.item_uom_id)

    @property
    def path(self) -> list[int]:
        """Item ids from the first-level component down to this one."""
        ids, row = [], self
        while row is not None:
            ids.append(row.item)
            row = row.parent
        return ids[::-1]

    def as_dict(self) -> dict:
        return {
            "level": self.level, "item": self.item, "number": self.number, "name": self.name,
            "quantity_per": self.quantity_per, "uom": self.uom, "scrap_percent": self.scrap_percent,
            "position": self.position, "total_quantity": self.total_quantity, "item_uom": self.item_uom,
            "path": self.path,
        }


def effective_revision(item: Item) -> Revision | None:
    """The revision whose BOM is in force for `item` (its current released one, else the open one)."""
    if item.current_revision_id:
        return Revision.objects.get(pk=item.current_revision_id)
    return Revision.objects.filter(item=item, status__in=[RevisionStatus.DRAFT, RevisionStatus.IN_REVIEW]).first()


def bom_explode(*, item: Item, quantity: Decimal = Decimal(1), revision: Revision | None = None) -> list[ExplosionRow]:
    """Multi-level indented explosion of `quantity` of `item` (or of a given revision's BOM), one query.

    Rows are depth-first in position order; `total_quantity` rolls up quantities and scrap
    from the top and is expressed in each component's own unit.
    """
    with connection.cursor() as cursor:
        cursor.execute(EXPLODE_SQL, {"quantity": Decimal(quantity), "root": item.pk,
                                     "revision": revision.pk if revision is not None else None})
        raw = cursor.fetchall()
    rows: list[ExplosionRow] = []
    append = rows.append
    stack: list[ExplosionRow | None] = [None]  # ancestors of the current row, from the depth-first order
    for r in raw:
        level = r[0]
        del stack[level:]
        row = ExplosionRow(r, stack[-1])
        stack.append(row)
        append(row)
    for index, row in enumerate(rows[:-1]):
        row.is_leaf = rows[index + 1].level <= row.level
    return rows


def bom_summary(rows: list[ExplosionRow]) -> list[dict]:
    """The flattened explosion: total quantity per component (in its own unit), by item number."""
    totals: OrderedDict[int, dict] = OrderedDict()
    for row in rows:
        entry = totals.setdefault(row.item, {"item": row.item, "number": row.number, "name": row.name,
                                             "uom": row.item_uom, "total_quantity": Decimal(0), "occurrences": 0})
        entry["total_quantity"] += row.total_quantity
        entry["occurrences"] += 1
    return sorted(totals.values(), key=lambda e: e["number"])


def bom_tree(rows: list[ExplosionRow]) -> list[ExplosionRow]:
    """The explosion rows nested under their parents (for the expandable tree on the item page)."""
    roots: list[ExplosionRow] = []
    stack: list[ExplosionRow] = []
    for row in rows:
        row.children = []
        while stack and stack[-1].level >= row.level:
            stack.pop()
        (stack[-1].children if stack else roots).append(row)
        stack.append(row)
    return roots


def where_used(*, item: Item) -> list[dict]:
    """Multi-level where-used: every assembly whose effective BOM contains `item`, directly or deeper."""
    with connection.cursor() as cursor:
        cursor.execute(WHERE_USED_SQL, {"item": item.pk})
        raw = cursor.fetchall()
    return [
        {"level": r[0], "item": r[1], "number": r[2], "name": r[3], "revision": r[4], "revision_status": r[5],
         "quantity_per": r[6], "uom": r[7], "path": list(r[8])}
        for r in raw
    ]


def structure_reaches(*, company_id: int, start_item_id: int, target_item_id: int) -> bool:
    """True when `target` is `start` or sits anywhere below it in released or open BOMs."""
    with connection.cursor() as cursor:
        cursor.execute(REACHES_SQL, {"company": company_id, "start": start_item_id, "target": target_item_id})
        return bool(cursor.fetchone()[0])


def structure_path(*, company_id: int, start_item_id: int, target_item_id: int) -> list[int]:
    """One path of item ids from `start` down to `target` (for a cycle error message); [] if none."""
    with connection.cursor() as cursor:
        cursor.execute(EDGES_FROM_SQL, {"company": company_id, "start": start_item_id})
        edges = cursor.fetchall()
    children: dict[int, list[int]] = {}
    for parent, child in edges:
        children.setdefault(parent, []).append(child)
    previous: dict[int, int | None] = {start_item_id: None}
    queue = [start_item_id]
    while queue:
        node = queue.pop(0)
        if node == target_item_id:
            path = [node]
            while previous[path[-1]] is not None:
                path.append(previous[path[-1]])
            return path[::-1]
        for child in children.get(node, []):
            if child not in previous:
                previous[child] = node
                queue.append(child)
    return []


LINE_FIELDS = ("quantity", "uom", "scrap_percent", "position", "reference_designators")


def _line_values(line: BomLine) -> dict:
    return {"quantity": line.quantity, "uom": line.uom.code, "scrap_percent": line.scrap_percent,
            "position": line.position, "reference_designators": line.reference_designators}


def bom_compare(*, revision_a: Revision, revision_b: Revision) -> dict:
    """Lines added, removed and changed from `revision_a` to `revision_b`, matched by component."""
    def lines_of(revision):
        grouped: dict[int, list[BomLine]] = {}
        for line in revision.bom_lines.select_related("component", "uom").order_by("position", "id"):
            grouped.setdefault(line.component_id, []).append(line)
        return grouped

    before, after = lines_of(revision_a), lines_of(revision_b)
    added, removed, changed, unchanged = [], [], [], 0
    for component_id in sorted(set(before) | set(after)):
        old, new = before.get(component_id, []), after.get(component_id, [])
        for index in range(max(len(old), len(new))):
            a = old[index] if index < len(old) else None
            b = new[index] if index < len(new) else None
            ref = b or a
            entry = {"component": component_id, "number": ref.component.number, "name": ref.component.name}
            if a is None:
                added.append({**entry, **_line_values(b)})
            elif b is None:
                removed.append({**entry, **_line_values(a)})
            else:
                va, vb = _line_values(a), _line_values(b)
                fields = [f for f in LINE_FIELDS if va[f] != vb[f]]
                if fields:
                    changed.append({**entry, "fields": fields, "before": va, "after": vb})
                else:
                    unchanged += 1
    key = lambda e: e["number"]  # noqa: E731
    return {"from_revision": revision_a.pk, "to_revision": revision_b.pk, "added": sorted(added, key=key),
            "removed": sorted(removed, key=key), "changed": sorted(changed, key=key), "unchanged": unchanged}


def cost_rollup(*, item: Item, quantity: Decimal = Decimal(1)) -> dict:
    """Material cost of `quantity` of `item`: leaf components' standard cost x exploded quantity (with scrap).

    Components that have a BOM of their own are costed through their components, not their own
    standard cost; an item without a BOM costs its standard cost.
    """
    quantity = Decimal(quantity)
    rows = bom_explode(item=item, quantity=quantity)
    if not rows:
        total = (item.standard_cost * quantity).quantize(FOUR_PLACES)
        return {"item": item.pk, "number": item.number, "quantity": quantity, "total_cost": total,
                "unit_cost": item.standard_cost.quantize(FOUR_PLACES), "lines": []}
    costs = dict(Item.objects.filter(pk__in={r.item for r in rows if r.is_leaf}).values_list("pk", "standard_cost"))
    lines: OrderedDict[int, dict] = OrderedDict()
    for row in rows:
        if not row.is_leaf:
            continue
        entry = lines.setdefault(row.item, {"item": row.item, "number": row.number, "uom": row.item_uom,
                                            "total_quantity": Decimal(0), "unit_cost": costs[row.item]})
        entry["total_quantity"] += row.total_quantity
    total = Decimal(0)
    for entry in lines.values():
        entry["extended_cost"] = (entry["total_quantity"] * entry["unit_cost"]).quantize(FOUR_PLACES)
        total += entry["extended_cost"]
    return {"item": item.pk, "number": item.number, "quantity": quantity, "total_cost": total,
            "unit_cost": (total / quantity).quantize(FOUR_PLACES),
            "lines": sorted(lines.values(), key=lambda e: e["number"])}

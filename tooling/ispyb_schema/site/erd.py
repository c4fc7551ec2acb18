# SPDX-License-Identifier: LGPL-3.0-or-later
"""Entity-relationship diagrams as inline SVG, drawn at build time (no JavaScript, no network).

Three columns: the tables a proposal touches in the middle, the tables they reference on the
left, the tables that reference them on the right. A box holds the table name and its key,
foreign-key and changed columns; a line runs from each foreign-key column to the table it
references. Colours come from CSS classes (``erd-added``, ``erd-removed``, …) in review.css.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from html import escape

from ..model import ForeignKey, Schema, Table

CHAR_W, ROW_H, HEAD_H, PAD = 7.2, 18, 24, 8  # a 12px monospace font
COLUMN_GAP, BOX_GAP, MARGIN_X, MARGIN_Y = 64, 12, 50, 10  # MARGIN_X holds the loops
MAX_ROWS, MAX_NEIGHBOURS, MAX_TYPE = 14, 10, 18


@dataclass(frozen=True)
class Diagram:
    svg: str  # empty when none of the tables exists in the schema
    width: int  # the natural width in pixels


@dataclass
class Row:
    column: str
    label: str
    type: str
    mark: str = ""  # added / removed / renamed / changed / ""


@dataclass
class Box:
    name: str
    kind: str  # touched / parent / child / more
    rows: list[Row] = field(default_factory=list)
    mark: str = ""  # the table's own change: added / removed / renamed / changed
    x: float = 0
    y: float = 0
    w: float = 0  # the width of its column, set by _place

    @property
    def natural_width(self) -> float:
        texts = [self.name] + [f"{r.label} {r.type}" for r in self.rows]
        return max(len(t) for t in texts) * CHAR_W + 2 * PAD + 12

    @property
    def height(self) -> float:
        return HEAD_H + len(self.rows) * ROW_H + (PAD if self.rows else 0)

    def row_y(self, column: str) -> float:
        """The middle of the column's row, or of the header when the column is not shown."""
        for index, row in enumerate(self.rows):
            if row.column == column:
                return self.y + HEAD_H + index * ROW_H + ROW_H / 2 + 2
        return self.y + HEAD_H / 2


def _short_type(table: Table, column: str) -> str:
    col = table.column(column)
    text = str(col.type) if col else ""
    return text if len(text) <= MAX_TYPE else text[:MAX_TYPE - 1] + "…"


def _row(table: Table, column: str, marks: dict[str, str], typed: bool = True) -> Row:
    pk = table.primary_key
    fk_cols = {c for fk in table.foreign_keys for c in fk.columns}
    prefix = "PK " if pk and column in pk.columns else ("FK " if column in fk_cols else "   ")
    return Row(column, prefix + column, _short_type(table, column) if typed else "",
               marks.get(column, ""))


def _touched_box(table: Table, marks: dict[str, str], table_mark: str) -> Box:
    keys = set(table.primary_key.columns if table.primary_key else ())
    keys |= {c for fk in table.foreign_keys for c in fk.columns}
    rows = [_row(table, c.name, marks) for c in table.columns
            if c.name in keys or c.name in marks]
    if len(rows) > MAX_ROWS:  # collapse unchanged key columns only: every change stays visible
        plain = [r for r in rows if not r.mark]
        hidden = min(len(plain), len(rows) - MAX_ROWS + 1)
        if hidden > 1:
            gone = {id(r) for r in plain[len(plain) - hidden:]}
            rows = [r for r in rows if id(r) not in gone] + [
                Row("", f"… {hidden} more key columns", "")]
    return Box(table.name, "touched", rows, table_mark)


def _neighbour_box(table: Table, kind: str, columns: list[str]) -> Box:
    unique = list(dict.fromkeys(columns))[:MAX_ROWS]
    return Box(table.name, kind, [_row(table, c, {}, typed=False) for c in unique])


def _capped(boxes: list[Box], what: str) -> list[Box]:
    if len(boxes) <= MAX_NEIGHBOURS:
        return boxes
    rest = len(boxes) - MAX_NEIGHBOURS + 1
    return boxes[:MAX_NEIGHBOURS - 1] + [Box(f"+ {rest} more {what} tables", "more")]


def _neighbours(schema: Schema, centre: list[Table]) -> tuple[list[Box], list[Box]]:
    names = {t.name for t in centre}
    parent_cols: dict[str, list[str]] = {}
    for table in centre:
        for fk in table.foreign_keys:
            if fk.ref_table not in names and schema.table(fk.ref_table):
                parent_cols.setdefault(fk.ref_table, []).extend(fk.ref_columns)
    child_cols: dict[str, list[str]] = {}
    for table in schema.tables:
        if table.name in names or table.name in parent_cols:
            continue
        for fk in table.foreign_keys:
            if fk.ref_table in names:
                child_cols.setdefault(table.name, []).extend(fk.columns)
    parents = [_neighbour_box(schema.table(n), "parent", c) for n, c in sorted(parent_cols.items())]
    children = [_neighbour_box(schema.table(n), "child", c) for n, c in sorted(child_cols.items())]
    return _capped(parents, "referenced"), _capped(children, "referencing")


def _place(columns: list[list[Box]]) -> tuple[float, float]:
    """Set every box's position; returns the drawing's width and height."""
    heights = [sum(b.height for b in col) + BOX_GAP * max(len(col) - 1, 0) for col in columns]
    total_h = max(heights) if heights else 0
    x = MARGIN_X
    for col, height in zip(columns, heights):
        if not col:
            continue
        width = max(b.natural_width for b in col)
        y = MARGIN_Y + (total_h - height) / 2
        for box in col:
            box.x, box.y, box.w = x, y, width
            y += box.height + BOX_GAP
        x += width + COLUMN_GAP
    return x - COLUMN_GAP + MARGIN_X, total_h + 2 * MARGIN_Y


def _edge(fk: ForeignKey, source: Box, target: Box, cls: str) -> str:
    """A curve from the foreign-key column to the referenced column, a dot at that end."""
    y1, y2 = source.row_y(fk.columns[0]), target.row_y(fk.ref_columns[0])
    if source is target:  # a self-reference: a loop on the right
        x1 = x2 = source.x + source.w
        c1 = c2 = x1 + 40
    elif target.x != source.x:  # neighbouring columns
        x1, x2 = ((source.x, target.x + target.w) if target.x < source.x
                  else (source.x + source.w, target.x))
        c1 = c2 = (x1 + x2) / 2
    else:  # two touched tables: a curve bulging to the left of the middle column
        x1 = x2 = source.x
        c1 = c2 = x1 - 45
    path = f"M{x1:.0f},{y1:.0f} C{c1:.0f},{y1:.0f} {c2:.0f},{y2:.0f} {x2:.0f},{y2:.0f}"
    title = escape(f"{fk.name}: {', '.join(fk.columns)} → {fk.ref_table}")
    return (f'<g class="erd-fk {cls}"><title>{title}</title><path d="{path}"/>'
            f'<circle cx="{x2:.0f}" cy="{y2:.0f}" r="3"/></g>')


def _box_svg(box: Box) -> str:
    width = box.w
    classes = f"erd-box erd-{box.kind}" + (f" erd-table-{box.mark}" if box.mark else "")
    out = [f'<g class="{classes}">',
           f'<rect class="erd-frame" x="{box.x:.0f}" y="{box.y:.0f}" width="{width:.0f}" '
           f'height="{box.height:.0f}" rx="4"/>',
           f'<rect class="erd-head" x="{box.x:.0f}" y="{box.y:.0f}" width="{width:.0f}" '
           f'height="{HEAD_H}" rx="4"/>',
           f'<text class="erd-name" x="{box.x + PAD:.0f}" y="{box.y + 16:.0f}">'
           f'{escape(box.name)}</text>']
    for index, row in enumerate(box.rows):
        top = box.y + HEAD_H + index * ROW_H + 2
        if row.mark:
            out.append(f'<rect class="erd-mark erd-{row.mark}" x="{box.x + 1:.0f}" '
                       f'y="{top:.0f}" width="{width - 2:.0f}" height="{ROW_H}"/>')
        text_cls = f' class="erd-{row.mark}-text"' if row.mark else ""
        out.append(f'<text{text_cls} x="{box.x + PAD:.0f}" y="{top + 13:.0f}">'
                   f'{escape(row.label)}</text>')
        if row.type:
            out.append(f'<text class="erd-type" x="{box.x + width - PAD:.0f}" '
                       f'y="{top + 13:.0f}" text-anchor="end">{escape(row.type)}</text>')
    out.append("</g>")
    return "".join(out)


def _view_box(schema: Schema, name: str, mark: str) -> Box:
    """A view the proposal adds or changes (a compatibility view, say): the tables it reads."""
    from ..changeset.sqlcheck import view_references

    view = schema.view(name)
    read = sorted({t for t, c in view_references(view.definition) if c is None}) if view else []
    return Box(f"{name} (view)", "view", [Row("", f"reads {t}", "") for t in read][:MAX_ROWS],
               mark)


def erd_svg(schema: Schema, touched: list[str], column_marks: dict[str, dict[str, str]],
            table_marks: dict[str, str], label: str,
            views: dict[str, str] | None = None) -> Diagram:
    """The diagram of ``touched`` (those present in ``schema``) and their neighbours;
    ``column_marks`` maps table → column → mark, ``table_marks`` table → mark, ``views`` the
    views to show with theirs."""
    centre = [schema.table(n) for n in touched if schema.table(n) is not None]
    shown_views = [_view_box(schema, n, m) for n, m in (views or {}).items()
                   if schema.view(n) is not None]
    if not centre and not shown_views:
        return Diagram("", 0)
    boxes = [_touched_box(t, column_marks.get(t.name, {}), table_marks.get(t.name, ""))
             for t in centre] + shown_views
    parents, children = _neighbours(schema, centre)
    width, height = _place([parents, boxes, children])
    by_name = {b.name: b for b in parents + boxes + children}
    edges = []
    for source in [b for b in boxes if b.kind != "view"] + [
            b for b in children if b.kind == "child"]:
        marks = column_marks.get(source.name, {})
        for fk in schema.table(source.name).foreign_keys:
            target = by_name.get(fk.ref_table)
            if target is not None and "touched" in (source.kind, target.kind):
                cls = f"erd-{marks[fk.columns[0]]}" if fk.columns[0] in marks else ""
                edges.append(_edge(fk, source, target, cls))
    body = "".join(edges) + "".join(_box_svg(b) for b in by_name.values())
    svg = (f'<svg xmlns="http://www.w3.org/2000/svg" class="erd" role="img" '
           f'viewBox="0 0 {width:.0f} {height:.0f}" width="{width:.0f}" height="{height:.0f}" '
           f'aria-label="{escape(label)}"><title>{escape(label)}</title>{body}</svg>')
    return Diagram(svg, round(width))

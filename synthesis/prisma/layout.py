"""Where each box of the PRISMA 2020 flow diagram goes (pure Python): boxes, lines of text, arrows.

The layout is the official template for new reviews (databases and registers; the "other methods"
column only when such sources exist) and, with previous studies, the template for updated reviews.
Both renderers (`svg.render_svg`, `figure.render_figure`) draw this one layout, so the page, the SVG,
PNG and PDF files show the same diagram.

Each box and each line has a `key`: the box's PRISMA2020 field name (or an entry's own key, such as a
database's), which the caller's link pattern turns into the address of that box's record list.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .flow import Column, Entry, PrismaCounts

FONT_SIZE = 13.0
LINE_HEIGHT = 17.0
PAD = 9.0
CHAR_WIDTH = 0.56 * FONT_SIZE  # average advance of DejaVu Sans / Arial at FONT_SIZE
PHASE_W = 30.0
MAIN_W, SIDE_W, OTHER_W, OTHER_SIDE_W, PREV_W = 330.0, 330.0, 260.0, 280.0, 230.0
GAP_X, COL_GAP, ROW_GAP, HEADER_H = 46.0, 46.0, 34.0, 44.0
MARGIN = 12.0


@dataclass(frozen=True)
class Line:
    text: str
    key: str = ""  # empty: the box's key
    bold: bool = False
    italic: bool = False
    indent: int = 0


@dataclass
class Box:
    key: str
    lines: list[Line]
    style: str = "box"  # box | header | header-other | phase
    x: float = 0.0
    y: float = 0.0
    w: float = 0.0
    h: float = 0.0
    vertical: bool = False  # phase bars: rotated text

    @property
    def cx(self) -> float:
        return self.x + self.w / 2

    @property
    def cy(self) -> float:
        return self.y + self.h / 2


@dataclass(frozen=True)
class Arrow:
    points: tuple[tuple[float, float], ...]


@dataclass
class Layout:
    width: float
    height: float
    boxes: list[Box] = field(default_factory=list)
    arrows: list[Arrow] = field(default_factory=list)


def _n(value: int) -> str:
    return f"(n\u00a0=\u00a0{value:,})"  # no-break spaces: the count is never split over two lines


def wrap(text: str, width: float, indent: int = 0, bold: bool = False) -> list[str]:
    """Greedy word wrap to the box width (approximate glyph widths; continuation lines indented)."""
    char = CHAR_WIDTH * (1.1 if bold else 1.0)
    limit = max(int((width - 2 * PAD - indent * 12) / char), 8)
    lines: list[str] = []
    current = ""
    for word in text.split(" "):
        if current and len(current) + 1 + len(word) > limit:
            lines.append(current)
            current = word
        else:
            current = f"{current} {word}" if current else word
        while len(current) > limit:  # a word longer than the box
            lines.append(current[:limit])
            current = current[limit:]
    lines.append(current)
    return lines


def _wrapped(lines: list[Line], width: float) -> list[Line]:
    out = []
    for line in lines:
        for number, part in enumerate(wrap(line.text, width, line.indent, line.bold)):
            indent = line.indent + (1 if number else 0)
            out.append(Line(part, line.key, line.bold, line.italic, indent))
    return out


def _box(key: str, lines: list[Line], width: float) -> Box:
    wrapped = _wrapped(lines, width)
    return Box(key=key, lines=wrapped, w=width, h=2 * PAD + LINE_HEIGHT * len(wrapped))


def _entries(entries: tuple[Entry, ...], fallback_key: str) -> list[Line]:
    return [Line(f"{entry.name} {_n(entry.n)}", entry.key or fallback_key, indent=1) for entry in entries]


def _identification(counts: PrismaCounts) -> Box:
    lines = [Line("Records identified from:", "identified", bold=True)]
    lines.append(Line(f"Databases {_n(counts.database_results)}", "database_results"))
    lines += _entries(counts.databases, "database_results")
    lines.append(Line(f"Registers {_n(counts.register_results)}", "register_results"))
    lines += _entries(counts.registers, "register_results")
    return _box("identified", lines, MAIN_W)


def _removed(counts: PrismaCounts) -> Box:
    lines = [
        Line("Records removed before screening:", "removed", bold=True),
        Line(f"Duplicate records {_n(counts.duplicates)}", "duplicates", indent=1),
        Line(
            f"Records marked as ineligible by automation tools {_n(counts.excluded_automatic)}",
            "excluded_automatic",
            indent=1,
        ),
        Line(f"Records removed for other reasons {_n(counts.excluded_other)}", "excluded_other", indent=1),
    ]
    return _box("removed", lines, SIDE_W)


def _awaiting(text: str, n: int, key: str) -> list[Line]:
    return [Line(f"{text} {_n(n)}", key, italic=True, indent=1)] if n else []


def _column_boxes(prefix: str, column: Column, width: float, side: float) -> dict[str, Box]:
    sought = [
        Line(f"Reports sought for retrieval {_n(column.sought)}", f"{prefix}_sought_reports", bold=True)
    ]
    sought += _awaiting("awaiting retrieval", column.awaiting_retrieval, f"{prefix}_awaiting_retrieval")
    assessed = [
        Line(f"Reports assessed for eligibility {_n(column.assessed)}", f"{prefix}_assessed", bold=True)
    ]
    assessed += _awaiting("awaiting a decision", column.awaiting_assessment, f"{prefix}_awaiting_assessment")
    excluded = [Line(f"Reports excluded {_n(column.excluded_total)}", f"{prefix}_excluded", bold=True)]
    excluded += [
        Line(f"{entry.name} {_n(entry.n)}", entry.key or f"{prefix}_excluded", indent=1)
        for entry in column.excluded
    ]
    return {
        "sought": _box(f"{prefix}_sought_reports", sought, width),
        "not_retrieved": _box(
            f"{prefix}_notretrieved_reports",
            [Line(f"Reports not retrieved {_n(column.not_retrieved)}", bold=True)],
            side,
        ),
        "assessed": _box(f"{prefix}_assessed", assessed, width),
        "excluded": _box(f"{prefix}_excluded", excluded, side),
    }


def _other_identification(counts: PrismaCounts) -> Box:
    lines = [Line("Records identified from:", "other_identified", bold=True)]
    names = {"websites": "Websites", "organisations": "Organisations", "citations": "Citation searching"}
    for kind, label in names.items():
        entries = tuple(entry for entry, entry_kind in counts.other_sources if entry_kind == kind)
        if not entries:
            continue
        key = {"websites": "website_results", "organisations": "organisation_results"}.get(
            kind, "citations_results"
        )
        lines.append(Line(f"{label} {_n(counts.other_results(kind))}", key))
        if len(entries) > 1 or entries[0].name != label:
            lines += _entries(entries, key)
    return _box("other_identified", lines, OTHER_W)


def _included(counts: PrismaCounts) -> list[Box]:
    new = _box(
        "new_reports",
        [
            Line(f"New studies included in review {_n(counts.new_studies)}", "new_studies", bold=True),
            Line(f"Reports of new included studies {_n(counts.new_reports)}", "new_reports", bold=True),
        ],
        MAIN_W,
    )
    boxes = [new]
    if counts.has_previous:
        boxes.append(
            _box(
                "total_reports",
                [
                    Line(
                        f"Total studies included in review {_n(counts.total_studies)}",
                        "total_studies",
                        bold=True,
                    ),
                    Line(
                        f"Reports of total included studies {_n(counts.total_reports)}",
                        "total_reports",
                        bold=True,
                    ),
                ],
                MAIN_W,
            )
        )
    if counts.syntheses:
        lines = [
            Line("Studies included in quantitative synthesis (meta-analysis):", "total_studies_ma", bold=True)
        ]
        lines += [
            Line(f"{entry.name} {_n(entry.n)}", entry.key or "total_studies_ma", indent=1)
            for entry in counts.syntheses
        ]
        boxes.append(_box("total_studies_ma", lines, MAIN_W))
    return boxes


def layout(counts: PrismaCounts) -> Layout:
    """Place every box of the diagram for these counts."""
    x_prev = MARGIN + PHASE_W + 16
    x_main = x_prev + (PREV_W + COL_GAP if counts.has_previous else 0)
    x_side = x_main + MAIN_W + GAP_X
    x_other = x_side + SIDE_W + COL_GAP
    x_other_side = x_other + OTHER_W + GAP_X
    right = (x_other_side + OTHER_SIDE_W) if counts.has_other_methods else (x_side + SIDE_W)

    main = {"identified": _identification(counts), "removed": _removed(counts)}
    screened = [Line(f"Records screened {_n(counts.records_screened)}", "records_screened", bold=True)]
    screened += _awaiting("awaiting a decision", counts.awaiting_screening, "awaiting_screening")
    main["screened"] = _box("records_screened", screened, MAIN_W)
    main["records_excluded"] = _box(
        "records_excluded", [Line(f"Records excluded {_n(counts.records_excluded)}", bold=True)], SIDE_W
    )
    dbr = _column_boxes("dbr", counts.dbr, MAIN_W, SIDE_W)
    other: dict[str, Box] = {}
    if counts.has_other_methods:
        other = _column_boxes("other", counts.other, OTHER_W, OTHER_SIDE_W)
    other_id = _other_identification(counts) if counts.has_other_methods else None
    not_sought = None
    if counts.has_other_methods and counts.other_not_sought:
        not_sought = _box(
            "other_not_sought",
            [
                Line(f"Records not sought {_n(counts.other_not_sought)}", bold=True),
                Line("duplicates, removed, or excluded on title/abstract", italic=True, indent=1),
            ],
            OTHER_SIDE_W,
        )
    included = _included(counts)

    rows: list[list[Box | None]] = [
        [main["identified"], main["removed"], other_id, not_sought],
        [main["screened"], main["records_excluded"]],
        [dbr["sought"], dbr["not_retrieved"], other.get("sought"), other.get("not_retrieved")],
        [dbr["assessed"], dbr["excluded"], other.get("assessed"), other.get("excluded")],
    ]
    rows += [[box] for box in included]
    lefts = {
        id(main["identified"]): x_main, id(main["removed"]): x_side,
        id(main["screened"]): x_main, id(main["records_excluded"]): x_side,
        id(dbr["sought"]): x_main, id(dbr["not_retrieved"]): x_side,
        id(dbr["assessed"]): x_main, id(dbr["excluded"]): x_side,
    }  # fmt: skip
    if other_id is not None:
        lefts[id(other_id)] = x_other
        lefts.update({id(other["sought"]): x_other, id(other["assessed"]): x_other})
        lefts.update({id(other["not_retrieved"]): x_other_side, id(other["excluded"]): x_other_side})
    if not_sought is not None:
        lefts[id(not_sought)] = x_other_side
    for box in included:
        lefts[id(box)] = x_main

    top = MARGIN + HEADER_H + ROW_GAP * 0.6
    row_tops = []
    for row in rows:
        present = [box for box in row if box is not None]
        height = max(box.h for box in present)
        for box in present:
            box.x, box.y, box.h = lefts[id(box)], top, height
        row_tops.append((top, height))
        top += height + ROW_GAP
    bottom = top - ROW_GAP

    result = Layout(width=right + MARGIN, height=bottom + MARGIN)
    result.boxes += _headers(counts, x_prev, x_main, x_side, x_other, x_other_side)
    result.boxes += _phases(row_tops, len(included))
    for row in rows:
        result.boxes += [box for box in row if box is not None]
    if counts.has_previous:
        previous = _box(
            "previous_reports",
            [
                Line(
                    f"Studies included in previous version of review {_n(counts.previous_studies)}",
                    "previous_studies",
                    bold=True,
                ),
                Line(
                    "Reports of studies included in previous version of review "
                    + _n(counts.previous_reports),
                    "previous_reports",
                    bold=True,
                ),
            ],
            PREV_W,
        )
        previous.x, previous.y = x_prev, row_tops[0][0]
        result.boxes.append(previous)
        total = included[1]
        result.arrows.append(
            Arrow(((previous.cx, previous.y + previous.h), (previous.cx, total.cy), (total.x, total.cy)))
        )
    result.arrows += _arrows(main, dbr, other, other_id, not_sought, included)
    return result


def _headers(counts: PrismaCounts, x_prev, x_main, x_side, x_other, x_other_side) -> list[Box]:
    headers = [
        Box(
            "identification_databases",
            [Line("Identification of new studies via databases and registers", bold=True)],
            "header",
            x_main,
            MARGIN,
            x_side + SIDE_W - x_main,
            HEADER_H,
        )
    ]
    if counts.has_other_methods:
        headers.append(
            Box(
                "identification_other",
                [Line("Identification of new studies via other methods", bold=True)],
                "header-other",
                x_other,
                MARGIN,
                x_other_side + OTHER_SIDE_W - x_other,
                HEADER_H,
            )
        )
    if counts.has_previous:
        headers.append(
            Box(
                "previous",
                [Line("Previous studies", bold=True)],
                "header-other",
                x_prev,
                MARGIN,
                PREV_W,
                HEADER_H,
            )
        )
    for header in headers:
        header.lines = _wrapped(header.lines, header.w)
    return headers


def _phases(row_tops: list[tuple[float, float]], included_rows: int) -> list[Box]:
    spans = [
        ("identification", "Identification", 0, 0),
        ("screening", "Screening", 1, 3),
        ("included", "Included", 4, 3 + included_rows),
    ]
    boxes = []
    for key, label, first, last in spans:
        y = row_tops[first][0]
        h = row_tops[last][0] + row_tops[last][1] - y
        boxes.append(Box(key, [Line(label, bold=True)], "phase", MARGIN, y, PHASE_W, h, vertical=True))
    return boxes


def _down(a: Box, b: Box) -> Arrow:
    return Arrow(((a.cx, a.y + a.h), (a.cx, b.y)))


def _right(a: Box, b: Box) -> Arrow:
    y = a.y + min(a.h, b.h) / 2
    return Arrow(((a.x + a.w, y), (b.x, y)))


def _arrows(main, dbr, other, other_id, not_sought, included) -> list[Arrow]:
    arrows = [
        _down(main["identified"], main["screened"]),
        _right(main["identified"], main["removed"]),
        _right(main["screened"], main["records_excluded"]),
        _down(main["screened"], dbr["sought"]),
        _right(dbr["sought"], dbr["not_retrieved"]),
        _down(dbr["sought"], dbr["assessed"]),
        _right(dbr["assessed"], dbr["excluded"]),
        _down(dbr["assessed"], included[0]),
    ]
    arrows += [_down(a, b) for a, b in zip(included, included[1:])]
    if other_id is not None:
        arrows += [
            _down(other_id, other["sought"]),
            _right(other["sought"], other["not_retrieved"]),
            _down(other["sought"], other["assessed"]),
            _right(other["assessed"], other["excluded"]),
        ]
        start = other["assessed"]
        target = included[0]
        arrows.append(
            Arrow(
                (
                    (start.cx, start.y + start.h),
                    (start.cx, target.cy),
                    (target.x + target.w, target.cy),
                )
            )
        )
        if not_sought is not None:
            arrows.append(_right(other_id, not_sought))
    return arrows

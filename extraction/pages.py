"""View-models for the extraction page: a form version + answers -> widgets the templates render.

Each widget knows its autosave address (`path`: "design.country", "arms.0.n", "@outcomes.0.arms.1.mean"),
the value to show and, for choices, which options are selected. No queries here.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.utils.html import escape, format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe

from . import outcomes as od
from .forms_schema import Field, FieldType, FormSchema, Section, is_blank

ARM_COLUMNS = {
    "continuous": ("n", "mean", "sd", "se", "ci_low", "ci_high", "median", "q1", "q3", "minimum", "maximum"),
    "binary": ("events", "total"),
}
COLUMN_LABELS = {
    "n": "n",
    "mean": "Mean",
    "sd": "SD",
    "se": "SE",
    "ci_low": "CI low",
    "ci_high": "CI high",
    "median": "Median",
    "q1": "Q1",
    "q3": "Q3",
    "minimum": "Min",
    "maximum": "Max",
    "events": "Events",
    "total": "Total",
    "estimate": "Estimate",
    "p_value": "P value",
    "ci_level": "CI level",
}
ESTIMATE_FIELDS = ("estimate", "se", "ci_low", "ci_high", "ci_level", "p_value")


@dataclass
class Widget:
    path: str
    id: str
    label: str
    type: str
    value: str = ""
    selected: set = field(default_factory=set)
    choices: tuple = ()
    required: bool = False
    help: str = ""
    unit: str = ""
    units: tuple = ()
    chosen_unit: str = ""
    min: float | None = None
    max: float | None = None
    disabled: bool = False

    @property
    def html(self) -> SafeString:
        """The input(s), every value escaped (format_html); one per widget is much cheaper than an include."""
        return render_input(self)

    @property
    def block_html(self) -> SafeString:
        """Label, input and help of a field in a plain section."""
        required = mark_safe(' <span class="req" title="required">*</span>') if self.required else ""
        help_text = format_html('<div class="help">{}</div>', self.help) if self.help else ""
        return format_html(
            '<div class="x-field x-{}"><label for="{}">{}{}</label>{}{}</div>',
            self.type,
            self.id,
            self.label,
            required,
            self.html,
            help_text,
        )

    def __html__(self) -> SafeString:  # a cell of a repeatable section's row (templates join them)
        return format_html('<td class="x-{}">{}</td>', self.type, self.html)

    def __str__(self) -> str:
        return self.__html__()


def _attrs(w: Widget) -> SafeString:
    return format_html(' data-path="{}"{}', w.path, mark_safe(" disabled") if w.disabled else "")


def _options(choices, selected) -> SafeString:
    return format_html_join(
        "",
        '<option value="{}"{}>{}</option>',
        ((v, mark_safe(" selected") if v in selected else "", label) for v, label in choices),
    )


def render_input(w: Widget) -> SafeString:
    attrs = _attrs(w)
    if w.type == FieldType.LONG_TEXT:
        return format_html(
            '<textarea id="{}" name="{}" rows="3"{}>{}</textarea>', w.id, w.path, attrs, w.value
        )
    if w.type == FieldType.YES_NO:
        options = _options((("yes", "Yes"), ("no", "No")), {w.value})
        return format_html(
            '<select id="{}" name="{}"{}><option value="">—</option>{}</select>', w.id, w.path, attrs, options
        )
    if w.type == FieldType.SINGLE_CHOICE:
        return format_html(
            '<select id="{}" name="{}"{}><option value="">—</option>{}</select>',
            w.id,
            w.path,
            attrs,
            _options(w.choices, {w.value}),
        )
    if w.type == FieldType.MULTIPLE_CHOICE:
        boxes = format_html_join(
            "",
            '<label class="check"><input type="checkbox" name="{}" value="{}"{}{}> {}</label>',
            (
                (w.path, v, attrs, mark_safe(" checked") if v in w.selected else "", label)
                for v, label in w.choices
            ),
        )
        return format_html(
            '<span class="multi" id="{}" data-path="{}"><input type="hidden" name="{}__multi" '
            'value="1">{}</span>',
            w.id,
            w.path,
            w.path,
            boxes,
        )
    if w.type in (FieldType.INTEGER, FieldType.DECIMAL):
        number = format_html(
            '<input type="text" inputmode="decimal" id="{}" name="{}" value="{}"{}>',
            w.id,
            w.path,
            w.value,
            attrs,
        )
        if w.units:
            unit = format_html(
                '<select name="{}__unit" aria-label="unit"{}>{}</select>',
                w.path,
                attrs,
                _options(((u, u) for u in w.units), {w.chosen_unit}),
            )
        else:
            unit = format_html('<span class="unit">{}</span>', w.unit) if w.unit else ""
        return format_html('<span class="num">{}{}</span>', number, unit)
    kind = "date" if w.type == FieldType.DATE else "text"
    return format_html('<input type="{}" id="{}" name="{}" value="{}"{}>', kind, w.id, w.path, w.value, attrs)


def _dom_id(path: str) -> str:
    return "f-" + path.replace("@", "").replace(".", "-")


def _text(value: Any) -> str:
    if is_blank(value):
        return ""
    if isinstance(value, float):
        return f"{value:g}" if abs(value) < 1e15 else str(value)
    return str(value)


def widget(f: Field, path: str, value: Any, disabled: bool = False) -> Widget:
    w = Widget(
        disabled=disabled,
        path=path,
        id=_dom_id(path),
        label=f.label,
        type=f.type.value,
        required=f.required,
        help=f.help,
        unit=f.unit,
        units=tuple(u for u in (f.unit, *f.units) if u) if f.units else (),
        min=f.min,
        max=f.max,
        choices=tuple((c.value, c.label) for c in f.choices),
    )
    if f.type == FieldType.MULTIPLE_CHOICE:
        w.selected = set(value or [])
    elif f.type == FieldType.YES_NO:
        w.value = "" if value is None else ("yes" if value else "no")
    elif isinstance(value, dict):
        w.value, w.chosen_unit = _text(value.get("value")), str(value.get("unit") or "")
    else:
        w.value = _text(value)
    if not w.chosen_unit:
        w.chosen_unit = f.unit
    return w


@dataclass
class SectionView:
    section: Section
    widgets: list[Widget] = field(default_factory=list)  # plain section
    rows: list[list[Widget]] = field(default_factory=list)  # repeatable section


def sections(schema: FormSchema, answers: dict, editable: bool = False) -> list[SectionView]:
    views = []
    for section in schema.sections:
        data = answers.get(section.key)
        view = SectionView(section)
        if section.repeatable:
            for i, row in enumerate(data or []):
                view.rows.append(
                    [widget(f, f"{section.key}.{i}.{f.key}", row.get(f.key)) for f in section.fields]
                )
        else:
            view.widgets = [
                widget(f, f"{section.key}.{f.key}", (data or {}).get(f.key)) for f in section.fields
            ]
        views.append(view)
    return views


@dataclass
class Cell:
    path: str
    id: str
    value: str
    disabled: bool = False

    @property
    def html(self) -> SafeString:
        # Hundreds per page: plain escaping instead of format_html (id and path are escaped as well).
        path, disabled = escape(self.path), " disabled" if self.disabled else ""
        return mark_safe(  # noqa: S308 - every interpolated value is escaped
            f'<input type="text" inputmode="decimal" id="{escape(self.id)}" name="{path}" data-path="{path}" '
            f'value="{escape(self.value)}" size="5"{disabled}>'
        )


@dataclass
class ArmView:
    name: str
    cells: list[Cell]
    derived: str
    formula: str = ""

    @property
    def cells_html(self) -> SafeString:
        return mark_safe("".join(f"<td>{c.html}</td>" for c in self.cells))  # noqa: S308 - cells are escaped


METHOD_SHORT = {
    od.Method.REPORTED: "as reported",
    od.Method.SD_FROM_SE: "SD from SE · Handbook 6.5.2.2",
    od.Method.SD_FROM_CI_T: "SD from CI with t · Handbook 6.5.2.2",
    od.Method.SD_FROM_CI_Z: "SD from CI · Handbook 6.5.2.2",
    od.Method.WAN_IQR: "median, IQR · Wan 2014 S3",
    od.Method.WAN_RANGE: "median, range · Wan 2014 S1",
    od.Method.WAN_IQR_RANGE: "median, IQR, range · Wan 2014 S2",
}


@dataclass
class OutcomeRowView:
    index: int
    title: str
    data: dict
    columns: tuple[str, ...]
    arms: list[ArmView]
    estimate_cells: list[tuple[str, Cell]]
    problems: list[str]

    @property
    def headers(self) -> list[str]:
        return [COLUMN_LABELS[c] for c in self.columns]


def derived_text(row: od.OutcomeData | None, arm: od.ArmData) -> tuple[str, str]:
    """(short text, full formula) of the mean/SD an arm's data gives for analysis."""
    if row is None or row.data_type != od.DataType.CONTINUOUS:
        return "", ""
    derived = od.arm_mean_sd(arm, row.ci_level)
    if derived is None:
        return "", ""
    how = METHOD_SHORT.get(derived.method, derived.method)
    return f"mean {derived.value:.4g}, SD {derived.spread:.4g} · {how}", derived.formula


def outcome_rows(rows: list[dict], names: dict[str, str], editable: bool = False) -> list[OutcomeRowView]:
    views = []
    for i, data in enumerate(rows):
        title = f"{names.get(data.get('outcome'), data.get('outcome', ''))} at {data.get('time_point', '')}"
        parsed, problems = od.outcome_from_dict(data, title)
        if parsed is not None:
            problems += od.validate_outcome(parsed, title)
        by_arm = {a.arm: a for a in parsed.arms} if parsed else {}
        estimate = data.get("data_type") == "generic" or data.get("measure") == "mean_difference"
        columns = () if estimate else ARM_COLUMNS.get(data.get("data_type"), ())
        arms = []
        for j, arm in enumerate(data.get("arms") or []):
            cells = [
                Cell(
                    f"@outcomes.{i}.arms.{j}.{c}",
                    _dom_id(f"@outcomes.{i}.arms.{j}.{c}"),
                    _text(arm.get(c)),
                    not editable,
                )
                for c in columns
            ]
            parsed_arm = by_arm.get(str(arm.get("arm") or ""))
            text, formula = derived_text(parsed, parsed_arm) if parsed_arm else ("", "")
            arms.append(ArmView(str(arm.get("arm") or ""), cells, text, formula))
        estimate_cells = []
        if estimate:
            estimate_cells = [
                (
                    COLUMN_LABELS[name],
                    Cell(
                        f"@outcomes.{i}.{name}",
                        _dom_id(f"@outcomes.{i}.{name}"),
                        _text(data.get(name)),
                        not editable,
                    ),
                )
                for name in ESTIMATE_FIELDS
            ]
        views.append(
            OutcomeRowView(i, title, data, columns, arms, estimate_cells, [p.message for p in problems])
        )
    return views

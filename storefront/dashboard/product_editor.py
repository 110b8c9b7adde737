"""The product editor's state: option boxes and the variant grid, read from the saved product or from a post, the
grid worked out again whenever the options change, and turned into the catalog service's arguments.

It works without JavaScript: "Update the variant list" posts the form and the page comes back with the grid for
the options as they now stand, keeping what the seller typed; "Save" writes it through one service call.
"""

import json
from dataclasses import dataclass, field
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.http import QueryDict
from django.utils.translation import gettext

from platform.kit.money import format_amount
from storefront.catalog import variant_grid
from storefront.catalog.models import MAX_OPTIONS, MAX_VARIANTS, Product, ProductVariant
from storefront.catalog.services import OptionSpec, VariantRow
from storefront.catalog.variant_grid import Combination, OptionDraft
from storefront.themes.selectors import store_currency

SPARE_VALUE_BOXES = 2
# The most value boxes read from one option of a post: a page never shows more.
MAX_VALUE_BOXES = MAX_VARIANTS + SPARE_VALUE_BOXES
ROW_FIELDS = ("sku", "price", "compare_at_price", "stock", "weight_grams")
ROW_LABELS = {"sku": "SKU", "price": "Price", "compare_at_price": "Compare-at price", "stock": "Stock",
              "weight_grams": "Weight"}  # fmt: skip


@dataclass
class OptionBoxes:
    """One option's boxes: its name and one box per value, each with the saved name or value it continues."""

    slot: int
    name: str = ""
    was: str = ""
    values: list[tuple[str, str]] = field(default_factory=list)
    spares: int = SPARE_VALUE_BOXES
    name_errors: list[str] = field(default_factory=list)
    value_errors: list[str] = field(default_factory=list)

    @property
    def used(self) -> bool:
        return bool(self.name.strip()) or any(value.strip() for value, _ in self.values)

    def draft(self) -> OptionDraft:
        filled = [(value.strip(), was) for value, was in self.values if value.strip()]
        return OptionDraft(
            name=self.name.strip(),
            values=tuple(value for value, _ in filled),
            was=self.was,
            values_was=tuple(was for _, was in filled),
        )

    @property
    def boxes(self) -> list[tuple[int, str, str]]:
        """(number, value, was) of the boxes to show: the filled ones, then empty ones to add values in."""
        filled = [(value, was) for value, was in self.values if value.strip()]
        boxes = [*filled, *[("", "")] * self.spares]
        return [(number, value, was) for number, (value, was) in enumerate(boxes, start=1)]


@dataclass
class OptionsForm:
    """Every option slot of a product (MAX_OPTIONS), and what is wrong with the options as a whole."""

    slots: list[OptionBoxes]
    errors: list[str] = field(default_factory=list)

    @classmethod
    def empty(cls, spares: int = SPARE_VALUE_BOXES) -> "OptionsForm":
        return cls([OptionBoxes(slot, spares=spares) for slot in range(1, MAX_OPTIONS + 1)])

    @classmethod
    def of(cls, product: Product) -> "OptionsForm":
        options = list(product.options.all())
        slots = [
            OptionBoxes(slot, name=option.name, was=option.name, values=[(value, value) for value in option.values])
            for slot, option in enumerate(options, start=1)
        ]
        return cls([*slots, *[OptionBoxes(slot) for slot in range(len(slots) + 1, MAX_OPTIONS + 1)]])

    @classmethod
    def from_post(cls, data: QueryDict, spares: int = SPARE_VALUE_BOXES) -> "OptionsForm":
        slots = []
        for slot in range(1, MAX_OPTIONS + 1):
            prefix = f"option-{slot}"
            count = min(_whole(data.get(f"{prefix}-values")) or 0, MAX_VALUE_BOXES)
            values = [
                (data.get(f"{prefix}-value-{number}", ""), data.get(f"{prefix}-value-{number}-was", ""))
                for number in range(1, count + 1)
            ]
            if data.get(f"{prefix}-remove"):
                # Removed: shown as an empty slot, and its saved option is continued by none.
                slots.append(OptionBoxes(slot, spares=spares))
                continue
            slots.append(
                OptionBoxes(
                    slot,
                    name=data.get(f"{prefix}-name", ""),
                    was=data.get(f"{prefix}-was", ""),
                    values=values,
                    spares=spares,
                )
            )
        form = cls(slots)
        form.show(variant_grid.grid_errors([(draft.name, draft.values) for draft in form.drafts]))
        return form

    @property
    def used(self) -> list[OptionBoxes]:
        return [slot for slot in self.slots if slot.used]

    @property
    def drafts(self) -> list[OptionDraft]:
        return [slot.draft() for slot in self.used]

    @property
    def specs(self) -> list[OptionSpec]:
        return [OptionSpec(draft.name, list(draft.values)) for draft in self.drafts]

    @property
    def has_errors(self) -> bool:
        return bool(self.errors) or any(slot.name_errors or slot.value_errors for slot in self.slots)

    def show(self, errors: dict[str, list[str]]) -> dict[str, list[str]]:
        """Put the ``options…`` errors next to their boxes; returns the errors that are not about options."""
        rest: dict[str, list[str]] = {}
        used = self.used
        for key, messages in errors.items():
            parts = key.split(".")
            if parts[0] != "options":
                rest[key] = messages
            elif len(parts) == 3 and parts[1].isdigit() and int(parts[1]) < len(used):
                slot = used[int(parts[1])]
                (slot.name_errors if parts[2] == "name" else slot.value_errors).extend(messages)
            else:
                self.errors.extend(messages)
        return rest


@dataclass
class GridRow:
    """One combination of values in the grid: the saved variant it continues, if any, and its boxes as typed."""

    combination: Combination
    variant_id: int | None = None
    sell: bool = True
    sku: str = ""
    price: str = ""
    compare_at_price: str = ""
    stock: str = "0"
    stock_seen: str = ""
    weight_grams: str = "0"
    track_inventory: bool = False
    errors: dict[str, list[str]] = field(default_factory=dict)

    @property
    def key(self) -> str:
        return json.dumps(list(self.combination))

    @property
    def title(self) -> str:
        # A product without options has one variant; the editor names it in the page's language.
        return " / ".join(self.combination) or gettext("Default")

    @property
    def messages(self) -> list[str]:
        """The row's errors, each saying which box it is about unless it already does."""
        shown: list[str] = []
        for name, messages in self.errors.items():
            label = ROW_LABELS.get(name, "")
            shown.extend(f"{label}: {m}" if label and not m.startswith(label) else m for m in messages)
        return shown

    @classmethod
    def of(cls, variant: ProductVariant, combination: Combination) -> "GridRow":
        return cls(
            combination,
            variant_id=variant.pk,
            sku=variant.sku,
            price=_amount(variant.price),
            compare_at_price=_amount(variant.compare_at_price),
            stock=str(variant.stock),
            stock_seen=str(variant.stock),
            weight_grams=str(variant.weight_grams),
            track_inventory=variant.track_inventory,
        )

    @classmethod
    def like(cls, model: ProductVariant | None, combination: Combination, *, sell: bool) -> "GridRow":
        """A new combination, priced and weighed like its closest saved variant, which the seller can change."""
        if model is None:
            return cls(combination, sell=sell)
        return cls(
            combination,
            sell=sell,
            price=_amount(model.price),
            compare_at_price=_amount(model.compare_at_price),
            weight_grams=str(model.weight_grams),
            track_inventory=model.track_inventory,
        )

    def moved_to(self, combination: Combination) -> "GridRow":
        return GridRow(
            combination,
            variant_id=self.variant_id,
            sell=self.sell,
            sku=self.sku,
            price=self.price,
            compare_at_price=self.compare_at_price,
            stock=self.stock,
            stock_seen=self.stock_seen,
            weight_grams=self.weight_grams,
            track_inventory=self.track_inventory,
        )

    def to_service(self) -> VariantRow:
        """The row as the service takes it; whole numbers are checked first (``errors``)."""
        stock, weight = _whole(self.stock), _whole(self.weight_grams)
        if stock is None:
            self.errors.setdefault("stock", []).append("Stock is a whole number, such as 12.")
        if weight is None or weight < 0:
            self.errors.setdefault("weight_grams", []).append("Weight is a whole number of grams, 0 or more.")
        return VariantRow(
            options=list(self.combination),
            id=self.variant_id,
            sku=self.sku.strip() or None,
            price=self.price,
            compare_at_price=self.compare_at_price.strip() or None,
            stock=stock,
            stock_seen=_whole(self.stock_seen) if self.variant_id else None,
            weight_grams=weight,
            track_inventory=self.track_inventory,
        )


@dataclass
class VariantEditor:
    """The options and the grid of their combinations, as the edit page shows and posts them."""

    options: OptionsForm
    rows: list[GridRow]
    errors: list[str] = field(default_factory=list)
    # The options changed since the grid was shown: the page shows the new grid instead of saving.
    changed: bool = False
    notice: str = ""

    @classmethod
    def of(cls, product: Product) -> "VariantEditor":
        options = OptionsForm.of(product)
        return cls(options, _grid(product, options.drafts, posted=[], initial=True))

    @classmethod
    def from_post(cls, product: Product, data: QueryDict) -> "VariantEditor":
        options = OptionsForm.from_post(data)
        posted = _posted_rows(data)
        if options.has_errors:
            return cls(options, posted)
        rows = _grid(product, options.drafts, posted=posted, initial=False)
        before = [(row.combination, row.variant_id) for row in posted]
        return cls(options, rows, changed=before != [(row.combination, row.variant_id) for row in rows])

    @property
    def has_errors(self) -> bool:
        return bool(self.errors) or self.options.has_errors or any(row.errors for row in self.rows)

    def service_rows(self) -> list[VariantRow] | None:
        """The rows on sale as save_product_variants takes them, or None when one can't be (shown on the row)."""
        rows = [row.to_service() for row in self.rows if row.sell]
        if not rows:
            self.errors.append("Sell at least one variant; to stop selling the product, archive it.")
        return None if self.has_errors else rows

    def show(self, error: ValidationError) -> None:
        """Put the service's errors next to their boxes: ``variants.N.…`` is the Nth row on sale."""
        if not hasattr(error, "error_dict"):
            self.errors.extend(error.messages)
            return
        selling = [row for row in self.rows if row.sell]
        for key, messages in self.options.show(error.message_dict).items():
            parts = key.split(".")
            if parts[0] == "variants" and len(parts) == 3 and parts[1].isdigit() and int(parts[1]) < len(selling):
                name = parts[2] if parts[2] in ROW_FIELDS else "row"
                selling[int(parts[1])].errors.setdefault(name, []).extend(messages)
            else:
                self.errors.extend(messages)


def _grid(product: Product, drafts: list[OptionDraft], *, posted: list[GridRow], initial: bool) -> list[GridRow]:
    """A row per combination of the drafts' values, each continuing its saved variant (variant_grid.carry_over).

    What the seller typed in the posted rows stays: a kept variant's row is found by the variant, a new one by its
    values. A combination new to the page is on sale (the seller just added its value), except on the first view,
    where a combination the product lacks is shown unticked.
    """
    saved_options = list(product.options.all())
    saved_variants = list(product.variants.all())
    kept = variant_grid.carry_over(drafts, saved_options, saved_variants)
    by_id = {row.variant_id: row for row in posted if row.variant_id}
    by_values = {row.combination: row for row in posted if not row.variant_id}
    rows = []
    for combination in variant_grid.combinations([draft.values for draft in drafts]):
        variant = kept.get(combination)
        if variant is not None:
            typed = by_id.get(variant.pk)
            rows.append(typed.moved_to(combination) if typed else GridRow.of(variant, combination))
        elif combination in by_values:
            rows.append(by_values[combination])
        else:
            rows.append(GridRow.like(variant_grid.closest(combination, kept), combination, sell=not initial))
    return rows


def _posted_rows(data: QueryDict) -> list[GridRow]:
    rows = []
    for number in range(1, min(_whole(data.get("rows")) or 0, MAX_VARIANTS) + 1):
        prefix = f"row-{number}"
        try:
            combination = json.loads(data.get(f"{prefix}-key", ""))
        except ValueError:
            continue  # not a row this page rendered; the grid is worked out again without it
        if not isinstance(combination, list) or not all(isinstance(value, str) for value in combination):
            continue
        rows.append(
            GridRow(
                tuple(combination),
                variant_id=_whole(data.get(f"{prefix}-id")),
                sell=bool(data.get(f"{prefix}-sell")),
                sku=data.get(f"{prefix}-sku", ""),
                price=data.get(f"{prefix}-price", ""),
                compare_at_price=data.get(f"{prefix}-compare_at_price", ""),
                stock=data.get(f"{prefix}-stock", ""),
                stock_seen=data.get(f"{prefix}-stock_seen", ""),
                weight_grams=data.get(f"{prefix}-weight_grams", ""),
                track_inventory=bool(data.get(f"{prefix}-track_inventory")),
            )
        )
    return rows


def _amount(amount: Decimal | None) -> str:
    """An amount as the store's currency writes it ("12.50", "1500" in yen); "" for none."""
    return "" if amount is None else format_amount(amount, currency=store_currency())


def _whole(value: str | None) -> int | None:
    """``value`` as an int when it is a whole number written in ASCII digits (with an optional minus), else None."""
    text = (value or "").strip()
    digits = text[1:] if text.startswith("-") else text
    if not digits or not digits.isascii() or not digits.isdigit() or len(digits) > 10:
        return None
    return int(text)

"""A product's variant grid: the rules its options follow, the value combinations they make, and which saved
variant each combination continues when a seller renames, adds or removes options and values."""

import math
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import product as cartesian_product

from .models import MAX_OPTIONS, MAX_VARIANTS, ProductOption, ProductVariant

OPTION_NAME_MAX_LENGTH = 50
OPTION_VALUE_MAX_LENGTH = 64

Combination = tuple[str, ...]


@dataclass(frozen=True)
class OptionDraft:
    """An option as the seller left it: its name and values, and the saved option and values each continues.

    ``was`` is the saved option's name ("" for a new option); ``values_was`` holds, for each value, the saved value
    it continues ("" for a new value), so a renamed value keeps its variants instead of replacing them.
    """

    name: str
    values: tuple[str, ...]
    was: str = ""
    values_was: tuple[str, ...] = ()


def option_errors(options: Sequence[tuple[str, Sequence[str]]]) -> dict[str, list[str]]:
    """What is wrong with these (name, values) options, keyed ``options``, ``options.N.name``, ``options.N.values``.

    Names and values are compared without case: "Size" and "size" side by side would confuse buyers.
    """
    errors: dict[str, list[str]] = {}
    if len(options) > MAX_OPTIONS:
        errors["options"] = [f"A product has at most {MAX_OPTIONS} options."]
    names_seen: set[str] = set()
    for index, (raw_name, raw_values) in enumerate(options):
        name = raw_name.strip()
        label = repr(name) if name else f"option {index + 1}"
        if not name:
            errors[f"options.{index}.name"] = ["Give the option a name, such as Size or Colour."]
        elif len(name) > OPTION_NAME_MAX_LENGTH:
            errors[f"options.{index}.name"] = [f"Option names are at most {OPTION_NAME_MAX_LENGTH} characters."]
        elif name.casefold() in names_seen:
            errors[f"options.{index}.name"] = [f"There are two options named {name!r}; give each option its own name."]
        names_seen.add(name.casefold())
        problems = []
        values = [value.strip() for value in raw_values]
        if not values:
            problems.append(f"Give {label} at least one value.")
        if any(not value for value in values):
            problems.append("Option values cannot be empty.")
        too_long = [value for value in values if len(value) > OPTION_VALUE_MAX_LENGTH]
        if too_long:
            problems.append(f"Option values are at most {OPTION_VALUE_MAX_LENGTH} characters: {too_long[0][:20]!r}….")
        values_seen: set[str] = set()
        for value in values:
            if value and value.casefold() in values_seen:
                problems.append(f"{label} has the value {value!r} twice; each value of an option must differ.")
                break
            values_seen.add(value.casefold())
        if problems:
            errors[f"options.{index}.values"] = problems
    return errors


def grid_errors(options: Sequence[tuple[str, Sequence[str]]]) -> dict[str, list[str]]:
    """``option_errors``, and whether the grid of every combination fits on the page (at most MAX_VARIANTS rows)."""
    errors = option_errors(options)
    count = combination_count([values for _, values in options])
    if count > MAX_VARIANTS and "options" not in errors:
        sizes = " x ".join(str(len(values)) for _, values in options)
        errors["options"] = [
            f"These options make {sizes} = {count} variants; a product has at most {MAX_VARIANTS}. "
            "Remove some values or an option."
        ]
    return errors


def combination_count(values: Sequence[Sequence[str]]) -> int:
    return math.prod(len(option_values) for option_values in values)


def combinations(values: Sequence[Sequence[str]]) -> list[Combination]:
    """Every combination of one value per option, in the options' order; one empty combination without options."""
    return [tuple(combination) for combination in cartesian_product(*values)]


def saved_combination(variant: ProductVariant, option_count: int) -> Combination:
    return tuple(getattr(variant, f"option{position}") for position in range(1, option_count + 1))


def carry_over(
    drafts: Sequence[OptionDraft], saved_options: Sequence[ProductOption], saved_variants: Sequence[ProductVariant]
) -> dict[Combination, ProductVariant]:
    """Which saved variant each new combination continues.

    A variant follows its values through renames; it takes the first value of an option added after it; it is
    dropped when one of its values is removed. When a removed option leaves two variants with the same values, the
    first (in the grid's order) keeps them and the others are dropped.
    """
    position_of = {option.name: option.position for option in saved_options}
    found: dict[Combination, ProductVariant] = {}
    for variant in saved_variants:
        combination: list[str] = []
        for draft in drafts:
            position = position_of.get(draft.was) if draft.was else None
            if position is None:
                if not draft.values:
                    break
                combination.append(draft.values[0])
                continue
            saved_value = getattr(variant, f"option{position}")
            renamed = next(
                (value for value, was in zip(draft.values, draft.values_was, strict=False) if was == saved_value),
                None,
            )
            if renamed is None:
                break
            combination.append(renamed)
        else:
            found.setdefault(tuple(combination), variant)
    return found


def closest(combination: Combination, kept: dict[Combination, ProductVariant]) -> ProductVariant | None:
    """The kept variant sharing the most values with ``combination`` (the first of equals): a new variant's model."""
    best, best_shared = None, -1
    for other, variant in kept.items():
        shared = sum(1 for mine, theirs in zip(combination, other, strict=False) if mine == theirs)
        if shared > best_shared:
            best, best_shared = variant, shared
    return best

"""Menus: dishes per day, the weekly vegetarian menu, the 14 regulated allergens."""
from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from chalicelib.domain.calendar import parse_date
from chalicelib.domain.errors import ValidationError

# Regulation (EU) No 1169/2011, annex II: the 14 allergens to declare.
ALLERGENS = {
    "gluten": "Gluten", "crustaces": "Crustacés", "oeufs": "Œufs", "poissons": "Poissons",
    "arachides": "Arachides", "soja": "Soja", "lait": "Lait", "fruits_a_coque": "Fruits à coque",
    "celeri": "Céleri", "moutarde": "Moutarde", "sesame": "Sésame",
    "sulfites": "Anhydride sulfureux et sulfites", "lupin": "Lupin", "mollusques": "Mollusques",
}
MAX_DISHES = 8


def parse_week(monday_text: str, data: dict[str, Any]) -> tuple[date, dict[date, tuple[bool, list]]]:
    """Validate a week's menu; returns its Monday and (vegetarian, dishes) per day."""
    monday = parse_date(monday_text, "week")
    if monday.isoweekday() != 1:
        raise ValidationError("La semaine est désignée par la date de son lundi.", field="week")
    raw_days = data.get("days")
    if not isinstance(raw_days, list) or len(raw_days) > 7:
        raise ValidationError("Indiquez les jours de la semaine (7 au plus).", field="days")
    days: dict[date, tuple[bool, list]] = {}
    for index, raw in enumerate(raw_days):
        where = f"days[{index}]"
        if not isinstance(raw, dict):
            raise ValidationError("Jour invalide.", field=where)
        day = parse_date(raw.get("date"), f"{where}.date")
        if not monday <= day <= monday + timedelta(days=6):
            raise ValidationError("Ce jour n'appartient pas à la semaine.", field=f"{where}.date")
        if day in days:
            raise ValidationError("Ce jour apparaît deux fois.", field=f"{where}.date")
        vegetarian = raw.get("vegetarian", False)
        if not isinstance(vegetarian, bool):
            raise ValidationError("« vegetarian » doit valoir true ou false.",
                                  field=f"{where}.vegetarian")
        dishes_raw = raw.get("dishes", [])
        if not isinstance(dishes_raw, list) or len(dishes_raw) > MAX_DISHES:
            raise ValidationError(f"Au plus {MAX_DISHES} plats par jour.", field=f"{where}.dishes")
        dishes = []
        for d_index, dish in enumerate(dishes_raw):
            d_where = f"{where}.dishes[{d_index}]"
            if not isinstance(dish, dict):
                raise ValidationError("Plat invalide.", field=d_where)
            name = dish.get("name")
            name = " ".join(name.split()) if isinstance(name, str) else ""
            if not 1 <= len(name) <= 100:
                raise ValidationError("Le nom du plat doit faire 1 à 100 caractères.",
                                      field=f"{d_where}.name")
            allergens = dish.get("allergens", [])
            if not isinstance(allergens, list) or any(a not in ALLERGENS for a in allergens):
                raise ValidationError("Allergène inconnu.", field=f"{d_where}.allergens")
            dishes.append({"name": name,
                           "allergens": [a for a in ALLERGENS if a in set(allergens)]})
        days[day] = (vegetarian, dishes)
    return monday, days

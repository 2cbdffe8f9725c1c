/**
 * labels.js — French names of the codes the API uses (diets, service modes, weekdays,
 * zones). Pure, no DOM: importable from Node.
 */

/** Diets, as the RGPD allows them to be recorded (no religious label). */
export const MEAL_TYPES = [
  { code: 'standard', label: 'Standard' },
  { code: 'sans_porc', label: 'Sans porc' },
  { code: 'vegetarien', label: 'Végétarien' },
  { code: 'panier_pai', label: 'Panier repas (PAI)' },
];

/** A diet's French name ("Sans porc"), or the code itself when unknown. */
export function mealTypeLabel(code) {
  const found = MEAL_TYPES.find((m) => m.code === code);
  return found ? found.label : String(code ?? '');
}

/** How a service runs in the commune. */
export const SERVICE_MODES = [
  { code: 'booked', label: 'Réservé par les parents' },
  { code: 'attendance', label: 'Pointage sur place' },
  { code: 'off', label: 'Désactivé' },
];

/** ISO weekdays: 1 = lundi … 7 = dimanche. */
export const WEEKDAYS = [
  { value: 1, label: 'Lundi' },
  { value: 2, label: 'Mardi' },
  { value: 3, label: 'Mercredi' },
  { value: 4, label: 'Jeudi' },
  { value: 5, label: 'Vendredi' },
  { value: 6, label: 'Samedi' },
  { value: 7, label: 'Dimanche' },
];

/** School-holiday zones. */
export const ZONES = ['A', 'B', 'C'];

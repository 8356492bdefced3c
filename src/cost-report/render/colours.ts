import { MlopsStackError } from '../../errors';

/**
 * Colours of the HTML report. Every colour drawn on the white page has a contrast of at least 3:1 against
 * white (WCAG 2.1 success criterion 1.4.11, non-text contrast), so no series is a thin pale line or bar.
 *
 * @see https://www.w3.org/WAI/WCAG21/Understanding/non-text-contrast.html
 */

/**
 * Service colours, in the order they are handed out (the largest service of the page gets the first). Darkened
 * members of the Okabe-Ito and Tol sets: distinguishable with the common colour-vision deficiencies, no yellow,
 * no orange (kept for the untagged row) and no red (kept for anomalies).
 */
export const SERVICE_PALETTE: readonly string[] = [
  '#0072B2', // blue
  '#009E73', // bluish green
  '#CC79A7', // reddish purple
  '#332288', // indigo
  '#8A6A00', // ochre
  '#882255', // wine
  '#6A7A00', // olive
  '#9467BD', // violet
  '#0F7C8C', // teal
];

/** The "Other services" series: neutral, and still 4.5:1 on white. */
export const OTHER_SERVICES_COLOUR = '#767676';
/** The untagged row, wherever it is drawn as a row (share bars, untagged line). */
export const UNTAGGED_COLOUR = '#D55E00';
/** Tagged teams in the share chart. */
export const TAGGED_COLOUR = '#0072B2';
/** Anomaly markers and bands. */
export const ANOMALY_COLOUR = '#B00020';

/** WCAG relative luminance of a `#RRGGBB` colour. */
export function relativeLuminance(hex: string): number {
  const [r, g, b] = channels(hex).map(c => {
    const s = c / 255;
    return s <= 0.03928 ? s / 12.92 : Math.pow((s + 0.055) / 1.055, 2.4);
  });
  return 0.2126 * r + 0.7152 * g + 0.0722 * b;
}

/** WCAG contrast ratio of two `#RRGGBB` colours, from 1 to 21. */
export function contrastRatio(a: string, b: string): number {
  const [hi, lo] = [relativeLuminance(a), relativeLuminance(b)].sort((x, y) => y - x);
  return (hi + 0.05) / (lo + 0.05);
}

/** CIE76 colour difference (Euclidean distance in CIELAB, D65): about 2.3 is just noticeable, 20+ is distinct. */
export function colourDifference(a: string, b: string): number {
  const [l1, a1, b1] = lab(a);
  const [l2, a2, b2] = lab(b);
  return Math.hypot(l1 - l2, a1 - a2, b1 - b2);
}

/**
 * One colour per service for a whole page: a service has the same colour in every chart it is drawn in, and
 * no two services drawn in the same chart share one. Services are coloured largest first (by `totals`), each
 * with the first palette colour that no service it shares a chart with already has; a colour is reused only by
 * services that never meet in a chart. A service left without a colour (all colours taken around it) is
 * absent from the map: the caller draws it under "Other services".
 *
 * @param charts per chart, the services it would draw as their own series.
 * @param totals page-wide spend per service, to order them; services missing count as 0.
 * @param palette colours to hand out.
 */
export function assignServiceColours(
  charts: readonly (readonly string[])[], totals: ReadonlyMap<string, number>, palette: readonly string[] = SERVICE_PALETTE,
): Map<string, string> {
  const neighbours = new Map<string, Set<string>>();
  for (const services of charts) {
    for (const s of services) {
      let set = neighbours.get(s);
      if (!set) {
        set = new Set();
        neighbours.set(s, set);
      }
      for (const other of services) {
        if (other !== s) set.add(other);
      }
    }
  }
  const order = [...neighbours.keys()].sort((a, b) => (totals.get(b) ?? 0) - (totals.get(a) ?? 0) || a.localeCompare(b));
  const out = new Map<string, string>();
  for (const service of order) {
    const taken = new Set<string>();
    for (const n of neighbours.get(service)!) {
      const c = out.get(n);
      if (c !== undefined) taken.add(c);
    }
    const colour = palette.find(c => !taken.has(c));
    if (colour !== undefined) out.set(service, colour);
  }
  return out;
}

function channels(hex: string): [number, number, number] {
  const m = /^#([0-9a-f]{2})([0-9a-f]{2})([0-9a-f]{2})$/i.exec(hex);
  if (!m) {
    throw new MlopsStackError(`colour (${hex}) must be written #RRGGBB, e.g. #0072B2`);
  }
  return [parseInt(m[1], 16), parseInt(m[2], 16), parseInt(m[3], 16)];
}

function lab(hex: string): [number, number, number] {
  const [r, g, b] = channels(hex).map(c => {
    const s = c / 255;
    return s <= 0.04045 ? s / 12.92 : Math.pow((s + 0.055) / 1.055, 2.4);
  });
  const x = (0.4124 * r + 0.3576 * g + 0.1805 * b) / 0.95047;
  const y = 0.2126 * r + 0.7152 * g + 0.0722 * b;
  const z = (0.0193 * r + 0.1192 * g + 0.9505 * b) / 1.08883;
  const f = (t: number) => (t > 216 / 24389 ? Math.cbrt(t) : (24389 / 27 * t + 16) / 116);
  return [116 * f(y) - 16, 500 * (f(x) - f(y)), 200 * (f(y) - f(z))];
}

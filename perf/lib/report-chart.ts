/**
 * A small SVG line chart: panels stacked over one shared x axis, with vertical markers for the
 * moments that explain the curves (the sale opens, closes, sells out). No dependency: the
 * report needs lines, axes and a legend, and a chart library would add a canvas or a browser.
 */

export interface ChartSeries {
  label: string;
  color: string;
  /** One value per x; null leaves a gap (nothing was measured there). */
  values: Array<number | null>;
  dashed?: boolean;
}

export interface ChartPanel {
  title: string;
  series: ChartSeries[];
}

export interface ChartMarker {
  x: number;
  label: string;
}

export interface ChartSpec {
  title: string;
  subtitle: string;
  xLabel: string;
  x: number[];
  panels: ChartPanel[];
  markers: ChartMarker[];
}

const WIDTH = 960;
const PANEL_HEIGHT = 230;
const MARGIN = { left: 70, right: 190, top: 92, bottom: 48, between: 46 };
const FONT = 'font-family="system-ui, -apple-system, Segoe UI, sans-serif"';

export const PALETTE = ['#1f77b4', '#d62728', '#2ca02c', '#ff7f0e', '#9467bd', '#8c564b', '#e377c2', '#17becf'];

export function renderChart(spec: ChartSpec): string {
  const height = MARGIN.top + spec.panels.length * PANEL_HEIGHT + (spec.panels.length - 1) * MARGIN.between + MARGIN.bottom;
  const plotWidth = WIDTH - MARGIN.left - MARGIN.right;
  const xMax = niceMax(Math.max(1, ...spec.x));
  const xStep = niceStep(xMax);
  const xPos = (x: number) => MARGIN.left + (x / xMax) * plotWidth;

  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${height}" viewBox="0 0 ${WIDTH} ${height}" ${FONT}>`,
    `<rect width="${WIDTH}" height="${height}" fill="#ffffff"/>`,
    `<text x="${MARGIN.left}" y="28" font-size="17" font-weight="600" fill="#222">${escape(spec.title)}</text>`,
    `<text x="${MARGIN.left}" y="50" font-size="12" fill="#555">${escape(spec.subtitle)}</text>`,
  ];

  spec.panels.forEach((panel, index) => {
    const top = MARGIN.top + index * (PANEL_HEIGHT + MARGIN.between);
    const bottom = top + PANEL_HEIGHT;
    const yMax = niceMax(Math.max(1, ...panel.series.flatMap((s) => s.values.filter((v): v is number => v !== null))));
    const yStep = niceStep(yMax);
    const yPos = (y: number) => bottom - (y / yMax) * PANEL_HEIGHT;

    parts.push(`<text x="${MARGIN.left}" y="${top - 10}" font-size="13" font-weight="600" fill="#333">${escape(panel.title)}</text>`);
    for (let y = 0; y <= yMax + 1e-9; y += yStep) {
      parts.push(
        `<line x1="${MARGIN.left}" x2="${MARGIN.left + plotWidth}" y1="${round(yPos(y))}" y2="${round(yPos(y))}" stroke="#e5e5e5"/>`,
        `<text x="${MARGIN.left - 8}" y="${round(yPos(y) + 4)}" font-size="11" fill="#555" text-anchor="end">${formatTick(y)}</text>`,
      );
    }
    for (let x = 0; x <= xMax + 1e-9; x += xStep) {
      parts.push(`<line x1="${round(xPos(x))}" x2="${round(xPos(x))}" y1="${top}" y2="${bottom}" stroke="#f0f0f0"/>`);
      if (index === spec.panels.length - 1)
        parts.push(
          `<text x="${round(xPos(x))}" y="${bottom + 18}" font-size="11" fill="#555" text-anchor="middle">${formatTick(x)}</text>`,
        );
    }
    parts.push(`<rect x="${MARGIN.left}" y="${top}" width="${plotWidth}" height="${PANEL_HEIGHT}" fill="none" stroke="#999"/>`);

    for (const marker of spec.markers) {
      const x = round(xPos(marker.x));
      parts.push(`<line x1="${x}" x2="${x}" y1="${top}" y2="${bottom}" stroke="#555" stroke-dasharray="4 3"/>`);
      if (index === 0) parts.push(`<text x="${x + 4}" y="${top + 14}" font-size="11" fill="#333">${escape(marker.label)}</text>`);
    }

    for (const series of panel.series) {
      for (const run of segments(series.values)) {
        const points = run.map(([i, v]) => `${round(xPos(spec.x[i] ?? 0))},${round(yPos(v))}`).join(' ');
        const dash = series.dashed ? ' stroke-dasharray="6 3"' : '';
        parts.push(
          run.length === 1
            ? `<circle cx="${points.split(',')[0]}" cy="${points.split(',')[1]}" r="2" fill="${series.color}"/>`
            : `<polyline points="${points}" fill="none" stroke="${series.color}" stroke-width="1.8"${dash}/>`,
        );
      }
    }

    panel.series.forEach((series, i) => {
      const y = top + 12 + i * 18;
      const x = MARGIN.left + plotWidth + 14;
      const dash = series.dashed ? ' stroke-dasharray="6 3"' : '';
      parts.push(
        `<line x1="${x}" x2="${x + 22}" y1="${y}" y2="${y}" stroke="${series.color}" stroke-width="2.5"${dash}/>`,
        `<text x="${x + 28}" y="${y + 4}" font-size="12" fill="#333">${escape(series.label)}</text>`,
      );
    });
  });

  const lastBottom = height - MARGIN.bottom;
  parts.push(
    `<text x="${MARGIN.left + plotWidth / 2}" y="${lastBottom + 38}" font-size="12" fill="#333" text-anchor="middle">${escape(spec.xLabel)}</text>`,
    '</svg>',
  );
  return `${parts.join('\n')}\n`;
}

/** The runs of consecutive non-null values, as [index, value] pairs. */
function segments(values: Array<number | null>): Array<Array<[number, number]>> {
  const runs: Array<Array<[number, number]>> = [];
  let current: Array<[number, number]> = [];
  values.forEach((value, i) => {
    if (value === null) {
      if (current.length > 0) runs.push(current);
      current = [];
    } else current.push([i, value]);
  });
  if (current.length > 0) runs.push(current);
  return runs;
}

/** A step of 1, 2 or 5 × 10ⁿ that cuts [0, max] into about five intervals. */
function niceStep(max: number): number {
  const rough = max / 5;
  const magnitude = 10 ** Math.floor(Math.log10(rough));
  const fraction = rough / magnitude;
  return (fraction <= 1 ? 1 : fraction <= 2 ? 2 : fraction <= 5 ? 5 : 10) * magnitude;
}

function niceMax(max: number): number {
  const step = niceStep(max);
  return Math.ceil(max / step) * step;
}

function formatTick(value: number): string {
  if (value >= 10_000) return `${round(value / 1000)}k`;
  return String(round(value));
}

const round = (value: number) => Math.round(value * 100) / 100;

function escape(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

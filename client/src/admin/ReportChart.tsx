import { useEffect, useMemo, useRef } from 'react';
import type { ReportMinute } from '@flashsale/common/contract';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import { MINUTE_FIGURES, minuteColumns } from './report';

const CHART_HEIGHT = 260;

function chartOptions(width: number): uPlot.Options {
  // Stepped: a minute's count holds from its start to the next minute's.
  const stepped = uPlot.paths.stepped?.({ align: 1 });
  return {
    width,
    height: CHART_HEIGHT,
    series: [{}, ...MINUTE_FIGURES.map(({ label, colour }) => ({ label, stroke: colour, width: 2, paths: stepped }))],
    scales: { x: { time: true }, y: { range: (_u, _min, max) => [0, Math.max(5, max)] } },
    axes: [{}, { label: 'Shoppers per minute' }],
    legend: { live: true },
  };
}

/** The minutes as stepped lines (uPlot), redrawn whenever the report is refreshed. */
export function ReportChart({ minutes }: { minutes: readonly ReportMinute[] }) {
  const host = useRef<HTMLDivElement>(null);
  const columns = useMemo(() => minuteColumns(minutes), [minutes]);

  useEffect(() => {
    const element = host.current;
    if (!element) return;
    const chart = new uPlot(chartOptions(element.clientWidth || 600), columns, element);
    const resize = new ResizeObserver(() => chart.setSize({ width: element.clientWidth || 600, height: CHART_HEIGHT }));
    resize.observe(element);
    return () => {
      resize.disconnect();
      chart.destroy();
    };
  }, [columns]);

  return (
    <figure className="history-chart">
      <div
        ref={host}
        role="img"
        aria-label="Chart of shoppers joined, admitted, purchased, expired and left per minute; the table below has the same figures"
      />
      <figcaption>Per minute: shoppers who joined, were admitted, purchased, whose admission expired, and who left the queue.</figcaption>
    </figure>
  );
}

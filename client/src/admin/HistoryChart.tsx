import { useEffect, useRef } from 'react';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import { chartColumns, HISTORY_LENGTH, type Sample } from './history';

const HEIGHT = 260;

function chartOptions(width: number): uPlot.Options {
  return {
    width,
    height: HEIGHT,
    series: [
      {},
      { label: 'Admitted (total)', stroke: '#1f5fbf', width: 2, scale: 'count' },
      { label: 'Sold (total)', stroke: '#1a7f37', width: 2, scale: 'count' },
      { label: 'Waiting', stroke: '#b35900', width: 2, dash: [6, 4], scale: 'queue' },
    ],
    scales: {
      // Always the last five minutes, so the slope reads the same however long the console has been open.
      x: { time: true, range: (_u, _min, max) => lastFiveMinutes(max) },
      count: { range: (_u, min, max) => [0, Math.max(10, max, min)] },
      queue: { range: (_u, _min, max) => [0, Math.max(10, max)] },
    },
    axes: [{}, { scale: 'count', label: 'Admitted / sold' }, { scale: 'queue', side: 1, label: 'Waiting', grid: { show: false } }],
    legend: { live: true },
  };
}

function lastFiveMinutes(max: number | null): [number, number] {
  const end = max !== null && Number.isFinite(max) ? max : Date.now() / 1000;
  return [end - HISTORY_LENGTH, end];
}

/** Admissions, sales and the queue's length over the last five minutes (uPlot). */
export function HistoryChart({ history }: { history: readonly Sample[] }) {
  const host = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | null>(null);

  useEffect(() => {
    const element = host.current;
    if (!element) return;
    const chart = new uPlot(chartOptions(element.clientWidth || 600), chartColumns([]), element);
    plot.current = chart;
    const resize = new ResizeObserver(() => chart.setSize({ width: element.clientWidth || 600, height: HEIGHT }));
    resize.observe(element);
    return () => {
      resize.disconnect();
      chart.destroy();
      plot.current = null;
    };
  }, []);

  useEffect(() => {
    plot.current?.setData(chartColumns(history));
  }, [history]);

  return (
    <figure className="history-chart">
      <div ref={host} role="img" aria-label="Chart of admitted, sold and waiting shoppers over the last five minutes" />
      <figcaption>Admitted and sold (left axis, running totals) and shoppers waiting (right axis), last 5 minutes.</figcaption>
    </figure>
  );
}
